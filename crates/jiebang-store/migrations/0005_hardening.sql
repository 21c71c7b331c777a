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

-- API tokens that stop working (milliseconds since the epoch); NULL: until revoked.
ALTER TABLE api_tokens ADD COLUMN expires_ms BIGINT;

-- Signed checkpoints of the audit chain's head: the number of events and the last one's hash,
-- signed with the platform key (RFC 8785 document). Published, they make deleting the newest
-- events, or rewriting the whole unkeyed chain, detectable.
CREATE TABLE audit_checkpoints (
    id {ID},
    at TEXT NOT NULL,
    reason TEXT NOT NULL,
    events BIGINT NOT NULL,
    head TEXT NOT NULL,
    document TEXT NOT NULL,
    signature TEXT NOT NULL
);

-- An organization a user registers waits, unverified, until an admin or its region's
-- recommender verifies it; units registered before count as verified.
ALTER TABLE organizations ADD COLUMN verified_at TEXT;
ALTER TABLE organizations ADD COLUMN verified_by BIGINT REFERENCES users(id);
UPDATE organizations SET verified_at = created_at;

-- A bottom-k sketch of a prediction file's rows (jiebang_core::sketch), to find a team's
-- near-duplicate resubmissions, which probe hidden labels.
ALTER TABLE submissions ADD COLUMN sketch TEXT;

-- An expert whose account also applies in a program (acts for a unit with an application there)
-- reviews nothing in it until they declare the dual role; their own units stay excluded.
CREATE TABLE dual_role_declarations (
    expert_id BIGINT NOT NULL REFERENCES experts(id),
    program_id BIGINT NOT NULL REFERENCES programs(id),
    statement TEXT NOT NULL,
    declared_at TEXT NOT NULL,
    PRIMARY KEY (expert_id, program_id)
);
