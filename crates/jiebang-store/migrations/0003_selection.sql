-- Selection: applications (揭榜申报) and their consortia, recommendation, the expert pool and
-- review, 公示 with objections, 公告, and in-app notifications with an e-mail outbox.

CREATE TABLE applications (
    id {ID},
    program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    challenge_id BIGINT NOT NULL REFERENCES challenges(id),
    lead_organization_id BIGINT NOT NULL REFERENCES organizations(id),
    -- The lead unit's region when the application was created (recommenders, statistics).
    region_code TEXT NOT NULL,
    project_name TEXT NOT NULL,
    -- The ApplicationInput as JSON.
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    -- Why it was last returned, declined, failed or withdrawn; shown to the applicant.
    reason TEXT NOT NULL DEFAULT '',
    -- The frozen copy of the last submission and its SHA-256.
    snapshot TEXT,
    snapshot_sha256 TEXT,
    submitted_at TEXT,
    recommended_by BIGINT REFERENCES users(id),
    recommended_region TEXT,
    review_score DOUBLE PRECISION,
    objective_score DOUBLE PRECISION,
    final_score DOUBLE PRECISION,
    rank BIGINT,
    proposed BIGINT NOT NULL DEFAULT 0,
    vetoed BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Every unit of a consortium; one consortium per organization per challenge.
CREATE TABLE application_units (
    application_id BIGINT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    challenge_id BIGINT NOT NULL REFERENCES challenges(id),
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    is_lead BIGINT NOT NULL,
    PRIMARY KEY (application_id, organization_id),
    UNIQUE (challenge_id, organization_id)
);

CREATE TABLE application_files (
    application_id BIGINT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    file_id BIGINT NOT NULL REFERENCES files(id),
    PRIMARY KEY (application_id, file_id)
);

CREATE TABLE experts (
    id {ID},
    user_id BIGINT NOT NULL UNIQUE REFERENCES users(id),
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    fields TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Current and past organizations of an expert, for conflicts of interest.
CREATE TABLE expert_affiliations (
    expert_id BIGINT NOT NULL REFERENCES experts(id) ON DELETE CASCADE,
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    is_current BIGINT NOT NULL,
    PRIMARY KEY (expert_id, organization_id)
);

CREATE TABLE conflict_declarations (
    expert_id BIGINT NOT NULL REFERENCES experts(id) ON DELETE CASCADE,
    application_id BIGINT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    declared_at TEXT NOT NULL,
    PRIMARY KEY (expert_id, application_id)
);

-- A seeded random draw; anyone may replay it from the seed (jiebang_core::review::draw).
CREATE TABLE draws (
    id {ID},
    program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    seed TEXT NOT NULL,
    per_application BIGINT NOT NULL,
    result TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);

CREATE TABLE assignments (
    id {ID},
    program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    application_id BIGINT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    expert_id BIGINT NOT NULL REFERENCES experts(id),
    draw_id BIGINT REFERENCES draws(id),
    created_at TEXT NOT NULL,
    UNIQUE (application_id, expert_id)
);

-- One review per assignment, final once submitted; the audit log keeps every raw score too.
CREATE TABLE reviews (
    assignment_id BIGINT PRIMARY KEY REFERENCES assignments(id) ON DELETE CASCADE,
    scores TEXT NOT NULL,
    total DOUBLE PRECISION NOT NULL,
    comment TEXT NOT NULL,
    veto TEXT,
    submitted_at TEXT NOT NULL
);

CREATE TABLE publicities (
    id {ID},
    program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    notice TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    working_days BIGINT NOT NULL,
    published_by BIGINT REFERENCES users(id),
    published_at TEXT NOT NULL,
    -- Set when an upheld objection sends the list back to review.
    ended_at TEXT,
    announced_at TEXT
);

CREATE TABLE objections (
    id {ID},
    publicity_id BIGINT NOT NULL REFERENCES publicities(id) ON DELETE CASCADE,
    application_id BIGINT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    filer_kind TEXT NOT NULL,
    filer_name TEXT NOT NULL,
    contact TEXT NOT NULL,
    content TEXT NOT NULL,
    filed_by BIGINT REFERENCES users(id),
    filed_at TEXT NOT NULL,
    status TEXT NOT NULL,
    decision TEXT,
    handling TEXT NOT NULL DEFAULT '',
    decided_by BIGINT REFERENCES users(id),
    decided_at TEXT
);

CREATE TABLE notifications (
    id {ID},
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT
);

-- E-mail copies of notifications, sent by the mailer when SMTP is configured.
CREATE TABLE outbox (
    id {ID},
    notification_id BIGINT NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    sent_at TEXT
);

CREATE INDEX applications_program ON applications (program_id, state);
CREATE INDEX applications_lead ON applications (lead_organization_id);
CREATE INDEX assignments_expert ON assignments (expert_id);
CREATE INDEX objections_publicity ON objections (publicity_id, status);
CREATE INDEX notifications_user ON notifications (user_id, read_at);
CREATE INDEX outbox_status ON outbox (status);
CREATE INDEX audit_events_target ON audit_events (target);
