// Package export writes a draft's plain snapshot (crdt.Snapshot, no
// Automerge types) to the formats people read: Markdown for now.
package export
