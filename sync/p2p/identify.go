package p2p

import (
	"errors"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/protocol/identify"
)

// Identify is libp2p's exchange of who a peer is and what it speaks, run
// by both sides of every new connection: about 1.9 KB a connection
// between a participant and a relay (both requests, both answers, each
// with its addresses, protocols and a signed record of the addresses),
// twice what a dialed sync of a small edit carries. Nothing a relay
// session needs comes from it: the participant proposes the relay's
// protocol without asking (SyncRelay) and the relay answers whoever
// proves access to a draft. So neither side asks, on those connections
// only; a peer still learns what a co-author speaks from identify. The
// relay still answers a client that asks, which libp2p's auto-relay needs
// before it reserves a circuit.
//
// libp2p starts identify on every connection and has no option to skip a
// peer; the resource manager, which libp2p asks before a stream may take
// a protocol, is where it can be refused. The refused stream costs its
// opening and reset frames, about 60 bytes, where identify cost 1.9 KB.

// errNotAsked is why an identify request is not made.
var errNotAsked = errors.New("identify is not run on connections between participants and relays")

// quietIdentify is a resource manager that refuses the outbound identify
// streams of peers skip says are relays (or, on a relay, of everyone).
type quietIdentify struct {
	network.ResourceManager
	skip func(peer.ID) bool
}

func (q quietIdentify) OpenStream(p peer.ID, dir network.Direction) (network.StreamManagementScope, error) {
	s, err := q.ResourceManager.OpenStream(p, dir)
	if err != nil || dir != network.DirOutbound || !q.skip(p) {
		return s, err
	}
	return noIdentifyScope{s}, nil
}

// noIdentifyScope refuses the identify protocols and takes any other.
type noIdentifyScope struct{ network.StreamManagementScope }

func (s noIdentifyScope) SetProtocol(proto protocol.ID) error {
	if proto == identify.ID || proto == identify.IDPush {
		return errNotAsked
	}
	return s.StreamManagementScope.SetProtocol(proto)
}
