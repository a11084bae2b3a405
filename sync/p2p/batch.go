package p2p

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/core/sec"
	"github.com/libp2p/go-libp2p/p2p/net/upgrader"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
)

// yamux writes every frame to the secure channel on its own (its write
// coalescing is switched off), and Noise seals every write as its own
// message: 2 bytes of length and a 16-byte tag each. A relay's answer to
// a dialed sync was twelve writes (the stream's acknowledgement, window
// updates, then the session's frames one by one), 216 of its 452 bytes
// framing. Writes that follow each other within batchDelay go out as
// one message here: one tag, one length, and fewer TCP segments. The
// delay is a millisecond or two of a flight that takes hundreds on the
// links this is for, and nothing on a LAN anyone would notice.
const (
	batchDelay = 2 * time.Millisecond
	batchMax   = 16 << 10 // written at once when more is held
)

// batchedNoise is libp2p's Noise whose connections batch their writes.
type batchedNoise struct{ *noise.Transport }

// newBatchedNoise is noise.New's counterpart for libp2p.Security.
func newBatchedNoise(id protocol.ID, key crypto.PrivKey, muxers []upgrader.StreamMuxer) (sec.SecureTransport, error) {
	t, err := noise.New(id, key, muxers)
	if err != nil {
		return nil, err
	}
	return batchedNoise{t}, nil
}

func (t batchedNoise) SecureInbound(ctx context.Context, c net.Conn, p peer.ID) (sec.SecureConn, error) {
	s, err := t.Transport.SecureInbound(ctx, c, p)
	if err != nil {
		return nil, err
	}
	return &batchedConn{SecureConn: s}, nil
}

func (t batchedNoise) SecureOutbound(ctx context.Context, c net.Conn, p peer.ID) (sec.SecureConn, error) {
	s, err := t.Transport.SecureOutbound(ctx, c, p)
	if err != nil {
		return nil, err
	}
	return &batchedConn{SecureConn: s}, nil
}

// batchedConn holds writes for batchDelay and sends them as one. A write
// that fails in the background fails every write after it, which ends
// the yamux session over it, as the failed write itself would have.
type batchedConn struct {
	sec.SecureConn

	mu    sync.Mutex // Protects the fields below; held while writing.
	buf   []byte
	armed bool // a flush is scheduled
	err   error
}

func (c *batchedConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	if len(c.buf)+len(b) > batchMax {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
		if len(b) > batchMax {
			n, err := c.SecureConn.Write(b)
			c.err = err
			return n, err
		}
	}
	c.buf = append(c.buf, b...)
	if !c.armed {
		c.armed = true
		time.AfterFunc(batchDelay, c.flush)
	}
	return len(b), nil
}

func (c *batchedConn) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.armed = false
	c.flushLocked()
}

func (c *batchedConn) flushLocked() error {
	if c.err != nil || len(c.buf) == 0 {
		return c.err
	}
	_, c.err = c.SecureConn.Write(c.buf)
	c.buf = c.buf[:0]
	return c.err
}

// closeFlush bounds the last flush: yamux clears the write deadline
// before it closes, and a peer that reads nothing would hold Close (and
// libp2p's connection manager, which closes under its lock) forever.
const closeFlush = time.Second

// Close sends what is held, for closeFlush at most, then closes. A write
// after it fails.
func (c *batchedConn) Close() error {
	if c.mu.TryLock() {
		c.SecureConn.SetWriteDeadline(time.Now().Add(closeFlush))
		c.flushLocked()
		if c.err == nil {
			c.err = net.ErrClosed
		}
		c.mu.Unlock()
	}
	// Else a flush is under way, stuck on the peer: closing the
	// connection ends it.
	return c.SecureConn.Close()
}
