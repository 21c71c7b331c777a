-- A question bank's scoring fields: the metrics to report (one a line; none = the task's
-- defaults), the organizer's extra refusal phrases (one a line) and the rule-set versions that
-- read the answers (one a line, recorded when the version is created).
ALTER TABLE dataset_versions ADD COLUMN metrics TEXT NOT NULL DEFAULT '';
ALTER TABLE dataset_versions ADD COLUMN refusal_phrases TEXT NOT NULL DEFAULT '';
ALTER TABLE dataset_versions ADD COLUMN rules TEXT NOT NULL DEFAULT '';
