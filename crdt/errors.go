package crdt

import "errors"

var (
	// ErrNotFound is returned when a section, draft or participant does not exist.
	ErrNotFound = errors.New("not found")
	// ErrRange is returned for a text position or length outside the text,
	// measured in Unicode code points.
	ErrRange = errors.New("position out of range")
	// ErrInvalidText is returned for text that is not valid UTF-8.
	ErrInvalidText = errors.New("text is not valid UTF-8")
	// ErrNotDraft is returned when bytes load as an Automerge document that
	// is not a BPF draft (no draft id or template in its meta).
	ErrNotDraft = errors.New("not a BPF Draft document")
	// ErrCorrupt is returned when bytes are not a loadable Automerge document.
	ErrCorrupt = errors.New("damaged or not an Automerge file")
	// ErrUnknownDep is returned for a pushed change whose dependency was
	// named by a prefix this copy cannot resolve: Automerge's own
	// exchange finds what is missing instead.
	ErrUnknownDep = errors.New("a dependency named by a prefix this copy does not know")
	// ErrRefused is returned when intact changes cannot be merged: two
	// different changes with one actor and sequence number (a restored
	// backup that committed again), or changes whose dependencies are
	// missing. The bytes are not damaged; the histories disagree.
	ErrRefused = errors.New("the changes cannot be merged with this copy of the draft")
	// ErrInvalid is returned for a value outside its allowed set (a
	// stakeholder group, region, role or template).
	ErrInvalid = errors.New("invalid value")
)
