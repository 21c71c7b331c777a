-- Projects after the announcement (issue 19): one per application on the announced list, with
-- the indicators its team committed to frozen from the submitted application, and every step.
CREATE TABLE projects (
    id {ID},
    application_id BIGINT NOT NULL UNIQUE REFERENCES applications(id),
    program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    challenge_id BIGINT NOT NULL REFERENCES challenges(id),
    lead_organization_id BIGINT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    -- JSON: [jiebang_core::project::CommittedIndicator], in the challenge's order.
    committed TEXT NOT NULL,
    -- The submitted application's snapshot the commitments were read from.
    snapshot_sha256 TEXT NOT NULL,
    conclusion TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX projects_program ON projects (program_id, state);

-- Each step a project took, by whom and why.
CREATE TABLE project_events (
    id {ID},
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    actor BIGINT REFERENCES users(id),
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX project_events_project ON project_events (project_id, id);
