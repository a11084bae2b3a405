-- Secrets a draft was synced with before its invite was replaced: a code
-- carrying one of them is outdated, and joining with it must never take
-- a draft back to the old secret (and the relays that went with it).
CREATE TABLE replaced_secrets (
    draft_id    TEXT NOT NULL,
    secret_hash BLOB NOT NULL,
    replaced    INTEGER NOT NULL,
    PRIMARY KEY (draft_id, secret_hash)
) STRICT;
