-- The model service (issue 18): delivered GGUF models the organizers published, with their
-- team's consent, for signed-in users to try on the platform's own hardware. A row exists once
-- the team has consented; `published_at` is set while the model is published.
CREATE TABLE model_publications (
    submission_id BIGINT PRIMARY KEY REFERENCES submissions(id) ON DELETE CASCADE,
    consented_by BIGINT NOT NULL REFERENCES users(id),
    consented_at TEXT NOT NULL,
    published_by BIGINT REFERENCES users(id),
    published_at TEXT
);
