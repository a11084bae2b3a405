package docsync

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/sync/blobwire"
	"github.com/igf-bpf/bpfdraft/sync/draftkey"
	"github.com/igf-bpf/bpfdraft/sync/wire"
)

// A relay holds a draft as sealed blobs it cannot read (sync/draftkey,
// sync/blobwire). A peer reads the blobs after the last it read, opens
// each in its place in the chain, merges what it carries, then appends
// one blob with what the relay lacks, in the place after the newest; a
// peer that appended first makes it read and try again. Every so many
// blobs, a peer that holds exactly what they hold replaces them with a
// snapshot.
//
// What a blob holds, deflated before it is sealed: a kind byte, the heads
// of everything the relay holds once it is added, the seal block, and the
// changes (compact, for a reader that holds the heads before it and the
// devices of its seals) or a whole document. Compact after the base, the
// changes are coded as following the change that is the smallest of the
// heads before the blob, which every reader holds: typing goes on from
// the change the blob before ended with, so a change names it in a byte
// and its device, message, layout and counters are differences from it.
const (
	blobChanges      = 0
	blobCompact      = 1
	blobWhole        = 2
	blobCompactAfter = 3
)

// blobBase returns the change a blob after heads is coded after (see
// blobCompactAfter), or nil.
func blobBase(rep Replica, heads []string) []byte {
	if len(heads) == 0 {
		return nil
	}
	return rep.ChangeChunk(slices.Min(heads))
}

// compactAfter is how many blobs a relay keeps before a peer replaces
// them with a snapshot: each costs the reader its seal and sealing, a
// snapshot the whole draft once more from whoever makes it.
const compactAfter = 64

// relayDraft is one draft synced with a relay on one connection.
type relayDraft struct {
	id    string
	keys  *draftkey.Keys
	rep   Replica
	index int

	pos   relayPosition
	tip   uint64   // the relay's newest place, as far as we know
	base  uint64   // the place its snapshot stands for
	heads []string // what the relay's blobs hold, as heads

	listed  bool         // the draft's co-facilitators list this relay: we may send to it
	held    time.Time    // since when another peer has the turn to append (zero: not held)
	turned  bool         // the relay gave this session the turn: a late "held" answer is stale
	flight  *relayFlight // an append not yet answered
	failed  error        // stopped for this connection
	refused error        // a blob's changes were refused: not in agreement
}

// relayPosition is what a peer keeps of a relay between connections.
type relayPosition struct {
	keyID [8]byte // of the access key it was under: a new secret starts over
	seq   uint64  // the newest place read or appended
	chain draftkey.Chain
	count int    // blobs since the snapshot
	dict  []byte // the contents of the blob at seq (its last 32 KiB): the next one's deflate dictionary
}

type relayFlight struct {
	body   []byte // the contents, unsealed: the next blob's dictionary
	place  uint64
	kind   byte
	sealed []byte
	heads  []string
	n      int
}

// positionKey is where a relay position is saved: beside the sync state
// that says which heads the relay holds (under the relay's own id, so
// that what is waiting to go out counts from it).
func positionKey(remote string) string { return "blobs:" + remote }

// ticketKey is where the ticket a relay gave for the next session is
// saved (blobwire.Ticket), under no draft.
func ticketKey(remote string) string { return "ticket:" + remote }

func encodePosition(p relayPosition) []byte {
	b := append([]byte{'R', 1}, p.keyID[:]...)
	b = binary.AppendUvarint(b, p.seq)
	b = append(b, p.chain[:]...)
	b = binary.AppendUvarint(b, uint64(p.count))
	b = binary.AppendUvarint(b, uint64(len(p.dict)))
	return append(b, p.dict...)
}

func decodePosition(b []byte) (relayPosition, bool) {
	var p relayPosition
	if len(b) < 10 || b[0] != 'R' || b[1] != 1 {
		return p, false
	}
	copy(p.keyID[:], b[2:10])
	b = b[10:]
	seq, w := binary.Uvarint(b)
	if w <= 0 || len(b) < w+32 {
		return p, false
	}
	p.seq = seq
	copy(p.chain[:], b[w:w+32])
	b = b[w+32:]
	c, w2 := binary.Uvarint(b)
	if w2 <= 0 {
		return p, false
	}
	p.count = int(min(c, 1<<20))
	b = b[w2:]
	n, w3 := binary.Uvarint(b)
	if w3 <= 0 || n > uint64(len(b)-w3) || n > dictSize {
		return p, false
	}
	p.dict = bytes.Clone(b[w3:])
	return p, true
}

// dictSize is deflate's window: what of the blob before can help.
const dictSize = 32 << 10

// tail returns what of a blob's contents the next one deflates against.
func tail(body []byte) []byte {
	return bytes.Clone(body[max(0, len(body)-dictSize):])
}

// relayID returns the peer id a relay address ends with.
func relayID(addr string) string {
	if i := strings.LastIndex(addr, "/p2p/"); i >= 0 {
		return addr[i+len("/p2p/"):]
	}
	return addr
}

// RunRelay syncs with the relay at the other end of rw (remote: its peer
// id) the drafts whose relays include it. With once it returns when every
// draft is caught up both ways; otherwise it stays, sending each new
// change and receiving what others append, until ctx ends.
func (e *Engine) RunRelay(ctx context.Context, rw io.ReadWriter, remote string, once bool) (st Stats, err error) {
	conn := wire.NewConn(rw, -1)
	conn.SetMaxMessage(e.maxMessage)
	if e.maxMessage == 0 {
		conn.SetMaxMessage(wire.MaxMessage)
	}
	defer func() { st.BytesIn, st.BytesOut = conn.BytesIn(), conn.BytesOut() }()
	access, err := e.lib.Access(ctx)
	if err != nil {
		return st, err
	}
	var drafts []*relayDraft
	for _, a := range access {
		if !slices.ContainsFunc(a.Relays, func(r string) bool { return relayID(r) == remote }) {
			continue // nothing goes to a relay the draft does not name
		}
		keys, err := draftkey.Derive(a.DraftID, a.Secret)
		if err != nil {
			return st, err
		}
		d := &relayDraft{id: a.DraftID, keys: keys, index: len(drafts)}
		keyID := sha256.Sum256(keys.AccessKey())
		if saved, err := e.lib.LoadState(ctx, positionKey(remote), a.DraftID); err == nil {
			if p, ok := decodePosition(saved); ok && !a.Empty && [8]byte(keyID[:8]) == p.keyID {
				d.pos = p
			}
		}
		if d.pos.seq == 0 {
			d.pos = relayPosition{keyID: [8]byte(keyID[:8]), chain: draftkey.Start(a.DraftID)}
		}
		drafts = append(drafts, d)
	}
	if len(drafts) == 0 {
		return st, nil
	}
	if len(drafts) > blobwire.MaxDrafts {
		// More than one session opens: this one takes the next share,
		// the following session the one after (e.relayTurn).
		e.mu.Lock()
		from := e.relayTurn[remote] % len(drafts)
		e.relayTurn[remote] = from + blobwire.MaxDrafts
		e.mu.Unlock()
		drafts = append(drafts[from:], drafts[:from]...)[:blobwire.MaxDrafts]
		for i, d := range drafts {
			d.index = i
		}
	}
	rc := &relayConn{e: e, conn: conn, remote: remote, st: &st, byIndex: drafts}
	defer rc.close(ctx)
	defer func() {
		// Copies opened for an early blob whose draft the relay did not open.
		for _, d := range drafts {
			if d.rep != nil && !slices.Contains(rc.open, d) {
				d.rep.Close(ctx)
			}
		}
	}()
	// A ticket from the session before lets the openings go in the
	// first flight, signed over it (blobwire.Ticket); it is used once.
	ticket, _ := e.lib.LoadState(ctx, ticketKey(remote), "")
	if len(ticket) != blobwire.TicketSize {
		ticket = nil
	} else {
		e.lib.SaveState(ctx, ticketKey(remote), "", []byte{})
	}
	if err := conn.WritePreamble(); err != nil {
		return st, err
	}
	nonce := make([]byte, blobwire.NonceSize)
	rand.Read(nonce)
	hello := append(bytes.Clone(nonce), make([]byte, blobwire.TicketSize)...)
	copy(hello[blobwire.NonceSize:], ticket)
	if err := conn.WriteFrame(wire.Frame{Type: blobwire.Hello, Payload: hello}); err != nil {
		return st, err
	}
	openings := func(signedOver []byte) error {
		opens := make([]blobwire.OpenRecord, len(drafts))
		for i, d := range drafts {
			opens[i] = blobwire.OpenRecord{DraftID: d.id, After: d.pos.seq,
				Signature: d.keys.SignAccess(draftkey.OpenMessage(d.id, e.self, remote, nonce, signedOver))}
			if !once {
				opens[i].Flags = blobwire.FlagLive
			}
			if d.pos.seq > 0 && rc.ready(ctx, d) == nil && d.lacks() {
				// It has blobs to append: it asks for the turn
				// (sync/relay/turns.go).
				opens[i].Flags |= blobwire.FlagWrites
			}
		}
		if err := conn.WriteFrame(wire.Frame{Type: blobwire.Open, Payload: blobwire.EncodeOpen(opens)}); err != nil {
			return err
		}
		// A copy that synced with the relay before sends what it wrote
		// since with its openings, as if the relay held nothing newer than
		// it last saw: a round trip less on a slow link. If someone
		// appended meanwhile, the relay says "behind" and the blob goes
		// again once theirs is here, as it would have anyway.
		if early := rc.earlyBlobs(ctx); len(early) > 0 {
			return conn.WriteFrame(wire.Frame{Type: blobwire.Append, Payload: blobwire.EncodeBlobs(early)})
		}
		return nil
	}
	if ticket != nil {
		if err := openings(ticket); err != nil {
			return st, err
		}
	}
	if err := conn.ReadPreamble(); err != nil {
		return st, err
	}
	f, err := conn.ReadFrame()
	var remoteErr *wire.RemoteError
	if errors.As(err, &remoteErr) {
		// The relay's own words: busy, most often, which a live session
		// retries with backoff.
		return st, errors.New(remoteErr.Message)
	}
	if err != nil {
		return st, err
	}
	if f.Type != blobwire.Hello || len(f.Payload) != blobwire.NonceSize+1 {
		return st, fmt.Errorf("%w: relay hello", wire.ErrMalformed)
	}
	if ticket == nil || f.Payload[blobwire.NonceSize] != 1 {
		// No ticket, or one the relay did not take: open over its nonce.
		if err := openings(f.Payload[:blobwire.NonceSize]); err != nil {
			return st, err
		}
	}
	if f, err = conn.ReadFrame(); err != nil {
		return st, err
	}
	answers, err := blobwire.DecodeOpened(f.Payload)
	if err != nil || f.Type != blobwire.Opened || len(answers) != len(drafts) {
		return st, fmt.Errorf("%w: relay's answer to the openings", wire.ErrMalformed)
	}
	var deliver []blobwire.RegisterRecord
	for i, d := range drafts {
		a := answers[i]
		if a.Status == blobwire.StatusNo {
			// The relay may hold an older key: a co-facilitator rotated
			// it and this relay missed their statement. Any member
			// delivers it, and opens the draft again.
			if reg, ok := rc.missedStatement(ctx, d); ok {
				deliver = append(deliver, blobwire.RegisterRecord{Index: d.index, Reg: reg})
				continue
			}
		}
		if a.Status == blobwire.StatusHeld {
			d.held = time.Now() // opened; it appends when its turn comes
		} else if a.Status != blobwire.StatusOK {
			rc.refused(d, a.Status)
			continue
		}
		if err := rc.ready(ctx, d); err != nil {
			rc.fail(d, err)
			continue
		}
		d.tip, d.base = a.Tip, a.Base
		if a.Tip < d.pos.seq {
			// It holds less than it gave us: restored from a backup, or
			// dropping what it was given. Read it all again next time.
			rc.fail(d, fmt.Errorf("the relay holds fewer of this draft's blobs (%d) than it sent before (%d): restored from a backup, or losing data; starting over with it at the next sync", a.Tip, d.pos.seq))
			e.lib.SaveState(ctx, positionKey(remote), d.id, nil)
			continue // its copy is closed on the way out (an early blob's answer may still come)
		}
		st.Drafts = append(st.Drafts, d.id)
		rc.open = append(rc.open, d)
		e.setStatus(remote, d.id, func(s *Status) { s.sessions++; s.Connected, s.Synced = true, false }) // synced once this session has checked
	}
	if len(deliver) > 0 {
		if err := conn.WriteFrame(wire.Frame{Type: blobwire.Register, Payload: blobwire.EncodeRegister(deliver)}); err != nil {
			return st, err
		}
		rc.delivering = len(deliver)
	}
	if len(rc.open) == 0 && rc.delivering == 0 {
		return st, nil
	}
	return st, rc.loop(ctx, once)
}

// ErrReopen says a session delivered statements a relay had missed and
// should be opened again at once, now that the relay holds them.
var ErrReopen = wire.ErrReopen

// missedStatement returns the registration to deliver for a draft the
// relay did not open, when this copy holds a chain that lists it.
func (rc *relayConn) missedStatement(ctx context.Context, d *relayDraft) (blobwire.Registration, bool) {
	rep, err := rc.e.lib.Open(ctx, d.id)
	if err != nil {
		return blobwire.Registration{}, false
	}
	defer rep.Close(ctx)
	if !slices.ContainsFunc(rep.ListedRelays(), func(r string) bool { return relayID(r) == rc.remote }) {
		return blobwire.Registration{}, false
	}
	reg, err := rep.Registration()
	return reg, err == nil
}

// listedHere says whether the draft's co-facilitators list this relay:
// a relay only a code named is read from, never written to.
func (rc *relayConn) listedHere(d *relayDraft) bool {
	return slices.ContainsFunc(d.rep.ListedRelays(), func(r string) bool { return relayID(r) == rc.remote })
}

// relayConn is one connection to a relay.
type relayConn struct {
	e       *Engine
	conn    *wire.Conn
	remote  string
	st      *Stats
	byIndex []*relayDraft
	open    []*relayDraft

	delivering int  // statements delivered, not yet answered
	reopen     bool // a delivered statement was taken: open again

	// Live connections only: presence and previews (relayephemeral.go).
	ids  map[string]bool
	kick chan struct{}
	eph  relayEphemeral
}

func (rc *relayConn) close(ctx context.Context) {
	for _, d := range rc.open {
		rc.e.setStatus(rc.remote, d.id, func(s *Status) { s.sessions--; s.Connected = s.sessions > 0 })
		d.rep.Close(ctx)
	}
}

// errNothingYet is what a peer holding no copy of a draft is told when the
// relay holds none either.
var errNothingYet = errors.New("the relay holds nothing of this draft yet: a co-facilitator's copy uploads it when it next syncs with the relay; try again later")

// whyRefused is what a peer is told when a relay does not open a draft.
const whyRefused = "the relay does not serve this draft to your code: the code may be outdated (its secret was replaced: ask a co-facilitator for the new one), or the relay lost the draft"

func (rc *relayConn) refused(d *relayDraft, status byte) {
	why := whyRefused
	if status == blobwire.StatusBusy {
		why = "the relay is busy; retrying"
	}
	rc.fail(d, errors.New(why))
}

func (rc *relayConn) fail(d *relayDraft, err error) {
	d.failed = err
	if rc.st.Failed == nil {
		rc.st.Failed = map[string]string{}
	}
	rc.st.Failed[d.id] = err.Error()
	rc.e.setStatus(rc.remote, d.id, func(s *Status) { s.Problem, s.Synced = err.Error(), false })
	rc.e.log.Warn("Relay stopped syncing a draft", "relay", shortPeer(rc.remote), "draft", d.id, "err", err)
}

func (rc *relayConn) loop(ctx context.Context, once bool) error {
	in := newInbox()
	go func() {
		for {
			f, err := rc.conn.ReadFrame()
			if !in.push(inbound{f: f, err: err}) || err != nil {
				return
			}
		}
	}()
	defer in.close()
	var kick chan struct{}
	if !once {
		defer rc.register()()
		kick = rc.kick
		if err := rc.sendEphemeral(false); err != nil {
			return err
		}
	}
	changed := make(chan struct{}, 1)
	for _, d := range rc.open {
		ch, cancel := d.rep.Watch()
		defer cancel()
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case _, ok := <-ch:
					if !ok {
						return
					}
					select {
					case changed <- struct{}{}:
					default:
					}
				}
			}
		}()
	}
	for {
		for _, x := range in.drain() {
			if x.err != nil {
				if once && errors.Is(x.err, io.EOF) && rc.settled() {
					return nil
				}
				if rc.reopen {
					return ErrReopen
				}
				return x.err
			}
			if err := rc.handle(ctx, x.f); err != nil {
				return err
			}
		}
		if err := rc.send(ctx); err != nil {
			return err
		}
		rc.report()
		if rc.reopen && (rc.settled() || !once) {
			return ErrReopen
		}
		if len(rc.open) == 0 && rc.delivering == 0 {
			return nil // every draft refused, statements too
		}
		if once && rc.settled() {
			for _, d := range rc.open {
				if d.failed == nil && len(d.rep.Heads()) == 0 {
					// Caught up with a relay that holds nothing of a draft
					// this copy lacks: not "synced", which a joiner would
					// read as the draft having come.
					rc.fail(d, errNothingYet)
				}
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-in.ready:
		case <-changed:
		case <-kick:
			if err := rc.sendEphemeral(false); err != nil {
				return err
			}
		case <-rc.previewDue():
			if err := rc.sendEphemeral(true); err != nil {
				return err
			}
		case <-rc.holdDue():
		}
	}
}

// ready opens a draft's copy and reads what the relay held of it as last
// seen, and whether the draft lists the relay: once, for an early blob or
// when the relay opened the draft.
func (rc *relayConn) ready(ctx context.Context, d *relayDraft) error {
	if d.rep != nil {
		return nil
	}
	rep, err := rc.e.lib.Open(ctx, d.id)
	if err != nil {
		return err
	}
	d.rep = rep
	if saved, err := rc.e.lib.LoadState(ctx, rc.remote, d.id); err == nil && d.pos.seq > 0 {
		d.heads = crdt.SharedHeads(saved)
	}
	d.listed = rc.listedHere(d)
	return nil
}

// earlyBlobs seals, for each draft this copy synced with the relay
// before and has written to since, the blob that follows the relay's
// place as last seen. Only where the relay is listed for the draft: a
// relay only a code named is read from, never written to.
func (rc *relayConn) earlyBlobs(ctx context.Context) []blobwire.BlobRecord {
	var out []blobwire.BlobRecord
	for _, d := range rc.byIndex {
		if d.pos.seq == 0 {
			continue // a first sync: the relay's answer says where to start
		}
		if f := d.flight; f != nil {
			// Sent before with openings the relay skipped: again.
			out = append(out, blobwire.BlobRecord{Index: d.index, Place: f.place, Kind: f.kind, Data: f.sealed})
			continue
		}
		if rc.ready(ctx, d) != nil {
			continue
		}
		d.tip = d.pos.seq
		if !d.lacks() {
			continue
		}
		rec, err := rc.next(d)
		if err != nil || rec == nil {
			continue
		}
		if len(rec.Data) > maxEarlyBlob {
			// Sent blind, a large blob could cross the link twice (behind
			// someone's append): it waits for the relay's answer.
			d.flight = nil
			continue
		}
		out = append(out, *rec)
	}
	return out
}

// maxEarlyBlob bounds a blob sent with the openings: a small edit (a
// 20-character edit's blob is about 200 B), where the round trip saved is
// most of the session. A day's work offline (W3's blobs, 1–2 KB) is the
// kind that meets co-authors' appends at the relay and would cross the
// link twice: it waits for the relay's answer (the wire test's W3 went
// from 14.9 to 17.7 KB when every blob went early).
const maxEarlyBlob = 512

// settled says whether every draft is caught up both ways, or stopped.
func (rc *relayConn) settled() bool {
	if rc.delivering > 0 {
		return false
	}
	for _, d := range rc.open {
		if d.failed == nil && (d.pos.seq < d.tip || d.flight != nil || d.lacks()) {
			return false
		}
	}
	return true
}

// lacks says whether the relay lacks changes we hold and may be sent
// them (a relay the draft does not list lacks nothing). Heads of the relay
// we do not hold (changes refused here) say nothing of what it lacks:
// what only they reach goes again once, and is then among its heads.
func (d *relayDraft) lacks() bool {
	if !d.listed {
		return false
	}
	ours := d.rep.Heads()
	if len(ours) == 0 || slices.Equal(ours, d.heads) {
		return false
	}
	return d.rep.Missing(d.rep.Known(d.heads)) != 0
}

func (rc *relayConn) report() {
	now := time.Now()
	for _, d := range rc.open {
		if d.failed != nil {
			continue
		}
		// A copy that holds nothing is never synced: the draft has not come.
		synced := d.pos.seq >= d.tip && d.flight == nil && !d.lacks() && len(d.rep.Known(d.heads)) == len(d.heads) && len(d.rep.Heads()) > 0
		pending := 0
		if !synced {
			pending = d.rep.Missing(d.heads)
		}
		rc.e.setStatus(rc.remote, d.id, func(s *Status) {
			s.Synced, s.Pending = synced, pending
			switch {
			case d.refused != nil:
				s.Problem = d.refused.Error()
			case synced:
				s.LastSynced, s.Problem = now, ""
			}
		})
	}
}

func (rc *relayConn) draft(i int) (*relayDraft, error) {
	if i < 0 || i >= len(rc.byIndex) || rc.byIndex[i].rep == nil {
		return nil, fmt.Errorf("%w: relay names a draft not opened", wire.ErrMalformed)
	}
	return rc.byIndex[i], nil
}

func (rc *relayConn) handle(ctx context.Context, f wire.Frame) error {
	switch f.Type {
	case blobwire.Blobs:
		recs, err := blobwire.DecodeBlobs(f.Payload)
		if err != nil {
			return err
		}
		for _, r := range recs {
			d, err := rc.draft(r.Index)
			if err != nil {
				return err
			}
			if d.failed == nil {
				if err := rc.receive(ctx, d, r); err != nil {
					rc.fail(d, err)
				}
			}
		}
	case blobwire.Ack:
		acks, err := blobwire.DecodeAcks(f.Payload)
		if err != nil {
			return err
		}
		for _, a := range acks {
			d, err := rc.draft(a.Index)
			if err != nil {
				return err
			}
			rc.acked(ctx, d, a)
		}
	case blobwire.Pass:
		return rc.receiveEphemeral(f.Payload)
	case blobwire.Turn:
		indexes, err := blobwire.DecodeTurn(f.Payload)
		if err != nil {
			return err
		}
		for _, i := range indexes {
			if i < 0 || i >= len(rc.byIndex) {
				continue // not a draft asked for: nothing to let go
			}
			d := rc.byIndex[i]
			d.held, d.turned = time.Time{}, true
		}
	case blobwire.Ticket:
		if len(f.Payload) != blobwire.TicketSize {
			return fmt.Errorf("%w: relay ticket", wire.ErrMalformed)
		}
		if err := rc.e.lib.SaveState(ctx, ticketKey(rc.remote), "", f.Payload); err != nil {
			rc.e.log.Warn("Could not keep a relay's ticket", "relay", shortPeer(rc.remote), "err", err)
		}
	case blobwire.Registered:
		acks, err := blobwire.DecodeAcks(f.Payload)
		if err != nil {
			return err
		}
		for _, a := range acks {
			if a.Index < 0 || a.Index >= len(rc.byIndex) {
				return fmt.Errorf("%w: relay names a draft not asked for", wire.ErrMalformed)
			}
			rc.delivering--
			if a.Status == blobwire.StatusOK {
				rc.reopen = true
			} else {
				rc.fail(rc.byIndex[a.Index], fmt.Errorf("%s (it refused the statements this copy holds: %s)", whyRefused, a.Reason))
			}
		}
	default:
		return fmt.Errorf("%w: relay frame type %d", wire.ErrMalformed, f.Type)
	}
	return nil
}

// receive opens one blob or snapshot in its place and merges what it holds.
func (rc *relayConn) receive(ctx context.Context, d *relayDraft, r blobwire.BlobRecord) error {
	d.tip = max(d.tip, r.Place)
	var plain, dict []byte
	snapshot := r.Kind == blobwire.KindSnapshot
	if snapshot {
		if r.Place <= d.pos.seq {
			return nil // we hold what it stands for
		}
		c, p, err := d.keys.OpenSnapshot(r.Place, r.Data)
		if err != nil {
			return fmt.Errorf("the relay sent a snapshot (place %d) that does not open: altered, or not this draft's; not taking it", r.Place)
		}
		// A snapshot carries the contents of the blob it ends with,
		// which the next blob deflates against.
		n, w := binary.Uvarint(p)
		if w <= 0 || n > uint64(len(p)-w) || n > dictSize {
			return fmt.Errorf("%w: snapshot", wire.ErrMalformed)
		}
		plain = p[w+int(n):]
		d.pos = relayPosition{keyID: d.pos.keyID, seq: r.Place, chain: c, dict: bytes.Clone(p[w : w+int(n)])}
		d.base = r.Place
	} else {
		switch {
		case r.Place <= d.pos.seq:
			return fmt.Errorf("the relay sent blob %d again after %d: a replay; not taking it", r.Place, d.pos.seq)
		case r.Place > d.pos.seq+1:
			return fmt.Errorf("the relay skipped blobs %d to %d: not taking what follows", d.pos.seq+1, r.Place-1)
		}
		p, err := d.keys.OpenBlob(r.Place, d.pos.chain, r.Data)
		if err != nil {
			return fmt.Errorf("the relay sent blob %d that does not open in its place: altered, reordered or not this draft's; not taking it", r.Place)
		}
		plain = p
		dict = d.pos.dict
		d.pos.seq, d.pos.chain = r.Place, d.pos.chain.Next(r.Data)
		d.pos.count++
		if d.flight != nil && d.flight.place == r.Place && bytes.Equal(d.flight.sealed, r.Data) {
			d.flight = nil // our own, back before its acknowledgement
		}
	}
	heads, body, n, err := rc.apply(ctx, d, plain, dict)
	d.heads = heads
	if !snapshot && body != nil {
		d.pos.dict = tail(body)
	}
	if n > 0 && !d.listed {
		d.listed = rc.listedHere(d) // the statement that lists it may have come
	}
	rc.st.ChangesIn += n
	rc.save(ctx, d)
	if err != nil {
		// The blob stays in the chain; what it held is refused here, and
		// the draft is not in agreement with the relay while it lacks it.
		d.refused = fmt.Errorf("changes in the relay's blob %d were refused: %w", r.Place, err)
		if rc.st.Failed == nil {
			rc.st.Failed = map[string]string{}
		}
		rc.st.Failed[d.id] = d.refused.Error()
		rc.e.log.Warn("Refused changes from a relay's blob", "relay", shortPeer(rc.remote), "draft", d.id, "place", r.Place, "err", err)
	}
	return nil
}

// maxInflate bounds a blob's contents by its size: deflate can make a
// kilobyte into a megabyte, and a co-author's blob is no more trusted
// than their push.
func maxInflate(n int) int { return min(64*n+1<<20, wire.MaxMessage) }

// apply merges a blob's contents and returns the heads the relay holds
// with it.
func (rc *relayConn) apply(ctx context.Context, d *relayDraft, sealed, dict []byte) ([]string, []byte, int, error) {
	body, err := unpack(sealed, dict)
	if err != nil {
		return d.heads, nil, 0, err
	}
	heads, n, err := rc.merge(ctx, d, body)
	return heads, body, n, err
}

// unpack undoes pack, with the dictionary the blob was deflated against.
func unpack(sealed, dict []byte) ([]byte, error) {
	if len(sealed) == 0 || sealed[0] > packDeflated {
		return nil, fmt.Errorf("%w: blob packing", wire.ErrMalformed)
	}
	if sealed[0] == packRaw {
		return sealed[1:], nil
	}
	body, err := io.ReadAll(io.LimitReader(flate.NewReaderDict(bytes.NewReader(sealed[1:]), dict), int64(maxInflate(len(sealed))+1)))
	if err != nil {
		return nil, fmt.Errorf("blob contents: %w", err)
	}
	if len(body) > maxInflate(len(sealed)) {
		return nil, fmt.Errorf("blob contents larger than %d bytes", maxInflate(len(sealed)))
	}
	return body, nil
}

// merge merges a blob's contents and returns the heads the relay holds
// with it.
func (rc *relayConn) merge(ctx context.Context, d *relayDraft, body []byte) ([]string, int, error) {
	if len(body) == 0 || body[0] > blobCompactAfter {
		return d.heads, 0, fmt.Errorf("%w: blob kind", wire.ErrMalformed)
	}
	kind := body[0]
	refs, rest, err := decodeBlobHeads(body[1:])
	if err != nil {
		return d.heads, 0, err
	}
	seals, data, err := cutBlock(rest)
	if err != nil {
		return d.heads, 0, err
	}
	if kind == blobCompact || kind == blobCompactAfter {
		actors := append(d.rep.Devices(), crdt.BlockActors(seals)...)
		var base []byte
		if kind == blobCompactAfter {
			if base = blobBase(d.rep, d.heads); base == nil {
				return d.heads, 0, fmt.Errorf("%w: a blob coded after a change this copy lacks", crdt.ErrUnknownDep)
			}
		}
		if data, err = crdt.ExpandChangesAfter(data, d.heads, actors, base); err != nil {
			return d.heads, 0, err
		}
	}
	var batch []string
	if kind != blobWhole && len(data) > 0 {
		if batch, err = crdt.ChunkHashes(data); err != nil {
			return d.heads, 0, err
		}
	}
	heads := resolveBlobHeads(refs, d.heads, batch)
	if len(data) == 0 {
		return heads, 0, nil
	}
	n, _, err := d.rep.MergeWhole(ctx, data, seals)
	return heads, n, err
}

// Heads in a blob: a change of the blob by its place in it, a head the
// relay held before by its place among those, others in full.
func encodeBlobHeads(heads, before, batch []string) []byte {
	b := binary.AppendUvarint(nil, uint64(len(heads)))
	for _, h := range heads {
		raw, _ := hex.DecodeString(h)
		switch k, j := slices.Index(batch, h), slices.Index(before, h); {
		case k >= 0:
			b = binary.AppendUvarint(b, uint64(headBatch+k))
		case j >= 0:
			b = binary.AppendUvarint(binary.AppendUvarint(b, headPrefix), uint64(j))
		default:
			b = append(binary.AppendUvarint(b, headLiteral), raw...)
		}
	}
	return b
}

type blobHead struct {
	kind uint64
	n    uint64 // the place, for a head before or of the batch
	raw  []byte // the hash, for a literal
}

func decodeBlobHeads(b []byte) ([]blobHead, []byte, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)) {
		return nil, nil, fmt.Errorf("%w: blob heads", wire.ErrMalformed)
	}
	b = b[w:]
	out := make([]blobHead, n)
	for i := range out {
		k, w := binary.Uvarint(b)
		if w <= 0 {
			return nil, nil, fmt.Errorf("%w: blob head", wire.ErrMalformed)
		}
		b = b[w:]
		switch k {
		case headLiteral:
			if len(b) < 32 {
				return nil, nil, fmt.Errorf("%w: blob head cut short", wire.ErrMalformed)
			}
			out[i], b = blobHead{kind: k, raw: b[:32]}, b[32:]
		case headPrefix:
			j, w := binary.Uvarint(b)
			if w <= 0 {
				return nil, nil, fmt.Errorf("%w: blob head", wire.ErrMalformed)
			}
			out[i], b = blobHead{kind: k, n: j}, b[w:]
		default:
			out[i] = blobHead{kind: k, n: k - headBatch}
		}
	}
	return out, b, nil
}

// resolveBlobHeads names the heads a blob lists; one it names by a place
// that is not there is left out, so the draft reads as lacking it.
func resolveBlobHeads(refs []blobHead, before, batch []string) []string {
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		switch {
		case r.kind == headLiteral:
			out = append(out, hex.EncodeToString(r.raw))
		case r.kind == headPrefix && r.n < uint64(len(before)):
			out = append(out, before[r.n])
		case r.kind >= headBatch && r.n < uint64(len(batch)):
			out = append(out, batch[r.n])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (rc *relayConn) acked(ctx context.Context, d *relayDraft, a blobwire.AckRecord) {
	if d.failed != nil {
		return // stopped: the answer to an early blob for a draft the relay did not open
	}
	f := d.flight
	d.tip = max(d.tip, a.Tip)
	if f == nil || f.place != a.Place || f.kind != a.Kind {
		return // answered already: our blob came back first
	}
	d.flight = nil
	switch a.Status {
	case blobwire.StatusOK:
		if f.kind == blobwire.KindSnapshot {
			d.base, d.pos.count = f.place, 0
		} else if d.pos.seq == f.place-1 {
			d.pos.seq, d.pos.chain = f.place, d.pos.chain.Next(f.sealed)
			d.pos.count++
			d.pos.dict = tail(f.body)
			d.heads = f.heads
			rc.st.ChangesOut += f.n
		}
		rc.save(ctx, d)
	case blobwire.StatusBehind:
		// Another peer took the place: its blob is on its way to us,
		// and ours goes again after it.
	case blobwire.StatusHeld:
		// Another peer has the turn (a blob sent with the openings
		// while it did): ours goes when the Turn comes, unless it came
		// already (the answer was on its way behind it).
		if !d.turned {
			d.held = time.Now()
		}
	default:
		rc.fail(d, fmt.Errorf("the relay refused the draft's changes: %s", a.Reason))
	}
}

// save keeps the position, and the heads the relay holds as a sync
// state, for the next connection and for what is waiting to go out.
func (rc *relayConn) save(ctx context.Context, d *relayDraft) {
	err := rc.e.lib.SaveState(ctx, positionKey(rc.remote), d.id, encodePosition(d.pos))
	if err == nil && len(d.heads) > 0 {
		if known := d.rep.Known(d.heads); len(known) == len(d.heads) {
			var st *crdt.SyncState
			if st, err = d.rep.SyncStateAt(d.heads); err == nil {
				err = rc.e.lib.SaveState(ctx, rc.remote, d.id, st.Save())
			}
		}
	}
	if err != nil {
		rc.e.log.Warn("Could not save a relay's position", "draft", d.id, "err", err)
	}
}

// send appends what each caught-up draft's relay lacks, or a snapshot
// when its blobs have piled up.
func (rc *relayConn) send(ctx context.Context) error {
	var recs []blobwire.BlobRecord
	for _, d := range rc.open {
		if d.failed != nil || d.flight != nil || d.pos.seq < d.tip || rc.isHeld(d) {
			continue
		}
		rec, err := rc.next(d)
		if err != nil {
			rc.fail(d, err)
			continue
		}
		if rec != nil {
			recs = append(recs, *rec)
		}
	}
	if len(recs) == 0 {
		return nil
	}
	return rc.conn.WriteFrame(wire.Frame{Type: blobwire.Append, Payload: blobwire.EncodeBlobs(recs)})
}

// maxHold is how long a held draft waits for its Turn before it appends
// anyway: more than a relay's lease of a turn (30 s), so a relay that
// never says (a bug, a restart) stalls it no longer; a relay still
// holding it answers StatusHeld again, and it waits again.
const maxHold = 45 * time.Second

// isHeld says whether another peer has the turn to append to d.
func (rc *relayConn) isHeld(d *relayDraft) bool {
	return !d.held.IsZero() && time.Since(d.held) < maxHold
}

// holdDue fires when the first held draft's wait runs out.
func (rc *relayConn) holdDue() <-chan time.Time {
	var first time.Time
	for _, d := range rc.open {
		if rc.isHeld(d) && (first.IsZero() || d.held.Before(first)) {
			first = d.held
		}
	}
	if first.IsZero() {
		return nil
	}
	return time.After(time.Until(first.Add(maxHold)))
}

// next seals the blob a caught-up draft should append, if any.
func (rc *relayConn) next(d *relayDraft) (*blobwire.BlobRecord, error) {
	ours := slices.Clone(d.rep.Heads())
	if !d.lacks() {
		if d.listed && d.pos.count >= compactAfter && slices.Equal(ours, d.heads) && d.pos.seq > d.base {
			return rc.snapshot(d)
		}
		return nil, nil
	}
	place := d.pos.seq + 1
	var body []byte
	var n int
	if d.pos.seq == 0 {
		data, seals, heads, count, err := d.rep.Whole()
		if err != nil {
			return nil, err
		}
		body = append(append([]byte{blobWhole}, encodeBlobHeads(heads, nil, nil)...), appendBlock(nil, seals)...)
		body, ours, n = append(body, data...), heads, count
	} else {
		known := d.rep.Known(d.heads)
		data, count, err := d.rep.Changes(known)
		if err != nil || count == 0 {
			return nil, err
		}
		batch, err := crdt.ChunkHashes(data)
		if err != nil {
			return nil, err
		}
		// What the relay holds that we do not stays among its heads.
		for _, h := range d.heads {
			if !slices.Contains(known, h) {
				ours = append(ours, h)
			}
		}
		slices.Sort(ours)
		block, devices := d.rep.Seals(data)
		// Coded after the base when there is one: that only gives the
		// batch one more change to refer to, and its counters are no
		// further from the base's than from nothing.
		kind, base := byte(blobCompact), blobBase(d.rep, d.heads)
		if base != nil {
			kind = blobCompactAfter
		}
		if c, ok := crdt.CompactChangesAfter(data, d.heads, devices, base); ok && len(c) < len(data) {
			data = c
		} else {
			kind = blobChanges
		}
		body = append([]byte{kind}, encodeBlobHeads(ours, d.heads, batch)...)
		body = append(appendBlock(body, block), data...)
		n = count
	}
	sealed := d.keys.SealBlob(place, d.pos.chain, pack(body, d.pos.dict))
	rc.e.log.Debug("Appending a blob", "relay", shortPeer(rc.remote), "draft", d.id, "place", place, "changes", n, "heads", shortHeads(ours))
	d.flight = &relayFlight{body: body, place: place, kind: blobwire.KindBlob, sealed: sealed, heads: ours, n: n}
	return &blobwire.BlobRecord{Index: d.index, Place: place, Kind: blobwire.KindBlob, Data: sealed}, nil
}

// snapshot seals the whole draft to stand for the relay's blobs so far.
func (rc *relayConn) snapshot(d *relayDraft) (*blobwire.BlobRecord, error) {
	data, seals, heads, _, err := d.rep.Whole()
	if err != nil {
		return nil, err
	}
	body := append(append([]byte{blobWhole}, encodeBlobHeads(heads, nil, nil)...), appendBlock(nil, seals)...)
	plain := binary.AppendUvarint(nil, uint64(len(d.pos.dict)))
	plain = append(plain, d.pos.dict...)
	sealed := d.keys.SealSnapshot(d.pos.seq, d.pos.chain, append(plain, pack(append(body, data...), nil)...))
	d.flight = &relayFlight{place: d.pos.seq, kind: blobwire.KindSnapshot, sealed: sealed, heads: heads}
	return &blobwire.BlobRecord{Index: d.index, Place: d.pos.seq, Kind: blobwire.KindSnapshot, Data: sealed}, nil
}

// A blob's contents go deflated when that makes them smaller, after a
// byte saying which: a small edit's are mostly a signature and change
// fields deflate cannot shorten.
const (
	packRaw      = 0
	packDeflated = 1
)

// Deflate starts from a dictionary both ends hold, the contents of the
// blob before: a small edit's fields (its device, the heads it follows,
// its message) are mostly what the one before carried.
func pack(b, dict []byte) []byte {
	var buf bytes.Buffer
	buf.WriteByte(packDeflated)
	w, _ := flate.NewWriterDict(&buf, flate.BestCompression, dict)
	w.Write(b)
	w.Close()
	if buf.Len() < len(b)+1 {
		return buf.Bytes()
	}
	return append([]byte{packRaw}, b...)
}
