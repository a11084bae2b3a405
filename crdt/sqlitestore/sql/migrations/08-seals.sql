-- Seals: each device's newest signature over its changes in a draft
-- (crdt.Seal, encoded with its certificate), which covers every earlier
-- change of that device. Kept beside the chunks, never inside the
-- document: a change cannot hold a signature of its own hash. seq is
-- the sealed change's sequence number, so that two processes saving
-- seals of the same device keep the newer.
CREATE TABLE seals (
    draft_id TEXT NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
    actor    TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    data     BLOB NOT NULL,
    PRIMARY KEY (draft_id, actor)
) STRICT;
