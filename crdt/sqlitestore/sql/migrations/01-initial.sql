-- Drafts: one row per draft, with a summary of its document kept current
-- on every write so that listing drafts never loads a document.
CREATE TABLE drafts (
    id       TEXT PRIMARY KEY,
    title    TEXT NOT NULL DEFAULT '',
    template TEXT NOT NULL DEFAULT '',
    year     INTEGER NOT NULL DEFAULT 0,
    sections INTEGER NOT NULL DEFAULT 0,
    filled   INTEGER NOT NULL DEFAULT 0,
    created  INTEGER NOT NULL,          -- unix milliseconds
    updated  INTEGER NOT NULL,          -- unix milliseconds of the last write
    deleted  INTEGER                    -- unix milliseconds; NULL while the draft is live
) STRICT;

-- Chunks: the document's bytes. A snapshot chunk is a whole Automerge
-- save; an incremental chunk holds the changes of one write. Loading a
-- draft loads its chunks in seq order. Compaction replaces a prefix of
-- chunks by one snapshot inside a single transaction.
CREATE TABLE chunks (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    draft_id TEXT NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
    snapshot INTEGER NOT NULL,          -- 1 = whole document, 0 = incremental
    data     BLOB NOT NULL,
    written  INTEGER NOT NULL           -- unix milliseconds
) STRICT;
CREATE INDEX chunks_by_draft ON chunks (draft_id, seq);

-- Settings: the local profile and other per-data-dir values.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Actors: Automerge actor ids of this data dir. Two processes must never
-- commit with the same actor (their sequence numbers would collide), so
-- each process leases one and keeps the lease alive with a heartbeat.
CREATE TABLE actors (
    actor     TEXT PRIMARY KEY,
    holder    TEXT NOT NULL DEFAULT '', -- random token of the leasing process; '' when free
    heartbeat INTEGER NOT NULL DEFAULT 0 -- unix milliseconds
) STRICT;
