-- Version views: a plain copy of a draft as each named version has it, so
-- that showing or exporting a version reads it instead of loading the
-- whole history and forking it at the version's heads. A version's state
-- never changes (its heads name it), so a copy serves for as long as the
-- draft has those heads; heads is checked against the version's on read.
CREATE TABLE version_views (
    draft_id   TEXT NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
    version_id TEXT NOT NULL,
    heads      TEXT NOT NULL, -- the version's heads, sorted, comma-separated
    data       BLOB NOT NULL,
    PRIMARY KEY (draft_id, version_id)
) STRICT;
