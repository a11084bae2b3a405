package docsync

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/sync/blobwire"
)

// memLib is an in-memory Library for fast engine tests: the seam where the
// real one (app over SQLite) plugs in, which the p2p tests exercise.
type memLib struct {
	mu     sync.Mutex
	drafts map[string]*memDraft
	access []Access
	states map[[2]string][]byte
	actor  string
	broken map[string]error // drafts that fail to open, as a damaged one does
	// hostile wraps drafts that send a hostile peer's payloads.
	hostile map[string]func(Replica) Replica
}

type memDraft struct {
	mu       sync.Mutex
	doc      *crdt.Doc
	watchers map[chan struct{}]bool
}

func newMemLib() *memLib {
	return &memLib{drafts: map[string]*memDraft{}, states: map[[2]string][]byte{}, actor: crdt.NewActor()}
}

// add gives the library a draft (a copy of doc, or empty when doc is nil)
// and the secret to sync it.
func (l *memLib) add(t testing.TB, id string, doc *crdt.Doc, secret []byte) *memDraft {
	t.Helper()
	var d *crdt.Doc
	var err error
	if doc == nil {
		d, err = crdt.Empty(l.actor)
	} else {
		var b []byte
		if b, err = doc.Save(); err == nil {
			if d, err = crdt.Load(b); err == nil {
				err = d.SetActor(l.actor)
			}
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	md := &memDraft{doc: d, watchers: map[chan struct{}]bool{}}
	l.mu.Lock()
	l.drafts[id] = md
	l.access = append(l.access, Access{DraftID: id, Secret: secret})
	l.mu.Unlock()
	return md
}

func (l *memLib) Access(context.Context) ([]Access, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := append([]Access(nil), l.access...)
	for i := range out {
		out[i].Empty = len(l.drafts[out[i].DraftID].Heads()) == 0
	}
	return out, nil
}

func (l *memLib) Open(_ context.Context, id string) (Replica, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.broken[id]; err != nil {
		return nil, err
	}
	if wrap := l.hostile[id]; wrap != nil {
		return wrap(l.drafts[id]), nil
	}
	return l.drafts[id], nil
}

func (l *memLib) LoadState(_ context.Context, peer, id string) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.states[[2]string{peer, id}], nil
}

func (l *memLib) SaveState(_ context.Context, peer, id string, st []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.states[[2]string{peer, id}] = st
	return nil
}

func (d *memDraft) SyncState(saved []byte) (*crdt.SyncState, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if saved == nil {
		return d.doc.NewSyncState(), nil
	}
	return d.doc.LoadSyncState(saved)
}

func (d *memDraft) Generate(st *crdt.SyncState) ([]byte, int, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return st.Generate()
}

func (d *memDraft) Receive(_ context.Context, st *crdt.SyncState, msg, block []byte) (int, error) {
	d.mu.Lock()
	seals, err := d.doc.OpenSealBlock(block, crdt.SyncChanges(msg))
	n := 0
	if err == nil {
		n, err = st.Receive(msg, seals, nil)
	}
	d.mu.Unlock()
	if n > 0 {
		d.notify()
	}
	return n, err
}

func (d *memDraft) Heads() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.doc.Heads()
}

func (d *memDraft) Missing(h []string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.doc.MissingFrom(h)
}

func (d *memDraft) Watch() (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	d.mu.Lock()
	d.watchers[c] = true
	d.mu.Unlock()
	return c, func() {
		d.mu.Lock()
		if d.watchers[c] {
			delete(d.watchers, c)
			close(c)
		}
		d.mu.Unlock()
	}
}

func (d *memDraft) notify() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for c := range d.watchers {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

func (d *memDraft) Close(context.Context) error { return nil }

// edit changes a draft as a local user would and tells watchers.
func (d *memDraft) edit(t testing.TB, f func(doc *crdt.Doc) error) {
	t.Helper()
	d.mu.Lock()
	err := f(d.doc)
	if err == nil {
		_, err = d.doc.Commit()
	}
	d.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	d.notify()
}

func (d *memDraft) snapshot() crdt.Snapshot {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.doc.Snapshot()
}

func (d *memDraft) text() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var b strings.Builder
	for _, s := range d.doc.Sections() {
		b.WriteString(s.Heading + "\n" + s.Body + "\n")
	}
	return b.String()
}

type logBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newLogger(w *logBuf) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (d *memDraft) SyncStateAt(heads []string) (*crdt.SyncState, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.doc.SyncStateAt(heads)
}

func (d *memDraft) Whole() ([]byte, []byte, []string, int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	b, err := d.doc.Save()
	block, _ := d.doc.SealBlock(b)
	return b, block, d.doc.Heads(), d.doc.ChangeCount(), err
}

func (d *memDraft) Seals(data []byte) ([]byte, []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.doc.SealBlock(data)
}

func (d *memDraft) ListedRelays() []string { return nil }

func (d *memDraft) Registration() (blobwire.Registration, error) {
	return blobwire.Registration{}, errors.New("no relay statements in memory drafts")
}

func (d *memDraft) Devices() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.doc.Devices()
}

func (d *memDraft) ChangeChunk(hash string) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.doc.ChangeChunk(hash)
}

func (d *memDraft) SyncSeals(msg []byte) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.doc.SyncSealBlock(msg)
}

func (d *memDraft) MergeWhole(_ context.Context, data, block []byte) (int, []string, error) {
	d.mu.Lock()
	before := d.doc.Heads()
	seals, err := d.doc.OpenSealBlock(block, data)
	if err == nil {
		err = d.doc.Admit(data, seals)
	}
	n := 0
	if err == nil {
		_, n, err = d.doc.ChangesSince(before)
	}
	heads := d.doc.Heads()
	d.mu.Unlock()
	d.notify()
	return n, heads, err
}

func (d *memDraft) Changes(since []string) ([]byte, int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.doc.ChangesSince(since)
}

func (d *memDraft) Known(heads []string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.doc.Known(heads)
}
