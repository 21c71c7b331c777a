-- The experts the organizer asks for an acceptance opinion, and their opinions (issue 19).
CREATE TABLE acceptance_experts (
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    expert_id BIGINT NOT NULL REFERENCES experts(id),
    designated_by BIGINT NOT NULL REFERENCES users(id),
    designated_at TEXT NOT NULL,
    PRIMARY KEY (project_id, expert_id)
);

-- One opinion per expert and acceptance round (a new application starts a new round).
CREATE TABLE acceptance_opinions (
    id {ID},
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    expert_id BIGINT NOT NULL REFERENCES experts(id),
    round TEXT NOT NULL,
    recommended TEXT NOT NULL,
    opinion TEXT NOT NULL,
    given_at TEXT NOT NULL,
    UNIQUE (project_id, expert_id, round)
);
