-- The task agreement (任务书) of each project, and the milestone reports against its plan
-- (issue 19). The agreement is JSON (jiebang_core::project::Agreement), frozen and hashed when
-- the organizer signs it.
ALTER TABLE projects ADD COLUMN agreement TEXT;
ALTER TABLE projects ADD COLUMN agreement_sha256 TEXT;
ALTER TABLE projects ADD COLUMN signed_at TEXT;

-- A milestone report: the team's summary and evidence for one planned milestone (its position
-- in the plan, from 1), and the reviewers' decision. A milestone told to rectify gets a new report.
CREATE TABLE milestone_reports (
    id {ID},
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    milestone INTEGER NOT NULL,
    summary TEXT NOT NULL,
    -- JSON: [submission id], the team's submissions to the challenge's phases.
    submissions TEXT NOT NULL,
    submitted_by BIGINT NOT NULL REFERENCES users(id),
    submitted_at TEXT NOT NULL,
    decision TEXT,
    note TEXT NOT NULL DEFAULT '',
    rectify_by TEXT,
    decided_by BIGINT REFERENCES users(id),
    decided_at TEXT
);
CREATE INDEX milestone_reports_project ON milestone_reports (project_id, milestone, id);

-- Files a project's documents carry (milestone evidence now; lab and acceptance reports later),
-- so that file collection knows they are in use.
CREATE TABLE project_files (
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    file_id BIGINT NOT NULL REFERENCES files(id),
    -- What carries it: `milestone:{report id}`.
    attached_to TEXT NOT NULL,
    PRIMARY KEY (project_id, file_id, attached_to)
);
