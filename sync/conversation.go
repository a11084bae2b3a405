package docsync

import (
	"context"
	"crypto/hmac"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/sync/wire"
)

// conversation is one connection while Run drives it: the frames read
// and not yet handled, the drafts both sides proved, and the counts.
type conversation struct {
	e       *Engine
	conn    *wire.Conn
	remote  string
	log     *slog.Logger
	in      *inbox
	pending []inbound
	st      Stats
	byIndex map[int]*draftSession // by the peer's offer index
	order   []*draftSession

	// Frames other than Bye written and read on this connection: a Bye
	// carries the count read, so neither side ends while a frame of its
	// own is still on its way to be answered.
	framesOut, framesIn int

	refusals []record     // drafts that could not be opened, to tell the peer
	refused  map[int]bool // their offer indexes of those drafts

	slots     atomic.Int64 // of the engine's catch-up slots, held until caught up
	slotTimer *time.Timer  // gives them back once the session stays converged

	// Presence travels on live sessions (presence.go): ids and live are
	// set under the engine's lock once the drafts are open.
	live         bool
	ids          map[string]bool
	presenceKick chan struct{}

	// Previews (preview.go): at most one frame every previewEvery.
	previewKick  chan struct{}
	previewAt    time.Time   // when the last preview frame went
	previewTimer *time.Timer // set while a frame waits for previewEvery to pass
}

// caughtUpGrace is how long a converged session keeps its catch-up slots:
// one syncing once ends within it, its drafts closed; a live one stays
// open with its drafts, and hands its slots to sessions still catching up.
const caughtUpGrace = 2 * time.Second

// releaseSlots gives back the catch-up slots this session holds.
func (c *conversation) releaseSlots() {
	if n := c.slots.Swap(0); n > 0 {
		c.e.catchUp.Release(n)
	}
}

// Run syncs over one connection with the peer remote until ctx ends, the
// connection fails, or (once) both sides have the same heads for every
// shared draft. The caller closes rw afterwards.
func (e *Engine) Run(ctx context.Context, rw io.ReadWriter, remote string, once bool) (st Stats, err error) {
	return e.run(ctx, rw, remote, once, false)
}

// Answer is Run for the side that was called (it ends when the caller
// leaves). It offers only the drafts the caller offered: a relay holding
// thousands of drafts sends a peer a few offers, not a list of them all.
func (e *Engine) Answer(ctx context.Context, rw io.ReadWriter, remote string) (Stats, error) {
	return e.run(ctx, rw, remote, true, true)
}

func (e *Engine) run(ctx context.Context, rw io.ReadWriter, remote string, once, answering bool) (st Stats, err error) {
	c := &conversation{e: e, conn: wire.NewConn(rw, 0), remote: remote,
		log: e.log.With("peer", shortPeer(remote)), in: newInbox(), byIndex: map[int]*draftSession{}, refused: map[int]bool{},
		presenceKick: make(chan struct{}, 1), previewKick: make(chan struct{}, 1)}
	c.conn.DeflateAlways(framePreview)
	if e.maxMessage > 0 {
		c.conn.SetMaxMessage(e.maxMessage)
	}
	c.conn.SetBudget(e.budget)
	// Whatever path returns, the counts come from the conversation.
	defer func() { st = c.st; st.BytesIn, st.BytesOut = c.conn.BytesIn(), c.conn.BytesOut() }()
	e.mu.Lock()
	e.conns[c] = struct{}{}
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.conns, c)
		e.mu.Unlock()
	}()
	done := make(chan struct{})
	defer close(done)
	go c.read()

	proved := func() {}
	if f, ok := wire.HandshakeDone(ctx); ok {
		var once sync.Once
		proved = func() { once.Do(f) }
		defer proved()
	}
	limit := e.handshakeTimeout
	if limit == 0 {
		limit = DefaultHandshakeTimeout
	}
	hctx, cancel := context.WithTimeoutCause(ctx, limit, errHandshakeTimeout)
	defer cancel()
	hs, err := e.handshake(hctx, c.conn, func(t wire.Type) ([]byte, error) { return c.expect(hctx, t) }, remote, answering)
	if err != nil {
		if context.Cause(hctx) == errHandshakeTimeout {
			err = errHandshakeTimeout
		}
		return st, err
	}
	// Slots go back after the drafts close (defers run last first).
	defer func() {
		if c.slotTimer != nil {
			c.slotTimer.Stop()
		}
		c.releaseSlots()
	}()
	defer c.closeDrafts()
	snapshots, err := c.openDrafts(ctx, hs, proved)
	if err != nil {
		return st, err
	}
	if err := c.writeRecords(frameRefuse, c.refusals); err != nil {
		return st, err
	}
	if len(c.order) == 0 && len(c.refusals) == 0 {
		c.conn.WriteFrame(wire.Frame{Type: frameBye})
		if len(hs.theirs) > 0 {
			// Tags hide draft ids, so an unknown tag may be a draft we do not
			// hold or a wrong or outdated secret for one we do. How many it
			// offered is not logged: for a peer that proved nothing, that
			// would tell a relay's logs what it holds.
			c.log.Warn("Peer proved access to none of our drafts; sending it nothing")
		}
		return st, nil
	}
	c.log.Debug("Sync session open", "drafts", len(c.order))
	if err := c.writeRecords(frameSnapshot, snapshots); err != nil {
		return st, err
	}
	// A live session (a window, a relay answering one) carries presence;
	// a one-shot sync from the command line has none to give.
	if !once || answering {
		e.mu.Lock()
		c.live, c.ids = true, map[string]bool{}
		for _, ds := range c.order {
			c.ids[ds.id] = true
		}
		e.mu.Unlock()
		if err := c.sendPresence(); err != nil {
			return st, err
		}
		if err := c.sendPreviews(); err != nil {
			return st, err
		}
	}
	defer func() {
		if c.previewTimer != nil {
			c.previewTimer.Stop()
		}
	}()
	err = c.loop(ctx, once, c.watch(done))
	var told *wire.RemoteError
	if err != nil && !errors.As(err, &told) && ctx.Err() == nil {
		if r := c.in.remoteError(time.Second); r != nil {
			err = r
		}
	}
	c.tell(err)
	return st, err
}

// tell sends the peer why the session ends, when the reason is ours to
// give (not the connection's failure), so its person reads the cause
// instead of a dropped connection.
func (c *conversation) tell(err error) {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.ErrClosedPipe) {
		return
	}
	var remote *wire.RemoteError
	if errors.As(err, &remote) || errors.Is(err, context.Canceled) {
		return
	}
	c.conn.WriteFrame(wire.Frame{Type: wire.TypeError, Payload: []byte(err.Error())})
}

// errHandshakeTimeout ends a session whose opening exchange took too long.
var errHandshakeTimeout = errors.New("the peer did not complete the opening exchange in time")

// read feeds the inbox. It never waits for the loop: if both sides could
// block writing while their readers waited on them, a synchronous stream
// would deadlock. The inbox is bounded instead, in bytes.
func (c *conversation) read() {
	if err := c.conn.ReadPreamble(); err != nil {
		c.in.push(inbound{err: err})
		return
	}
	for {
		f, err := c.conn.ReadFrame()
		if !c.in.push(inbound{f: f, err: err}) || err != nil {
			return
		}
	}
}

// expect returns the payload of the peer's next frame, which must be of
// type want (during the handshake).
func (c *conversation) expect(ctx context.Context, want wire.Type) ([]byte, error) {
	for len(c.pending) == 0 {
		select {
		case <-c.in.ready:
			c.pending = c.in.drain()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := c.pending[0]
	c.pending = c.pending[1:]
	if f.err != nil {
		return nil, f.err
	}
	if f.f.Type != want {
		return nil, fmt.Errorf("%w: expected frame %d, got %d", wire.ErrMalformed, want, f.f.Type)
	}
	return f.f.Payload, nil
}

// openDrafts opens every draft the peer proved it may have and returns
// the snapshots owed to a peer that holds no copy.
func (c *conversation) openDrafts(ctx context.Context, hs handshakeResult, proved func()) ([]record, error) {
	// Proofs first: a peer that proved access to any draft leaves the
	// openings (proved) before its drafts are loaded, which under load
	// takes far longer than checking them.
	type provedDraft struct{ theirs, ours int }
	var ok []provedDraft
	for ti, o := range hs.theirs {
		i, held := hs.byTag[string(o.tag)]
		if !held {
			continue // a draft we do not hold: nothing to check, nothing to send
		}
		a := hs.access[i]
		if !hmac.Equal(o.proof, proof(a, c.remote, c.e.self, hs.theirNonce, hs.ourNonce)) {
			c.log.Warn("Peer failed to prove access to a draft; sending it nothing", "draft", a.DraftID, "tag", hex.EncodeToString(o.tag))
			continue
		}
		ok = append(ok, provedDraft{ti, i})
	}
	if len(ok) > 0 {
		proved()
	}
	// A relay opens a bounded number of drafts for sessions catching up
	// (see SetMaxCatchUp); later sessions wait here, their peers already
	// answered, for earlier ones to converge.
	if c.e.catchUp != nil && len(ok) > 0 {
		n := min(int64(len(ok)), c.e.catchUpSize)
		if err := c.e.catchUp.Acquire(ctx, n); err != nil {
			return nil, err
		}
		c.slots.Store(n)
	}
	var snapshots []record
	for _, p := range ok {
		ti, i, o, a := p.theirs, p.ours, hs.theirs[p.theirs], hs.access[p.ours]
		ds, err := c.openDraft(ctx, a, i)
		if err != nil {
			// A draft that cannot be opened here (damaged) stops alone: the
			// peer hears why, and the session's other drafts go on.
			c.refuseOpen(a.DraftID, i, ti, err)
			continue
		}
		// A peer that holds no copy gets the whole draft as one document,
		// far smaller than every change sent one by one; both sides then
		// sync from the snapshot's heads.
		switch theirEmpty := o.flags&offerEmpty != 0; {
		case theirEmpty && !a.Empty:
			r, err := c.snapshot(ds)
			if err != nil {
				ds.rep.Close(ctx)
				c.refuseOpen(a.DraftID, i, ti, err)
				continue
			}
			snapshots = append(snapshots, r)
		case a.Empty && !theirEmpty:
			ds.awaiting = true
		}
		c.byIndex[ti] = ds
		c.order = append(c.order, ds)
		c.st.Drafts = append(c.st.Drafts, a.DraftID)
		c.e.setStatus(c.remote, a.DraftID, func(s *Status) { s.sessions++; s.Connected = true })
	}
	return snapshots, nil
}

// refuseOpen notes a draft this side cannot sync on this connection and
// queues the refusal that tells the peer (out is our offer index, theirs
// the peer's, whose records for it are then ignored).
func (c *conversation) refuseOpen(id string, out, theirs int, err error) {
	c.refused[theirs] = true
	c.stopped(id, err)
	c.st.Drafts = append(c.st.Drafts, id) // proved, though not synced
	c.refusals = append(c.refusals, record{index: out, msg: []byte(err.Error())})
}

// openDraft opens a draft with the sync state saved for this peer.
func (c *conversation) openDraft(ctx context.Context, a Access, outIndex int) (*draftSession, error) {
	rep, err := c.e.lib.Open(ctx, a.DraftID)
	if err != nil {
		return nil, fmt.Errorf("opening draft %s: %w", a.DraftID, err)
	}
	saved, err := c.e.lib.LoadState(ctx, c.remote, a.DraftID)
	if err != nil {
		c.log.Warn("Could not read saved sync state; starting afresh", "draft", a.DraftID, "err", err)
	}
	ss, err := rep.SyncState(saved)
	if err != nil {
		c.log.Warn("Saved sync state unreadable; starting afresh", "draft", a.DraftID, "err", err)
		ss, err = rep.SyncState(nil)
	}
	if err != nil {
		rep.Close(ctx)
		return nil, err
	}
	ds := &draftSession{id: a.DraftID, rep: rep, st: ss, outIndex: outIndex, dirty: true}
	shared := crdt.SharedHeads(saved)
	known := rep.Known(shared)
	switch {
	case len(shared) > 0 && len(known) == len(shared):
		ds.startPush(shared)
	case len(shared) > 0:
		// We no longer hold what we last shared (a restored backup, a
		// rolled-back file): pushing from what is left could resend our
		// whole history. Automerge's exchange, from what we still know we
		// share, finds out what each side lacks.
		c.log.Info("Saved sync state is ahead of this copy; comparing histories", "draft", a.DraftID, "known", len(known), "saved", len(shared))
		if len(known) > 0 {
			ss, err = rep.SyncStateAt(known)
		} else {
			ss, err = rep.SyncState(nil)
		}
		if err != nil {
			rep.Close(ctx)
			return nil, err
		}
		ds.st = ss
	}
	return ds, nil
}

// snapshot returns the whole draft for a peer with no copy, preceded by
// our heads, and puts the draft in push mode from them.
func (c *conversation) snapshot(ds *draftSession) (record, error) {
	data, seals, heads, n, err := ds.rep.Whole()
	c.st.ChangesOut += n
	if err == nil {
		ds.st, err = ds.rep.SyncStateAt(heads)
	}
	if err != nil {
		return record{}, err
	}
	// The connection deflates the whole frame; it does that better than
	// Automerge's per-column compression, as long as the frame stays well
	// within its cap.
	if u := crdt.Uncompressed(data); len(u) <= 2<<20 {
		data = u
	}
	ds.startPush(heads)
	ds.pushed = heads
	ds.setTold(heads)
	return record{index: ds.outIndex, msg: append(appendBlock(encodeHeads(heads), seals), data...)}, nil
}

// closeDrafts saves what each draft's peer is known to have, for the
// next connection, and closes the drafts.
func (c *conversation) closeDrafts() {
	for _, ds := range c.order {
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
		if err := c.e.lib.SaveState(context.Background(), c.remote, ds.id, ds.st.Save()); err != nil {
			c.log.Warn("Could not save sync state", "draft", ds.id, "err", err)
		}
		// Two sessions with one peer may overlap (both dialed, or a
		// re-dial before the old one noticed its end): connected while any is.
		c.e.setStatus(c.remote, ds.id, func(s *Status) { s.sessions--; s.Connected = s.sessions > 0 })
		ds.rep.Close(context.Background())
	}
}

// watch returns a channel that names each draft changed locally.
func (c *conversation) watch(done <-chan struct{}) <-chan *draftSession {
	changed := make(chan *draftSession, len(c.order))
	for _, ds := range c.order {
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
	return changed
}

// loop takes turns: send what changed, say Bye when converged, then
// handle one frame from the peer or wait for something to happen.
//
// With once, the session ends when both sides are converged and each has
// said Bye after reading every frame the other sent: a Bye that does not
// count all our frames was said before the peer read them, and reading
// them may yet make it answer (a flip to Automerge's exchange does).
func (c *conversation) loop(ctx context.Context, once bool, changed <-chan *draftSession) error {
	byeSent, byeRecv := false, false
	peerRead := -1 // frames of ours the peer's last Bye counts; -1 before one
	for {
		sent, err := c.send()
		if err != nil {
			return err
		}
		converged := c.e.checkConverged(ctx, c.remote, c.order)
		if converged && c.slotTimer == nil && c.slots.Load() > 0 {
			c.slotTimer = time.AfterFunc(caughtUpGrace, c.releaseSlots)
		}
		if sent || !converged {
			byeSent = false // what we said no longer holds: say it again once it does
		}
		if once && converged && !byeSent {
			bye := wire.Frame{Type: frameBye, Payload: binary.AppendUvarint(nil, uint64(c.framesIn))}
			if err := c.conn.WriteFrame(bye); err != nil {
				return err
			}
			byeSent = true
		}
		if once && converged && byeSent && byeRecv && peerRead == c.framesOut {
			return nil
		}
		if len(c.pending) == 0 {
			var previewDue <-chan time.Time
			if c.previewTimer != nil {
				previewDue = c.previewTimer.C
			}
			var stalled <-chan time.Time
			var stall *time.Timer
			if !converged {
				stall = time.NewTimer(stallAfter)
				stalled = stall.C
			}
			bytesIn, bytesOut := c.conn.BytesIn(), c.conn.BytesOut()
			select {
			case <-stalled:
				if c.conn.BytesIn() == bytesIn && c.conn.BytesOut() == bytesOut {
					c.unstall()
				}
			case <-c.in.ready:
				c.pending = c.in.drain()
			case ds := <-changed:
				ds.dirty = true
			case <-c.presenceKick:
				if err := c.sendPresence(); err != nil {
					return err
				}
			case <-c.previewKick:
				if err := c.previewSoon(); err != nil {
					return err
				}
			case <-previewDue:
				c.previewTimer = nil
				if err := c.sendPreviews(); err != nil {
					return err
				}
			case <-ctx.Done():
				return ctx.Err()
			}
			if stall != nil {
				stall.Stop()
			}
		}
		// One frame per turn: Automerge's sync protocol expects a message
		// to be generated after each one received, and skipping a turn can
		// leave the peer waiting for an answer that never comes.
		if len(c.pending) == 0 {
			continue
		}
		f := c.pending[0]
		c.pending = c.pending[1:]
		if f.err != nil {
			if errors.Is(f.err, io.EOF) && byeRecv {
				return nil
			}
			return f.err
		}
		if f.f.Type == frameBye {
			n, w := binary.Uvarint(f.f.Payload)
			if len(f.f.Payload) == 0 { // a side that shares no draft with us
				n, w = uint64(c.framesOut), 1
			}
			if w <= 0 || n > uint64(c.framesOut) {
				return fmt.Errorf("%w: farewell counts %d frames of the %d sent", wire.ErrMalformed, n, c.framesOut)
			}
			byeRecv, peerRead = true, int(n)
			continue
		}
		if f.f.Type == framePresence || f.f.Type == framePreview {
			// Presence and previews are not part of the sync: they are not
			// counted in farewells and do not keep a one-shot session open.
			receive := c.receivePresence
			if f.f.Type == framePreview {
				receive = c.receivePreviews
			}
			if err := receive(f.f.Payload); err != nil {
				return err
			}
			continue
		}
		c.framesIn++
		byeRecv, byeSent = false, false // the peer spoke again, and we must say we read it
		if err := c.handle(ctx, f.f); err != nil {
			return err
		}
		c.log.Debug("Frame handled", "type", f.f.Type, "bytes", len(f.f.Payload), "modes", c.modes())
	}
}

// modes describes each draft's state for the debug log: p (push) or a
// (Automerge's exchange), and our and their heads' first hex digits.
func (c *conversation) modes() string {
	var b []byte
	for _, ds := range c.order {
		m := byte('a')
		if ds.push {
			m = 'p'
		}
		b = fmt.Appendf(b, "%c%v/%v ", m, shortHeads(ds.rep.Heads()), shortHeads(ds.their()))
	}
	return string(b)
}

func shortHeads(hs []string) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h[:min(6, len(h))]
	}
	return out
}

// send writes, for every draft with news, a push or an Automerge sync
// message, batched into one frame of each kind. It reports whether it
// wrote anything.
func (c *conversation) send() (bool, error) {
	var recs, pushes []record
	for _, ds := range c.order {
		if !ds.dirty || ds.awaiting || ds.failed != nil {
			continue
		}
		ds.dirty = false
		if !ds.push {
			msg, n, ok, err := ds.rep.Generate(ds.st)
			if err != nil {
				return false, fmt.Errorf("draft %s: %w", ds.id, err)
			}
			if ok {
				r := record{index: ds.outIndex}
				seals := ds.rep.SyncSeals(msg)
				if cm, ok := crdt.CompactSync(msg); ok && len(cm) < len(msg) {
					msg, r.compact = cm, true
				}
				r.msg = append(appendBlock(nil, seals), msg...)
				recs = append(recs, r)
				c.st.ChangesOut += n
				continue
			}
			if len(ds.st.Owed()) == 0 {
				continue
			}
			// Automerge fell silent although the peer waits for changes we
			// hold (see crdt.SyncState.Owed): push instead, from what we
			// know the peer has. The push carries everything since, and the
			// peer, once it has applied it, pushes back what we lack.
			c.log.Debug("Automerge exchange stalled; pushing", "draft", ds.id)
			known := ds.rep.Known(append(ds.st.Shared(), ds.st.TheirHeads()...))
			slices.Sort(known)
			ds.startPush(slices.Compact(known))
		}
		r, n, err := ds.pushRecord()
		if err != nil {
			return false, fmt.Errorf("draft %s: %w", ds.id, err)
		}
		if r != nil {
			pushes = append(pushes, *r)
			c.st.ChangesOut += n
		}
	}
	for _, batch := range []struct {
		typ  wire.Type
		recs []record
	}{{framePush, pushes}, {frameSync, recs}} {
		if err := c.writeRecords(batch.typ, batch.recs); err != nil {
			return false, err
		}
	}
	return len(pushes) > 0 || len(recs) > 0, nil
}

// stallAfter is how long a session that has not converged may sit with
// nothing crossing it either way before it is taken for stalled: both
// sides waiting for the other, which Automerge's exchange can leave them
// in on rare orders of crossing messages (seen once in a few hundred
// runs of TestFivePeersPartitions). Long enough that a slow link's
// silence mid-message is not taken for one: bytes that arrive re-arm it.
var stallAfter = 5 * time.Second

// unstall switches every draft Automerge's exchange left unconverged to
// pushing (what we hold that the peer may lack, from the heads we know
// it has), which the peer answers in kind: the session moves again.
func (c *conversation) unstall() {
	for _, ds := range c.order {
		if ds.failed != nil || ds.push || ds.awaiting || slices.Equal(ds.rep.Heads(), ds.their()) {
			continue
		}
		c.log.Debug("Sync exchange stalled; pushing", "draft", ds.id)
		known := ds.rep.Known(append(ds.st.Shared(), ds.st.TheirHeads()...))
		slices.Sort(known)
		ds.startPush(slices.Compact(known))
		ds.dirty = true
	}
}

// writeRecords sends records in as few messages as the connection's cap
// allows. A record that alone exceeds the cap ends the session with an
// error that names its draft.
func (c *conversation) writeRecords(typ wire.Type, recs []record) error {
	limit := c.conn.MaxMessage()
	for len(recs) > 0 {
		n, size := 0, 0
		for n < len(recs) && size+recordSize(recs[n]) <= limit {
			size += recordSize(recs[n])
			n++
		}
		if n == 0 {
			// Too large to send at all: that draft stops, the others go on.
			ds := c.byOut(recs[0].index)
			err := fmt.Errorf("%w: its %s to send exceed the %s one sync message may carry", wire.ErrFrameTooLarge,
				HumanBytes(int64(recordSize(recs[0]))), HumanBytes(int64(limit)))
			if typ == frameRefuse || ds.failed != nil {
				return err
			}
			c.fail(ds, err)
			if err := c.writeRecords(frameRefuse, []record{{index: ds.outIndex, msg: []byte(err.Error())}}); err != nil {
				return err
			}
			recs = recs[1:]
			continue
		}
		fr := wire.Frame{Type: typ, Payload: encodeRecords(recs[:n])}
		if err := c.conn.WriteFrame(fr); err != nil {
			return err
		}
		c.framesOut++
		c.log.Debug("Frame sent", "type", fr.Type, "bytes", len(fr.Payload), "modes", c.modes())
		recs = recs[n:]
	}
	return nil
}

// byOut returns the draft session with our offer index i (records are
// only ever built for open drafts).
func (c *conversation) byOut(i int) *draftSession {
	for _, ds := range c.order {
		if ds.outIndex == i {
			return ds
		}
	}
	panic(fmt.Sprintf("docsync: a record for offer %d, which no open draft has", i))
}

// HumanBytes writes a size as people read it.
func HumanBytes(n int64) string {
	switch {
	case n >= 10<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 10<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// handle applies one frame of sync messages, pushes or snapshots.
func (c *conversation) handle(ctx context.Context, f wire.Frame) error {
	switch f.Type {
	case frameSync:
		return c.eachRecord(f.Payload, "sync record", func(*draftSession) bool { return true },
			func(ds *draftSession, r record) (int, error) {
				seals, msg, err := cutBlock(r.msg)
				if err != nil {
					return 0, err
				}
				if r.compact {
					if msg, err = crdt.ExpandSync(msg); err != nil {
						return 0, err
					}
				}
				ds.push = false // the peer speaks Automerge's protocol for this draft
				return ds.rep.Receive(ctx, ds.st, msg, seals)
			})
	case framePush:
		return c.eachRecord(f.Payload, "push", func(ds *draftSession) bool { return !ds.awaiting },
			func(ds *draftSession, r record) (int, error) { return ds.applyPush(ctx, r) })
	case frameRefuse:
		recs, err := decodeRecords(f.Payload)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if ds := c.byIndex[r.index]; ds != nil && ds.failed == nil {
				c.fail(ds, fmt.Errorf("the peer stopped syncing it: %s", r.msg))
			}
		}
		return nil
	case frameSnapshot:
		return c.eachRecord(f.Payload, "snapshot", func(ds *draftSession) bool { return ds.awaiting },
			func(ds *draftSession, r record) (int, error) {
				// The snapshot starts with the sender's heads: what both
				// share once it is merged (we may hold more of our own).
				senderHeads, rest, err := decodeHeads(r.msg)
				if err != nil {
					return 0, err
				}
				seals, data, err := cutBlock(rest)
				if err != nil {
					return 0, err
				}
				n, _, err := ds.rep.MergeWhole(ctx, data, seals)
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
	}
	return fmt.Errorf("%w: unexpected frame type %d", wire.ErrMalformed, f.Type)
}

// eachRecord decodes a frame's records and applies each to the draft it
// names, if that draft expects it.
func (c *conversation) eachRecord(payload []byte, what string, expects func(*draftSession) bool,
	apply func(*draftSession, record) (int, error)) error {
	recs, err := decodeRecords(payload)
	if err != nil {
		return err
	}
	var refused []record
	for _, r := range recs {
		ds := c.byIndex[r.index]
		if ds != nil && ds.failed != nil || ds == nil && c.refused[r.index] {
			continue // sent before the peer heard we stopped
		}
		if ds == nil || !expects(ds) {
			return fmt.Errorf("%w: %s for draft %d, which was not shared or not expected", wire.ErrMalformed, what, r.index)
		}
		n, err := apply(ds, r)
		c.st.ChangesIn += n
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			// One draft's trouble (a quota, a damaged change) stops that
			// draft on this connection, not the others: both sides note
			// why and go on.
			c.fail(ds, err)
			refused = append(refused, record{index: ds.outIndex, msg: []byte(err.Error())})
			continue
		}
		ds.dirty, ds.heard = true, true
	}
	return c.writeRecords(frameRefuse, refused)
}

// fail stops syncing a draft for the rest of the session.
func (c *conversation) fail(ds *draftSession, err error) {
	ds.failed = err
	c.stopped(ds.id, err)
}

// stopped records why a draft stopped on this connection: in the log, the
// session's stats and the draft's status with this peer.
func (c *conversation) stopped(id string, err error) {
	c.log.Warn("Stopped syncing a draft with this peer; the others go on", "draft", id, "err", err)
	if c.st.Failed == nil {
		c.st.Failed = map[string]string{}
	}
	c.st.Failed[id] = err.Error()
	c.e.setStatus(c.remote, id, func(s *Status) { s.Synced, s.Problem = false, err.Error() })
}
