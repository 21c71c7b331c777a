//! In-app notifications and their e-mail outbox. A notification is written in the transaction
//! of the event it reports; the mailer (when SMTP is configured) sends the outbox afterwards, so
//! a slow or absent mail server never blocks a decision.

use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::columns::record;
use crate::{Result, Store, now_text};

/// A message to one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    /// Id.
    pub id: i64,
    /// Event kind, e.g. `application.returned`.
    pub kind: String,
    /// One line.
    pub title: String,
    /// Details.
    pub body: String,
    /// Where to look.
    pub link: String,
    /// Created.
    pub created_at: String,
    /// When the user opened their inbox after it arrived.
    pub read_at: Option<String>,
}

/// An e-mail waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// Which mail.
    pub id: MailId,
    /// Recipient.
    pub address: String,
    /// Subject.
    pub subject: String,
    /// Text body.
    pub body: String,
    /// The page it concerns, a path on the platform.
    pub link: String,
    /// Attempts so far.
    pub attempts: i64,
}

/// A mail waiting to be sent: a notification's copy, or a mail carrying an account link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailId {
    /// The outbox row of a notification.
    Notification(i64),
    /// An account link ([`crate::AccountLink`]).
    Link(i64),
}

impl std::fmt::Display for MailId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Notification(id) => write!(f, "outbox:{id}"),
            Self::Link(id) => write!(f, "link:{id}"),
        }
    }
}

/// Who receives a notification.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Audience<'a> {
    /// These users.
    Users(&'a [i64]),
    /// Everyone acting for an organization.
    Organization(i64),
    /// A program's organizers.
    Organizers(i64),
    /// Recommenders whose region covers `region_code`.
    Recommenders(&'a str),
}

async fn audience_users(tx: &mut Transaction<'static, Any>, audience: Audience<'_>) -> Result<Vec<i64>> {
    let (role, kind, id) = match audience {
        Audience::Users(users) => return Ok(users.to_vec()),
        Audience::Organization(org) => ("applicant", "organization", org.to_string()),
        Audience::Organizers(program) => ("organizer", "program", program.to_string()),
        Audience::Recommenders(region) => {
            let rows: Vec<(i64, String)> = sqlx::query_as(
                "SELECT user_id, scope_id FROM grants WHERE role = 'recommender' AND scope_kind = 'region'",
            )
            .fetch_all(&mut **tx)
            .await?;
            let mut users: Vec<i64> = rows
                .into_iter()
                .filter(|(_, scope)| jiebang_core::region::covers(scope, region))
                .map(|(user, _)| user)
                .collect();
            users.dedup();
            return Ok(users);
        }
    };
    Ok(sqlx::query_scalar("SELECT DISTINCT user_id FROM grants WHERE role = $1 AND scope_kind = $2 AND scope_id = $3")
        .bind(role)
        .bind(kind)
        .bind(id)
        .fetch_all(&mut **tx)
        .await?)
}

/// Writes a notification and its e-mail copy for every user in `audience`, within `tx`.
pub(crate) async fn notify(
    tx: &mut Transaction<'static, Any>,
    audience: Audience<'_>,
    kind: &str,
    title: &str,
    body: &str,
    link: &str,
) -> Result<()> {
    let now = now_text();
    for user in audience_users(tx, audience).await? {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO notifications (user_id, kind, title, body, link, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(user)
        .bind(kind)
        .bind(title)
        .bind(body)
        .bind(link)
        .bind(&now)
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO outbox (notification_id, address, status, created_at) SELECT $1, email, 'pending', $2 FROM users WHERE id = $3",
        )
        .bind(id)
        .bind(&now)
        .bind(user)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Attempts after which an e-mail is given up.
pub const MAX_MAIL_ATTEMPTS: i64 = 5;

impl Store {
    /// Writes one notification (and its e-mail copy) to a user, outside any other change.
    pub async fn notify_user(&self, user_id: i64, kind: &str, title: &str, body: &str, link: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        notify(&mut tx, Audience::Users(&[user_id]), kind, title, body, link).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A user's latest notifications, newest first.
    pub async fn list_notifications(&self, user_id: i64, limit: i64) -> Result<Vec<Notification>> {
        let rows = sqlx::query("SELECT * FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2")
            .bind(user_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record::<Notification>).collect()
    }

    /// Unread notifications of a user.
    pub async fn unread_notifications(&self, user_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Marks all of a user's notifications read.
    pub async fn mark_notifications_read(&self, user_id: i64) -> Result<()> {
        sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(now_text())
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// E-mails waiting to be sent: account links first (someone is waiting for them), then
    /// notifications, oldest first.
    pub async fn pending_mail(&self, limit: i64) -> Result<Vec<OutgoingMail>> {
        let mut mail = self.pending_link_mail(limit).await?;
        mail.extend(self.pending_notification_mail(limit - mail.len() as i64).await?);
        Ok(mail)
    }

    async fn pending_notification_mail(&self, limit: i64) -> Result<Vec<OutgoingMail>> {
        let rows = sqlx::query(
            "SELECT o.id, o.address, o.attempts, n.title, n.body, n.link FROM outbox o JOIN notifications n ON n.id = o.notification_id WHERE o.status = 'pending' ORDER BY o.id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OutgoingMail {
                    id: MailId::Notification(row.try_get("id")?),
                    address: row.try_get("address")?,
                    subject: row.try_get("title")?,
                    body: row.try_get("body")?,
                    link: row.try_get("link")?,
                    attempts: row.try_get("attempts")?,
                })
            })
            .collect()
    }

    /// Records a delivery attempt: sent, or the error (given up after [`MAX_MAIL_ATTEMPTS`]).
    pub async fn record_mail_attempt(&self, id: MailId, error: Option<&str>) -> Result<()> {
        let id = match id {
            MailId::Link(id) => return self.record_link_mail_attempt(id, error).await,
            MailId::Notification(id) => id,
        };
        match error {
            None => {
                sqlx::query("UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = $1 WHERE id = $2")
                    .bind(now_text())
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
            }
            Some(error) => {
                sqlx::query(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $1, status = CASE WHEN attempts + 1 >= $2 THEN 'failed' ELSE 'pending' END WHERE id = $3",
                )
                .bind(error)
                .bind(MAX_MAIL_ATTEMPTS)
                .bind(id)
                .execute(&self.pool)
                .await?;
            }
        }
        Ok(())
    }
}
