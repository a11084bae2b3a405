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

// gater refuses connections from peers that were blocked, for a while:
// a peer that keeps failing to prove access to any draft is put off
// instead of being answered again and again.
type gater struct {
	mu      sync.Mutex // Protects blocked.
	blocked map[peer.ID]time.Time
}

var _ connmgr.ConnectionGater = (*gater)(nil)

func newGater() *gater { return &gater{blocked: map[peer.ID]time.Time{}} }

func (g *gater) block(p peer.ID, d time.Duration) {
	g.mu.Lock()
	g.blocked[p] = time.Now().Add(d)
	g.mu.Unlock()
}

func (g *gater) allowed(p peer.ID) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	until, ok := g.blocked[p]
	if ok && time.Now().After(until) {
		delete(g.blocked, p)
		return true
	}
	return !ok
}

func (g *gater) InterceptPeerDial(p peer.ID) bool                 { return g.allowed(p) }
func (g *gater) InterceptAddrDial(p peer.ID, _ ma.Multiaddr) bool { return g.allowed(p) }
func (g *gater) InterceptAccept(network.ConnMultiaddrs) bool      { return true }
func (g *gater) InterceptSecured(_ network.Direction, p peer.ID, _ network.ConnMultiaddrs) bool {
	return g.allowed(p)
}
func (g *gater) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }
