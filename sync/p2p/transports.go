package p2p

import (
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	ma "github.com/multiformats/go-multiaddr"
)

// TCP first, QUIC when TCP does not connect. libp2p's own ranking dials
// QUIC first; on a slow, lossy link (bpfbench lowband: 32 kbit/s, 400 ms
// one way, 3 % loss) QUIC cost 25 times TCP's bytes for a dialed sync of
// a 20-character edit (66.7 KB against 2.6 KB: padded initial packets,
// TLS certificates, acknowledgements, probes and their losses) and 5
// times for a day's work kept open; on a fast link TCP costs one round
// trip more to set up, which no one sees. A participant cannot know which
// link it is on before it dials, so TCP goes first everywhere; QUIC stays
// for peers that have no TCP address or whose TCP does not answer, and
// for hole punching, whose simultaneous dials libp2p makes without any
// ranking (docs/BENCHMARKS.md, issue 26).

// quicAfter is how long QUIC waits for TCP to connect: longer than TCP's
// handshake and Noise's take on a slow link (three flights of 400 ms and
// more), so that a TCP connection on its way is not doubled by QUIC's.
// When every TCP dial has failed, libp2p dials what is left at once.
const quicAfter = 3 * time.Second

// tcpFirst ranks a peer's addresses: its TCP ones as libp2p would, then
// the rest (QUIC, relayed circuits) as libp2p would, quicAfter later.
func tcpFirst(addrs []ma.Multiaddr) []network.AddrDelay {
	var tcp, rest []ma.Multiaddr
	for _, a := range addrs {
		if isDirectTCP(a) {
			tcp = append(tcp, a)
		} else {
			rest = append(rest, a)
		}
	}
	out := swarm.DefaultDialRanker(tcp)
	later := swarm.DefaultDialRanker(rest)
	for i := range later {
		if len(tcp) > 0 {
			later[i].Delay += quicAfter
		}
	}
	return append(out, later...)
}

// isDirectTCP says whether a is plain TCP to the peer itself: not a
// circuit through a relay (whose address starts with the relay's TCP
// one), not a WebSocket.
func isDirectTCP(a ma.Multiaddr) bool {
	direct := true
	tcp := false
	ma.ForEach(a, func(c ma.Component) bool {
		switch c.Protocol().Code {
		case ma.P_TCP:
			tcp = true
		case ma.P_CIRCUIT, ma.P_WS, ma.P_WSS, ma.P_TLS:
			direct = false
		}
		return true
	})
	return tcp && direct
}
