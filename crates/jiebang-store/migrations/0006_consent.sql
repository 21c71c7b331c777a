-- A joint unit's place in a consortium waits for that unit's answer (jiebang_core::application::
-- Consent): naming a unit no longer takes its one place in a challenge without its consent. Only
-- accepted places are unique per challenge, so a pending or declined one locks nobody out. Places
-- written before count as accepted.
CREATE TABLE application_units_v2 (
    application_id BIGINT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    challenge_id BIGINT NOT NULL REFERENCES challenges(id),
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    is_lead BIGINT NOT NULL,
    consent TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    answered_by BIGINT REFERENCES users(id),
    answered_at TEXT,
    PRIMARY KEY (application_id, organization_id)
);
INSERT INTO application_units_v2 (application_id, challenge_id, organization_id, is_lead, consent)
    SELECT application_id, challenge_id, organization_id, is_lead, 'accepted' FROM application_units;
DROP TABLE application_units;
ALTER TABLE application_units_v2 RENAME TO application_units;
CREATE UNIQUE INDEX application_units_place ON application_units (challenge_id, organization_id) WHERE consent = 'accepted';
CREATE INDEX application_units_organization ON application_units (organization_id, consent);

-- A challenge taken off a published list (撤榜) is archived rather than deleted: it stays on the
-- list, marked, with its applications, submissions and signed reports, and takes nothing new.
ALTER TABLE challenges ADD COLUMN archived_at TEXT;
ALTER TABLE challenges ADD COLUMN archived_by BIGINT REFERENCES users(id);
ALTER TABLE challenges ADD COLUMN archive_reason TEXT NOT NULL DEFAULT '';

-- The spreadsheet each import came from, so the collector of unreferenced files keeps it.
CREATE TABLE import_files (
    program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    file_id BIGINT NOT NULL REFERENCES files(id),
    imported_at TEXT NOT NULL
);
CREATE INDEX import_files_file ON import_files (file_id);
