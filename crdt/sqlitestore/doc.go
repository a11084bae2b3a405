// Package sqlitestore keeps drafts in one SQLite file (modernc.org/sqlite,
// pure Go): WAL mode, numbered embedded migrations, one incremental chunk
// per write inside a transaction, and compaction of a draft's chunks into
// a single snapshot in the same transaction that deletes what it replaces,
// so there is no moment at which a crash loses data.
//
// Several processes may open the same file (the GUI and a CLI command);
// SQLite's locking serialises their writes and MaxSeq lets each notice
// the other's.
package sqlitestore
