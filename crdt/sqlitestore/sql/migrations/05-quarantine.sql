-- Chunks set aside because they are damaged: kept, never loaded, so a
-- repaired draft loses nothing a later investigation could recover.
CREATE TABLE quarantined_chunks (
    seq         INTEGER PRIMARY KEY,
    draft_id    TEXT NOT NULL,
    snapshot    INTEGER NOT NULL,
    data        BLOB NOT NULL,
    written     INTEGER NOT NULL,
    quarantined INTEGER NOT NULL
) STRICT;
