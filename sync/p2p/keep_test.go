package p2p

import (
	"testing"
	"time"
)

// TestBackoffAfterAWorkingSession: a relay that restarts is dialed again
// within seconds, not after the minutes a dead peer earns (issue 10: a
// window took ~23 s to come back after a relay restart).
func TestBackoffAfterAWorkingSession(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	var b backoff
	var total time.Duration
	if d := b.next(true, now); d != minBackoff {
		t.Errorf("first retry after a working session: %v", d)
	}
	for range 20 { // the relay is down for a while
		d := b.next(false, now)
		if d > recentBackoff {
			t.Fatalf("a peer in session a moment ago waits %v", d)
		}
		total += d
		now = now.Add(d)
	}
	// Long after, with no success: back to growing up to the maximum.
	now = now.Add(recentFor)
	var d time.Duration
	for range 20 {
		d = b.next(false, now)
		now = now.Add(d)
	}
	if d != maxBackoff {
		t.Errorf("a peer dead for long waits %v, want %v", d, maxBackoff)
	}
	// Never reached: grows from the start.
	var fresh backoff
	if d1, d2 := fresh.next(false, now), fresh.next(false, now); d1 != minBackoff || d2 != 2*minBackoff {
		t.Errorf("fresh: %v then %v", d1, d2)
	}
}
