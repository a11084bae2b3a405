package app

import (
	"context"
	"errors"
	"fmt"
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
	if err != nil {
		return nil, err
	}
	out := make([]docsync.Access, len(all))
	for i, a := range all {
		_, err := l.w.store.Draft(ctx, a.DraftID)
		out[i] = docsync.Access{DraftID: a.DraftID, Secret: a.Secret, Empty: errors.Is(err, sqlitestore.ErrNotFound)}
	}
	return out, nil
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

// SyncState resumes a peer's sync state (nil: a fresh one).
func (s *Session) SyncState(saved []byte) (*crdt.SyncState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if saved == nil {
		return s.doc.NewSyncState(), nil
	}
	return s.doc.LoadSyncState(saved)
}

// Generate commits and saves pending typing, then returns the next sync
// message for a peer: nothing leaves this machine before it is on disk.
func (s *Session) Generate(st *crdt.SyncState) ([]byte, int, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.commitLocked(context.Background()); err != nil {
		return nil, 0, false, err
	}
	return st.Generate()
}

// Receive applies a peer's sync message, saves what it brought and tells
// subscribers.
func (s *Session) Receive(ctx context.Context, st *crdt.SyncState, msg []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.commitLocked(ctx); err != nil {
		return 0, err
	}
	n, err := st.Receive(msg)
	if err != nil || n == 0 {
		return n, err
	}
	s.sumOK = false
	if err := s.persistLocked(ctx); err != nil {
		return n, err
	}
	s.notifyLocked(false)
	return n, nil
}

// Heads commits and saves pending typing and returns the draft's heads.
func (s *Session) Heads() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.commitLocked(context.Background()); err != nil {
		s.w.log.Warn("Could not save typing", "draft", s.id, "err", err)
	}
	return s.doc.Heads()
}

// Missing counts the changes a peer with the given heads lacks (-1: unknown).
func (s *Session) Missing(theirHeads []string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.doc.MissingFrom(theirHeads)
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
	return nil, fmt.Errorf("draft %s has no invite yet: run `bpfdraft invite %s` first", o.id, o.id)
}

// SyncStateAt starts a sync with a peer known to hold exactly heads.
func (s *Session) SyncStateAt(heads []string) (*crdt.SyncState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.doc.SyncStateAt(heads)
}

// Whole commits and saves pending typing and returns the whole draft,
// its heads and its number of changes, for a peer that holds no copy yet.
func (s *Session) Whole() ([]byte, []string, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.commitLocked(context.Background()); err != nil {
		return nil, nil, 0, err
	}
	data, err := s.doc.Save()
	return data, s.doc.Heads(), s.doc.ChangeCount(), err
}

// MergeWhole merges a whole draft from a peer and saves it.
func (s *Session) MergeWhole(ctx context.Context, data []byte) (int, []string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.commitLocked(ctx); err != nil {
		return 0, nil, err
	}
	before := s.doc.Heads()
	if err := s.doc.LoadIncremental(data); err != nil {
		return 0, nil, err
	}
	_, n, err := s.doc.ChangesSince(before)
	if err != nil {
		return 0, nil, err
	}
	s.sumOK = false
	if err := s.persistLocked(ctx); err != nil {
		return n, nil, err
	}
	s.notifyLocked(false)
	return n, s.doc.Heads(), nil
}

// Changes commits and saves pending typing and returns the changes not
// reachable from since (which must all be known here).
func (s *Session) Changes(since []string) ([]byte, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.commitLocked(context.Background()); err != nil {
		return nil, 0, err
	}
	return s.doc.ChangesSince(since)
}

// Known returns those of heads this draft holds.
func (s *Session) Known(heads []string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.doc.Known(heads)
}

// Unsynced counts the changes of this draft that no peer is known to
// have, from the states saved by earlier syncs: what is waiting to go out,
// online or not. known is false when the draft was never synced.
func (s *Session) Unsynced(ctx context.Context) (n int, last time.Time, known bool, err error) {
	s.mu.Lock()
	n, last, known, ok := s.whileTypingLocked()
	s.mu.Unlock()
	if ok {
		return n, last, known, nil // without reading the sync states
	}
	states, err := s.w.store.SyncStates(ctx, s.id)
	if err != nil {
		return 0, time.Time{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n, last, known, ok := s.whileTypingLocked(); ok { // typing began meanwhile
		return n, last, known, nil
	}
	n, last = -1, time.Time{}
	for _, st := range states {
		m := s.doc.MissingFrom(crdt.SharedHeads(st.State))
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
		n = s.doc.ChangeCount()
	}
	s.unsynced = unsyncedCount{ok: true, n: n, last: last, known: known, made: s.doc.Made()}
	return n, last, known, nil
}

// whileTypingLocked answers Unsynced while typing is pending. Counting needs
// the typing committed, and committing it here (the status bar asks every
// second) would cut it into more changes, each a cost on the wire. It is
// the last count, plus what was committed since, plus the typing.
func (s *Session) whileTypingLocked() (n int, last time.Time, known, ok bool) {
	c := s.unsynced
	if _, dirty := s.doc.Pending(); !dirty || !c.ok {
		return 0, time.Time{}, false, false
	}
	return c.n + s.doc.Made() - c.made + 1, c.last, c.known, true
}

// unsyncedCount is a count Unsynced made with nothing pending.
type unsyncedCount struct {
	ok    bool
	n     int
	last  time.Time
	known bool
	made  int // the Doc's own commits then
}
