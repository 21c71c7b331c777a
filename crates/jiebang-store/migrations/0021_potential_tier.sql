-- The 潜力单位 tier (issue 19): applications the ranking lists after a challenge's winners when
-- the program's rules ask for one, and the projects made from them where the rules say so.
ALTER TABLE applications ADD COLUMN potential BIGINT NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN potential BIGINT NOT NULL DEFAULT 0;
