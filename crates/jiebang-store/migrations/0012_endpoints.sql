-- Live model endpoints (issue 17). An endpoint submission's file is {base_url, model}; its API
-- key, if any, is kept apart, sealed under the platform's secrets key (jiebang_store::secrets).
CREATE TABLE endpoint_keys (
    submission_id BIGINT PRIMARY KEY REFERENCES submissions(id) ON DELETE CASCADE,
    sealed TEXT NOT NULL
);

-- A run's size, written when it starts, for its progress; its transcript once it is scored.
CREATE TABLE endpoint_runs (
    submission_id BIGINT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    run BIGINT NOT NULL,
    total BIGINT NOT NULL,
    transcript_file_id BIGINT REFERENCES files(id),
    PRIMARY KEY (submission_id, run)
);

-- Every question a run has finished, kept as it finishes, so a run taken up again after a crash
-- never asks a question twice. `segment` is the job's claim that asked it; `done_us` is when it
-- finished, µs after that segment's first send (the segments' spans add up to the run's wall
-- time); `record` is its transcript line (jiebang_chat::run::Record).
CREATE TABLE endpoint_answers (
    submission_id BIGINT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    run BIGINT NOT NULL,
    question_id TEXT NOT NULL,
    segment BIGINT NOT NULL,
    done_us BIGINT NOT NULL,
    failed BIGINT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (submission_id, run, question_id)
);
