package p2p

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

func TestTCPIsRankedFirst(t *testing.T) {
	addrs := []ma.Multiaddr{
		ma.StringCast("/ip4/198.51.100.7/udp/4001/quic-v1"),
		ma.StringCast("/ip4/198.51.100.7/tcp/4001"),
		ma.StringCast("/ip4/203.0.113.1/tcp/4001/p2p/12D3KooWCKCeqLPSgMnDjyFsJuWqREDtKftx1BcjMhMGCjR2Yeyb/p2p-circuit"),
		ma.StringCast("/ip6/2001:db8::7/tcp/4001"),
	}
	ranked := tcpFirst(addrs)
	if len(ranked) != len(addrs) {
		t.Fatalf("%d ranked of %d", len(ranked), len(addrs))
	}
	for i, r := range ranked {
		direct := isDirectTCP(r.Addr)
		if (i < 2) != direct {
			t.Errorf("rank %d: %s (direct TCP %v)", i, r.Addr, direct)
		}
		if !direct && r.Delay < quicAfter {
			t.Errorf("%s waits %v, less than TCP is given", r.Addr, r.Delay)
		}
	}
	// Without TCP, QUIC goes at once.
	only := tcpFirst(addrs[:1])
	if len(only) != 1 || only[0].Delay != 0 {
		t.Errorf("QUIC alone: %+v", only)
	}
}

// connectedOver dials b from a with the addresses given and says over
// which transport the connection came up.
func connectedOver(t *testing.T, a, b *machine, addrs []ma.Multiaddr) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.node.host.Connect(ctx, peer.AddrInfo{ID: b.node.host.ID(), Addrs: addrs}); err != nil {
		t.Fatal(err)
	}
	conns := a.node.host.Network().ConnsToPeer(b.node.host.ID())
	if len(conns) != 1 {
		t.Fatalf("%d connections", len(conns))
	}
	defer conns[0].Close()
	if isDirectTCP(conns[0].RemoteMultiaddr()) {
		return "tcp"
	}
	return "quic"
}

// TestPeersAreDialedOverTCPFirst: a co-author who listens on both is
// reached over TCP and only one connection is made; one whose TCP port
// does not answer is reached over QUIC, without waiting out quicAfter.
func TestPeersAreDialedOverTCPFirst(t *testing.T) {
	both := []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"}
	a, b := newMachine(t, "Amina", both...), newMachine(t, "Bruno", both...)
	if got := connectedOver(t, a, b, b.node.host.Addrs()); got != "tcp" {
		t.Errorf("dialed over %s", got)
	}

	// A TCP port where nothing listens any more: refused at once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ma.StringCast("/ip4/127.0.0.1/tcp/" + strings.Split(ln.Addr().String(), ":")[1])
	ln.Close()
	addrs := []ma.Multiaddr{dead}
	for _, x := range b.node.host.Addrs() {
		if !isDirectTCP(x) {
			addrs = append(addrs, x)
		}
	}
	c := newMachine(t, "Chen", both...)
	start := time.Now()
	if got := connectedOver(t, c, b, addrs); got != "quic" {
		t.Errorf("dialed over %s", got)
	}
	if d := time.Since(start); d >= quicAfter {
		t.Errorf("QUIC waited %v after TCP was refused", d)
	}
}

// TestBothEndsCountTheLink: the bytes of a TCP connection are counted by
// the node that dialed it and by the one that accepted it, the same.
func TestBothEndsCountTheLink(t *testing.T) {
	a, b := newMachine(t, "Amina"), newMachine(t, "Bruno")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := a.node.host.Connect(ctx, peer.AddrInfo{ID: b.node.host.ID(), Addrs: b.node.host.Addrs()}); err != nil {
		t.Fatal(err)
	}
	var in []LinkBytes
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		conns := b.node.host.Network().ConnsToPeer(a.node.host.ID())
		if len(conns) == 1 {
			if read := b.node.meter.reader(conns[0]); read != nil {
				in = append(in, read())
				if in[len(in)-1].Received > 0 {
					break
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(in) == 0 || in[len(in)-1].Received == 0 || b.node.LinkBytes().Received == 0 {
		t.Fatalf("the accepting node counted %v, in all %+v", in, b.node.LinkBytes())
	}
	out := a.node.meter.reader(a.node.host.Network().ConnsToPeer(b.node.host.ID())[0])
	if out == nil || out().Sent == 0 {
		t.Fatal("the dialing node counted nothing")
	}
}
