package p2p

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/sec"
)

// writesConn records each write that reaches it: what Noise would seal
// as one message.
type writesConn struct {
	sec.SecureConn
	mu     sync.Mutex
	writes [][]byte
	fail   error
	closed bool
	stuck  chan struct{} // when set, writes wait for Close (a peer that reads nothing)
}

func (w *writesConn) SetWriteDeadline(time.Time) error { return nil }

func (w *writesConn) Write(b []byte) (int, error) {
	if w.stuck != nil {
		<-w.stuck
		return 0, errors.New("closed")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail != nil {
		return 0, w.fail
	}
	w.writes = append(w.writes, bytes.Clone(b))
	return len(b), nil
}

func (w *writesConn) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stuck != nil && !w.closed {
		close(w.stuck)
	}
	w.closed = true
	return nil
}

// TestCloseWhileAFlushIsStuck: a peer that reads nothing holds the flush
// in its write; Close does not wait for it, it closes the connection,
// which ends the write.
func TestCloseWhileAFlushIsStuck(t *testing.T) {
	under := &writesConn{stuck: make(chan struct{})}
	c := &batchedConn{SecureConn: under}
	if _, err := c.Write([]byte("goaway")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the flush is under way, stuck
	done := make(chan struct{})
	go func() { c.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited on a stuck flush")
	}
	if _, err := c.Write([]byte("more")); err == nil {
		t.Error("a write after Close succeeded")
	}
}

func (w *writesConn) got() [][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writes
}

func TestWritesInABurstGoAsOne(t *testing.T) {
	under := &writesConn{}
	c := &batchedConn{SecureConn: under}
	for _, frame := range []string{"syn", "hello", "openings"} {
		if _, err := c.Write([]byte(frame)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(under.got()) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if w := under.got(); len(w) != 1 || string(w[0]) != "synhelloopenings" {
		t.Fatalf("writes %q", w)
	}

	// More than batchMax goes out at once, in order, with what was held.
	if _, err := c.Write([]byte("ack")); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte{'x'}, batchMax+1)
	if _, err := c.Write(big); err != nil {
		t.Fatal(err)
	}
	if w := under.got(); len(w) != 3 || string(w[1]) != "ack" || !bytes.Equal(w[2], big) {
		t.Fatalf("%d writes after the large one", len(w))
	}

	// Close sends what is held before closing.
	if _, err := c.Write([]byte("bye")); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if w := under.got(); len(w) != 4 || string(w[3]) != "bye" || !under.closed {
		t.Fatalf("after close: %d writes, closed %v", len(w), under.closed)
	}
}

func TestAFailedBatchFailsTheWritesAfterIt(t *testing.T) {
	broken := errors.New("link down")
	under := &writesConn{fail: broken}
	c := &batchedConn{SecureConn: under}
	if _, err := c.Write([]byte("frame")); err != nil {
		t.Fatal(err) // held, not yet sent
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := c.Write([]byte("next"))
		if errors.Is(err, broken) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("writes after a failed batch: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
}
