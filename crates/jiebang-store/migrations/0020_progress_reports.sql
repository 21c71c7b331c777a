-- Periodic progress reports (月报 / 季报 / 年报) where the task agreement asks for them: one per
-- reporting period (`2026-03`, `2026-Q1`, `2026`), filed by the lead unit once the period is over.
CREATE TABLE progress_reports (
    id {ID},
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    summary TEXT NOT NULL,
    problems TEXT NOT NULL DEFAULT '',
    -- Spent so far, yuan, all sources.
    spent_cny DOUBLE PRECISION NOT NULL,
    -- 1: filed after the due day.
    late BIGINT NOT NULL,
    submitted_by BIGINT NOT NULL REFERENCES users(id),
    submitted_at TEXT NOT NULL,
    UNIQUE (project_id, period)
);
