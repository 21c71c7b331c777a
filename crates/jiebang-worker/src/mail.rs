//! The mailer: sends the notification outbox over SMTP when a server is configured. Decisions
//! never wait for mail — notifications are written with the decision and the mailer delivers
//! their e-mail copies afterwards, retrying a failed address up to
//! [`jiebang_store::MAX_MAIL_ATTEMPTS`] times.

use jiebang_store::Store;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Why the mailer could not start.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The SMTP URL is malformed.
    #[error("SMTP 地址无效 / invalid SMTP URL: {0}")]
    Url(String),
    /// The sender address is malformed.
    #[error("发件人地址无效 / invalid sender address '{0}'")]
    From(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] jiebang_store::StoreError),
}

/// An SMTP connection setting and the sender.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    site: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl Mailer {
    /// `smtp://[user:pass@]host[:port]` (plain, e.g. a local relay), `smtp://…?tls=required`
    /// (STARTTLS) or `smtps://…` (TLS); the sender, e.g. `揭榜平台 <noreply@example.cn>`; and the
    /// site's public address that links in the mails start with.
    pub fn new(url: &str, from: &str, site: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Url(format!("{}: {e}", jiebang_store::redact(url))))?
            .build();
        let from = from.parse().map_err(|_| MailError::From(from.to_owned()))?;
        Ok(Self { transport, from, site: site.trim_end_matches('/').to_owned() })
    }

    /// Sends up to `batch` pending e-mails; returns how many were sent. A failed address is
    /// recorded and retried on a later call; it never stops the others.
    pub async fn deliver(&self, store: &Store, batch: i64) -> Result<usize, MailError> {
        let mut sent = 0;
        for mail in store.pending_mail(batch).await? {
            let outcome = match self.message(&mail) {
                Ok(message) => self.transport.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            match outcome {
                Ok(()) => {
                    store.record_mail_attempt(mail.id, None).await?;
                    sent += 1;
                }
                Err(error) => {
                    tracing::warn!(mail = %mail.id, attempt = mail.attempts + 1, %error, "mail not sent");
                    store.record_mail_attempt(mail.id, Some(&error)).await?;
                }
            }
        }
        Ok(sent)
    }

    fn message(&self, mail: &jiebang_store::OutgoingMail) -> Result<Message, String> {
        let to: Mailbox =
            mail.address.parse().map_err(|e| format!("收件地址无效 / bad address {}: {e}", mail.address))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .body(format!("{}\n\n{}{}\n", mail.body, self.site, mail.link))
            .map_err(|e| e.to_string())
    }
}
