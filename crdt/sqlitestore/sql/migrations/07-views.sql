-- Views: a plain copy of each draft as it stood when a process last let
-- go of it, so that commands which only read a draft (show, export,
-- heading list) need not load its whole history into Automerge, which
-- costs seconds and hundreds of megabytes for a long draft. A copy
-- serves only while seq is still the draft's newest chunk; anything
-- written after it makes the reader load the document instead.
CREATE TABLE views (
    draft_id TEXT PRIMARY KEY REFERENCES drafts(id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,          -- the draft's newest chunk when it was made
    data     BLOB NOT NULL
) STRICT;
