package relay

import (
	"bytes"
	"context"
	"crypto/rand"
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/igf-bpf/bpfdraft/sync/blobwire"
	"github.com/igf-bpf/bpfdraft/sync/draftkey"
	"github.com/igf-bpf/bpfdraft/sync/p2p"
	"github.com/igf-bpf/bpfdraft/sync/relay/relaytest"
	"github.com/igf-bpf/bpfdraft/sync/wire"
)

// rawSession opens draft id at the relay by hand, with the flags given,
// and returns the connection, the relay's answer, and what ends the
// session.
func rawSession(ctx context.Context, t *testing.T, target peer.AddrInfo, id string, keys *draftkey.Keys, after uint64, flags byte) (*wire.Conn, blobwire.OpenedRecord, func()) {
	t.Helper()
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	if err := h.Connect(ctx, target); err != nil {
		t.Fatal(err)
	}
	s, err := h.NewStream(ctx, target.ID, p2p.BlobsProtocolID)
	if err != nil {
		t.Fatal(err)
	}
	s.SetDeadline(time.Now().Add(20 * time.Second))
	c := wire.NewConn(s, -1)
	ours := make([]byte, blobwire.NonceSize)
	rand.Read(ours)
	c.WritePreamble()
	c.WriteFrame(wire.Frame{Type: blobwire.Hello, Payload: append(bytes.Clone(ours), make([]byte, blobwire.TicketSize)...)})
	if err := c.ReadPreamble(); err != nil {
		t.Fatal(err)
	}
	hello, err := c.ReadFrame()
	if err != nil || hello.Type != blobwire.Hello {
		t.Fatalf("the relay's hello: %+v %v", hello, err)
	}
	sig := keys.SignAccess(draftkey.OpenMessage(id, h.ID().String(), target.ID.String(), ours, hello.Payload[:blobwire.NonceSize]))
	c.WriteFrame(wire.Frame{Type: blobwire.Open, Payload: blobwire.EncodeOpen([]blobwire.OpenRecord{{DraftID: id, Signature: sig, After: after, Flags: flags}})})
	f, err := c.ReadFrame()
	if err != nil || f.Type != blobwire.Opened {
		t.Fatalf("the relay's answer: %+v %v", f, err)
	}
	answers, err := blobwire.DecodeOpened(f.Payload)
	if err != nil || len(answers) != 1 {
		t.Fatalf("answers %+v %v", answers, err)
	}
	return c, answers[0], func() { s.Reset(); h.Close() }
}

// until reads frames until one of type want, and returns it with the
// types of those read before it.
func until(t *testing.T, c *wire.Conn, want wire.Type) (wire.Frame, []wire.Type) {
	t.Helper()
	var before []wire.Type
	for {
		f, err := c.ReadFrame()
		if err != nil {
			t.Fatalf("waiting for frame %d after %v: %v", want, before, err)
		}
		if f.Type == want {
			return f, before
		}
		before = append(before, f.Type)
	}
}

func appendBlob(t *testing.T, c *wire.Conn, place uint64, data string) blobwire.AckRecord {
	t.Helper()
	if err := c.WriteFrame(wire.Frame{Type: blobwire.Append, Payload: blobwire.EncodeBlobs([]blobwire.BlobRecord{{Place: place, Data: []byte(data)}})}); err != nil {
		t.Fatal(err)
	}
	f, _ := until(t, c, blobwire.Ack)
	acks, err := blobwire.DecodeAcks(f.Payload)
	if err != nil || len(acks) != 1 {
		t.Fatalf("acks %+v %v", acks, err)
	}
	return acks[0]
}

// TestTurnsToAppend: two peers come back at once, each with blobs to
// append. The first has the turn; the second is held, and a blob it
// sends anyway (hand-made: a peer that does not wait) is answered "held"
// and not stored. When the first appends, the second gets its blob and
// then its turn, and appends after it. A held peer whose holder leaves
// without appending gets the turn too.
func TestTurnsToAppend(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	addr := relaytest.Start(t).Addr
	_, id, _, secret := draftAt(t, addr) // the owner's sync stored blob 1
	keys, err := draftkey.Derive(id, secret)
	if err != nil {
		t.Fatal(err)
	}
	target, err := p2p.ParseAddr(addr)
	if err != nil {
		t.Fatal(err)
	}
	live := byte(blobwire.FlagLive | blobwire.FlagWrites)
	first, a1, _ := rawSession(ctx, t, target, id, keys, 1, live)
	second, a2, _ := rawSession(ctx, t, target, id, keys, 1, live)
	if a1.Status != blobwire.StatusOK || a2.Status != blobwire.StatusHeld || a2.Tip != 1 {
		t.Fatalf("answers: first %+v, second %+v (want OK, then held at tip 1)", a1, a2)
	}
	if ack := appendBlob(t, second, 2, "sent while held"); ack.Status != blobwire.StatusHeld || ack.Tip != 1 {
		t.Fatalf("a held peer's append: %+v", ack)
	}
	if ack := appendBlob(t, first, 2, "the holder's blob"); ack.Status != blobwire.StatusOK {
		t.Fatalf("the holder's append: %+v", ack)
	}
	// The second hears the first's blob (not its own), then its turn.
	f, before := until(t, second, blobwire.Turn)
	if idx, err := blobwire.DecodeTurn(f.Payload); err != nil || len(idx) != 1 || idx[0] != 0 {
		t.Fatalf("turn %v %v", idx, err)
	}
	if !slices.Contains(before, blobwire.Blobs) {
		t.Errorf("the turn came before the holder's blob: frames before it %v", before)
	}
	if ack := appendBlob(t, second, 3, "after the holder's"); ack.Status != blobwire.StatusOK {
		t.Fatalf("the second's append on its turn: %+v", ack)
	}

	// A third and a fourth: the third has the turn and leaves without
	// appending; the fourth gets it.
	_, a3, leave := rawSession(ctx, t, target, id, keys, 3, live)
	fourth, a4, _ := rawSession(ctx, t, target, id, keys, 3, live)
	if a3.Status != blobwire.StatusOK || a4.Status != blobwire.StatusHeld {
		t.Fatalf("answers: third %+v, fourth %+v", a3, a4)
	}
	leave()
	until(t, fourth, blobwire.Turn)
	if ack := appendBlob(t, fourth, 4, "after the third left"); ack.Status != blobwire.StatusOK {
		t.Fatalf("the fourth's append: %+v", ack)
	}
	// A peer that does not ask for turns appends as before.
	plain, a5, _ := rawSession(ctx, t, target, id, keys, 4, blobwire.FlagLive)
	if a5.Status != blobwire.StatusOK {
		t.Fatalf("answer without turns: %+v", a5)
	}
	if ack := appendBlob(t, plain, 5, "no turns asked"); ack.Status != blobwire.StatusOK {
		t.Fatalf("append without turns: %+v", ack)
	}
}

// TestATurnLapses: a holder that never appends holds the others up for
// leaseFor, no longer; the one waiting then holds the turn and hears it.
func TestATurnLapses(t *testing.T) {
	b := turnBook{lease: 50 * time.Millisecond}
	holder := &session{notify: make(chan struct{}, 1)}
	next := &session{notify: make(chan struct{}, 1)}
	if !b.claim(holder, 0, "d") || b.claim(next, 3, "d") || !b.waiting(next, "d") {
		t.Fatal("the first to claim should hold the turn, the second wait")
	}
	select {
	case <-next.notify:
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting session was never given the turn")
	}
	next.mu.Lock()
	turns := next.turns
	next.mu.Unlock()
	if !slices.Equal(turns, []int{3}) || b.waiting(next, "d") {
		t.Fatalf("turns %v, still waiting %v", turns, b.waiting(next, "d"))
	}
	// Its append ends its turn, and the draft's entry goes.
	b.appended(next, "d")
	b.mu.Lock()
	left := len(b.drafts)
	b.mu.Unlock()
	if left != 0 {
		t.Errorf("%d drafts still have turns", left)
	}
	// A draft named twice in one opening: one place in line, no more.
	b.claim(holder, 0, "f")
	if b.claim(next, 1, "f") || b.claim(next, 2, "f") {
		t.Error("a waiting session was given the turn by asking again")
	}
	b.mu.Lock()
	inLine := len(b.drafts["f"].queue)
	b.mu.Unlock()
	if inLine != 1 || !b.claim(holder, 5, "f") {
		t.Errorf("%d in line after asking twice; the holder asking again: not given", inLine)
	}
	// A session that leaves while waiting is out of the line.
	b.claim(holder, 0, "e")
	b.claim(next, 1, "e")
	b.leave(next, []string{"e"})
	if b.waiting(next, "e") {
		t.Error("a session that left still waits")
	}
}
