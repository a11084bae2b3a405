package p2p

import (
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/connmgr"
	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// gater puts off peers that connect to us and prove access to nothing:
// answering them again and again would cost every real peer. It never
// stops this node from dialing out (a relay that refused an outdated
// code must be reachable the moment the owner has a new one). The first
// failures cost nothing, so a co-author who was merely out of date and
// joins again with a new code gets straight in; from the third in a row
// the pause grows from 5 s to a minute. The map is bounded: identities
// cost nothing to make.
type gater struct {
	mu      sync.Mutex // Protects blocked.
	blocked map[peer.ID]strike
	now     func() time.Time
}

// strike is how long a peer is put off, and how often it failed.
type strike struct {
	until time.Time
	n     int
}

const (
	freeStrikes = 2 // failures in a row before any pause
	firstPause  = 5 * time.Second
	maxPause    = time.Minute
	maxBlocked  = 4096 // peers remembered; the ones whose pause ends first go first
)

var _ connmgr.ConnectionGater = (*gater)(nil)

func newGater() *gater { return &gater{blocked: map[peer.ID]strike{}, now: time.Now} }

// block counts a failure to prove access and puts the peer off, for
// longer each time past the free ones; it returns the pause.
func (g *gater) block(p peer.ID) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	s := g.blocked[p]
	s.n++
	d := time.Duration(0)
	if s.n > freeStrikes {
		d = min(firstPause<<min(s.n-freeStrikes-1, 8), maxPause)
	}
	s.until = now.Add(d)
	if _, known := g.blocked[p]; !known && len(g.blocked) >= maxBlocked {
		g.prune(now)
	}
	g.blocked[p] = s
	return d
}

// prune forgets peers whose pause ended, or if none has, the one whose
// pause ends soonest.
func (g *gater) prune(now time.Time) {
	var soonest peer.ID
	var first time.Time
	for p, s := range g.blocked {
		if now.After(s.until.Add(maxPause)) {
			delete(g.blocked, p)
			continue
		}
		if first.IsZero() || s.until.Before(first) {
			soonest, first = p, s.until
		}
	}
	if len(g.blocked) >= maxBlocked {
		delete(g.blocked, soonest)
	}
}

// forgive clears a peer's record: it proved access.
func (g *gater) forgive(p peer.ID) {
	g.mu.Lock()
	delete(g.blocked, p)
	g.mu.Unlock()
}

func (g *gater) allowedIn(p peer.ID) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	s, ok := g.blocked[p]
	return !ok || !g.now().Before(s.until)
}

func (g *gater) InterceptPeerDial(peer.ID) bool               { return true }
func (g *gater) InterceptAddrDial(peer.ID, ma.Multiaddr) bool { return true }
func (g *gater) InterceptAccept(network.ConnMultiaddrs) bool  { return true }
func (g *gater) InterceptSecured(dir network.Direction, p peer.ID, _ network.ConnMultiaddrs) bool {
	return dir != network.DirInbound || g.allowedIn(p)
}
func (g *gater) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }
