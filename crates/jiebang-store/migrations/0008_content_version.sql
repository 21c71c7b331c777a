-- One counter that every write to published content (a program, its challenges, the 公示 and
-- 公告, leaderboards, statistics) increments in its own transaction, by trigger, so that no write
-- path can forget it: each `serve` process keeps rendered public pages until the counter moves,
-- however many processes share the database. Sessions, tokens, audit, jobs and notifications
-- do not move it. The last line lists the tables; migrate.rs writes each backend's triggers.
CREATE TABLE content_version (id BIGINT PRIMARY KEY, version BIGINT NOT NULL);
INSERT INTO content_version (id, version) VALUES (1, 0);
{CONTENT_TRIGGERS programs challenges challenge_industries indicators organizations applications application_units publicities objections phases submissions evaluations participants dataset_versions dataset_files delivery_contracts reviews draws}
