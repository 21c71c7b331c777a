-- The search feed (issue 20): every write to something searchable appends the kind and id of
-- the entry it changes, by trigger, so no write path can forget it. Each server keeps its own
-- search index in memory, rebuilt from the tables at start and brought up to date from this
-- feed before it answers a search. A program's row stands for all its challenges (publishing
-- a list makes them public).
CREATE TABLE search_feed (
    seq {ID},
    kind TEXT NOT NULL,
    entity_id BIGINT NOT NULL
);
{SEARCH_FEED programs:program:id challenges:challenge:id challenge_industries:challenge:challenge_id indicators:challenge:challenge_id demands:demand:id solutions:solution:id}
