-- Foundation: accounts, organizations, programs, challenges with indicators, files, audit log.
-- Written once for both backends: {ID} becomes each backend's auto-increment primary key.
-- Portable types only (BIGINT, DOUBLE PRECISION, TEXT); flags are BIGINT 0/1, times are
-- RFC 3339 UTC text, JSON is text.

CREATE TABLE users (
    id {ID},
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE organizations (
    id {ID},
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    region_code TEXT NOT NULL,
    industries TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);

CREATE TABLE programs (
    id {ID},
    title TEXT NOT NULL,
    issuer TEXT NOT NULL,
    year BIGINT NOT NULL,
    description TEXT NOT NULL,
    rules TEXT NOT NULL,
    timeline TEXT NOT NULL,
    status TEXT NOT NULL,
    is_demo BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A role held by a user in a scope; scope_id is '' for global grants.
CREATE TABLE grants (
    id {ID},
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_id TEXT NOT NULL,
    UNIQUE (user_id, role, scope_kind, scope_id)
);

-- Only hashes of session and API tokens are stored.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id {ID},
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);

CREATE TABLE challenges (
    id {ID},
    program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    direction TEXT NOT NULL,
    sub_field TEXT NOT NULL,
    task_class TEXT NOT NULL,
    region_code TEXT,
    scenario TEXT NOT NULL,
    background TEXT NOT NULL,
    objectives TEXT NOT NULL,
    deliverables TEXT NOT NULL,
    period_months BIGINT NOT NULL,
    support TEXT NOT NULL,
    winners BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (program_id, code)
);

CREATE TABLE challenge_industries (
    challenge_id BIGINT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    industry_code TEXT NOT NULL,
    PRIMARY KEY (challenge_id, industry_code)
);

CREATE TABLE indicators (
    id {ID},
    challenge_id BIGINT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    metric TEXT NOT NULL,
    op TEXT NOT NULL,
    threshold DOUBLE PRECISION NOT NULL,
    unit TEXT NOT NULL,
    test_method TEXT NOT NULL,
    hard BIGINT NOT NULL,
    weight DOUBLE PRECISION NOT NULL
);

-- Every uploaded file: the bytes live in the file store under `key`.
CREATE TABLE files (
    id {ID},
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);

-- Append-only; each event's hash covers the previous event's hash.
CREATE TABLE audit_events (
    id {ID},
    at TEXT NOT NULL,
    actor_id BIGINT,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE INDEX challenges_program ON challenges (program_id, position);
CREATE INDEX challenge_industries_code ON challenge_industries (industry_code);
CREATE INDEX indicators_challenge ON indicators (challenge_id, position);
CREATE INDEX grants_user ON grants (user_id);
CREATE INDEX sessions_user ON sessions (user_id);
