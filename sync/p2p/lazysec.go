package p2p

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"sync"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/transport"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	"github.com/libp2p/go-libp2p/p2p/transport/tcpreuse"
	manet "github.com/multiformats/go-multiaddr/net"
)

// A dialed TCP connection agrees on its security protocol with
// multistream-select before the handshake: the dialer proposes /noise and
// waits for the listener to echo it, a round trip (two flights, 0.8 s on
// a slow link) before Noise's first message. Noise is the only protocol
// either side offers (node.go), so the echo can only be /noise: the
// dialer here reads the echo it expects at once, sends Noise's first
// message in the same flight as its proposal, and checks the real echo
// when it comes. A listener that answers anything else (an "na") fails
// the connection, as it would have, a round trip later. The listener's
// side is libp2p's, unchanged.

// lazySecurity wraps libp2p's upgrader for outbound TCP connections, and
// counts every TCP connection's bytes (linkbytes.go).
type lazySecurity struct {
	transport.Upgrader
	m *meter
}

func (u lazySecurity) Upgrade(ctx context.Context, t transport.Transport, c manet.Conn, dir network.Direction, p peer.ID, scope network.ConnManagementScope) (transport.CapableConn, error) {
	c = u.m.count(c)
	if dir == network.DirOutbound {
		c = newEchoedConn(c)
	}
	return u.Upgrader.Upgrade(ctx, t, c, dir, p, scope)
}

// UpgradeGatedMaListener counts the bytes of the connections the
// listener accepts too: libp2p's listener upgrades them itself, never
// through Upgrade.
func (u lazySecurity) UpgradeGatedMaListener(t transport.Transport, l transport.GatedMaListener) transport.Listener {
	return u.Upgrader.UpgradeGatedMaListener(t, countedListener{l, u.m})
}

// countedListener is a listener whose accepted connections are counted.
type countedListener struct {
	transport.GatedMaListener
	m *meter
}

func (l countedListener) Accept() (manet.Conn, network.ConnManagementScope, error) {
	c, scope, err := l.GatedMaListener.Accept()
	if err != nil {
		return c, scope, err
	}
	return l.m.count(c), scope, nil
}

// tcpCounted returns the constructor of the TCP transport with
// lazySecurity, for libp2p.Transport.
func tcpCounted(m *meter) func(transport.Upgrader, network.ResourceManager, *tcpreuse.ConnMgr) (*tcp.TcpTransport, error) {
	return func(u transport.Upgrader, rcmgr network.ResourceManager, shared *tcpreuse.ConnMgr) (*tcp.TcpTransport, error) {
		return tcp.NewTCPTransport(lazySecurity{u, m}, rcmgr, shared)
	}
}

// securityProposal is what multistream-select writes to propose Noise,
// and what the listener echoes: the protocol's header, then /noise, each
// length-prefixed and ending in a newline.
var securityProposal = func() []byte {
	var b []byte
	for _, m := range []string{"/multistream/1.0.0", string(noise.ID)} {
		b = binary.AppendUvarint(b, uint64(len(m)+1))
		b = append(append(b, m...), '\n')
	}
	return b
}()

// errNoNoise says the listener did not echo the Noise proposal.
var errNoNoise = errors.New("the peer did not agree to Noise")

// echoedConn answers the dialer's proposal with the echo it expects,
// then drops the real echo from what it reads, after checking it.
type echoedConn struct {
	manet.Conn
	mu      sync.Mutex // Protects the fields below.
	fake    []byte     // the expected echo, not yet read by the dialer
	pending []byte     // the real echo, not yet checked
	err     error
}

func newEchoedConn(c manet.Conn) *echoedConn {
	return &echoedConn{Conn: c, fake: bytes.Clone(securityProposal), pending: bytes.Clone(securityProposal)}
}

func (c *echoedConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	if len(c.fake) > 0 {
		n := copy(b, c.fake)
		c.fake = c.fake[n:]
		c.mu.Unlock()
		return n, nil
	}
	if c.err != nil {
		c.mu.Unlock()
		return 0, c.err
	}
	pending := c.pending
	c.mu.Unlock()
	if len(pending) > 0 {
		// The real echo, compared as it comes: an "na" is shorter.
		got := make([]byte, len(pending))
		for k := 0; k < len(got); {
			n, err := c.Conn.Read(got[k:])
			k += n
			if !bytes.Equal(got[:k], pending[:k]) {
				err = errNoNoise
			}
			if err != nil {
				c.mu.Lock()
				c.err = err
				c.mu.Unlock()
				return 0, err
			}
		}
		c.mu.Lock()
		c.pending = nil
		c.mu.Unlock()
	}
	return c.Conn.Read(b)
}
