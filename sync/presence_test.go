package docsync

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// live runs a live session between a (calling) and b (answering, as a
// relay does) until the test ends, or until end, which returns what a's
// side counted, for a test that looks at what was sent.
func live(t *testing.T, a, b *peer) (end func() Stats) {
	t.Helper()
	x, y := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	answered := make(chan struct{})
	ran := make(chan Stats, 1)
	go func() { b.eng.Answer(ctx, y, a.id); y.Close(); close(answered) }()
	go func() { st, _ := a.eng.Run(ctx, x, b.id, false); x.Close(); ran <- st }()
	end = sync.OnceValue(func() Stats { cancel(); x.Close(); y.Close(); <-answered; return <-ran })
	t.Cleanup(func() { end() })
	return end
}

// present waits until who sees exactly the data wanted (sorted by
// origin) in draft d1.
func present(t *testing.T, who *peer, want ...string) {
	t.Helper()
	seeing(t, who, "presence", who.eng.Presence, func(p PresenceEntry) string { return string(p.Data) }, want)
}

// seeing waits until who's table (entries: Presence or Previews) holds
// exactly want in draft d1, sorted by origin, each entry as show writes
// it. Both tables reach a peer some time after they are set, so a test
// waits for them rather than looks.
func seeing(t *testing.T, who *peer, what string, entries func(draft string) []PresenceEntry, show func(PresenceEntry) string, want []string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var got []string
		for _, p := range entries("d1") {
			got = append(got, show(p))
		}
		if strings.Join(got, ",") == strings.Join(want, ",") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s sees %s %q, want %q", who.id, what, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPresenceThroughARelay: two windows connected only to a relay see
// each other's presence as it changes, not their own; the relay passes it
// on without a window of its own; a window that leaves is gone at once;
// and nothing of it reaches the draft.
func TestPresenceThroughARelay(t *testing.T) {
	base := baseDraft(t)
	secret := NewSecret()
	a, b, r := newPeer("peerA"), newPeer("peerB"), newPeer("relay")
	da := a.lib.add(t, "d1", base, secret)
	a.lib.add(t, "d2", base, NewSecret()) // not shared with B: its presence stays here
	b.lib.add(t, "d1", base, secret)
	r.lib.add(t, "d1", base, secret)
	heads := da.Heads()
	live(t, a, r)
	live(t, b, r)
	if err := a.eng.SetPresence("d1", []byte("Amina in 1.2")); err != nil {
		t.Fatal(err)
	}
	a.eng.SetPresence("d2", []byte("Amina elsewhere"))
	present(t, b, "Amina in 1.2")
	present(t, r, "Amina in 1.2")
	present(t, a) // not her own
	b.eng.SetPresence("d1", []byte("Bruno in 3.1"))
	present(t, a, "Bruno in 3.1")
	a.eng.SetPresence("d1", []byte("Amina in 2.4"))
	present(t, b, "Amina in 2.4")
	// A heartbeat does not change what others see.
	a.eng.Heartbeat()
	present(t, b, "Amina in 2.4")
	a.eng.SetPresence("d1", nil) // Amina closes the draft
	present(t, b)
	if got := b.eng.Presence("d2"); len(got) != 0 {
		t.Errorf("presence of a draft B does not share reached it: %v", got)
	}
	if !slicesEqual(da.Heads(), heads) {
		t.Error("presence changed the draft")
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

// TestPresenceExpires: an entry lives for its time to live, and a peer
// cannot claim longer than the cap.
func TestPresenceExpires(t *testing.T) {
	var tab presenceTable
	now := time.Now()
	tab.update("d1", PresenceEntry{Origin: "x", Seq: 1, Data: []byte("x"), Expires: now.Add(time.Second)}, now)
	if len(tab.live("d1", now)) != 1 || len(tab.live("d1", now.Add(2*time.Second))) != 0 {
		t.Error("an entry did not expire with its time to live")
	}
	es, err := decodePresence(encodePresence([]PresenceEntry{{Origin: "y", Seq: 2, Data: []byte("y"), Expires: now.Add(24 * time.Hour)}}, now), now)
	if err != nil || len(es) != 1 || es[0].Expires.After(now.Add(maxPresenceTTL)) {
		t.Errorf("a day-long claim: %v %v", es, err)
	}
	// An older announcement does not replace a newer one.
	tab.update("d1", PresenceEntry{Origin: "z", Seq: 5, Data: []byte("new"), Expires: now.Add(time.Minute)}, now)
	tab.update("d1", PresenceEntry{Origin: "z", Seq: 4, Data: []byte("old"), Expires: now.Add(time.Minute)}, now)
	if e := tab.live("d1", now); len(e) != 1 || string(e[0].Data) != "new" {
		t.Errorf("a replayed announcement won: %v", e)
	}
}

// TestHostilePresence: oversized fields and frames are refused, and a
// flood of origins is held to maxOrigins.
func TestHostilePresence(t *testing.T) {
	now := time.Now()
	big := encodePresence([]PresenceEntry{{Origin: "x", Seq: 1, Data: bytes.Repeat([]byte("a"), MaxPresenceData+1), Expires: now}}, now)
	if _, err := decodePresence(big, now); err == nil {
		t.Error("data over the limit was accepted")
	}
	long := encodePresence([]PresenceEntry{{Origin: strings.Repeat("o", maxOriginLen+1), Seq: 1, Expires: now}}, now)
	if _, err := decodePresence(long, now); err == nil {
		t.Error("an origin over the limit was accepted")
	}
	if _, err := decodePresence([]byte{0x05, 'a'}, now); err == nil {
		t.Error("a cut entry was accepted")
	}
	var tab presenceTable
	for i := range maxOrigins + 50 {
		tab.update("d1", PresenceEntry{Origin: strings.Repeat("o", i%100) + string(rune('A'+i/100)), Seq: 1, Data: []byte("x"), Expires: now.Add(time.Minute)}, now)
	}
	if n := len(tab.live("d1", now)); n != maxOrigins {
		t.Errorf("%d origins held", n)
	}
	c := &conversation{e: New(newMemLib(), "me", nil), byIndex: map[int]*draftSession{}}
	if err := c.receivePresence(make([]byte, maxPresenceFrame+1)); err == nil {
		t.Error("an oversized presence frame was accepted")
	}
}

// FuzzDecodePresence: whatever a peer sends, decoding keeps no more than
// it was sent (bytes of data and origins within the input), and never
// claims more than maxPresenceTTL.
func FuzzDecodePresence(f *testing.F) {
	now := time.Now()
	f.Add(encodePresence([]PresenceEntry{{Origin: "peer", Seq: 3, Data: []byte(`{"n":"Amina"}`), Expires: now.Add(PresenceTTL)}}, now))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := decodePresence(b, now)
		if err != nil {
			return
		}
		kept := 0
		for _, e := range es {
			kept += len(e.Origin) + len(e.Data)
			if e.Expires.After(now.Add(maxPresenceTTL)) {
				t.Fatalf("an entry lives %v", e.Expires.Sub(now))
			}
		}
		if kept > len(b) {
			t.Fatalf("%d bytes kept from %d sent", kept, len(b))
		}
	})
}
