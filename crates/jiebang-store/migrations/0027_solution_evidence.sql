-- The files a solution's claims cite as evidence (a lab's report, issue 20). The claims live in
-- the solution's JSON input; this table names their files so that collecting unreferenced
-- uploads keeps them, and so that a solution serves only the files it cites.
CREATE TABLE solution_evidence (
    solution_id BIGINT NOT NULL REFERENCES solutions(id) ON DELETE CASCADE,
    file_id BIGINT NOT NULL REFERENCES files(id),
    PRIMARY KEY (solution_id, file_id)
);
CREATE INDEX solution_evidence_file ON solution_evidence (file_id);
