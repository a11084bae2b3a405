package online

import (
	"context"
	"encoding/json"
	"testing"
)

// TestLinkBytesAddUpOverTheDay: a one-shot sync reports what its session
// carried on the link, today's count holds it, a later process (another
// `sync --once`) adds to it, and a count stored on another day is not
// today's.
func TestLinkBytesAddUpOverTheDay(t *testing.T) {
	ctx := context.Background()
	_, oa, b, dirB, _ := sharedDraft(t)
	addrA := oa.Addrs()[0]

	// A count left from another day is not today's.
	stale, _ := json.Marshal(linkDay{Day: "2001-01-01", Sent: 1 << 40, Received: 1 << 40})
	if err := b.SyncLibrary().SaveState(ctx, linkKey, "", stale); err != nil {
		t.Fatal(err)
	}
	once := func() (Result, LinkStatus) {
		t.Helper()
		ob, err := Open(b, dirB, Config{Listen: loopback})
		if err != nil {
			t.Fatal(err)
		}
		rs, err := ob.SyncOnce(ctx, []string{addrA}, 0)
		if err != nil || len(rs) != 1 {
			t.Fatalf("sync: %v (%d results)", err, len(rs))
		}
		link := ob.Link()
		if err := ob.Close(); err != nil {
			t.Fatal(err)
		}
		return rs[0], link
	}
	first, l1 := once()
	// The session dialed: its count starts with the connection, handshakes
	// and all, so it is more than what the sync stream wrote.
	if first.Link.Sent <= first.Stats.BytesOut || first.Link.Received <= first.Stats.BytesIn {
		t.Errorf("link %+v, stream out %d in %d", first.Link, first.Stats.BytesOut, first.Stats.BytesIn)
	}
	if l1.Last != first.Link || l1.Today.Sent < first.Link.Sent || l1.Today.Received < first.Link.Received {
		t.Errorf("status after the first sync: %+v, session %+v", l1, first.Link)
	}
	if l1.Today.Sent > 1<<30 {
		t.Errorf("another day's count was taken for today's: %+v", l1.Today)
	}
	second, l2 := once()
	if l2.Today.Sent < l1.Today.Sent+second.Link.Sent || l2.Today.Received < l1.Today.Received+second.Link.Received {
		t.Errorf("today's count did not add up: %+v after %+v and a session of %+v", l2.Today, l1.Today, second.Link)
	}
	var stored linkDay
	raw, err := b.SyncLibrary().LoadState(ctx, linkKey, "")
	if err != nil || json.Unmarshal(raw, &stored) != nil || stored.Day != today() || stored.Sent < l2.Today.Sent {
		t.Errorf("stored %s (%v), want today's %+v or more", raw, err, l2.Today)
	}
}
