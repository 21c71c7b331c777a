-- Acceptance of projects (issue 19): the materials (in project_files), the acceptance phase on
-- the challenge's evaluation, third-party labs and their reports, the conclusion as recorded
-- (JSON: jiebang_core::project::AcceptanceJudgement and the findings) and its publicity with
-- appeals.
ALTER TABLE projects ADD COLUMN acceptance_applied_on TEXT;
ALTER TABLE projects ADD COLUMN acceptance_phase_id BIGINT REFERENCES phases(id);
ALTER TABLE projects ADD COLUMN acceptance TEXT;
ALTER TABLE projects ADD COLUMN publicity_starts_on TEXT;
ALTER TABLE projects ADD COLUMN publicity_ends_on TEXT;

-- Accounts the organizer designated as a project's third-party testing lab.
CREATE TABLE project_labs (
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    designated_by BIGINT NOT NULL REFERENCES users(id),
    designated_at TEXT NOT NULL,
    PRIMARY KEY (project_id, user_id)
);

-- A lab's test report: its values per metric (JSON), its file in project_files (`lab:{id}`).
CREATE TABLE lab_reports (
    id {ID},
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    lab_user_id BIGINT NOT NULL REFERENCES users(id),
    lab_name TEXT NOT NULL,
    measured TEXT NOT NULL,
    note TEXT NOT NULL,
    submitted_at TEXT NOT NULL
);
CREATE INDEX lab_reports_project ON lab_reports (project_id, id);

-- Appeals (申诉) against a conclusion in publicity.
CREATE TABLE project_appeals (
    id {ID},
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    content TEXT NOT NULL,
    filed_by BIGINT NOT NULL REFERENCES users(id),
    filed_at TEXT NOT NULL,
    upheld BIGINT,
    note TEXT NOT NULL DEFAULT '',
    decided_by BIGINT REFERENCES users(id),
    decided_at TEXT
);
CREATE INDEX project_appeals_project ON project_appeals (project_id, id);
