-- Editions of typical-scenario guides imported beside the shipped one (issue 20): each keeps the
-- TSV it was checked from (jiebang_core::scenario::parse), read again as it is used. Codes are
-- unique across every edition. Searchable: a new edition's scenarios enter the search.
CREATE TABLE scenario_editions (
    id {ID},
    edition TEXT NOT NULL UNIQUE,
    tsv TEXT NOT NULL,
    imported_by BIGINT REFERENCES users(id),
    imported_at TEXT NOT NULL
);
{SEARCH_FEED scenario_editions:edition:id}
