-- Evaluation service: dataset versions with hidden files, phases, registered teams,
-- submissions, their evaluations, and the job queue that workers claim with leases.
-- Times that are compared (windows, leases) are BIGINT milliseconds since the Unix epoch.

-- An immutable version of a challenge's evaluation data.
CREATE TABLE dataset_versions (
    id {ID},
    challenge_id BIGINT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    note TEXT NOT NULL,
    task TEXT NOT NULL,
    id_column TEXT NOT NULL,
    label_column TEXT NOT NULL,
    split_column TEXT NOT NULL,
    positive_label TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    UNIQUE (challenge_id, version)
);

-- The files of a version. Hidden files (the test labels) are read only by the evaluation
-- path and by the challenge's organizers.
CREATE TABLE dataset_files (
    dataset_id BIGINT NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    purpose TEXT NOT NULL,
    hidden BIGINT NOT NULL,
    file_id BIGINT NOT NULL REFERENCES files(id),
    PRIMARY KEY (dataset_id, name)
);

CREATE TABLE phases (
    id {ID},
    challenge_id BIGINT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    dataset_id BIGINT NOT NULL REFERENCES dataset_versions(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    split TEXT NOT NULL,
    visibility TEXT NOT NULL,
    per_day BIGINT NOT NULL,
    total BIGINT NOT NULL,
    concurrent BIGINT NOT NULL,
    invalid BIGINT NOT NULL,
    counted BIGINT NOT NULL,
    decimals BIGINT NOT NULL,
    private_published BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

-- Organizations registered to take part in a challenge (they may download public files and
-- submit).
CREATE TABLE participants (
    challenge_id BIGINT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    registered_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (challenge_id, organization_id)
);

CREATE TABLE submissions (
    id {ID},
    phase_id BIGINT NOT NULL REFERENCES phases(id) ON DELETE CASCADE,
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    submitted_by BIGINT NOT NULL REFERENCES users(id),
    file_id BIGINT NOT NULL REFERENCES files(id),
    note TEXT NOT NULL,
    state TEXT NOT NULL,
    message TEXT NOT NULL,
    is_baseline BIGINT NOT NULL,
    selected BIGINT NOT NULL DEFAULT 0,
    runs BIGINT NOT NULL DEFAULT 1,
    created_ms BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    started_ms BIGINT,
    finished_ms BIGINT
);

-- One row per scoring run of a submission; UNIQUE makes recording a result idempotent.
CREATE TABLE evaluations (
    id {ID},
    submission_id BIGINT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    run BIGINT NOT NULL,
    report TEXT NOT NULL,
    signature TEXT NOT NULL,
    worker TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (submission_id, run)
);

CREATE TABLE jobs (
    id {ID},
    kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    run BIGINT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_after_ms BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until_ms BIGINT,
    last_error TEXT NOT NULL DEFAULT '',
    created_ms BIGINT NOT NULL,
    finished_ms BIGINT
);

-- Workers announce themselves and heartbeat; the queue page lists them.
CREATE TABLE workers (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid BIGINT NOT NULL,
    version TEXT NOT NULL,
    started_ms BIGINT NOT NULL,
    heartbeat_ms BIGINT NOT NULL,
    current_job BIGINT
);

CREATE INDEX dataset_versions_challenge ON dataset_versions (challenge_id, version);
CREATE INDEX phases_challenge ON phases (challenge_id);
CREATE INDEX submissions_team ON submissions (phase_id, organization_id, created_ms);
CREATE INDEX jobs_ready ON jobs (state, run_after_ms, id);
CREATE INDEX jobs_subject ON jobs (kind, subject_id);
