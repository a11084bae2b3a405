package p2p

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/identify"
)

// identified dials to from from and says whether each side learned the
// other's agent through identify.
func identified(t *testing.T, from, to *Node) (fromLearned, toLearned bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ai := peer.AddrInfo{ID: to.host.ID(), Addrs: to.host.Addrs()}
	from.host.Peerstore().AddAddrs(ai.ID, ai.Addrs, time.Minute)
	c, err := from.host.Network().DialPeer(ctx, ai.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wait := func(n *Node, remote peer.ID) bool {
		ids := n.host.(interface{ IDService() identify.IDService }).IDService()
		for _, conn := range n.host.Network().ConnsToPeer(remote) {
			<-ids.IdentifyWait(conn)
		}
		agent, err := n.host.Peerstore().Get(remote, "AgentVersion")
		return err == nil && agent != nil
	}
	// The dialed side sees the connection a moment after the dialer.
	deadline := time.Now().Add(5 * time.Second)
	for len(to.host.Network().ConnsToPeer(from.host.ID())) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return wait(from, to.host.ID()), wait(to, from.host.ID())
}

// TestNoIdentifyBetweenParticipantAndRelay: neither side of a connection
// between a participant and a relay it knows asks the other who it is
// (1.9 KB on every dialed sync, identify.go); a relay the participant
// does not know yet still answers, and co-authors identify each other.
func TestNoIdentifyBetweenParticipantAndRelay(t *testing.T) {
	dir := t.TempDir()
	key, err := LoadKey(filepath.Join(dir, "relay.key"))
	if err != nil {
		t.Fatal(err)
	}
	rl, err := New(Config{Key: key, Listen: []string{"/ip4/127.0.0.1/tcp/0"}, RelayService: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer rl.Close()
	a, b := newMachine(t, "Amina"), newMachine(t, "Bruno")

	a.node.remember(rl.host.ID(), BlobsProtocolID)
	if aLearned, rlLearned := identified(t, a.node, rl); aLearned || rlLearned {
		t.Errorf("identify ran between a participant and its relay: participant learned %v, relay learned %v", aLearned, rlLearned)
	}
	if bLearned, rlLearned := identified(t, b.node, rl); !bLearned || rlLearned {
		t.Errorf("a participant new to the relay learned its agent: %v (want true); the relay learned the participant's: %v (want false)", bLearned, rlLearned)
	}
	if aLearned, bLearned := identified(t, a.node, b.node); !aLearned || !bLearned {
		t.Errorf("co-authors identified each other: %v, %v", aLearned, bLearned)
	}
}
