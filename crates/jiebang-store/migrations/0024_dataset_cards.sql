-- Dataset cards (issue 20): a card keeps the input it was validated from (JSON:
-- jiebang_core::dataset_card::DatasetCardInput); a card may describe a challenge's dataset
-- version, and a version has at most one card. Cards are searchable.
CREATE TABLE dataset_cards (
    id {ID},
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    input TEXT NOT NULL,
    dataset_version_id BIGINT UNIQUE REFERENCES dataset_versions(id),
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (name, version)
);
{SEARCH_FEED dataset_cards:dataset:id}
