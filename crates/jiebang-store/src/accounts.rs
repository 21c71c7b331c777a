//! Users, their grants, browser sessions and API tokens.
//!
//! Passwords are stored as argon2id PHC strings. Session and API tokens are random 256-bit
//! secrets given to the client once; only their sha256 is stored, so a leaked database does not
//! leak live credentials.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use jiebang_core::FieldError;
use jiebang_core::role::{Grant, Principal, Role, Scope};
use rand::Rng;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::columns::record;
use crate::error::is_unique_violation;
use crate::{Page, PageRequest, Result, Store, StoreError, now_text};

/// A user account (never carries the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Login e-mail, lower-cased.
    pub email: String,
    /// Display name.
    pub name: String,
    /// When the account was created.
    pub created_at: String,
    /// When its owner confirmed the e-mail address (operators' accounts: at creation); an
    /// unverified account cannot sign in.
    pub verified_at: Option<String>,
    /// When an admin disabled it; a disabled account cannot sign in.
    pub disabled_at: Option<String>,
}

/// The columns of [`User`], from `users u`.
pub(crate) const USER_COLUMNS: &str = "u.id, u.email, u.name, u.created_at, u.verified_at, u.disabled_at";

/// An API token's metadata (the secret is shown once, at creation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    /// Id.
    pub id: i64,
    /// The owner's label for it.
    pub name: String,
    /// Created.
    pub created_at: String,
    /// Last used, if ever.
    pub last_used_at: Option<String>,
    /// When it stops working (milliseconds since the epoch), if ever.
    pub expires_ms: Option<i64>,
}

/// Checks a new password ([`jiebang_core::password::check`]) and hashes it off the async
/// executor, since hashing is deliberately slow.
pub(crate) async fn hash_new_password(hashing: &Hashing, password: &str, email: &str) -> Result<String> {
    jiebang_core::password::check(password, email).map_err(|e| jiebang_core::Error::Invalid(vec![e]))?;
    let password = password.to_owned();
    hashing.run(move || hash_password(&password)).await?
}

/// Password hashes computed at once: one per core, for each argon2id hash takes 19 MiB and a
/// core for tens of milliseconds, so a burst of sign-ins must queue, not multiply; and a bounded
/// queue, beyond which a request is told to come back (429).
#[derive(Debug)]
pub(crate) struct Hashing {
    running: tokio::sync::Semaphore,
    waiting: tokio::sync::Semaphore,
}

impl Default for Hashing {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self { running: tokio::sync::Semaphore::new(cores), waiting: tokio::sync::Semaphore::new(16 * cores) }
    }
}

impl Hashing {
    /// Runs a password hash on the blocking pool within the bounds, or refuses at once with
    /// [`StoreError::Busy`] when the queue is full.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let _waiting = self.waiting.try_acquire().map_err(|_| StoreError::Busy {
            retry_after_s: 1,
            message: "登录请求过多，请稍后再试 / too many sign-ins at once; try again shortly".into(),
        })?;
        let _running = self.running.acquire().await.map_err(StoreError::corrupt)?;
        tokio::task::spawn_blocking(work).await.map_err(StoreError::corrupt)
    }
}

/// Failed sign-ins counted per account and per client address, over this window.
pub const LOGIN_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failed sign-ins allowed for one account (known or not) within the window.
pub const ACCOUNT_FAILURES: i64 = 10;
/// Failed sign-ins allowed from one client address within the window.
pub const ADDRESS_FAILURES: i64 = 100;
/// Counted attempts are kept this long: the longest window any of them is counted over.
const ATTEMPTS_KEPT_MS: i64 = 60 * 60 * 1000;

fn hash_password(password: &str) -> Result<String> {
    let hash: argon2::password_hash::phc::PasswordHash =
        Argon2::default().hash_password(password.as_bytes()).map_err(StoreError::corrupt)?;
    Ok(hash.to_string())
}

pub(crate) fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub(crate) fn new_secret(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::rng().random();
    format!("{prefix}{}", hex::encode(bytes))
}

/// Inserts a user with a hashed password, verified now (an operator's account) or not (a
/// sign-up, until its link is used); a taken address is a conflict that says what to do.
pub(crate) async fn insert_user(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    email: &str,
    name: &str,
    hash: String,
    verified: bool,
) -> Result<User> {
    let now = now_text();
    let row = sqlx::query(
        "INSERT INTO users (email, name, password_hash, created_at, verified_at) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id, email, name, created_at, verified_at, disabled_at",
    )
    .bind(email)
    .bind(name)
    .bind(hash)
    .bind(now.clone())
    .bind(verified.then_some(now))
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Conflict {
                field: "email".into(),
                message: format!(
                    "邮箱 {email} 已注册：请直接登录，忘记密码可重设 / {email} is already registered: sign in, or reset the password"
                ),
            }
        } else {
            e.into()
        }
    })?;
    record::<User>(&row)
}

/// Checks an e-mail address enough to catch typos; delivery is the real test.
pub(crate) fn normalise_email(email: &str) -> std::result::Result<String, FieldError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
        && !email.contains(char::is_whitespace);
    if valid {
        Ok(email)
    } else {
        Err(FieldError::new("email", format!("邮箱地址「{email}」无效 / invalid e-mail address '{email}'")))
    }
}

fn scope_parts(scope: &Scope) -> (&'static str, String) {
    match scope {
        Scope::Global => ("global", String::new()),
        Scope::Program(id) => ("program", id.to_string()),
        Scope::Region(code) => ("region", code.clone()),
        Scope::Organization(id) => ("organization", id.to_string()),
    }
}

fn grant_from_row(row: &AnyRow) -> Result<Grant> {
    let role: String = row.try_get("role")?;
    let kind: String = row.try_get("scope_kind")?;
    let id: String = row.try_get("scope_id")?;
    let number = || id.parse::<i64>().map_err(|_| StoreError::corrupt(format!("grant scope id {id}")));
    let scope = match kind.as_str() {
        "global" => Scope::Global,
        "program" => Scope::Program(number()?),
        "region" => Scope::Region(id.clone()),
        "organization" => Scope::Organization(number()?),
        other => return Err(StoreError::corrupt(format!("grant scope kind {other}"))),
    };
    Ok(Grant { role: Role::parse("role", &role).map_err(StoreError::corrupt)?, scope })
}

impl Store {
    /// Creates a user with an argon2id password hash ([`jiebang_core::password::check`] says
    /// which passwords are refused).
    pub async fn create_user(&self, email: &str, name: &str, password: &str) -> Result<User> {
        let email = normalise_email(email).map_err(jiebang_core::Error::from)?;
        let name = jiebang_core::error::required_text("name", name, 100).map_err(jiebang_core::Error::from)?;
        let hash = hash_new_password(&self.hashing, password, &email).await?;
        let mut tx = self.begin_write().await?;
        let user = insert_user(&mut tx, &email, &name, hash, true).await?;
        let details = serde_json::json!({"email": user.email, "name": user.name});
        crate::audit::append(&mut tx, self.backend, None, "user.create", &format!("user:{}", user.id), details).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Replaces a user's password and ends their sessions.
    pub async fn set_password(&self, user_id: i64, password: &str) -> Result<()> {
        let user = self.get_user(user_id).await?;
        let hash = hash_new_password(&self.hashing, password, &user.email).await?;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("user", user_id));
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        let target = format!("user:{user_id}");
        crate::audit::append(&mut tx, self.backend, None, "user.password", &target, serde_json::json!({})).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user whose e-mail and password match, or `None`. Takes the same time whether or not
    /// the e-mail exists, so it does not reveal which accounts exist.
    ///
    /// Failed attempts are counted in the database per account (known or not, so the answer
    /// does not tell them apart) and per client address, so every `serve` process shares the
    /// count: past [`ACCOUNT_FAILURES`] or [`ADDRESS_FAILURES`] within [`LOGIN_WINDOW_MS`] the
    /// attempt is refused with [`StoreError::Busy`] before any hashing, saying when to retry.
    pub async fn authenticate(&self, email: &str, password: &str, client: &str) -> Result<Option<User>> {
        // A real hash of a random password, verified when the e-mail is unknown.
        static DUMMY: OnceLock<String> = OnceLock::new();
        let email = email.trim().to_lowercase();
        let (account, address) = (format!("account:{email}"), format!("address:{client}"));
        self.check_attempts(
            &[(&account, ACCOUNT_FAILURES), (&address, ADDRESS_FAILURES)],
            LOGIN_WINDOW_MS,
            "登录失败",
            "failed sign-ins",
        )
        .await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.email = $1"
        )))
        .bind(&email)
        .fetch_optional(&self.pool)
        .await?;
        let stored: String = match &row {
            Some(row) => row.try_get("password_hash")?,
            None => DUMMY.get_or_init(|| hash_password(&new_secret("")).unwrap_or_default()).clone(),
        };
        let password = password.to_owned();
        let matches = self
            .hashing
            .run(move || Argon2::default().verify_password(password.as_bytes(), stored.as_str()).is_ok())
            .await?;
        match row {
            Some(row) if matches => {
                sqlx::query("DELETE FROM login_failures WHERE key = $1").bind(&account).execute(&self.pool).await?;
                let user = record::<User>(&row)?;
                if user.disabled_at.is_some() {
                    return Err(StoreError::Refused(
                        "账户已停用，请联系平台管理员 / this account is disabled; contact the platform's administrator"
                            .into(),
                    ));
                }
                if user.verified_at.is_none() {
                    return Err(StoreError::Refused(
                        "邮箱尚未验证：请打开注册邮件中的链接，或重新发送验证邮件 / the e-mail address is not verified yet: open the link in the sign-up mail, or send it again".into(),
                    ));
                }
                Ok(Some(user))
            }
            _ => {
                self.record_attempts(&[&account, &address], LOGIN_WINDOW_MS).await?;
                Ok(None)
            }
        }
    }

    /// Refuses with [`StoreError::Busy`] when any key has reached its limit of attempts within
    /// the window, before any costly work; `what` names the attempts in the message.
    pub(crate) async fn check_attempts(
        &self,
        keys: &[(&str, i64)],
        window_ms: i64,
        what_zh: &str,
        what_en: &str,
    ) -> Result<()> {
        let now = crate::now_ms();
        for &(key, limit) in keys {
            let (count, oldest): (i64, Option<i64>) =
                sqlx::query_as("SELECT COUNT(*), MIN(at_ms) FROM login_failures WHERE key = $1 AND at_ms >= $2")
                    .bind(key)
                    .bind(now - window_ms)
                    .fetch_one(&self.pool)
                    .await?;
            if count >= limit {
                let retry_after_s = ((oldest.unwrap_or(now) + window_ms - now) / 1000).max(1) as u64;
                let minutes = retry_after_s.div_ceil(60);
                return Err(StoreError::Busy {
                    retry_after_s,
                    message: format!(
                        "{what_zh}次数过多，请 {minutes} 分钟后再试 / too many {what_en}; try again in {minutes} minutes"
                    ),
                });
            }
        }
        Ok(())
    }

    /// Counts an attempt that always counts (a sign-up, a link request, a link that did not
    /// work) against each key, once [`Store::check_attempts`] let it through.
    pub(crate) async fn count_attempt(
        &self,
        keys: &[(&str, i64)],
        window_ms: i64,
        what_zh: &str,
        what_en: &str,
    ) -> Result<()> {
        self.check_attempts(keys, window_ms, what_zh, what_en).await?;
        let keys: Vec<&str> = keys.iter().map(|(key, _)| *key).collect();
        self.record_attempts(&keys, window_ms).await
    }

    /// Counts one attempt against each key (failed sign-ins, sign-ups, reset requests); attempts
    /// older than the window are swept as new ones come.
    pub(crate) async fn record_attempts(&self, keys: &[&str], window_ms: i64) -> Result<()> {
        let now = crate::now_ms();
        sqlx::query("DELETE FROM login_failures WHERE at_ms < $1")
            .bind(now - window_ms.max(ATTEMPTS_KEPT_MS))
            .execute(&self.pool)
            .await?;
        for key in keys {
            sqlx::query("INSERT INTO login_failures (key, at_ms) VALUES ($1, $2)")
                .bind(*key)
                .bind(now)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// A user by id.
    pub async fn get_user(&self, id: i64) -> Result<User> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("user", id))?;
        record::<User>(&row)
    }

    /// A user by e-mail.
    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email = $1")))
            .bind(email.trim().to_lowercase())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record::<User>).transpose()
    }

    /// All users, by id.
    pub async fn list_users(&self, page: PageRequest) -> Result<Page<User>> {
        let (limit, offset) = page.limit_offset();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u ORDER BY u.id LIMIT $1 OFFSET $2"
        )))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&self.pool).await?;
        Ok(Page {
            items: rows.iter().map(record::<User>).collect::<Result<_>>()?,
            total,
            page: page.page,
            per_page: limit as u32,
        })
    }

    /// Gives a user a role in a scope; granting twice is harmless.
    pub async fn add_grant(&self, user_id: i64, grant: &Grant) -> Result<()> {
        self.add_grant_by(user_id, grant, None).await
    }

    /// [`Store::add_grant`], the audit event naming who granted it (an admin on the user page).
    pub async fn add_grant_by(&self, user_id: i64, grant: &Grant, actor: Option<i64>) -> Result<()> {
        let (kind, id) = scope_parts(&grant.scope);
        if let Scope::Region(code) = &grant.scope {
            jiebang_core::region::RegionCode::parse(code).map_err(jiebang_core::Error::from)?;
        }
        self.get_user(user_id).await?;
        let mut tx = self.begin_write().await?;
        let added = sqlx::query(
            "INSERT INTO grants (user_id, role, scope_kind, scope_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(user_id)
        .bind(grant.role.as_str())
        .bind(kind)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        if added.rows_affected() > 0 {
            let details = serde_json::json!({"role": grant.role.as_str(), "scope": kind, "scope_id": id});
            crate::audit::append(&mut tx, self.backend, actor, "user.grant", &format!("user:{user_id}"), details)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Everything a user holds, as permission checks need it.
    pub async fn principal(&self, user_id: i64) -> Result<Principal> {
        let rows = sqlx::query("SELECT role, scope_kind, scope_id FROM grants WHERE user_id = $1 ORDER BY id")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(Principal { user_id, grants: rows.iter().map(grant_from_row).collect::<Result<_>>()? })
    }

    /// The grants of many users in one query per 500 (the admin's user list).
    pub async fn grants_of(&self, user_ids: &[i64]) -> Result<std::collections::HashMap<i64, Vec<Grant>>> {
        let sql = "SELECT user_id, role, scope_kind, scope_id FROM grants WHERE user_id IN ({ids}) ORDER BY id";
        let mut grants: std::collections::HashMap<i64, Vec<Grant>> = std::collections::HashMap::new();
        for row in self.rows_with_ids(sql, user_ids).await? {
            grants.entry(row.try_get("user_id")?).or_default().push(grant_from_row(&row)?);
        }
        Ok(grants)
    }

    /// Starts a browser session lasting `ttl_seconds`; returns the secret for the cookie.
    pub async fn create_session(&self, user_id: i64, ttl_seconds: i64) -> Result<String> {
        let secret = new_secret("");
        let expires = time::OffsetDateTime::now_utc().unix_timestamp() + ttl_seconds;
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(hash_secret(&secret))
            .bind(user_id)
            .bind(now_text())
            .bind(expires)
            .execute(&self.pool)
            .await?;
        Ok(secret)
    }

    /// The user of a live session and what they may do, in one round trip (every signed-in
    /// request asks).
    pub async fn session_user(&self, secret: &str) -> Result<Option<(User, Principal)>> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, g.role, g.scope_kind, g.scope_id \
             FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN grants g ON g.user_id = u.id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL ORDER BY g.id"
        )))
        .bind(hash_secret(secret))
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        let Some(first) = rows.first() else { return Ok(None) };
        let user = record::<User>(first)?;
        let mut grants = Vec::new();
        for row in &rows {
            if row.try_get::<Option<String>, _>("role")?.is_some() {
                grants.push(grant_from_row(row)?);
            }
        }
        let principal = Principal { user_id: user.id, grants };
        Ok(Some((user, principal)))
    }

    /// Ends a session (logout); also sweeps expired ones.
    pub async fn delete_session(&self, secret: &str) -> Result<()> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2")
            .bind(hash_secret(secret))
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Creates a personal API token valid for `valid_days` (`None`: until revoked); the
    /// returned secret is shown once and never stored. Audited.
    pub async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        valid_days: Option<u32>,
    ) -> Result<(ApiToken, String)> {
        let name = jiebang_core::error::required_text("name", name, 100).map_err(jiebang_core::Error::from)?;
        let secret = new_secret("jb_");
        let expires_ms = valid_days.map(|days| crate::now_ms() + i64::from(days) * 86_400_000);
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id, name, created_at, last_used_at, expires_ms")
            .bind(user_id)
            .bind(&name)
            .bind(hash_secret(&secret))
            .bind(now_text())
            .bind(expires_ms)
            .fetch_one(&mut *tx)
            .await?;
        let token = record::<ApiToken>(&row)?;
        let details = serde_json::json!({"token": token.id, "name": name, "expires_ms": expires_ms});
        crate::audit::append(&mut tx, self.backend, Some(user_id), "token.create", &format!("user:{user_id}"), details)
            .await?;
        tx.commit().await?;
        Ok((token, secret))
    }

    /// The user an API token belongs to; records its use.
    pub async fn token_user(&self, secret: &str) -> Result<Option<User>> {
        let hash = hash_secret(secret);
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND (t.expires_ms IS NULL OR t.expires_ms > $2) AND u.disabled_at IS NULL")))
            .bind(&hash)
            .bind(crate::now_ms())
            .fetch_optional(&self.pool)
            .await?;
        if row.is_some() {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
                .bind(now_text())
                .bind(&hash)
                .execute(&self.pool)
                .await?;
        }
        row.as_ref().map(record::<User>).transpose()
    }

    /// A user's tokens.
    pub async fn list_api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, name, created_at, last_used_at, expires_ms FROM api_tokens WHERE user_id = $1 ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record::<ApiToken>).collect()
    }

    /// Revokes one of a user's tokens.
    pub async fn delete_api_token(&self, user_id: i64, token_id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
            .bind(token_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("api_token", token_id));
        }
        let details = serde_json::json!({"token": token_id});
        crate::audit::append(&mut tx, self.backend, Some(user_id), "token.delete", &format!("user:{user_id}"), details)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lower_cased_and_obvious_typos_rejected() {
        assert_eq!(normalise_email(" Admin@Example.CN ").unwrap(), "admin@example.cn");
        for bad in ["admin", "a@b", "@x.cn", "a b@x.cn", "a@x."] {
            assert!(normalise_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn secrets_are_random_and_only_their_hash_is_kept() {
        let (a, b) = (new_secret("jb_"), new_secret("jb_"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 64);
        assert_eq!(hash_secret(&a).len(), 64);
        assert_ne!(hash_secret(&a), a);
    }
}
