-- The tag a peer names a draft by in its sync offers (a keyed hash of the
-- draft id under its secret, computed by the sync layer and stored with
-- the secret), indexed so that a relay holding thousands of drafts finds
-- those a session offers without reading every row. NULL until the
-- application fills it in for rows written before this migration.
ALTER TABLE access ADD COLUMN tag BLOB;
CREATE INDEX access_by_tag ON access (tag);
