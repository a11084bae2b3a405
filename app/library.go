package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/crdt/sqlitestore"
	docsync "github.com/igf-bpf/bpfdraft/sync"
)

// SyncLibrary exposes the workspace's drafts, secrets and saved sync
// states to the sync engine.
func (w *Workspace) SyncLibrary() docsync.Library { return syncLibrary{w} }

type syncLibrary struct{ w *Workspace }

var (
	_ docsync.Library = syncLibrary{}
	_ docsync.Replica = (*Session)(nil)
)

func (l syncLibrary) Access(ctx context.Context) ([]docsync.Access, error) {
	all, err := l.w.store.AllAccess(ctx)
	return syncAccess(all), err
}

func syncAccess(all []sqlitestore.Access) []docsync.Access {
	out := make([]docsync.Access, len(all))
	for i, a := range all {
		// Without chunks (joined and not yet received, or all of it set
		// aside by Repair) the draft is fetched whole, as a snapshot.
		out[i] = docsync.Access{DraftID: a.DraftID, Secret: a.Secret, Empty: !a.Held, Relays: a.Relays}
	}
	return out
}

func (l syncLibrary) Open(ctx context.Context, draftID string) (docsync.Replica, error) {
	return l.w.session(ctx, draftID, true)
}

func (l syncLibrary) LoadState(ctx context.Context, peer, draftID string) ([]byte, error) {
	return l.w.store.SyncState(ctx, peer, draftID)
}

func (l syncLibrary) SaveState(ctx context.Context, peer, draftID string, state []byte) error {
	return l.w.store.SetSyncState(ctx, peer, draftID, state)
}

// The engine's calls run on the draft's owner, like everything else, and
// read the committed document only: typing not yet committed stays out of
// sync until its batch is committed, so that a live connection never cuts
// it short. What is committed but not yet on disk (a full disk) stays out
// too: nothing leaves this machine before it is saved.

// SyncState resumes a peer's sync state (nil: a fresh one).
func (s *Session) SyncState(saved []byte) (*crdt.SyncState, error) {
	var st *crdt.SyncState
	err := s.do(func() error {
		if saved == nil {
			st = s.o.doc.NewSyncState()
			return nil
		}
		var err error
		st, err = s.o.doc.LoadSyncState(saved)
		return err
	})
	return st, err
}

// Generate returns the next sync message for a peer. While committed
// changes are not on disk yet, it has nothing to say.
func (s *Session) Generate(st *crdt.SyncState) (msg []byte, n int, ok bool, err error) {
	err = s.do(func() error {
		if s.o.unsaved {
			return nil
		}
		msg, n, ok, err = st.Generate()
		return err
	})
	return msg, n, ok, err
}

// Receive applies a peer's sync message, saves what it brought and tells
// subscribers.
func (s *Session) Receive(ctx context.Context, st *crdt.SyncState, msg, block []byte) (int, error) {
	var n int
	err := s.do(func() error {
		var err error
		seals, err := s.o.doc.OpenSealBlock(block, crdt.SyncChanges(msg))
		if err != nil {
			return err
		}
		if aerr := s.absorb(func() error { n, err = st.Receive(msg, seals, s.judgeLedger); return err }); aerr != nil || n == 0 {
			if err != nil {
				s.o.ledger = nil // it may hold the refused changes
			}
			return aerr
		}
		if err := s.persist(); err != nil {
			return err
		}
		s.notify(false)
		return nil
	})
	return n, err
}

// Heads returns the heads of the draft as saved on disk.
func (s *Session) Heads() []string {
	var h []string
	s.do(func() error { h = s.savedHeads(); return nil })
	return h
}

func (s *Session) savedHeads() []string {
	if s.o.unsaved && s.o.persisted != nil {
		return s.o.persisted
	}
	return s.o.doc.Heads()
}

// Missing counts the changes a peer with the given heads lacks (-1: unknown).
func (s *Session) Missing(theirHeads []string) int {
	n := -1
	s.do(func() error { n = s.o.doc.MissingFrom(theirHeads); return nil })
	return n
}

// OnlyDraft narrows a library to one draft, for `bpfdraft sync DRAFT`.
func OnlyDraft(lib docsync.Library, draftID string) docsync.Library {
	return onlyDraft{lib, draftID}
}

type onlyDraft struct {
	docsync.Library
	id string
}

func (o onlyDraft) Access(ctx context.Context) ([]docsync.Access, error) {
	all, err := o.Library.Access(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range all {
		if a.DraftID == o.id {
			return []docsync.Access{a}, nil
		}
	}
	return nil, NoInvite(o.id)
}

// ErrNoInvite is returned when a draft that has no invite yet is to be synced.
var ErrNoInvite = errors.New("no invite yet")

// NoInvite says that draft id cannot be synced before it has an invite,
// and how to make one.
func NoInvite(id string) error {
	return fmt.Errorf("draft %s has %w: run `bpfdraft invite %s` first", id, ErrNoInvite, id)
}

// SyncStateAt starts a sync with a peer known to hold exactly heads.
func (s *Session) SyncStateAt(heads []string) (*crdt.SyncState, error) {
	var st *crdt.SyncState
	err := s.do(func() error {
		var err error
		st, err = s.o.doc.SyncStateAt(heads)
		return err
	})
	return st, err
}

// Whole returns the whole draft as saved, its heads and its number of
// changes, for a peer that holds no copy yet.
func (s *Session) Whole() (data, seals []byte, heads []string, n int, err error) {
	err = s.do(func() error {
		if s.o.unsaved {
			return fmt.Errorf("the draft's last changes are not saved yet: %w", s.SaveProblem())
		}
		data, err = s.o.doc.Save()
		heads, n = s.o.doc.Heads(), s.o.doc.ChangeCount()
		seals, _ = s.o.doc.SealBlock(data)
		return err
	})
	return data, seals, heads, n, err
}

// MergeWhole merges a whole draft from a peer, or changes it pushed, and
// saves them.
func (s *Session) MergeWhole(ctx context.Context, data, block []byte) (n int, heads []string, err error) {
	err = s.do(func() error {
		before := s.o.doc.Heads()
		seals, err := s.o.doc.OpenSealBlock(block, data)
		if err != nil {
			return err
		}
		if err := s.absorbAdmitted(data, seals); err != nil {
			return err
		}
		_, n, err = s.o.doc.ChangesSince(before)
		if err != nil {
			return err
		}
		if err := s.persist(); err != nil {
			return err
		}
		heads = s.o.doc.Heads()
		if n > 0 {
			s.notify(false)
		}
		return nil
	})
	return n, heads, err
}

// Seals returns the seals a peer needs with data (the whole draft, or
// changes from Changes), and the devices they are of.
func (s *Session) Seals(data []byte) (block []byte, devices []string) {
	s.do(func() error { block, devices = s.o.doc.SealBlock(data); return nil })
	return block, devices
}

// Devices returns the actors whose certificates the draft holds.
func (s *Session) Devices() []string {
	var out []string
	s.do(func() error { out = s.o.doc.Devices(); return nil })
	return out
}

// ChangeChunk returns the chunk of a change the draft holds, or nil.
func (s *Session) ChangeChunk(hash string) []byte {
	var b []byte
	s.do(func() error { b = s.o.doc.ChangeChunk(hash); return nil })
	return b
}

// SyncSeals returns the seals of the changes a sync message carries.
func (s *Session) SyncSeals(msg []byte) []byte {
	var b []byte
	s.do(func() error { b = s.o.doc.SyncSealBlock(msg); return nil })
	return b
}

// Changes returns the saved changes not reachable from since (which must
// all be known here).
func (s *Session) Changes(since []string) (data []byte, n int, err error) {
	err = s.do(func() error {
		if s.o.unsaved && s.o.persisted != nil {
			data, n, err = s.o.doc.ChangesBetween(since, s.o.persisted)
			return err
		}
		data, n, err = s.o.doc.ChangesSince(since)
		return err
	})
	return data, n, err
}

// Known returns those of heads this draft holds.
func (s *Session) Known(heads []string) []string {
	var out []string
	s.do(func() error { out = s.o.doc.Known(heads); return nil })
	return out
}

// syncedPerView answers Unsynced without loading the document, for a
// session still showing its stored view, when a peer shares everything
// it holds: nothing is waiting then. Anything else needs the change
// graph.
func (s *Session) syncedPerView(states []sqlitestore.PeerState) (n int, last time.Time, ok bool) {
	if len(s.viewHeads) == 0 || s.docLoaded.Load() {
		return 0, time.Time{}, false
	}
	for _, st := range states {
		shared := crdt.SharedHeads(st.State)
		if len(shared) == 0 {
			continue
		}
		if slices.Equal(shared, s.viewHeads) { // both sorted
			ok = true
		}
		if st.Updated.After(last) {
			last = st.Updated
		}
	}
	return 0, last, ok
}

// Unsynced counts the changes of this draft that no peer is known to
// have, from the states saved by earlier syncs: what is waiting to go out,
// online or not, typing not yet committed counting as the one change it
// will be. known is false when the draft was never synced.
func (s *Session) Unsynced(ctx context.Context) (n int, last time.Time, known bool, err error) {
	states, err := s.w.store.SyncStates(ctx, s.id)
	if err != nil {
		return 0, time.Time{}, false, err
	}
	if n, last, ok := s.syncedPerView(states); ok {
		return n, last, true, nil
	}
	err = s.do(func() error {
		n, last = -1, time.Time{}
		for _, st := range states {
			m := s.o.doc.MissingFrom(crdt.SharedHeads(st.State))
			if m < 0 {
				continue
			}
			if n < 0 || m < n {
				n = m
			}
			if st.Updated.After(last) {
				last = st.Updated
			}
		}
		known = n >= 0
		if !known {
			n = s.o.doc.ChangeCount()
		}
		if s.o.typing.active() {
			n++
		}
		return nil
	})
	return n, last, known, err
}
