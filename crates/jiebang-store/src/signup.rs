//! Self-service accounts: sign-up with e-mail verification, password reset and change, and an
//! admin disabling an account.
//!
//! A link ([`AccountLink`]) is a random 256-bit secret that works once and expires
//! ([`LinkPurpose::lifetime_ms`]); only its sha256 is kept for checking. When the platform sends
//! mail, the secret also waits in the link's row until the mailer has sent it, and is erased then
//! (or when the link expires). Without mail the caller shows the link to whoever may pass it on.
//! Sign-ups, link requests and failed link redemptions are counted per address and per account
//! like failed sign-ins, so none of them can be hammered.

use serde::Serialize;
use sqlx::Row;

use crate::accounts::{USER_COLUMNS, hash_new_password, hash_secret, insert_user, new_secret, normalise_email};
use crate::columns::record;
use crate::{Result, Store, StoreError, User, audit, now_text};

/// What a link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    /// Confirms the account's e-mail address.
    Verify,
    /// Sets a new password.
    Reset,
    /// Sets the first password of an account a unit administrator invited (the reset page
    /// takes it); it proves the address, like a reset.
    Invite,
}

impl LinkPurpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verify => "verify",
            Self::Reset => "reset",
            Self::Invite => "invite",
        }
    }

    /// How long a link works: a day to verify, an hour to reset a password.
    pub fn lifetime_ms(self) -> i64 {
        match self {
            Self::Verify => 24 * 3600 * 1000,
            Self::Reset => 3600 * 1000,
            Self::Invite => 7 * 24 * 3600 * 1000,
        }
    }

    /// The page the link opens, with the secret.
    pub fn path(self, secret: &str) -> String {
        match self {
            Self::Verify => format!("/verify?token={secret}"),
            Self::Reset | Self::Invite => format!("/password/reset?token={secret}"),
        }
    }

    fn mail_text(self, name: &str) -> (String, String) {
        match self {
            Self::Verify => (
                "揭榜平台：请验证邮箱 / jiebang: confirm your e-mail address".into(),
                format!(
                    "{name}，您好：\n请在 24 小时内打开下面的链接，验证邮箱并启用账户。\n\nHello {name}, open the link below within 24 hours to confirm your address and enable your account."
                ),
            ),
            Self::Reset => (
                "揭榜平台：重设密码 / jiebang: reset your password".into(),
                format!(
                    "{name}，您好：\n请在 1 小时内打开下面的链接设置新密码。如果不是您本人申请，请忽略本邮件。\n\nHello {name}, open the link below within an hour to set a new password. If you did not ask for it, ignore this mail."
                ),
            ),
            Self::Invite => (
                "揭榜平台：您被邀请加入单位账户 / jiebang: you are invited to act for your unit".into(),
                format!(
                    "{name}，您好：\n您所在单位的管理员邀请您在揭榜平台代表本单位申报。请在 7 天内打开下面的链接设置密码，启用账户。\n\nHello {name}, your unit's administrator invited you to apply for it on jiebang. Open the link below within 7 days to set a password and enable your account."
                ),
            ),
        }
    }
}

/// A link just issued: the secret is in it this once.
#[derive(Debug, Clone)]
pub struct AccountLink {
    /// Whose account.
    pub user: User,
    /// What it does.
    pub purpose: LinkPurpose,
    /// The secret (never stored in the clear, except until a mail carrying it is sent).
    pub secret: String,
    /// When it stops working (milliseconds since the epoch).
    pub expires_ms: i64,
}

impl AccountLink {
    /// The page it opens, with the secret.
    pub fn path(&self) -> String {
        self.purpose.path(&self.secret)
    }
}

/// Counting windows and limits.
const HOUR_MS: i64 = 3600 * 1000;
/// Sign-ups from one address per hour.
pub const SIGN_UPS_PER_ADDRESS: i64 = 10;
/// Link requests (resend verification, reset password) for one account per hour.
pub const LINKS_PER_ACCOUNT: i64 = 5;
/// Link requests from one address per hour.
pub const LINKS_PER_ADDRESS: i64 = 20;
/// Links that did not work, from one address per hour.
pub const BAD_LINKS_PER_ADDRESS: i64 = 20;

impl Store {
    /// Signs up a new account, unverified, and issues its verification link; `mail`: the
    /// platform sends mail, so the link waits for the mailer.
    pub async fn sign_up(
        &self,
        email: &str,
        name: &str,
        password: &str,
        client: &str,
        mail: bool,
    ) -> Result<AccountLink> {
        let address = format!("sign-up:{client}");
        self.count_attempt(&[(&address, SIGN_UPS_PER_ADDRESS)], HOUR_MS, "注册", "sign-ups").await?;
        let mut problems = Vec::new();
        let email = normalise_email(email).map_err(|e| problems.push(e)).unwrap_or_default();
        let name =
            jiebang_core::error::required_text("name", name, 100).map_err(|e| problems.push(e)).unwrap_or_default();
        if let Err(e) = jiebang_core::password::check(password, &email) {
            problems.push(e);
        }
        if !problems.is_empty() {
            return Err(jiebang_core::Error::Invalid(problems).into());
        }
        let hash = hash_new_password(&self.hashing, password, &email).await?;
        let mut tx = self.begin_write().await?;
        let user = insert_user(&mut tx, &email, &name, hash, false).await?;
        let target = format!("user:{}", user.id);
        let details = serde_json::json!({"email": user.email, "name": user.name});
        audit::append(&mut tx, self.backend, Some(user.id), "user.sign_up", &target, details).await?;
        let link = insert_link(&mut tx, user, LinkPurpose::Verify, mail).await?;
        tx.commit().await?;
        Ok(link)
    }

    /// Issues a fresh link for an account (an admin resending the verification mail, or the
    /// owner asking through [`Store::request_link`]); earlier unused links of the purpose stop
    /// working. A verified account gets no verification link, a disabled one none at all.
    pub async fn issue_link(
        &self,
        user_id: i64,
        purpose: LinkPurpose,
        actor: Option<i64>,
        mail: bool,
    ) -> Result<AccountLink> {
        let user = self.get_user(user_id).await?;
        if user.disabled_at.is_some() {
            return Err(StoreError::Refused("账户已停用 / the account is disabled".into()));
        }
        if purpose == LinkPurpose::Verify && user.verified_at.is_some() {
            return Err(StoreError::Refused("邮箱已验证 / the e-mail address is already verified".into()));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE account_links SET used_at = $1, mail_secret = NULL, mail_status = 'superseded' WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL",
        )
        .bind(now_text())
        .bind(user.id)
        .bind(purpose.as_str())
        .execute(&mut *tx)
        .await?;
        let target = format!("user:{}", user.id);
        let details = serde_json::json!({"purpose": purpose.as_str()});
        audit::append(&mut tx, self.backend, actor, "user.link", &target, details).await?;
        let link = insert_link(&mut tx, user, purpose, mail).await?;
        tx.commit().await?;
        Ok(link)
    }

    /// A link asked for by e-mail address (resend verification, forgot password), counted per
    /// account and per address. `None` when there is no such account, or it may not have one —
    /// the caller answers the same either way, so the form does not tell who is registered.
    pub async fn request_link(
        &self,
        email: &str,
        purpose: LinkPurpose,
        client: &str,
        mail: bool,
    ) -> Result<Option<AccountLink>> {
        let email = normalise_email(email).map_err(jiebang_core::Error::from)?;
        let (account, address) = (format!("link:{email}"), format!("link:{client}"));
        let keys = [(account.as_str(), LINKS_PER_ACCOUNT), (address.as_str(), LINKS_PER_ADDRESS)];
        self.count_attempt(&keys, HOUR_MS, "发送链接", "link requests").await?;
        let Some(user) = self.find_user_by_email(&email).await? else { return Ok(None) };
        match self.issue_link(user.id, purpose, Some(user.id), mail).await {
            Ok(link) => Ok(Some(link)),
            Err(StoreError::Refused(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The account a link would act for, without using it up (the page that asks to confirm).
    pub async fn link_user(&self, secret: &str, purpose: LinkPurpose) -> Result<Option<User>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM account_links l JOIN users u ON u.id = l.user_id \
             WHERE l.secret_sha256 = $1 AND (l.purpose = $2 OR ($2 = 'reset' AND l.purpose = 'invite')) AND l.used_at IS NULL AND l.expires_ms > $3 AND u.disabled_at IS NULL"
        )))
        .bind(hash_secret(secret))
        .bind(purpose.as_str())
        .bind(crate::now_ms())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(record::<User>).transpose()
    }

    /// Uses a verification link: the account is verified and may sign in.
    pub async fn verify_email(&self, secret: &str, client: &str) -> Result<User> {
        let mut tx = self.begin_write().await?;
        let Some(user_id) = use_link(&mut tx, secret, LinkPurpose::Verify).await? else {
            drop(tx);
            return Err(self.bad_link(client).await);
        };
        sqlx::query("UPDATE users SET verified_at = $1 WHERE id = $2 AND verified_at IS NULL")
            .bind(now_text())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            self.backend,
            Some(user_id),
            "user.verify",
            &format!("user:{user_id}"),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        self.get_user(user_id).await
    }

    /// Uses a reset link: the password is replaced, every session ends, and the account counts
    /// as verified (the link proved the address).
    pub async fn reset_password(&self, secret: &str, password: &str, client: &str) -> Result<User> {
        // The link is looked at first and used up in the transaction: the slow hash of the new
        // password runs between, outside the write lock.
        let Some(user) = self.link_user(secret, LinkPurpose::Reset).await? else {
            return Err(self.bad_link(client).await);
        };
        let hash = hash_new_password(&self.hashing, password, &user.email).await?;
        let mut tx = self.begin_write().await?;
        if use_link(&mut tx, secret, LinkPurpose::Reset).await?.is_none() {
            drop(tx);
            return Err(self.bad_link(client).await);
        }
        sqlx::query("UPDATE users SET password_hash = $1, verified_at = COALESCE(verified_at, $2) WHERE id = $3")
            .bind(hash)
            .bind(now_text())
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.id).execute(&mut *tx).await?;
        let target = format!("user:{}", user.id);
        audit::append(&mut tx, self.backend, Some(user.id), "user.password_reset", &target, serde_json::json!({}))
            .await?;
        tx.commit().await?;
        self.get_user(user.id).await
    }

    /// Counts a link that did not work, and says so (or that there were too many).
    async fn bad_link(&self, client: &str) -> StoreError {
        let address = format!("bad-link:{client}");
        let keys = [(address.as_str(), BAD_LINKS_PER_ADDRESS)];
        match self.count_attempt(&keys, HOUR_MS, "无效链接", "links that did not work").await {
            Err(too_many) => too_many,
            Ok(()) => StoreError::Refused(
                "链接无效或已过期（每个链接只能使用一次）：请重新获取 / the link is invalid or has expired (each works once): ask for a new one".into(),
            ),
        }
    }

    /// Changes a signed-in user's password after checking the current one; their other
    /// sessions end. Wrong current passwords count as failed sign-ins.
    pub async fn change_password(&self, user_id: i64, current: &str, new: &str, client: &str) -> Result<()> {
        let user = self.get_user(user_id).await?;
        match self.authenticate(&user.email, current, client).await? {
            Some(_) => self.set_password(user_id, new).await,
            None => Err(jiebang_core::Error::Invalid(vec![jiebang_core::FieldError::new(
                "current_password",
                "当前密码不正确 / the current password is wrong",
            )])
            .into()),
        }
    }

    /// Changes a user's display name.
    pub async fn rename_user(&self, user_id: i64, name: &str) -> Result<User> {
        let name = jiebang_core::error::required_text("name", name, 100).map_err(jiebang_core::Error::from)?;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE users SET name = $1 WHERE id = $2").bind(&name).bind(user_id).execute(&mut *tx).await?;
        let details = serde_json::json!({"name": name});
        audit::append(&mut tx, self.backend, Some(user_id), "user.rename", &format!("user:{user_id}"), details).await?;
        tx.commit().await?;
        self.get_user(user_id).await
    }

    /// Disables an account (its sessions and API tokens stop working at once) or enables it
    /// again. An admin cannot disable their own account.
    pub async fn set_user_disabled(&self, actor: i64, user_id: i64, disabled: bool) -> Result<User> {
        if actor == user_id && disabled {
            return Err(StoreError::Refused("不能停用自己的账户 / you cannot disable your own account".into()));
        }
        let mut tx = self.begin_write().await?;
        let stamp = disabled.then(now_text);
        let done = sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
            .bind(stamp)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("user", user_id));
        }
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        }
        let action = if disabled { "user.disable" } else { "user.enable" };
        audit::append(&mut tx, self.backend, Some(actor), action, &format!("user:{user_id}"), serde_json::json!({}))
            .await?;
        tx.commit().await?;
        self.get_user(user_id).await
    }

    /// Link mails waiting for the mailer; secrets of links that expired unsent are erased first.
    pub(crate) async fn pending_link_mail(&self, limit: i64) -> Result<Vec<crate::OutgoingMail>> {
        let now = crate::now_ms();
        sqlx::query("UPDATE account_links SET mail_secret = NULL, mail_status = 'expired' WHERE mail_status = 'pending' AND expires_ms <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        let rows = sqlx::query(
            "SELECT l.id, l.purpose, l.mail_secret, l.mail_attempts, l.mail_note, u.email, u.name FROM account_links l JOIN users u ON u.id = l.user_id \
             WHERE l.mail_status = 'pending' ORDER BY l.id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let purpose = match row.try_get::<String, _>("purpose")?.as_str() {
                    "verify" => LinkPurpose::Verify,
                    "reset" => LinkPurpose::Reset,
                    "invite" => LinkPurpose::Invite,
                    other => return Err(StoreError::corrupt(format!("link purpose {other}"))),
                };
                let secret: Option<String> = row.try_get("mail_secret")?;
                let name: String = row.try_get("name")?;
                let (subject, mut body) = purpose.mail_text(&name);
                let note: String = row.try_get("mail_note")?;
                if !note.is_empty() {
                    body = format!("{note}\n\n{body}");
                }
                Ok(crate::OutgoingMail {
                    id: crate::MailId::Link(row.try_get("id")?),
                    address: row.try_get("email")?,
                    subject,
                    body,
                    link: purpose.path(&secret.unwrap_or_default()),
                    attempts: row.try_get("mail_attempts")?,
                })
            })
            .collect()
    }

    /// Records an attempt to send a link mail; once sent (or given up), its secret is erased.
    pub(crate) async fn record_link_mail_attempt(&self, id: i64, error: Option<&str>) -> Result<()> {
        let query = match error {
            None => sqlx::query(
                "UPDATE account_links SET mail_status = 'sent', mail_secret = NULL, mail_attempts = mail_attempts + 1 WHERE id = $1",
            )
            .bind(id),
            Some(error) => sqlx::query(
                "UPDATE account_links SET mail_attempts = mail_attempts + 1, mail_error = $1, \
                 mail_status = CASE WHEN mail_attempts + 1 >= $2 THEN 'failed' ELSE 'pending' END, \
                 mail_secret = CASE WHEN mail_attempts + 1 >= $2 THEN NULL ELSE mail_secret END WHERE id = $3",
            )
            .bind(error.to_owned())
            .bind(crate::MAX_MAIL_ATTEMPTS)
            .bind(id),
        };
        query.execute(&self.pool).await?;
        Ok(())
    }
}

async fn insert_link(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user: User,
    purpose: LinkPurpose,
    mail: bool,
) -> Result<AccountLink> {
    insert_link_with_note(tx, user, purpose, mail, "").await
}

/// An account made for someone invited (a colleague, a consortium's unit): unverified, with no
/// password that works until its `Invite` link sets one; `note` heads the invitation mail.
pub(crate) async fn invited_account(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    email: &str,
    name: &str,
    mail: bool,
    note: &str,
) -> Result<AccountLink> {
    let user = crate::accounts::insert_user(tx, email, name, "!invited".into(), false).await?;
    insert_link_with_note(tx, user, LinkPurpose::Invite, mail, note).await
}

/// [`insert_link`] with a paragraph the mail carries before its usual text (who invites the
/// recipient to what).
async fn insert_link_with_note(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user: User,
    purpose: LinkPurpose,
    mail: bool,
    note: &str,
) -> Result<AccountLink> {
    let secret = new_secret("");
    let expires_ms = crate::now_ms() + purpose.lifetime_ms();
    sqlx::query(
        "INSERT INTO account_links (user_id, purpose, secret_sha256, expires_ms, created_at, mail_secret, mail_status, mail_note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(user.id)
    .bind(purpose.as_str())
    .bind(hash_secret(&secret))
    .bind(expires_ms)
    .bind(now_text())
    .bind(mail.then(|| secret.clone()))
    .bind(if mail { "pending" } else { "none" })
    .bind(note)
    .execute(&mut **tx)
    .await?;
    Ok(AccountLink { user, purpose, secret, expires_ms })
}

/// Marks a live link used, in one statement so that two uses cannot both succeed; its user.
async fn use_link(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    secret: &str,
    purpose: LinkPurpose,
) -> Result<Option<i64>> {
    let row = sqlx::query(
        "UPDATE account_links SET used_at = $1, mail_secret = NULL \
         WHERE secret_sha256 = $2 AND (purpose = $3 OR ($3 = 'reset' AND purpose = 'invite')) AND used_at IS NULL AND expires_ms > $4 \
         AND user_id IN (SELECT id FROM users WHERE disabled_at IS NULL) RETURNING user_id",
    )
    .bind(now_text())
    .bind(hash_secret(secret))
    .bind(purpose.as_str())
    .bind(crate::now_ms())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match row {
        Some(row) => Some(row.try_get("user_id")?),
        None => None,
    })
}
