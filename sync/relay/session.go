package relay

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/igf-bpf/bpfdraft/sync/blobwire"
	"github.com/igf-bpf/bpfdraft/sync/draftkey"
	"github.com/igf-bpf/bpfdraft/sync/p2p"
	"github.com/igf-bpf/bpfdraft/sync/wire"
)

// hub is one draft's sessions now: each hears of what another appends.
type hub struct {
	sessions map[*session]int // → the draft's index in that session
}

// session is one peer's connection to the relay.
type session struct {
	r      *Relay
	conn   *wire.Conn
	peer   string
	wmu    sync.Mutex    // Serialises writes.
	notify chan struct{} // holds a token while something is to be sent

	mu     sync.Mutex // Protects drafts' sent and dirty, passes and turns.
	drafts []*opening // by the peer's index; nil where not opened
	asked  []string   // the draft ids the peer asked for, by index
	passes []blobwire.PassRecord
	turns  []int // drafts whose turn came, to be said after their blobs
}

// opening is one draft a session opened.
type opening struct {
	id    string
	live  bool
	sent  uint64 // the newest place the peer has (sent, or its own append acknowledged)
	dirty bool   // the relay may hold more than sent
}

// maxPassQueue bounds the sealed presence and previews waiting for one
// session: a peer that does not read loses them, as it would have anyway.
const maxPassQueue = 256

// readBatch is about the bytes of blobs read from the store at a time.
const readBatch = 256 << 10

// dummyAccess is checked against when a draft is not held, so that a
// peer without access spends the same and hears the same either way.
var dummyAccess = func() ed25519.PublicKey {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	return pub
}()

// serve runs one session; proved is called once the peer has opened a
// draft (it lifts the tighter limits of sessions that have not).
func (r *Relay) serve(ctx context.Context, rw io.ReadWriter, peer string, proved func()) error {
	release, ok := r.admit(peer)
	if !ok {
		p2p.SayBusy(rw) // said, not just cut: the peer retries
		return errors.New("too many sessions from this peer")
	}
	defer release()
	s := &session{r: r, conn: wire.NewConn(rw, -1), peer: peer, notify: make(chan struct{}, 1)}
	s.conn.SetBudget(r.budget)
	s.conn.SetMaxMessage(r.maxMessage)
	if err := s.conn.WritePreamble(); err != nil {
		return err
	}
	if err := s.conn.ReadPreamble(); err != nil {
		return err
	}
	f, err := s.conn.ReadFrame()
	if err != nil {
		return err
	}
	if f.Type != blobwire.Hello || len(f.Payload) != blobwire.NonceSize+blobwire.TicketSize {
		return fmt.Errorf("%w: hello", wire.ErrMalformed)
	}
	theirNonce, presented := f.Payload[:blobwire.NonceSize], f.Payload[blobwire.NonceSize:]
	// The openings are signed over a nonce of ours: this Hello's, or the
	// ticket given in the session before, which the peer sends at once.
	nonce := make([]byte, blobwire.NonceSize)
	rand.Read(nonce)
	offered := !bytes.Equal(presented, make([]byte, blobwire.TicketSize))
	took := offered && r.tickets.take(peer, presented)
	hello := append(bytes.Clone(nonce), 0)
	if took {
		hello[blobwire.NonceSize] = 1
	}
	if err := s.conn.WriteFrame(wire.Frame{Type: blobwire.Hello, Payload: hello}); err != nil {
		return err
	}
	signedOver := nonce
	if took {
		signedOver = presented
	}
	if f, err = s.conn.ReadFrame(); err != nil {
		return err
	}
	if offered && !took && f.Type == blobwire.Open {
		// Openings signed over a ticket we did not take, and the blobs
		// sent with them: skipped, up to the openings signed over our
		// Hello.
		for {
			if f, err = s.conn.ReadFrame(); err != nil {
				return err
			}
			if f.Type != blobwire.Append {
				break
			}
		}
	}
	if f.Type != blobwire.Open {
		return fmt.Errorf("%w: expected an opening", wire.ErrMalformed)
	}
	asked, err := blobwire.DecodeOpen(f.Payload)
	if err != nil {
		return err
	}
	answers := make([]blobwire.OpenedRecord, len(asked))
	s.drafts = make([]*opening, len(asked))
	for _, a := range asked {
		s.asked = append(s.asked, a.DraftID)
	}
	opened := 0
	// Before any claim: a session that fails half-way leaves no turn held.
	defer r.turns.leave(s, s.asked)
	for i, a := range asked {
		d, err := r.cfg.Store.Draft(ctx, a.DraftID)
		if err != nil && !errors.Is(err, ErrNoDraft) {
			return fmt.Errorf("relay storage: %w", err)
		}
		key := d.Access
		if err != nil {
			key = dummyAccess
		}
		msg := draftkey.OpenMessage(a.DraftID, peer, r.node.ID(), theirNonce, signedOver)
		if !draftkey.VerifyAccess(key, msg, a.Signature) || err != nil {
			answers[i] = blobwire.OpenedRecord{Status: blobwire.StatusNo}
			continue
		}
		answers[i] = blobwire.OpenedRecord{Status: blobwire.StatusOK, Tip: d.Tip, Base: d.Base}
		s.drafts[i] = &opening{id: a.DraftID, live: a.Flags&blobwire.FlagLive != 0, sent: min(a.After, d.Tip),
			dirty: a.After < d.Tip}
		if a.Flags&blobwire.FlagWrites != 0 && !r.turns.claim(s, i, a.DraftID) {
			answers[i].Status = blobwire.StatusHeld
		}
		opened++
	}
	if err := s.write(blobwire.Opened, blobwire.EncodeOpened(answers)); err != nil {
		return err
	}
	if opened > 0 {
		// A proven peer gets the nonce its next session signs over.
		if err := s.write(blobwire.Ticket, r.tickets.give(peer)); err != nil {
			return err
		}
	}
	if opened == 0 {
		// The same words whether the relay holds the drafts asked for or
		// not, and no count: an unproven peer learns nothing here. It may
		// still deliver statements the relay missed, within the opening's
		// deadline, and then open again.
		r.log.Debug("Session proved access to no draft")
		for {
			f, err := s.conn.ReadFrame()
			if err == nil && f.Type == blobwire.Append {
				continue // a blob sent with the openings, for a draft not opened
			}
			if err != nil || f.Type != blobwire.Register {
				return nil
			}
			if err := s.registrations(ctx, f.Payload); err != nil {
				return err
			}
		}
	}
	proved()
	r.join(s)
	defer r.leave(s)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.sendLoop(ctx) }()
	s.wake()
	readErr := s.readLoop(ctx)
	cancel()
	sendErr := <-done
	if readErr == nil || errors.Is(readErr, io.EOF) {
		return sendErr
	}
	return readErr
}

func (s *session) write(t wire.Type, payload []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.conn.WriteFrame(wire.Frame{Type: t, Payload: payload})
}

func (s *session) wake() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// join adds the session to the hubs of the drafts it opened.
func (r *Relay) join(s *session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, o := range s.drafts {
		if o == nil {
			continue
		}
		h := r.drafts[o.id]
		if h == nil {
			h = &hub{sessions: map[*session]int{}}
			r.drafts[o.id] = h
		}
		h.sessions[s] = i
		// A blob appended between the opening's read of the tip and now
		// told no one here: the send loop reads the store again, so
		// nothing is missed (and a Turn never comes before its blob).
		s.mu.Lock()
		o.dirty = true
		s.mu.Unlock()
	}
}

func (r *Relay) leave(s *session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range s.drafts {
		if o == nil {
			continue
		}
		if h := r.drafts[o.id]; h != nil {
			delete(h.sessions, s)
			if len(h.sessions) == 0 {
				delete(r.drafts, o.id)
			}
		}
	}
}

// others calls f for every other session holding draft id, with its index.
func (r *Relay) others(id string, self *session, f func(*session, int)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for s, i := range r.drafts[id].sessionsOrNil() {
		if s != self {
			f(s, i)
		}
	}
}

func (h *hub) sessionsOrNil() map[*session]int {
	if h == nil {
		return nil
	}
	return h.sessions
}

// sendLoop sends what the peer lacks of its drafts, read from the store
// when woken, and the passes queued for it.
func (s *session) sendLoop(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.notify:
		}
		s.mu.Lock()
		passes := s.passes
		s.passes = nil
		s.mu.Unlock()
		if len(passes) > 0 {
			if err := s.write(blobwire.Pass, blobwire.EncodePass(passes)); err != nil {
				return err
			}
		}
		for i, o := range s.drafts {
			if o == nil {
				continue
			}
			for {
				s.mu.Lock()
				after, dirty := o.sent, o.dirty
				o.dirty = false
				s.mu.Unlock()
				if !dirty {
					break
				}
				stored, err := s.r.cfg.Store.Read(ctx, o.id, after, readBatch)
				if err != nil {
					return fmt.Errorf("relay storage: %w", err)
				}
				var recs []blobwire.BlobRecord
				s.mu.Lock()
				for _, b := range stored {
					if b.Place > o.sent || b.Kind == blobwire.KindSnapshot && after < b.Place {
						recs = append(recs, blobwire.BlobRecord{Index: i, Place: b.Place, Kind: b.Kind, Data: b.Data})
						o.sent = max(o.sent, b.Place)
					}
				}
				if len(stored) > 0 {
					o.dirty = true // there may be more: the next read says
				}
				s.mu.Unlock()
				if len(recs) == 0 {
					continue
				}
				if err := s.write(blobwire.Blobs, blobwire.EncodeBlobs(recs)); err != nil {
					return err
				}
			}
		}
		// A turn is said once the blobs appended before it are sent: its
		// holder appends after them, not behind them.
		s.mu.Lock()
		var turns []int
		if !s.dirtyLocked() {
			turns, s.turns = s.turns, nil
		}
		again := len(s.turns) > 0
		s.mu.Unlock()
		if len(turns) > 0 {
			if err := s.write(blobwire.Turn, blobwire.EncodeTurn(turns)); err != nil {
				return err
			}
		}
		if again {
			s.wake()
		}
	}
}

// dirtyLocked says whether any opened draft may have blobs to send.
func (s *session) dirtyLocked() bool {
	for _, o := range s.drafts {
		if o != nil && o.dirty {
			return true
		}
	}
	return false
}

// readLoop takes the peer's appends and passes until it leaves.
func (s *session) readLoop(ctx context.Context) error {
	for {
		f, err := s.conn.ReadFrame()
		if err != nil {
			return err
		}
		switch f.Type {
		case blobwire.Append:
			recs, err := blobwire.DecodeBlobs(f.Payload)
			if err != nil {
				return err
			}
			acks := make([]blobwire.AckRecord, 0, len(recs))
			for _, rec := range recs {
				ack, err := s.append(ctx, rec)
				if err != nil {
					return err
				}
				acks = append(acks, ack)
			}
			if err := s.write(blobwire.Ack, blobwire.EncodeAcks(acks)); err != nil {
				return err
			}
		case blobwire.Register:
			if err := s.registrations(ctx, f.Payload); err != nil {
				return err
			}
		case blobwire.Pass:
			recs, err := blobwire.DecodePass(f.Payload)
			if err != nil {
				return err
			}
			for _, rec := range recs {
				o := s.opened(rec.Index)
				if o == nil {
					return fmt.Errorf("%w: pass for a draft not opened", wire.ErrMalformed)
				}
				data := append([]byte(nil), rec.Data...)
				s.r.others(o.id, s, func(t *session, i int) {
					t.mu.Lock()
					if t.drafts[i].live && len(t.passes) < maxPassQueue {
						t.passes = append(t.passes, blobwire.PassRecord{Index: i, Data: data})
					}
					t.mu.Unlock()
					t.wake()
				})
			}
		default:
			return fmt.Errorf("%w: frame type %d", wire.ErrMalformed, f.Type)
		}
	}
}

func (s *session) opened(i int) *opening {
	if i < 0 || i >= len(s.drafts) {
		return nil
	}
	return s.drafts[i]
}

// append stores one blob or snapshot and says how it went; an error ends
// the session (the store failed, or the peer named a draft not opened).
func (s *session) append(ctx context.Context, rec blobwire.BlobRecord) (blobwire.AckRecord, error) {
	ack := blobwire.AckRecord{Index: rec.Index, Place: rec.Place, Kind: rec.Kind}
	o := s.opened(rec.Index)
	if o == nil {
		if rec.Index >= 0 && rec.Index < len(s.drafts) {
			// A peer sends its first blob with its openings, before it
			// hears which were opened: one refused gets its blob refused.
			ack.Status, ack.Reason = blobwire.StatusRefused, "the draft was not opened"
			return ack, nil
		}
		return ack, fmt.Errorf("%w: append to a draft not asked for", wire.ErrMalformed)
	}
	d, err := s.r.cfg.Store.Draft(ctx, o.id)
	if err != nil {
		return ack, fmt.Errorf("relay storage: %w", err)
	}
	if s.r.turns.waiting(s, o.id) {
		// Held, it appends anyway (a blob sent with its openings, or a
		// peer that does not wait): the place is kept for the holder,
		// and it is told to wait for its turn again.
		ack.Tip, ack.Status = d.Tip, blobwire.StatusHeld
		return ack, nil
	}
	ack.Tip = d.Tip
	if err := s.r.checkQuota(ctx, o.id, d, int64(len(rec.Data))); err != nil {
		if !errors.Is(err, ErrOverQuota) {
			return ack, err
		}
		ack.Status, ack.Reason = blobwire.StatusRefused, err.Error()
		return ack, nil
	}
	data := append([]byte(nil), rec.Data...)
	if rec.Kind == blobwire.KindSnapshot {
		before, after, err := s.r.cfg.Store.Compact(ctx, o.id, rec.Place, data)
		switch {
		case errors.Is(err, ErrBehind):
			ack.Status = blobwire.StatusBehind
		case err != nil:
			return ack, fmt.Errorf("relay storage: %w", err)
		default:
			s.r.addTotal(after - before)
			s.r.turns.appended(s, o.id)
		}
		return ack, nil
	}
	tip, err := s.r.cfg.Store.Append(ctx, o.id, rec.Place, data)
	ack.Tip = tip
	switch {
	case errors.Is(err, ErrBehind):
		ack.Status = blobwire.StatusBehind
		return ack, nil
	case err != nil:
		return ack, fmt.Errorf("relay storage: %w", err)
	}
	s.r.addTotal(int64(len(data)))
	s.mu.Lock()
	if o.sent == rec.Place-1 {
		o.sent = rec.Place // the peer has its own blob
	} else {
		o.dirty = true
		s.wake()
	}
	s.mu.Unlock()
	s.r.others(o.id, s, func(t *session, i int) {
		t.mu.Lock()
		t.drafts[i].dirty = true
		t.mu.Unlock()
		t.wake()
	})
	s.r.turns.appended(s, o.id) // after the others are told of the blob
	return ack, nil
}

// registrations takes statements a peer delivers for drafts it asked to
// open (a newer key than the relay holds, most often) and answers each.
func (s *session) registrations(ctx context.Context, payload []byte) error {
	recs, err := blobwire.DecodeRegister(payload)
	if err != nil {
		return err
	}
	acks := make([]blobwire.AckRecord, 0, len(recs))
	for _, rec := range recs {
		ack := blobwire.AckRecord{Index: rec.Index}
		if rec.Index >= len(s.asked) || s.asked[rec.Index] != rec.Reg.DraftID {
			return fmt.Errorf("%w: a statement for a draft not asked for", wire.ErrMalformed)
		}
		if err := s.r.registerAs(ctx, s.peer, rec.Reg, true); err != nil {
			ack.Status, ack.Reason = blobwire.StatusRefused, err.Error()
		}
		acks = append(acks, ack)
	}
	return s.write(blobwire.Registered, blobwire.EncodeAcks(acks))
}
