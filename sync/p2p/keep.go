package p2p

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Backoff bounds for reconnecting to a peer: a link that keeps failing is
// retried less and less often, so a participant on a costly connection
// does not pay for a dead peer.
const (
	minBackoff = time.Second
	maxBackoff = 5 * time.Minute
)

// Keep holds a live sync session with the peer until ctx ends,
// reconnecting after failures with exponential backoff and jitter. report
// is called after every session.
func (n *Node) Keep(ctx context.Context, ai peer.AddrInfo, report func(Result)) {
	wait := minBackoff
	for ctx.Err() == nil {
		start := time.Now()
		r := n.SyncPeer(ctx, ai, false)
		if report != nil {
			report(r)
		}
		if ctx.Err() != nil {
			return
		}
		if time.Since(start) > maxBackoff {
			wait = minBackoff // it had been working: start over
		}
		d := wait/2 + rand.N(wait/2+1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
		if wait *= 2; wait > maxBackoff {
			wait = maxBackoff
		}
	}
}
