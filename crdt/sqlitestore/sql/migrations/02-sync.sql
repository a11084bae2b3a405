-- Access: the secret of every draft this data dir may sync, and the relay
-- addresses its invite named. A draft joined by invite has its row here
-- before it has any chunk: the first sync brings the document.
CREATE TABLE access (
    draft_id TEXT PRIMARY KEY,
    secret   BLOB NOT NULL,
    relays   TEXT NOT NULL DEFAULT '', -- multiaddrs, one per line
    created  INTEGER NOT NULL          -- unix milliseconds of this secret
) STRICT;

-- Sync states: what each peer is known to have of each draft, so that a
-- reconnect resumes from the heads both sides shared last time.
CREATE TABLE sync_states (
    peer     TEXT NOT NULL,
    draft_id TEXT NOT NULL,
    state    BLOB NOT NULL,
    updated  INTEGER NOT NULL,
    PRIMARY KEY (peer, draft_id)
) STRICT;
