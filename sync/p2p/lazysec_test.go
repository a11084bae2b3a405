package p2p

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/peer"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	manet "github.com/multiformats/go-multiaddr/net"
)

// TestEchoedConnChecksTheRealEcho: the dialer reads the echo it expects
// at once; the listener's real answer is checked when it comes, and
// anything but the echo ("na": it does not speak Noise) fails the read.
func TestEchoedConnChecksTheRealEcho(t *testing.T) {
	for _, tc := range []struct {
		name, answer string
		err          error
	}{
		{"echo", string(securityProposal) + "then Noise", nil},
		{"na", string(securityProposal[:19]) + "\x03na\n", errNoNoise},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dial, listen := net.Pipe()
			defer dial.Close()
			go func() {
				defer listen.Close()
				buf := make([]byte, len(securityProposal))
				io.ReadFull(listen, buf)
				listen.Write([]byte(tc.answer))
			}()
			mc, err := manet.WrapNetConn(&addrConn{dial})
			if err != nil {
				t.Fatal(err)
			}
			c := newEchoedConn(mc)
			c.Write(securityProposal)
			echo := make([]byte, len(securityProposal))
			if _, err := io.ReadFull(c, echo); err != nil || string(echo) != string(securityProposal) {
				t.Fatalf("the echo read: %q %v", echo, err)
			}
			rest := make([]byte, 32)
			n, err := c.Read(rest)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Errorf("after an %q: %d bytes, %v", tc.name, n, err)
				}
				return
			}
			if err != nil || string(rest[:n]) != "then Noise" {
				t.Errorf("after the echo: %q %v", rest[:n], err)
			}
		})
	}
}

// addrConn gives a pipe TCP addresses, which manet needs.
type addrConn struct{ net.Conn }

func (addrConn) LocalAddr() net.Addr  { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }
func (addrConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2} }

// TestDialingAPeerWithoutNoise: a peer that offers only TLS is dialed, its
// "na" read where the echo was expected, and the dial fails at once with
// that, instead of hanging in a handshake.
func TestDialingAPeerWithoutNoise(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"), libp2p.Security(libp2ptls.ID, libp2ptls.New))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	m := newMachine(t, "Amina")
	start := time.Now()
	err = m.node.host.Connect(ctx, peer.AddrInfo{ID: h.ID(), Addrs: h.Addrs()})
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("dialing a TLS-only peer: %v after %v", err, time.Since(start))
	}
	// A peer with libp2p's defaults (Noise among its offers) is reached.
	d, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := m.node.host.Connect(ctx, peer.AddrInfo{ID: d.ID(), Addrs: d.Addrs()}); err != nil {
		t.Errorf("dialing a default libp2p peer: %v", err)
	}
}
