package docsync

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/sync/wire"
)

// Library is the local side's drafts as the engine needs them. app's
// Workspace provides one over the SQLite store; the relay has its own.
type Library interface {
	// Access lists the drafts this side may sync, with their secrets.
	Access(ctx context.Context) ([]Access, error)
	// Open returns a draft for syncing. A draft this side was invited to
	// but holds no copy of yet opens empty.
	Open(ctx context.Context, draftID string) (Replica, error)
	// LoadState returns the sync state saved for (peer, draft), or nil.
	LoadState(ctx context.Context, peer, draftID string) ([]byte, error)
	// SaveState keeps a sync state for the next connection.
	SaveState(ctx context.Context, peer, draftID string, state []byte) error
}

// Replica is one open draft. Its methods are called from one goroutine
// per connection, but several connections may share a draft.
type Replica interface {
	// SyncState resumes from saved (nil: a fresh state).
	SyncState(saved []byte) (*crdt.SyncState, error)
	// SyncStateAt starts from a peer known to hold exactly heads.
	SyncStateAt(heads []string) (*crdt.SyncState, error)
	// Generate returns the next message for a peer; see crdt.SyncState.Generate.
	Generate(st *crdt.SyncState) (msg []byte, changes int, ok bool, err error)
	// Receive applies a peer's message and saves what it brought.
	Receive(ctx context.Context, st *crdt.SyncState, msg []byte) (changes int, err error)
	// Heads returns the draft's current heads, sorted.
	Heads() []string
	// Missing counts the changes a peer with the given heads lacks (-1: unknown).
	Missing(theirHeads []string) int
	// Changes returns the changes not reachable from since (all known here)
	// and how many there are.
	Changes(since []string) (data []byte, changes int, err error)
	// Known returns those of heads the draft holds.
	Known(heads []string) []string
	// Whole returns the whole draft, saved, its heads and how many changes it holds.
	Whole() (data []byte, heads []string, changes int, err error)
	// MergeWhole merges a peer's whole draft, or changes it pushed, saves
	// them, and returns how many changes were new and the heads now.
	MergeWhole(ctx context.Context, data []byte) (changes int, heads []string, err error)
	// Watch signals every change to the draft, local or remote.
	Watch() (changed <-chan struct{}, cancel func())
	// Close releases the draft.
	Close(ctx context.Context) error
}

// Engine runs sync sessions for the local peer. It is safe for concurrent
// use; each connection runs in its own Run call.
type Engine struct {
	lib  Library
	self string
	log  *slog.Logger

	mu     sync.Mutex // Protects status.
	status map[[2]string]*Status
}

// New returns an engine for the local peer id self.
func New(lib Library, self string, log *slog.Logger) *Engine {
	if log == nil {
		log = slog.Default()
	}
	return &Engine{lib: lib, self: self, log: log, status: map[[2]string]*Status{}}
}

// Stats says what moved on one connection.
type Stats struct {
	BytesIn, BytesOut     int64
	ChangesIn, ChangesOut int
	Drafts                []string // drafts both sides proved access to
}

// Status is the sync state of one draft with one peer, as the UI shows it.
type Status struct {
	Peer       string
	Draft      string
	Connected  bool
	Synced     bool      // both sides had the same heads when last checked
	LastSynced time.Time // when they last had the same heads
	Pending    int       // changes the peer lacks (-1: unknown)
}

// Status returns the status of every (peer, draft) pair seen.
func (e *Engine) Status() []Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Status, 0, len(e.status))
	for _, s := range e.status {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b Status) int {
		if c := bytes.Compare([]byte(a.Draft), []byte(b.Draft)); c != 0 {
			return c
		}
		return bytes.Compare([]byte(a.Peer), []byte(b.Peer))
	})
	return out
}

func (e *Engine) setStatus(peer, draft string, f func(*Status)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := [2]string{peer, draft}
	s := e.status[k]
	if s == nil {
		s = &Status{Peer: peer, Draft: draft, Pending: -1}
		e.status[k] = s
	}
	f(s)
}

type inbound struct {
	f   wire.Frame
	err error
}

// draftSession is one draft being synced on one connection.
type draftSession struct {
	id       string
	rep      Replica
	st       *crdt.SyncState
	outIndex int // our offer index, which we put in records we send
	dirty    bool
	awaiting bool // we hold no copy and the peer does: its snapshot comes first
	cancel   func()

	// Push mode: when both sides know which heads they share (a saved
	// state, a snapshot, or a sync that converged), each side sends its
	// new changes with its heads straight away, without Automerge's Bloom
	// filters and round trips. A peer that cannot apply them answers with
	// Automerge's protocol, and both fall back to it.
	push       bool
	theirHeads []string // what the peer last said it has
	pushed     []string // our heads when we last pushed changes
	told       []string // the heads we last told the peer
}

// their returns the heads the peer is known to have, by mode.
func (ds *draftSession) their() []string {
	if ds.push {
		return ds.theirHeads
	}
	return ds.st.TheirHeads()
}

// startPush switches a draft to push mode from heads both sides share.
func (ds *draftSession) startPush(shared []string) {
	ds.push, ds.theirHeads, ds.pushed, ds.told = true, shared, nil, nil
}

// Run syncs over one connection with the peer remote until ctx ends, the
// connection fails, or (once) both sides have the same heads for every
// shared draft. The caller closes rw afterwards.
func (e *Engine) Run(ctx context.Context, rw io.ReadWriter, remote string, once bool) (st Stats, err error) {
	conn := wire.NewConn(rw, 0)
	defer func() { st.BytesIn, st.BytesOut = conn.BytesIn(), conn.BytesOut() }()
	done := make(chan struct{})
	defer close(done)
	// The reader never waits for the loop below: if both sides could block
	// writing while their readers waited on them, a synchronous stream
	// would deadlock. The inbox is bounded instead, in bytes.
	in := newInbox()
	go func() {
		if err := conn.ReadPreamble(); err != nil {
			in.push(inbound{err: err})
			return
		}
		for {
			f, err := conn.ReadFrame()
			if !in.push(inbound{f: f, err: err}) || err != nil {
				return
			}
		}
	}()
	var pending []inbound
	next := func(want wire.Type) ([]byte, error) {
		for len(pending) == 0 {
			select {
			case <-in.ready:
				pending = in.drain()
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		f := pending[0]
		pending = pending[1:]
		if f.err != nil {
			return nil, f.err
		}
		if f.f.Type != want {
			return nil, fmt.Errorf("%w: expected frame %d, got %d", wire.ErrMalformed, want, f.f.Type)
		}
		return f.f.Payload, nil
	}
	log := e.log.With("peer", shortPeer(remote))

	hs, err := e.handshake(ctx, conn, next, remote)
	if err != nil {
		return st, err
	}
	access, byTag, theirs := hs.access, hs.byTag, hs.theirs
	ourNonce, theirNonce := hs.ourNonce, hs.theirNonce
	sessions := map[int]*draftSession{} // by their offer index
	var order []*draftSession
	var snapshots []record
	defer func() {
		for _, ds := range order {
			if ds.cancel != nil { // nil when the session failed before watching
				ds.cancel()
			}
			if ds.push {
				// What the peer said it has is what both share now.
				if shared := ds.rep.Known(ds.theirHeads); len(shared) > 0 {
					if s2, err := ds.rep.SyncStateAt(shared); err == nil {
						ds.st = s2
					}
				}
			}
			if serr := e.lib.SaveState(context.Background(), remote, ds.id, ds.st.Save()); serr != nil {
				log.Warn("Could not save sync state", "draft", ds.id, "err", serr)
			}
			e.setStatus(remote, ds.id, func(s *Status) { s.Connected = false })
			ds.rep.Close(context.Background())
		}
	}()
	for ti, o := range theirs {
		i, ok := byTag[string(o.tag)]
		if !ok {
			continue // a draft we do not hold: nothing to check, nothing to send
		}
		a := access[i]
		if !hmac.Equal(o.proof, proof(a, remote, e.self, theirNonce, ourNonce)) {
			log.Warn("Peer failed to prove access to a draft; sending it nothing", "draft", a.DraftID, "tag", hex.EncodeToString(o.tag))
			continue
		}
		rep, err := e.lib.Open(ctx, a.DraftID)
		if err != nil {
			return st, fmt.Errorf("opening draft %s: %w", a.DraftID, err)
		}
		saved, err := e.lib.LoadState(ctx, remote, a.DraftID)
		if err != nil {
			log.Warn("Could not read saved sync state; starting afresh", "draft", a.DraftID, "err", err)
		}
		ss, err := rep.SyncState(saved)
		if err != nil {
			log.Warn("Saved sync state unreadable; starting afresh", "draft", a.DraftID, "err", err)
			ss, err = rep.SyncState(nil)
		}
		if err != nil {
			rep.Close(ctx)
			return st, err
		}
		ds := &draftSession{id: a.DraftID, rep: rep, st: ss, outIndex: i, dirty: true}
		if shared := crdt.SharedHeads(saved); len(shared) > 0 {
			ds.startPush(rep.Known(shared))
		}
		// A peer that holds no copy gets the whole draft in Automerge's
		// compressed form, far smaller than every change sent one by one;
		// both sides then sync from the snapshot's heads.
		switch theirEmpty := o.flags&offerEmpty != 0; {
		case theirEmpty && !a.Empty:
			data, heads, n, err := rep.Whole()
			st.ChangesOut += n
			if err == nil {
				ds.st, err = rep.SyncStateAt(heads)
			}
			if err != nil {
				rep.Close(ctx)
				return st, fmt.Errorf("draft %s: %w", a.DraftID, err)
			}
			// The connection deflates the whole frame; it does that better
			// than Automerge's per-column compression, as long as the
			// frame stays well within its cap.
			if u := crdt.Uncompressed(data); len(u) <= wire.MaxPayload/4 {
				data = u
			}
			snapshots = append(snapshots, record{index: i, msg: append(encodeHeads(heads), data...)})
			ds.startPush(heads)
			ds.pushed, ds.told = heads, heads
		case a.Empty && !theirEmpty:
			ds.awaiting = true
		}
		sessions[ti] = ds
		order = append(order, ds)
		st.Drafts = append(st.Drafts, a.DraftID)
		e.setStatus(remote, a.DraftID, func(s *Status) { s.Connected = true })
	}
	if len(order) == 0 {
		conn.WriteFrame(wire.Frame{Type: frameBye})
		if len(theirs) > 0 {
			// Tags hide draft ids, so an unknown tag may be a draft we do not
			// hold or a wrong or outdated secret for one we do.
			log.Warn("Peer proved access to none of our drafts; sending it nothing", "offered", len(theirs))
		}
		return st, nil
	}
	log.Debug("Sync session open", "drafts", len(order))
	if len(snapshots) > 0 {
		if err := conn.WriteFrame(wire.Frame{Type: frameSnapshot, Payload: encodeRecords(snapshots)}); err != nil {
			return st, err
		}
	}

	// Local changes wake the loop.
	changed := make(chan *draftSession, len(order))
	for _, ds := range order {
		ch, cancel := ds.rep.Watch()
		ds.cancel = cancel
		go func(ds *draftSession) {
			for range ch {
				select {
				case changed <- ds:
				case <-done:
					return
				}
			}
		}(ds)
	}

	// eachRecord decodes a frame's records and applies each to the draft it
	// names, if that draft expects it.
	eachRecord := func(payload []byte, what string, expects func(*draftSession) bool,
		apply func(*draftSession, record) (int, error)) error {
		recs, err := decodeRecords(payload)
		if err != nil {
			return err
		}
		for _, r := range recs {
			ds := sessions[r.index]
			if ds == nil || !expects(ds) {
				return fmt.Errorf("%w: %s for draft %d, which was not shared or not expected", wire.ErrMalformed, what, r.index)
			}
			n, err := apply(ds, r)
			if err != nil {
				return fmt.Errorf("draft %s: %w", ds.id, err)
			}
			st.ChangesIn += n
			ds.dirty = true
		}
		return nil
	}

	byeSent, byeRecv := false, false
	for {
		var recs, pushes []record
		for _, ds := range order {
			if !ds.dirty || ds.awaiting {
				continue
			}
			ds.dirty = false
			if ds.push {
				r, n, err := ds.pushRecord()
				if err != nil {
					return st, fmt.Errorf("draft %s: %w", ds.id, err)
				}
				if r != nil {
					pushes = append(pushes, *r)
					st.ChangesOut += n
				}
				continue
			}
			msg, n, ok, err := ds.rep.Generate(ds.st)
			if err != nil {
				return st, fmt.Errorf("draft %s: %w", ds.id, err)
			}
			if ok {
				r := record{index: ds.outIndex, msg: msg}
				if c, ok := crdt.CompactSync(msg); ok && len(c) < len(msg) {
					r.msg, r.compact = c, true
				}
				recs = append(recs, r)
				st.ChangesOut += n
			}
		}
		if len(pushes) > 0 {
			if err := conn.WriteFrame(wire.Frame{Type: framePush, Payload: encodeRecords(pushes)}); err != nil {
				return st, err
			}
			byeSent = false
		}
		if len(recs) > 0 {
			if err := conn.WriteFrame(wire.Frame{Type: frameSync, Payload: encodeRecords(recs)}); err != nil {
				return st, err
			}
			byeSent = false
		}
		converged := e.checkConverged(remote, order)
		if !converged {
			byeSent = false // what we said no longer holds: say it again once it does
		}
		if once && converged && !byeSent {
			if err := conn.WriteFrame(wire.Frame{Type: frameBye}); err != nil {
				return st, err
			}
			byeSent = true
		}
		if once && converged && byeSent && byeRecv {
			return st, nil
		}
		if len(pending) == 0 {
			select {
			case <-in.ready:
				pending = in.drain()
			case ds := <-changed:
				ds.dirty = true
			case <-ctx.Done():
				return st, ctx.Err()
			}
		}
		// One frame per turn: Automerge's sync protocol expects a message
		// to be generated after each one received, and skipping a turn can
		// leave the peer waiting for an answer that never comes.
		if len(pending) > 0 {
			f := pending[0]
			pending = pending[1:]
			if f.err != nil {
				if errors.Is(f.err, io.EOF) && byeRecv {
					return st, nil
				}
				return st, f.err
			}
			var err error
			switch f.f.Type {
			case frameBye:
				byeRecv = true
			case frameSync:
				byeRecv = false
				err = eachRecord(f.f.Payload, "sync record", func(*draftSession) bool { return true },
					func(ds *draftSession, r record) (int, error) {
						msg := r.msg
						if r.compact {
							var err error
							if msg, err = crdt.ExpandSync(msg); err != nil {
								return 0, err
							}
						}
						ds.push = false // the peer speaks Automerge's protocol for this draft
						return ds.rep.Receive(ctx, ds.st, msg)
					})
			case framePush:
				byeRecv = false
				err = eachRecord(f.f.Payload, "push", func(ds *draftSession) bool { return !ds.awaiting },
					func(ds *draftSession, r record) (int, error) { return ds.applyPush(ctx, r) })
			case frameSnapshot:
				err = eachRecord(f.f.Payload, "snapshot", func(ds *draftSession) bool { return ds.awaiting },
					func(ds *draftSession, r record) (int, error) {
						// The snapshot starts with the sender's heads: what both
						// share once it is merged (we may hold more of our own).
						senderHeads, data, err := decodeHeads(r.msg)
						if err != nil {
							return 0, err
						}
						n, _, err := ds.rep.MergeWhole(ctx, data)
						if err == nil {
							ds.st, err = ds.rep.SyncStateAt(senderHeads)
						}
						if err != nil {
							return n, err
						}
						ds.awaiting = false
						ds.startPush(senderHeads)
						return n, nil
					})
			default:
				err = fmt.Errorf("%w: unexpected frame type %d", wire.ErrMalformed, f.f.Type)
			}
			if err != nil {
				return st, err
			}
		}
	}
}

// maxInbox bounds the bytes of frames read but not yet handled: a peer
// that sends faster than we apply is cut off rather than let fill memory.
const maxInbox = 64 << 20

// inbox queues frames from the reader goroutine for the session loop.
type inbox struct {
	mu     sync.Mutex // Protects q, size and closed.
	q      []inbound
	size   int
	closed bool
	ready  chan struct{} // holds a token while q is not empty
}

func newInbox() *inbox { return &inbox{ready: make(chan struct{}, 1)} }

// push queues a frame and reports whether the reader should go on.
func (b *inbox) push(in inbound) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.size += len(in.f.Payload)
	if b.size > maxInbox && in.err == nil {
		in = inbound{err: fmt.Errorf("%w: peer sends faster than frames can be applied", wire.ErrFrameTooLarge)}
	}
	b.q = append(b.q, in)
	if in.err != nil {
		b.closed = true
	}
	select {
	case b.ready <- struct{}{}:
	default:
	}
	return !b.closed
}

func (b *inbox) drain() []inbound {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.q
	b.q, b.size = nil, 0
	return q
}

// checkConverged updates the status of every draft and reports whether
// both sides have the same heads for all of them.
func (e *Engine) checkConverged(remote string, order []*draftSession) bool {
	all := true
	now := time.Now()
	for _, ds := range order {
		ours, theirs := ds.rep.Heads(), ds.their()
		same := theirs != nil && slices.Equal(ours, theirs)
		if same && !ds.push {
			// Automerge's exchange agreed: from here on, push.
			ds.startPush(ours)
			ds.told, ds.pushed = ours, ours
		}
		pending := 0
		if !same {
			pending = ds.rep.Missing(theirs)
		}
		e.setStatus(remote, ds.id, func(s *Status) {
			s.Synced, s.Pending = same, pending
			if same {
				s.LastSynced = now
			}
		})
		all = all && same
	}
	return all
}

func shortPeer(id string) string {
	if len(id) > 12 {
		return id[len(id)-8:]
	}
	return id
}

// pushRecord returns the push for a draft in push mode: the changes the
// peer is not known to have, with our heads; nil when the peer already
// knows everything we would say.
func (ds *draftSession) pushRecord() (*record, int, error) {
	ours := ds.rep.Heads()
	since := ds.rep.Known(append(append([]string(nil), ds.theirHeads...), ds.pushed...))
	var data []byte
	n := 0
	if !slices.Equal(ours, ds.theirHeads) {
		var err error
		if data, n, err = ds.rep.Changes(since); err != nil {
			return nil, 0, err
		}
	}
	if n == 0 && slices.Equal(ours, ds.told) {
		return nil, 0, nil
	}
	r := &record{index: ds.outIndex}
	var batch []string
	if n > 0 {
		var err error
		if batch, err = crdt.ChunkHashes(data); err != nil {
			return nil, 0, err
		}
	}
	payload := ds.encodePushHeads(ours, batch)
	if n > 0 {
		if c, ok := crdt.CompactChanges(data); ok && len(c) < len(data) {
			data, r.compact = c, true
		}
		ds.pushed = ours
	}
	r.msg = append(payload, data...)
	ds.told = ours
	return r, n, nil
}

// applyPush applies a peer's push: its changes, then what it says it has.
// A push we cannot complete (it builds on changes we lack) drops the
// draft back to Automerge's protocol, which finds out what is missing.
func (ds *draftSession) applyPush(ctx context.Context, r record) (int, error) {
	refs, b, err := decodePushHeads(r.msg)
	if err != nil {
		return 0, err
	}
	n := 0
	var batch []string
	if len(b) > 0 {
		data := b
		if r.compact {
			if data, err = crdt.ExpandChanges(b); err != nil {
				return 0, err
			}
		}
		if batch, err = crdt.ChunkHashes(data); err != nil {
			return 0, err
		}
		if n, _, err = ds.rep.MergeWhole(ctx, data); err != nil {
			return 0, err
		}
	}
	heads := ds.resolveHeads(refs, batch)
	if len(ds.rep.Known(heads)) != len(heads) {
		st, err := ds.rep.SyncState(nil)
		if err != nil {
			return n, err
		}
		ds.st, ds.push = st, false
		return n, nil
	}
	if !ds.push {
		ds.startPush(heads)
	}
	ds.theirHeads = heads
	return n, nil
}

// encodeHeads writes heads as a count and 32-byte hashes.
func encodeHeads(heads []string) []byte {
	b := binary.AppendUvarint(nil, uint64(len(heads)))
	for _, h := range heads {
		raw, _ := hex.DecodeString(h) // heads come from crdt: always 64 hex digits
		b = append(b, raw...)
	}
	return b
}

// decodeHeads reads what encodeHeads wrote and returns the rest.
func decodeHeads(b []byte) ([]string, []byte, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w)/32 {
		return nil, nil, fmt.Errorf("%w: heads", wire.ErrMalformed)
	}
	b = b[w:]
	heads := make([]string, n)
	for i := range heads {
		heads[i] = hex.EncodeToString(b[:32])
		b = b[32:]
	}
	slices.Sort(heads)
	return heads, b, nil
}

// Heads in a push cost 32 bytes each unless the receiver can tell which
// they are: a head that is one of the pushed changes is named by its
// place in the batch, and one the receiver told us it has by the first 8
// bytes of its hash (resolved against the heads either side has named in
// this exchange). A prefix the receiver cannot resolve leaves the head
// unknown, which sends the draft back to Automerge's protocol: never a
// wrong guess.
const (
	headLiteral = 0 // 32-byte hash follows
	headPrefix  = 1 // 8-byte prefix of a hash the receiver has
	headBatch   = 2 // and above: the change at (value - 2) in this push
	prefixSize  = 8
)

func (ds *draftSession) encodePushHeads(heads, batch []string) []byte {
	b := binary.AppendUvarint(nil, uint64(len(heads)))
	for _, h := range heads {
		raw, _ := hex.DecodeString(h) // heads come from crdt: 64 hex digits
		switch k := slices.Index(batch, h); {
		case k >= 0:
			b = binary.AppendUvarint(b, uint64(headBatch+k))
		case slices.Contains(ds.theirHeads, h):
			b = append(binary.AppendUvarint(b, headPrefix), raw[:prefixSize]...)
		default:
			b = append(binary.AppendUvarint(b, headLiteral), raw...)
		}
	}
	return b
}

type headRef struct {
	kind uint64
	raw  []byte
}

func decodePushHeads(b []byte) ([]headRef, []byte, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)) {
		return nil, nil, fmt.Errorf("%w: push heads", wire.ErrMalformed)
	}
	b = b[w:]
	refs := make([]headRef, n)
	for i := range refs {
		k, w := binary.Uvarint(b)
		if w <= 0 {
			return nil, nil, fmt.Errorf("%w: push head", wire.ErrMalformed)
		}
		b = b[w:]
		size := 0
		switch k {
		case headLiteral:
			size = 32
		case headPrefix:
			size = prefixSize
		}
		if len(b) < size {
			return nil, nil, fmt.Errorf("%w: push head cut short", wire.ErrMalformed)
		}
		refs[i] = headRef{kind: k, raw: b[:size]}
		b = b[size:]
	}
	return refs, b, nil
}

// resolveHeads turns head references into hashes, sorted.
func (ds *draftSession) resolveHeads(refs []headRef, batch []string) []string {
	candidates := append(append(append(ds.rep.Heads(), ds.told...), ds.pushed...), ds.theirHeads...)
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		switch {
		case r.kind == headLiteral:
			out = append(out, hex.EncodeToString(r.raw))
		case r.kind == headPrefix:
			p := hex.EncodeToString(r.raw)
			match := ""
			for _, c := range candidates {
				if strings.HasPrefix(c, p) && (match == "" || match == c) {
					match = c
				} else if strings.HasPrefix(c, p) {
					match = "?" // ambiguous
				}
			}
			if match == "" || match == "?" {
				match = p // unknown: Known() will not find it
			}
			out = append(out, match)
		case r.kind-headBatch < uint64(len(batch)):
			out = append(out, batch[r.kind-headBatch])
		default:
			out = append(out, fmt.Sprintf("unknown-%d", r.kind))
		}
	}
	slices.Sort(out)
	return out
}

// handshakeResult is what the opening exchange established.
type handshakeResult struct {
	ourNonce, theirNonce []byte
	access               []Access       // our drafts, in the order of our offers
	byTag                map[string]int // tag → index into access
	theirs               []offer        // the peer's offers
}

// handshake sends our preamble, hello and offers and reads the peer's;
// next reads the peer's next frame, which must be of the given type.
func (e *Engine) handshake(ctx context.Context, conn *wire.Conn, next func(wire.Type) ([]byte, error), remote string) (handshakeResult, error) {
	var h handshakeResult
	// Hello: a fresh nonce each way.
	h.ourNonce = newNonce()
	if err := conn.WritePreamble(); err != nil {
		return h, err
	}
	if err := conn.WriteFrame(wire.Frame{Type: frameHello, Payload: h.ourNonce}); err != nil {
		return h, err
	}
	var err error
	if h.theirNonce, err = next(frameHello); err != nil {
		return h, fmt.Errorf("handshake: %w", err)
	}
	if len(h.theirNonce) != nonceSize {
		return h, fmt.Errorf("%w: nonce of %d bytes", wire.ErrMalformed, len(h.theirNonce))
	}
	// Offers: prove the secret of every draft we hold, bound to this connection.
	if h.access, err = e.lib.Access(ctx); err != nil {
		return h, err
	}
	offers := make([]offer, len(h.access))
	h.byTag = map[string]int{}
	for i, a := range h.access {
		offers[i] = offer{tag: tag(a), proof: proof(a, e.self, remote, h.ourNonce, h.theirNonce)}
		if a.Empty {
			offers[i].flags = offerEmpty
		}
		h.byTag[string(offers[i].tag)] = i
	}
	if err := conn.WriteFrame(wire.Frame{Type: frameOffer, Payload: encodeOffers(offers)}); err != nil {
		return h, err
	}
	payload, err := next(frameOffer)
	if err != nil {
		return h, fmt.Errorf("handshake: %w", err)
	}
	h.theirs, err = decodeOffers(payload)
	return h, err
}
