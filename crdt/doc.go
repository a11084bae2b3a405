// Package crdt holds the BPF draft document: its schema (meta, ordered
// sections, participants), the two templates, code-point-safe text editing
// and the contribution metadata carried by every commit.
//
// It is the only package that imports automerge-go; everything above it
// sees plain Go values (Snapshot, Section, Participant, Contribution).
package crdt
