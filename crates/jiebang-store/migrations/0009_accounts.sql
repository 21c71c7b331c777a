-- Self-service accounts. An account signed up on the site is unverified until its owner opens
-- the link mailed to them; accounts made by an operator, and every account before this
-- migration, count as verified. A disabled account cannot sign in and its sessions end.
ALTER TABLE users ADD COLUMN verified_at TEXT;
ALTER TABLE users ADD COLUMN disabled_at TEXT;
UPDATE users SET verified_at = created_at;

-- Single-use, expiring links that verify an e-mail address or reset a password. Only the
-- secret's sha256 is kept for checking; the secret itself waits in `mail_secret` only until the
-- mailer has sent it (then, or when the link expires, it is erased).
CREATE TABLE account_links (
    id {ID},
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL UNIQUE,
    expires_ms BIGINT NOT NULL,
    used_at TEXT,
    created_at TEXT NOT NULL,
    mail_secret TEXT,
    mail_status TEXT NOT NULL DEFAULT 'none',
    mail_attempts BIGINT NOT NULL DEFAULT 0,
    mail_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX account_links_user ON account_links (user_id, purpose);
CREATE INDEX account_links_mail ON account_links (mail_status);
