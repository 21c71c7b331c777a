-- Hardening: failed sign-ins counted across every serve process (per account, known or not, and
-- per client address), so a password can be neither guessed nor used to exhaust the server.
CREATE TABLE login_failures (
    id {ID},
    key TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at_ms);
CREATE INDEX login_failures_at ON login_failures (at_ms);

-- A submission shows the name its team gave the upload, never that of identical stored bytes.
ALTER TABLE submissions ADD COLUMN upload_name TEXT;
