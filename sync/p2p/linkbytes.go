package p2p

import (
	"sync"
	"sync/atomic"

	"github.com/libp2p/go-libp2p/core/network"
	manet "github.com/multiformats/go-multiaddr/net"
	"github.com/quic-go/quic-go"
)

// A participant on a metered link pays for what the link carries, not for
// what our sync stream says: the handshakes, libp2p's framing, Noise's
// tags, QUIC's packets and acknowledgements count too. TCP connections are
// counted at their socket (everything above TCP/IP); QUIC connections by
// quic-go, whose counts include its retransmissions and leave out the
// UDP/IP headers, as TCP's leave out TCP/IP's.

// LinkBytes is what connections carried on the link, each way.
type LinkBytes struct{ Sent, Received int64 }

// Add returns the sum of two counts.
func (b LinkBytes) Add(o LinkBytes) LinkBytes {
	return LinkBytes{b.Sent + o.Sent, b.Received + o.Received}
}

// Sub returns b less o.
func (b LinkBytes) Sub(o LinkBytes) LinkBytes {
	return LinkBytes{b.Sent - o.Sent, b.Received - o.Received}
}

// meter counts the bytes of a node's TCP connections, in all and per
// connection (by its two addresses, which libp2p's connection also has).
type meter struct {
	sent, received atomic.Int64

	mu    sync.Mutex // Protects conns.
	conns map[string]*connBytes
}

type connBytes struct{ sent, received atomic.Int64 }

func connKey(local, remote string) string { return local + " " + remote }

// count wraps a TCP connection so that its bytes are counted.
func (m *meter) count(c manet.Conn) manet.Conn {
	key := connKey(c.LocalMultiaddr().String(), c.RemoteMultiaddr().String())
	cb := &connBytes{}
	m.mu.Lock()
	if m.conns == nil {
		m.conns = map[string]*connBytes{}
	}
	m.conns[key] = cb
	m.mu.Unlock()
	return &countedConn{Conn: c, m: m, c: cb, key: key}
}

// reader returns a function that tells what the connection has carried
// so far, still after it closed; nil if it is not counted.
func (m *meter) reader(c network.Conn) func() LinkBytes {
	var q *quic.Conn
	if c.As(&q) {
		return func() LinkBytes {
			st := q.ConnectionStats()
			return LinkBytes{int64(st.BytesSent), int64(st.BytesReceived)}
		}
	}
	m.mu.Lock()
	cb := m.conns[connKey(c.LocalMultiaddr().String(), c.RemoteMultiaddr().String())]
	m.mu.Unlock()
	if cb == nil {
		return nil
	}
	return func() LinkBytes { return LinkBytes{cb.sent.Load(), cb.received.Load()} }
}

// quicClosed adds up QUIC connections as they close, so that the node's
// total keeps them.
type quicClosed struct {
	network.NoopNotifiee
	sent, received atomic.Int64
}

func (qc *quicClosed) Disconnected(_ network.Network, c network.Conn) {
	var q *quic.Conn
	if c.As(&q) {
		st := q.ConnectionStats()
		qc.sent.Add(int64(st.BytesSent))
		qc.received.Add(int64(st.BytesReceived))
	}
}

// LinkBytes returns what this node's connections have carried since it
// started, both transports, the open ones so far.
func (n *Node) LinkBytes() LinkBytes {
	t := LinkBytes{n.meter.sent.Load() + n.quicDone.sent.Load(), n.meter.received.Load() + n.quicDone.received.Load()}
	for _, c := range n.host.Network().Conns() {
		var q *quic.Conn
		if c.As(&q) {
			st := q.ConnectionStats()
			t = t.Add(LinkBytes{int64(st.BytesSent), int64(st.BytesReceived)})
		}
	}
	return t
}

// countedConn is a TCP connection whose bytes are counted.
type countedConn struct {
	manet.Conn
	m    *meter
	c    *connBytes
	key  string
	once sync.Once
}

func (c *countedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.c.received.Add(int64(n))
	c.m.received.Add(int64(n))
	return n, err
}

func (c *countedConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.c.sent.Add(int64(n))
	c.m.sent.Add(int64(n))
	return n, err
}

func (c *countedConn) Close() error {
	c.once.Do(func() {
		c.m.mu.Lock()
		if c.m.conns[c.key] == c.c {
			delete(c.m.conns, c.key)
		}
		c.m.mu.Unlock()
	})
	return c.Conn.Close()
}
