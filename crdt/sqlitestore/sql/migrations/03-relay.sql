-- Registrations: on a relay, which peer registered each draft, for the
-- per-peer quota. Ordinary data dirs leave it empty.
CREATE TABLE registrations (
    draft_id TEXT PRIMARY KEY,
    peer     TEXT NOT NULL,
    created  INTEGER NOT NULL
) STRICT;
CREATE INDEX registrations_by_peer ON registrations (peer);
