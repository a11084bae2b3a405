package p2p

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Backoff bounds for reconnecting to a peer: a link that keeps failing is
// retried less and less often, so a participant on a costly connection
// does not pay for a dead peer. A peer that was in session within the
// last hour (a relay restarting or down for maintenance, a laptop's Wi-Fi
// coming back) is retried every recentBackoff, so the session is back
// within about 5 s of the peer's return: a refused dial costs a few
// hundred bytes, about 200 KB in an hour of outage. After an hour without
// it, retries thin out to maxBackoff.
const (
	minBackoff    = 500 * time.Millisecond
	maxBackoff    = 5 * time.Minute
	recentBackoff = 4 * time.Second
	recentFor     = time.Hour
)

// backoff paces reconnections to one peer.
type backoff struct {
	wait     time.Duration
	lastGood time.Time // when a session last ended after working
}

// next returns how long to wait after a session that ended at now; good
// says it had shared drafts with the peer.
func (b *backoff) next(good bool, now time.Time) time.Duration {
	if good {
		b.wait, b.lastGood = minBackoff, now
	}
	if b.wait == 0 {
		b.wait = minBackoff
	}
	d := b.wait
	limit := maxBackoff
	if !b.lastGood.IsZero() && now.Sub(b.lastGood) < recentFor {
		limit = recentBackoff
	}
	if b.wait *= 2; b.wait > limit {
		b.wait = limit
	}
	return min(d, limit)
}

// Keep holds a live sync session with the peer until ctx ends,
// reconnecting after failures with exponential backoff and jitter. report
// is called after every session.
func (n *Node) Keep(ctx context.Context, ai peer.AddrInfo, report func(Result)) {
	var b backoff
	for ctx.Err() == nil {
		r := n.SyncPeer(ctx, ai, false)
		if report != nil {
			report(r)
		}
		if ctx.Err() != nil {
			return
		}
		wait := b.next(len(r.Stats.Drafts) > 0, time.Now())
		d := wait/2 + rand.N(wait/2+1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
	}
}
