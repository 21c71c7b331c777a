-- The supply–demand catalogue (issue 20): demands and solutions keep the input they were
-- validated from (JSON: jiebang_core::catalogue::DemandInput / SolutionInput), with the columns
-- lists filter on beside it; engagements link one demand to one solution and move through their
-- stages, each step kept.
CREATE TABLE demands (
    id {ID},
    number TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    organization_id BIGINT REFERENCES organizations(id),
    input TEXT NOT NULL,
    state TEXT NOT NULL,
    -- The challenge it was promoted into.
    challenge_id BIGINT REFERENCES challenges(id),
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE solutions (
    id {ID},
    title TEXT NOT NULL,
    organization_id BIGINT REFERENCES organizations(id),
    input TEXT NOT NULL,
    -- The accepted project whose model it lists.
    project_id BIGINT REFERENCES projects(id),
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE engagements (
    id {ID},
    demand_id BIGINT NOT NULL REFERENCES demands(id),
    solution_id BIGINT NOT NULL REFERENCES solutions(id),
    stage TEXT NOT NULL,
    channel TEXT NOT NULL,
    amount_wan DOUBLE PRECISION,
    signed_on TEXT,
    note TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (demand_id, solution_id)
);

CREATE TABLE engagement_steps (
    engagement_id BIGINT NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    taken_by BIGINT NOT NULL REFERENCES users(id),
    taken_at TEXT NOT NULL,
    PRIMARY KEY (engagement_id, stage)
);
