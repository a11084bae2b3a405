package p2p

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

func newPeerID(t *testing.T) peer.ID {
	t.Helper()
	_, pub, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestGaterPausesInboundOnlyAndForgives is issue 13's eighth defect: a
// failed access check paused the peer for a minute in both directions,
// so an owner with a new code could not reach the relay that had just
// refused the old one.
func TestGaterPausesInboundOnlyAndForgives(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	g := newGater()
	g.now = func() time.Time { return now }
	p := newPeerID(t)
	for i := 0; i < freeStrikes; i++ {
		if d := g.block(p); d != 0 || !g.InterceptSecured(network.DirInbound, p, nil) {
			t.Fatalf("failure %d paused the peer for %v", i+1, d)
		}
	}
	if d := g.block(p); d != firstPause {
		t.Errorf("first pause %v", d)
	}
	if !g.InterceptPeerDial(p) || !g.InterceptAddrDial(p, nil) || !g.InterceptSecured(network.DirOutbound, p, nil) {
		t.Error("a paused peer cannot be dialed")
	}
	if g.InterceptSecured(network.DirInbound, p, nil) {
		t.Error("a paused peer got in")
	}
	now = now.Add(firstPause + time.Second)
	if !g.InterceptSecured(network.DirInbound, p, nil) {
		t.Error("the pause did not end")
	}
	for i := 0; i < 20; i++ {
		g.block(p)
	}
	if d := g.block(p); d != maxPause {
		t.Errorf("the pause grew to %v", d)
	}
	g.forgive(p)
	if !g.InterceptSecured(network.DirInbound, p, nil) {
		t.Error("a forgiven peer is still paused")
	}
}

func TestGaterRemembersABoundedNumberOfPeers(t *testing.T) {
	g := newGater()
	for i := 0; i < maxBlocked+100; i++ {
		g.block(newPeerID(t))
	}
	if n := len(g.blocked); n > maxBlocked {
		t.Errorf("%d peers remembered", n)
	}
}
