package docsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/igf-bpf/bpfdraft/sync/wire"
)

// previewing waits until who sees exactly the previews wanted in draft
// d1, as origin=data sorted by origin.
func previewing(t *testing.T, who *peer, want ...string) {
	t.Helper()
	seeing(t, who, "previews", who.eng.Previews, func(p PresenceEntry) string { return p.Origin + "=" + string(p.Data) }, want)
}

// TestPreviewsDirectAndThroughARelay: a preview travels over a live
// connection to the peer, and through a relay to a window that meets the
// typist only there; each side sees the others' previews, not its own,
// the latest of each; an empty one takes it away; a draft not shared
// stays home; and nothing of it reaches the draft.
func TestPreviewsDirectAndThroughARelay(t *testing.T) {
	base := baseDraft(t)
	secret := NewSecret()
	a, b, c, r := newPeer("peerA"), newPeer("peerB"), newPeer("peerC"), newPeer("relay")
	da := a.lib.add(t, "d1", base, secret)
	a.lib.add(t, "d2", base, NewSecret()) // not shared: its previews stay here
	db := b.lib.add(t, "d1", base, secret)
	c.lib.add(t, "d1", base, secret)
	r.lib.add(t, "d1", base, secret)
	heads := da.Heads()
	live(t, a, b) // direct
	live(t, a, r)
	live(t, c, r) // C meets A and B only through the relay
	if err := a.eng.SetPreview("d1", []byte("Amina types")); err != nil {
		t.Fatal(err)
	}
	a.eng.SetPreview("d2", []byte("elsewhere"))
	previewing(t, b, "peerA=Amina types")
	previewing(t, c, "peerA=Amina types")
	previewing(t, a) // not her own
	b.eng.SetPreview("d1", []byte("Bruno types"))
	// B reaches C through A and the relay: forwarded twice.
	previewing(t, c, "peerA=Amina types", "peerB=Bruno types")
	previewing(t, a, "peerB=Bruno types")
	for i := range 20 { // fast typing: the latest wins
		a.eng.SetPreview("d1", fmt.Appendf(nil, "Amina types %d", i))
	}
	previewing(t, c, "peerA=Amina types 19", "peerB=Bruno types")
	a.eng.SetPreview("d1", nil) // committed, or the window closed
	previewing(t, b)
	previewing(t, c, "peerB=Bruno types")
	if got := c.eng.Previews("d2"); len(got) != 0 {
		t.Errorf("a preview of a draft C does not share reached it: %v", got)
	}
	if !slicesEqual(da.Heads(), heads) || !slicesEqual(db.Heads(), heads) {
		t.Error("previews changed the draft")
	}
	if err := a.eng.SetPreview("d1", make([]byte, MaxPreviewData+1)); err == nil {
		t.Error("a preview over MaxPreviewData was taken")
	}
}

// TestPreviewFramesCoalesce: previews set faster than previewEvery go
// as fewer frames than calls, and the last state arrives.
func TestPreviewFramesCoalesce(t *testing.T) {
	base := baseDraft(t)
	secret := NewSecret()
	a, b := newPeer("peerA"), newPeer("peerB")
	a.lib.add(t, "d1", base, secret)
	b.lib.add(t, "d1", base, secret)
	end := live(t, a, b)
	text := "Some was of and fill the water"
	for i := range text {
		a.eng.SetPreview("d1", []byte(text[:i+1]))
	}
	previewing(t, b, "peerA="+text)
	if n := end().PreviewFrames; n == 0 || n >= len(text)/2 {
		t.Errorf("%d previews set at once went as %d frames", len(text), n)
	}
}

// TestPreviewFrameBytes: a key's preview frame, which repeats the one
// before with a character more, costs a few bytes on the wire once the
// connection's deflate context holds the first (the app's encoding of
// typing 20 characters into a section of 2,500, as bpfbench live types,
// with seqs counted from the clock, as the engine counts them).
func TestPreviewFrameBytes(t *testing.T) {
	var buf bytes.Buffer
	w := wire.NewConn(&buf, 0)
	w.DeflateAlways(framePreview)
	text := "Some was of and fill"
	var sizes []int64
	for i := range text {
		data := append([]byte{1, 7}, "s4xk2ba"...)
		data = append(data, 0x9c, 0x1f, 0x03, 0x44, 0x5e, 0x61, 0x07, 0xb2) // the base
		data = append(data, 1, 0xc2, 0x13, 0, byte(i+1))                    // one run at 2,498
		data = append(data, text[:i+1]...)
		before := buf.Len()
		if err := w.WriteFrame(frameOf(framePreview, appendPreview(nil, 0, "", 1_765_000_000_000+uint64(i), data, true))); err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, int64(buf.Len()-before))
	}
	total := int64(0)
	for _, n := range sizes[1:] {
		total += n
	}
	if per := total / int64(len(sizes)-1); per > 16 {
		t.Errorf("a preview frame after the first costs %d bytes on average (%v)", per, sizes)
	}
	r := wire.NewConn(&buf, 0)
	for range text {
		if f, err := r.ReadFrame(); err != nil || f.Type != framePreview {
			t.Fatalf("read back %v, %v", f.Type, err)
		}
	}
}

// TestPreviewsExpire: a preview is gone PreviewTTL after it arrived, and
// watchers hear of it, since a window must stop showing it; a peer cannot
// make one live longer.
func TestPreviewsExpire(t *testing.T) {
	e := New(newMemLib(), "me", nil)
	ch, stop := e.WatchPreviews()
	defer stop()
	now := time.Now()
	e.previews.update("d1", PresenceEntry{Origin: "x", Seq: 1, Data: []byte("typing"), Expires: now.Add(30 * time.Millisecond)}, now)
	<-ch // arrived
	if len(e.Previews("d1")) != 1 {
		t.Fatal("a preview did not show")
	}
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("watchers were not told a preview expired")
	}
	if got := e.Previews("d1"); len(got) != 0 {
		t.Errorf("an expired preview still shows: %v", got)
	}
	e.previews.mu.Lock()
	held, drafts := e.previews.held, len(e.previews.drafts)
	e.previews.mu.Unlock()
	if held != 0 || drafts != 0 {
		t.Errorf("after expiry the table holds %d bytes in %d drafts", held, drafts)
	}
	// Received previews live PreviewTTL whatever the sender claims: the
	// frame carries no time to live at all.
	c := &conversation{e: e, remote: "peer", byIndex: map[int]*draftSession{0: {id: "d1"}}}
	if err := c.receivePreviews(appendPreview(nil, 0, "", 1, []byte("p"), true)); err != nil {
		t.Fatal(err)
	}
	if got := e.Previews("d1"); len(got) != 1 || got[0].Expires.After(time.Now().Add(PreviewTTL)) || got[0].Origin != "peer" {
		t.Errorf("received preview %+v", got)
	}
}

// handRolled is a peer that proves access to d1 by hand and then sends
// what the test makes, reading and dropping whatever comes back.
func handRolled(t *testing.T, conn net.Conn, self, other string, lib *memLib) *wire.Conn {
	t.Helper()
	w := newWireConn(conn)
	w.WritePreamble()
	nonce := newNonce()
	w.WriteFrame(frameOf(frameHello, nonce))
	if err := w.ReadPreamble(); err != nil {
		t.Fatal(err)
	}
	hello, err := w.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	acc, _ := lib.Access(context.Background())
	offers := []offer{{tag: sessionTag(acc[0], self, other, nonce, hello.Payload), proof: proof(acc[0], self, other, nonce, hello.Payload)}}
	w.WriteFrame(frameOf(frameOffer, encodeOffers(offers)))
	if _, err := w.ReadFrame(); err != nil { // their offer
		t.Fatal(err)
	}
	go func() {
		for {
			if _, err := w.ReadFrame(); err != nil {
				return
			}
		}
	}()
	return w
}

// TestHostilePreviewFrames: a preview frame that does not decode, or is
// over its bounds, ends that connection as a malformed frame and keeps
// nothing of it; the victim's other live session goes on carrying
// previews and its draft is untouched. A flood of origins in well-formed
// frames is held to maxOrigins.
func TestHostilePreviewFrames(t *testing.T) {
	entry := func(origin string, seq uint64, data []byte) []byte {
		return appendPreview(nil, 0, origin, seq, data, false)
	}
	cases := map[string][]byte{
		"cut in its data":              entry("", 1, []byte("abcdef"))[:6],
		"data over the bound":          entry("", 1, make([]byte, MaxPreviewData+1)),
		"last data over the bound":     appendPreview(nil, 0, "", 1, make([]byte, MaxPreviewData+1), true),
		"origin over the bound":        entry(strings.Repeat("o", maxOriginLen+1), 1, []byte("x")),
		"length past the end":          {1, 0, 0, 0x80, 0x01, 'x'},
		"frame over the bound":         bytes.Repeat(entry("", 1, make([]byte, 1000)), maxPreviewFrame/1000+2),
		"seq cut short":                {0x80},
		"a good entry, then a cut one": append(entry("", 1, []byte("good")), 2, 0, 5, 'o'),
	}
	base := baseDraft(t)
	secret := NewSecret()
	victim, friend := newPeer("victim"), newPeer("friend")
	dv := victim.lib.add(t, "d1", base, secret)
	friend.lib.add(t, "d1", base, secret)
	live(t, friend, victim)
	heads := dv.Heads()
	for name, payload := range cases {
		t.Run(name, func(t *testing.T) {
			hostile := newPeer("hostile")
			hostile.lib.add(t, "d1", base, secret)
			x, y := net.Pipe()
			defer x.Close()
			res := make(chan error, 1)
			go func() { _, err := victim.eng.Answer(context.Background(), y, "hostile"); y.Close(); res <- err }()
			w := handRolled(t, x, "hostile", "victim", hostile.lib)
			if err := w.WriteFrame(frameOf(framePreview, payload)); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-res:
				if !errors.Is(err, wire.ErrMalformed) {
					t.Errorf("the session ended with %v, want a malformed frame", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the victim kept a session whose preview frame was malformed")
			}
			for _, p := range victim.eng.Previews("d1") {
				if p.Origin != "friend" {
					t.Errorf("kept %q from a malformed frame", p.Origin)
				}
			}
			// The friend's session still carries previews.
			friend.eng.SetPreview("d1", []byte(name))
			previewing(t, victim, "friend="+name)
		})
	}
	if !slicesEqual(dv.Heads(), heads) {
		t.Error("hostile previews changed the draft")
	}

	// A flood: 1,000 origins in well-formed frames.
	hostile := newPeer("hostile")
	hostile.lib.add(t, "d1", base, secret)
	x, y := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	ended := make(chan struct{})
	go func() { victim.eng.Answer(ctx, y, "hostile"); y.Close(); close(ended) }()
	w := handRolled(t, x, "hostile", "victim", hostile.lib)
	for i := range 1000 {
		w.WriteFrame(frameOf(framePreview, entry(fmt.Sprintf("origin-%04d", i), 1, []byte("flood"))))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		victim.eng.previews.mu.Lock()
		n := len(victim.eng.previews.drafts["d1"])
		victim.eng.previews.mu.Unlock()
		if n == maxOrigins {
			break
		}
		if n > maxOrigins || time.Now().After(deadline) {
			t.Fatalf("%d origins held, want %d", n, maxOrigins)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	x.Close()
	<-ended
}

// TestPreviewsHeldAreBounded: many drafts' previews together stay within
// maxPreviewHeld; what expires makes room.
func TestPreviewsHeldAreBounded(t *testing.T) {
	tab := presenceTable{maxHeld: maxPreviewHeld}
	now := time.Now()
	data := bytes.Repeat([]byte("x"), MaxPreviewData)
	refused := 0
	for d := range 100 {
		for o := range 40 {
			if !tab.update(fmt.Sprintf("d%d", d), PresenceEntry{Origin: fmt.Sprint(o), Seq: 1, Data: data, Expires: now.Add(time.Second)}, now) {
				refused++
			}
		}
	}
	if tab.held > maxPreviewHeld || refused == 0 {
		t.Errorf("%d bytes held after %d refusals; the bound is %d", tab.held, refused, maxPreviewHeld)
	}
	later := now.Add(2 * time.Second)
	if !tab.update("new", PresenceEntry{Origin: "o", Seq: 1, Data: data, Expires: later.Add(time.Second)}, later) {
		t.Error("expired previews did not make room")
	}
	if tab.held != MaxPreviewData+1 {
		t.Errorf("%d bytes held after the others expired", tab.held)
	}
}

// FuzzPreviewFrame: whatever a peer sends, a frame either decodes whole
// or is refused, and the entries it yields keep no more bytes than it
// carried.
func FuzzPreviewFrame(f *testing.F) {
	f.Add(appendPreview(appendPreview(nil, 0, "", 7, []byte("typing"), false), 1, "peerC", 3, nil, true))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		kept := 0
		err := eachPreview(b, func(index int, origin []byte, seq uint64, data []byte) {
			kept += len(origin) + len(data)
			if len(origin) > maxOriginLen || len(data) > MaxPreviewData || index > maxOffers {
				t.Fatalf("an entry over its bounds: %d, %d, %d", len(origin), len(data), index)
			}
		})
		if err != nil {
			return
		}
		if kept > len(b) {
			t.Fatalf("%d bytes kept from %d sent", kept, len(b))
		}
	})
}
