package crdt

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	"github.com/automerge/automerge-go"
)

// SyncState is Automerge's record of what one peer is known to have of
// one draft. It is not safe for concurrent use: one peer session owns it.
type SyncState struct {
	doc *Doc
	ss  *automerge.SyncState
	// theirHeads are the heads the peer announced in its last message,
	// theirNeed the changes it asked for in it.
	theirHeads, theirNeed []string
	sent                  map[string]bool // changes our messages carried
	owed                  []string        // see Owed
	lastSent              []byte          // our last message
	heard                 bool            // a message arrived since lastSent
}

// NewSyncState starts a sync with a peer that shares nothing known yet.
func (d *Doc) NewSyncState() *SyncState {
	return &SyncState{doc: d, ss: automerge.NewSyncState(d.am)}
}

// LoadSyncState resumes a sync from a state saved by SyncState.Save, so a
// reconnect starts from the heads both sides shared last time instead of
// exchanging Bloom filters of the whole history.
func (d *Doc) LoadSyncState(saved []byte) (*SyncState, error) {
	ss, err := automerge.LoadSyncState(d.am, saved)
	if err != nil {
		return nil, fmt.Errorf("%w: sync state: %v", ErrCorrupt, err)
	}
	return &SyncState{doc: d, ss: ss}, nil
}

// Save returns the state to persist between connections.
func (s *SyncState) Save() []byte { return s.ss.Save() }

// TheirHeads returns the heads the peer announced last, sorted.
func (s *SyncState) TheirHeads() []string { return s.theirHeads }

// Owed returns, after a Generate that produced nothing, the changes the
// peer asked for that we hold and have not sent it on this state; at
// other times nil.
//
// The pinned Automerge core can fall silent while the peer waits for
// these: when each side's Bloom filter gave the other a false positive,
// each asks for the change it lacks, and neither answers, because each
// still counts its own earlier changes as in flight until the other has
// applied them, which it cannot do without the change it asked for. A
// caller that is owed nothing may wait; one that owes must answer by
// other means (docsync pushes).
func (s *SyncState) Owed() []string { return s.owed }

// Shared returns the heads Automerge counts as held by both sides.
func (s *SyncState) Shared() []string { return SharedHeads(s.Save()) }

// Generate returns the next message for the peer, or ok=false when the
// peer needs nothing more. Pending edits are committed first, with their
// metadata. changes is the number of changes the message carries.
func (s *SyncState) Generate() (msg []byte, changes int, ok bool, err error) {
	if _, err := s.doc.Commit(); err != nil {
		return nil, 0, false, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("generating sync message: %v", r)
		}
	}()
	s.owed = nil
	m, ok := s.ss.GenerateMessage()
	if !ok {
		for _, h := range s.doc.Known(s.theirNeed) {
			if !s.sent[h] {
				s.owed = append(s.owed, h)
			}
		}
		return nil, 0, false, nil
	}
	b := m.Bytes()
	if !s.heard && bytes.Equal(b, s.lastSent) {
		// The same message again with nothing heard since (Automerge's
		// reset is not deduplicated by the core): the peer has it.
		return nil, 0, false, nil
	}
	s.lastSent, s.heard = b, false
	if s.sent == nil {
		s.sent = map[string]bool{}
	}
	for _, c := range m.Changes() {
		s.sent[c.Hash().String()] = true
	}
	return b, len(m.Changes()), true, nil
}

// Receive applies a message from the peer and returns how many changes it
// carried. A malformed message is an error and changes nothing.
func (s *SyncState) Receive(msg []byte, seals []Seal, ledger func() (*Ledger, error)) (changes int, err error) {
	if _, err := s.doc.Commit(); err != nil {
		return 0, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: sync message: %v", ErrCorrupt, r)
		}
	}()
	s.heard = true
	if heads, reset := syncReset(msg); reset {
		// The peer lacks heads our state says we share (it was restored
		// from a backup, or rolled back). The core would answer with our
		// whole history; start over instead from the peer's heads we
		// hold, so Bloom filters find what it lacks.
		fresh, err := s.doc.SyncStateAt(s.doc.Known(heads))
		if err != nil {
			return 0, err
		}
		s.ss, s.sent, s.lastSent = fresh.ss, nil, nil
		s.theirHeads, s.theirNeed = heads, nil
		return 0, nil
	}
	// The changes a message carries reach the core as they are: they get
	// the checks a stored chunk gets.
	_, carried, _, serr := splitSync(msg)
	if serr != nil {
		return 0, fmt.Errorf("%w: sync message: %v", ErrCorrupt, serr)
	}
	for _, c := range carried {
		if err := checkChunks(c); err != nil {
			return 0, fmt.Errorf("sync message: %w", err)
		}
		if err := checkActions(c, foreignOps(len(c))); err != nil {
			return 0, fmt.Errorf("sync message: %w", err)
		}
	}
	// The changes are vetted as a push's are; Automerge's protocol
	// delivers a device's changes with the seal of its newest.
	var keep []Seal
	var news []header
	if len(carried) > 0 {
		if keep, news, err = s.doc.vet(bytes.Join(carried, nil), seals); err != nil {
			return 0, err
		}
		if err := s.doc.refuseRemoved(news, keep, ledger); err != nil {
			return 0, err
		}
	}
	s.doc.forgetBodies()
	m, err := s.ss.ReceiveMessage(msg)
	if err != nil {
		return 0, fmt.Errorf("%w: sync message: %v", ErrCorrupt, err)
	}
	s.doc.keepSeals(keep, news)
	hs := m.Heads()
	s.theirHeads = make([]string, len(hs))
	for i, h := range hs {
		s.theirHeads[i] = h.String()
	}
	sort.Strings(s.theirHeads)
	s.theirNeed = syncNeed(msg)
	return len(m.Changes()), nil
}

// SyncChanges returns the changes a sync message carries, concatenated
// as chunks (for SealBlock).
func SyncChanges(msg []byte) []byte {
	_, carried, _, err := splitSync(msg)
	if err != nil {
		return nil
	}
	return bytes.Join(carried, nil)
}

// MissingFrom counts the changes d has that a peer with the given heads
// lacks; -1 when the peer's heads include changes d has not seen.
func (d *Doc) MissingFrom(heads []string) int {
	if !d.HasAll(heads) {
		return -1
	}
	// Counting needs the changes, not their serialised bytes.
	cs, err := d.changesSince(heads)
	if err != nil {
		return -1
	}
	return len(cs)
}

// Empty returns a document with no content yet, for a peer that was
// invited to a draft and receives it by sync. Valid reports when it has
// become a draft.
func Empty(actor string) (*Doc, error) {
	am := automerge.New()
	if err := am.SetActorID(actor); err != nil {
		return nil, err
	}
	return &Doc{am: am, now: time.Now}, nil
}

// Valid reports whether the document has the layout of a draft (it may
// not, while an Empty document waits for its first sync).
func (d *Doc) Valid() error { return d.check() }

// syncStateType is the first byte of Automerge's encoded sync state,
// followed by the shared heads (count, then 32-byte hashes).
const syncStateType = 0x43

// SyncStateAt returns a sync state for a peer known to hold exactly the
// given heads: one that just loaded our snapshot. The sync that follows
// starts from there, as after a reconnect, instead of exchanging Bloom
// filters of the whole history.
func (d *Doc) SyncStateAt(heads []string) (*SyncState, error) {
	b := binary.AppendUvarint([]byte{syncStateType}, uint64(len(heads)))
	for _, h := range heads {
		raw, err := hex.DecodeString(h)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("%w: head %q", ErrCorrupt, h)
		}
		b = append(b, raw...)
	}
	return d.LoadSyncState(b)
}

// ChangeCount returns how many changes the document's history holds.
func (d *Doc) ChangeCount() int {
	cs, err := d.changesSince(nil)
	if err != nil {
		return -1
	}
	return len(cs)
}
