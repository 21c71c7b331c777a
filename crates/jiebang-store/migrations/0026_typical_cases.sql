-- Typical cases (典型案例, issue 20): each keeps the input it was validated from (JSON:
-- jiebang_core::scenario::TypicalCaseInput), filed under a typical scenario's code. Searchable.
CREATE TABLE typical_cases (
    id {ID},
    scenario TEXT NOT NULL,
    input TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
{SEARCH_FEED typical_cases:case:id}
