-- Reminders sent about projects' due dates, once each however many servers run the daily pass:
-- what it was about (`milestone:{position}`, `acceptance`) and which reminder (`due_7`, `due_1`,
-- `overdue`, `window_30`).
CREATE TABLE project_reminders (
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_on TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (project_id, subject, kind, due_on)
);
