-- Matchmaking events (对接会, issue 20): an event keeps the input it was validated from (JSON:
-- jiebang_core::catalogue::MatchEventInput) and groups published demands and solutions.
CREATE TABLE match_events (
    id {ID},
    name TEXT NOT NULL,
    input TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);

CREATE TABLE match_event_demands (
    event_id BIGINT NOT NULL REFERENCES match_events(id) ON DELETE CASCADE,
    demand_id BIGINT NOT NULL REFERENCES demands(id),
    PRIMARY KEY (event_id, demand_id)
);

CREATE TABLE match_event_solutions (
    event_id BIGINT NOT NULL REFERENCES match_events(id) ON DELETE CASCADE,
    solution_id BIGINT NOT NULL REFERENCES solutions(id),
    PRIMARY KEY (event_id, solution_id)
);
