package docsync

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/sync/blobwire"
	"github.com/igf-bpf/bpfdraft/sync/wire"
	"golang.org/x/sync/semaphore"
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
	// SyncSeals returns the seals of the changes a generated message
	// carries (crdt.Doc.SyncSealBlock).
	SyncSeals(msg []byte) []byte
	// Receive applies a peer's message, once the changes it carries pass
	// their seals, and saves what it brought.
	Receive(ctx context.Context, st *crdt.SyncState, msg, seals []byte) (changes int, err error)
	// Heads returns the draft's current heads, sorted.
	Heads() []string
	// Missing counts the changes a peer with the given heads lacks (-1: unknown).
	Missing(theirHeads []string) int
	// Changes returns the changes not reachable from since (all known here)
	// and how many there are.
	Changes(since []string) (data []byte, changes int, err error)
	// Known returns those of heads the draft holds.
	Known(heads []string) []string
	// Whole returns the whole draft, saved, with the seals of all its
	// devices (read with it, so they match), its heads and how many
	// changes it holds.
	Whole() (data, seals []byte, heads []string, changes int, err error)
	// Devices returns the actors whose certificates the draft holds.
	Devices() []string
	// ChangeChunk returns the chunk of a change the draft holds, or nil
	// (the base a relay blob's changes are coded after).
	ChangeChunk(hash string) []byte
	// Seals returns the seals a peer needs with data, the whole draft or
	// changes from Changes, and the devices they are of
	// (crdt.Doc.SealBlock).
	Seals(data []byte) (block []byte, devices []string)
	// MergeWhole merges a peer's whole draft, or changes it pushed, once
	// they pass their seals, saves them, and returns how many changes
	// were new and the heads now.
	MergeWhole(ctx context.Context, data, seals []byte) (changes int, heads []string, err error)
	// Registration returns what a relay keeps the draft by: its first
	// change, its creator's certificate and its relay statements.
	Registration() (blobwire.Registration, error)
	// ListedRelays returns the relays the draft's co-facilitators list
	// (multiaddrs; nil: none): nothing is sent to any other relay.
	ListedRelays() []string
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

	mu     sync.Mutex // Protects status, conns and relays.
	status map[[2]string]*Status
	conns  map[*conversation]struct{}
	relays map[*relayConn]struct{} // live connections to relays
	// relayTurn is, per relay, where the next session's share of drafts
	// starts, for a peer with more drafts there than a session opens.
	relayTurn map[string]int

	maxMessage       int                 // 0: wire.MaxMessage
	budget           *wire.Budget        // inbound bytes being assembled, all sessions together; nil: none
	catchUp          *semaphore.Weighted // drafts open in sessions not yet converged; nil: no limit
	catchUpSize      int64
	handshakeTimeout time.Duration // 0: DefaultHandshakeTimeout

	presence    presenceTable     // who is present in which draft (presence.go)
	presenceMu  sync.Mutex        // Protects presenceSeq, mine and previewSeq.
	presenceSeq uint64            // of this side's announcements
	mine        map[string][]byte // this side's presence, by draft
	previews    presenceTable     // typing not committed yet, by draft (preview.go)
	previewSeq  uint64            // of this side's previews
}

// DefaultHandshakeTimeout bounds the opening exchange: a peer that opens
// a connection and then says nothing holds it no longer. Generous, for a
// 32 kbit/s link with a long round trip.
const DefaultHandshakeTimeout = 30 * time.Second

// SetHandshakeTimeout changes how long the opening exchange may take.
func (e *Engine) SetHandshakeTimeout(d time.Duration) { e.handshakeTimeout = d }

// WithHandshakeDone returns a context that makes Run call done once the
// peer has proved access to a draft (see wire.WithHandshakeDone).
func WithHandshakeDone(ctx context.Context, done func()) context.Context {
	return wire.WithHandshakeDone(ctx, done)
}

// SetMaxMessage caps one sync message (all of it, over its parts) both
// ways, for sessions that start afterwards: a relay sets it from its
// quota. Call before the first session.
func (e *Engine) SetMaxMessage(n int) { e.maxMessage = n }

// SetMaxCatchUp bounds the drafts open at once in sessions that have not
// yet converged: a session waits, after its peer proved access, until its
// drafts (up to n) fit. Drafts are the bulk of a relay's memory when many
// peers sync at once; a live session gives its share back once caught up.
// Call before the first session.
func (e *Engine) SetMaxCatchUp(n int) {
	e.catchUp, e.catchUpSize = semaphore.NewWeighted(int64(n)), int64(n)
}

// SetInboundBudget makes every session's messages in parts draw on b, so
// that many senders together assemble no more than it. Call before the
// first session.
func (e *Engine) SetInboundBudget(b *wire.Budget) { e.budget = b }

// New returns an engine for the local peer id self.
func New(lib Library, self string, log *slog.Logger) *Engine {
	if log == nil {
		log = slog.Default()
	}
	return &Engine{lib: lib, self: self, log: log, status: map[[2]string]*Status{}, conns: map[*conversation]struct{}{}, relays: map[*relayConn]struct{}{}, relayTurn: map[string]int{},
		previews: presenceTable{maxHeld: maxPreviewHeld, sweeps: true},
		// A window that restarts keeps its peer id: counting its previews
		// from the clock makes them newer than those of its last run, which
		// peers would otherwise hold over them until they expire. A key's
		// seq differs from the last one's in its low byte only, which the
		// connection's deflate context makes almost free.
		previewSeq: uint64(time.Now().UnixMilli())}
}

// Stats says what moved on one connection.
type Stats = wire.Stats

// Status is the sync state of one draft with one peer, as the UI shows it.
type Status struct {
	Peer       string
	Draft      string
	Connected  bool
	Synced     bool      // both sides had the same heads when last checked
	LastSynced time.Time // when they last had the same heads
	Pending    int       // changes the peer lacks (-1: unknown)
	Problem    string    // why the last session stopped syncing the draft; "" once it syncs

	sessions int // open sessions with the peer that hold the draft
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

// Transfer is a frame on its way in from a peer.
type Transfer struct {
	Peer        string
	Done, Total int64 // bytes
}

// Incoming lists the frames being received now, so that a long sync on a
// slow link can show its progress.
func (e *Engine) Incoming() []Transfer {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Transfer
	for c := range e.conns {
		if p := c.conn.Incoming(); p.Total > 0 {
			out = append(out, Transfer{Peer: c.remote, Done: p.Done, Total: p.Total})
		}
	}
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
	toldBefore []string // heads we told it lately, which its pushes may name by prefix

	confirmed []string // the heads both sides had when the state was last saved
	heard     bool     // the peer has said something of this draft on this connection

	presenceSent map[string]uint64 // by origin, the last presence seq the peer has from us
	previewSent  map[string]uint64 // by origin, the last preview seq the peer has from us

	failed error // this session stopped syncing the draft (see Stats.Failed)
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

// maxInbox bounds the bytes of frames read but not yet handled: a peer
// that sends faster than we apply is cut off rather than let fill memory.
const maxInbox = wire.MaxMessage + 16<<20

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

// remoteError waits up to wait for the reader to end, and returns the
// error the peer reported, if one arrived: when a write fails because the
// peer closed after telling why, its reason beats "closed pipe".
func (b *inbox) remoteError(wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		b.mu.Lock()
		closed := b.closed
		for _, in := range b.q {
			var remote *wire.RemoteError
			if errors.As(in.err, &remote) {
				b.mu.Unlock()
				return in.err
			}
		}
		b.mu.Unlock()
		if closed || time.Now().After(deadline) {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// close stops the queue: the reader's next push says to stop.
func (b *inbox) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
}

func (b *inbox) drain() []inbound {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.q
	b.q, b.size = nil, 0
	return q
}

// checkConverged updates the status of every draft and reports whether
// both sides have the same heads for all of them. Each time both sides
// come to hold new heads, the sync state is saved at once: what the peer
// has confirmed is what "changes waiting to go out" counts from, and a
// live connection may last all day.
func (e *Engine) checkConverged(ctx context.Context, remote string, order []*draftSession) bool {
	all := true
	now := time.Now()
	for _, ds := range order {
		if ds.failed != nil {
			continue // settled for this session, though not synced
		}
		ours, theirs := ds.rep.Heads(), ds.their()
		same := theirs != nil && slices.Equal(ours, theirs)
		if same && !ds.push {
			// Automerge's exchange agreed: from here on, push.
			ds.startPush(ours)
			ds.setTold(ours)
			ds.pushed = ours
		}
		// Only what the peer itself said counts as confirmed: a snapshot
		// or push on its way may never arrive.
		if same && ds.heard && !slices.Equal(ours, ds.confirmed) {
			e.confirm(ctx, remote, ds, ours)
		}
		pending := 0
		if !same {
			pending = ds.rep.Missing(theirs)
		}
		e.setStatus(remote, ds.id, func(s *Status) {
			s.Synced, s.Pending = same, pending
			if same {
				s.LastSynced, s.Problem = now, ""
			}
		})
		all = all && same
	}
	return all
}

// confirm saves that the peer holds heads.
func (e *Engine) confirm(ctx context.Context, remote string, ds *draftSession, heads []string) {
	st, err := ds.rep.SyncStateAt(heads)
	if err == nil {
		err = e.lib.SaveState(ctx, remote, ds.id, st.Save())
	}
	if err != nil {
		e.log.Warn("Could not save what the peer confirmed", "draft", ds.id, "err", err)
		return
	}
	ds.confirmed = heads
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
		block, devices := ds.rep.Seals(data)
		payload = appendBlock(payload, block)
		if c, ok := crdt.CompactChangesFor(data, ds.theirHeads, devices); ok && len(c) < len(data) {
			data, r.compact = c, true
		}
		ds.pushed = ours
	}
	r.msg = append(payload, data...)
	ds.setTold(ours)
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
		seals, data, err := cutBlock(b)
		if err != nil {
			return 0, err
		}
		if r.compact {
			named := append(append(append(ds.rep.Heads(), ds.toldBefore...), ds.pushed...), ds.theirHeads...)
			actors := append(ds.rep.Devices(), crdt.BlockActors(seals)...)
			data, err = crdt.ExpandChangesFor(data, named, actors)
			if errors.Is(err, crdt.ErrUnknownDep) {
				// It builds on heads we no longer recognise by prefix:
				// the exchange below finds what we lack.
				data, err = nil, nil
			}
			if err != nil {
				return 0, err
			}
		}
		if len(data) > 0 {
			if batch, err = crdt.ChunkHashes(data); err != nil {
				return 0, err
			}
			if n, _, err = ds.rep.MergeWhole(ctx, data, seals); err != nil {
				return 0, err
			}
		}
	}
	heads := ds.resolveHeads(refs, batch)
	if len(ds.rep.Known(heads)) != len(heads) {
		if !ds.push {
			return n, nil // already in Automerge's exchange, which goes on
		}
		// Automerge's exchange from what the peer last confirmed, which
		// we hold (or from nothing): its Bloom filter then covers only
		// what came after.
		var st *crdt.SyncState
		var err error
		if known := ds.rep.Known(ds.theirHeads); len(known) > 0 {
			st, err = ds.rep.SyncStateAt(known)
		} else {
			st, err = ds.rep.SyncState(nil)
		}
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

// setTold records the heads we tell the peer, keeping the last few
// told before: a push the peer sends before it hears our newer ones
// names its dependencies among those.
func (ds *draftSession) setTold(heads []string) {
	ds.told = heads
	ds.toldBefore = append(ds.toldBefore, heads...)
	if n := len(ds.toldBefore); n > 32 {
		ds.toldBefore = ds.toldBefore[n-32:]
	}
}

// appendBlock appends a seal block with its length: it goes between a
// record's heads and its changes.
func appendBlock(b, block []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(block))), block...)
}

// cutBlock splits what appendBlock wrote from what follows.
func cutBlock(b []byte) (block, rest []byte, err error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return nil, nil, fmt.Errorf("%w: seals", wire.ErrMalformed)
	}
	return b[w : w+int(n)], b[w+int(n):], nil
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
// place in the batch, and one the receiver told us it has by the first 4
// bytes of its hash (resolved against the heads either side has named in
// this exchange). A prefix the receiver cannot resolve, or that two heads
// it knows share, leaves the head unknown, which sends the draft back to
// Automerge's protocol. Four bytes are enough: only heads the receiver
// named are sent so, and it keeps the last 32 it named.
const (
	headLiteral = 0 // 32-byte hash follows
	headPrefix  = 1 // 4-byte prefix of a hash the receiver has
	headBatch   = 2 // and above: the change at (value - 2) in this push
	prefixSize  = 4
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
	candidates := append(append(append(ds.rep.Heads(), ds.toldBefore...), ds.pushed...), ds.theirHeads...)
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
	byTag                map[string]int // the peer's tag of a draft → index into access
	theirs               []offer        // the peer's offers
}

// handshake sends our preamble, hello and offers and reads the peer's;
// next reads the peer's next frame, which must be of the given type. The
// answering side reads the caller's offers first and offers only drafts
// among them.
func (e *Engine) handshake(ctx context.Context, conn *wire.Conn, next func(wire.Type) ([]byte, error), remote string, answering bool) (handshakeResult, error) {
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
	readTheirs := func() error {
		payload, err := next(frameOffer)
		if err != nil {
			return fmt.Errorf("handshake: %w", err)
		}
		h.theirs, err = decodeOffers(payload)
		return err
	}
	all, err := e.lib.Access(ctx)
	if err != nil {
		return h, err
	}
	// The tag the peer gives each draft it holds on this connection.
	theirTag := func(a Access) string { return string(sessionTag(a, remote, e.self, h.theirNonce, h.ourNonce)) }
	if answering {
		// The answering side offers only drafts the caller named: a tag
		// it recognises says the caller holds that draft's secret.
		if err := readTheirs(); err != nil {
			return h, err
		}
		wanted := make(map[string]bool, len(h.theirs))
		for _, o := range h.theirs {
			wanted[string(o.tag)] = true
		}
		for _, a := range all {
			if wanted[theirTag(a)] {
				h.access = append(h.access, a)
			}
		}
	} else {
		h.access = all
	}
	// Offers: prove the secret of every draft we hold, bound to this connection.
	offers := make([]offer, len(h.access))
	h.byTag = map[string]int{}
	for i, a := range h.access {
		offers[i] = offer{tag: sessionTag(a, e.self, remote, h.ourNonce, h.theirNonce),
			proof: proof(a, e.self, remote, h.ourNonce, h.theirNonce)}
		if a.Empty {
			offers[i].flags = offerEmpty
		}
		h.byTag[theirTag(a)] = i
	}
	if err := conn.WriteFrame(wire.Frame{Type: frameOffer, Payload: encodeOffers(offers)}); err != nil {
		return h, err
	}
	if !answering {
		if err := readTheirs(); err != nil {
			return h, err
		}
	}
	return h, nil
}
