-- Mid-term checks, 赛马 gates and change requests of projects (issue 19).

-- A mid-term check: the score sheet (JSON, jiebang_core::project::MidTermSheet), the share of
-- committed indicators the ledger showed met, the total and the outcome.
CREATE TABLE mid_term_checks (
    id {ID},
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    sheet TEXT NOT NULL,
    share_met DOUBLE PRECISION NOT NULL,
    total DOUBLE PRECISION NOT NULL,
    outcome TEXT NOT NULL,
    note TEXT NOT NULL,
    decided_by BIGINT NOT NULL REFERENCES users(id),
    decided_at TEXT NOT NULL
);
CREATE INDEX mid_term_checks_project ON mid_term_checks (project_id, id);

-- A 赛马 gate over a challenge's projects: the rule and the ranking it made (JSON).
CREATE TABLE project_gates (
    id {ID},
    program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    challenge_id BIGINT NOT NULL REFERENCES challenges(id),
    rule TEXT NOT NULL,
    ranking TEXT NOT NULL,
    decided_by BIGINT NOT NULL REFERENCES users(id),
    decided_at TEXT NOT NULL
);

-- A change request: asked by the lead unit, checked by the recommending unit where the program
-- has one, decided by the organizer. Until approved the original terms hold.
CREATE TABLE project_changes (
    id {ID},
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- An extension's new end; an indicator change's indicator and value.
    new_end TEXT,
    indicator TEXT,
    new_value DOUBLE PRECISION,
    state TEXT NOT NULL,
    requested_by BIGINT NOT NULL REFERENCES users(id),
    requested_at TEXT NOT NULL,
    checked_by BIGINT REFERENCES users(id),
    check_note TEXT NOT NULL DEFAULT '',
    decided_by BIGINT REFERENCES users(id),
    decision_note TEXT NOT NULL DEFAULT '',
    decided_at TEXT
);
CREATE INDEX project_changes_project ON project_changes (project_id, id);

-- The end an approved extension moved the agreement's to.
ALTER TABLE projects ADD COLUMN extended_end TEXT;
