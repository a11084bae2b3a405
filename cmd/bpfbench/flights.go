package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// flightProxy counts the flights of a TCP connection: the times data must
// cross the link one way before the next can be sent. It holds what each
// side writes until both have been quiet for a moment (they have said all
// they can say without hearing from the other), then delivers it all at
// once in both directions: one flight. On a link of one-way delay d, a
// session of n flights takes about n×d whatever its bytes, so the count is
// the session's latency, deterministic where a clock is not. TCP's own
// handshake (SYN, then SYN-ACK: two flights before the client's first byte)
// happens on loopback here and is added by whoever reports.
type flightProxy struct {
	ln     net.Listener
	target string
	quiet  time.Duration

	mu      sync.Mutex // Protects the fields below.
	cond    *sync.Cond
	pending [2][]byte // bytes read and not yet delivered: 0 up (client → server), 1 down
	last    time.Time // when the last byte was read
	flights []flight
	conns   [2]net.Conn // the accepted client side and the dialed server side
	closed  bool
	done    chan struct{} // closed when the connection is and all is delivered
}

// flight is what one flight carried each way.
type flight struct{ up, down int }

func newFlightProxy(target string, quiet time.Duration) (*flightProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &flightProxy{ln: ln, target: target, quiet: quiet, done: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	go p.accept()
	return p, nil
}

// accept proxies one connection (a dialed session opens one).
func (p *flightProxy) accept() {
	c, err := p.ln.Accept()
	if err != nil {
		return
	}
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns = [2]net.Conn{c, up}
	p.mu.Unlock()
	go p.read(c, 0)
	go p.read(up, 1)
	go p.deliver()
}

func (p *flightProxy) read(src net.Conn, dir int) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		p.mu.Lock()
		if n > 0 {
			p.pending[dir] = append(p.pending[dir], buf[:n]...)
			p.last = time.Now()
			p.cond.Broadcast()
		}
		if err != nil {
			p.closed = true
			p.cond.Broadcast()
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
	}
}

// deliver sends what is held once both sides have been quiet.
func (p *flightProxy) deliver() {
	for {
		p.mu.Lock()
		for len(p.pending[0]) == 0 && len(p.pending[1]) == 0 && !p.closed {
			p.cond.Wait()
		}
		if p.closed && len(p.pending[0]) == 0 && len(p.pending[1]) == 0 {
			p.mu.Unlock()
			p.conns[0].Close()
			p.conns[1].Close()
			close(p.done)
			return
		}
		wait := p.quiet - time.Since(p.last)
		if wait > 0 {
			p.mu.Unlock()
			time.Sleep(wait)
			continue
		}
		up, down := p.pending[0], p.pending[1]
		p.pending = [2][]byte{}
		p.flights = append(p.flights, flight{len(up), len(down)})
		conns := p.conns
		p.mu.Unlock()
		if len(up) > 0 {
			conns[1].Write(up)
		}
		if len(down) > 0 {
			conns[0].Write(down)
		}
	}
}

func (p *flightProxy) addr() string { return p.ln.Addr().String() }

func (p *flightProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		if c != nil {
			c.Close()
		}
	}
}

// counted returns the flights so far, TCP's handshake first.
func (p *flightProxy) counted() []flight {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]flight{{up: -1}, {down: -1}}, p.flights...) // SYN, SYN-ACK
}

// carried returns what the client has written so far (delivered or
// held) and what has been delivered to it: what its socket has seen.
func (p *flightProxy) carried() (up, down int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.flights {
		up += f.up
		down += f.down
	}
	return up + len(p.pending[0]), down
}

// total waits until the connection has closed and returns the bytes it
// carried each way, from the first flight to the last, teardown included.
func (p *flightProxy) total(ctx context.Context) (up, down int, err error) {
	select {
	case <-p.done:
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
	up, down = p.carried() // all delivered: nothing is held any more
	return up, down, nil
}

// describe lists flights as "↑123 ↓45" lines, numbered.
func describeFlights(fs []flight) string {
	var b strings.Builder
	for i, f := range fs {
		var parts []string
		switch {
		case f.up < 0:
			parts = append(parts, "↑ SYN")
		case f.down < 0:
			parts = append(parts, "↓ SYN-ACK")
		}
		if f.up > 0 {
			parts = append(parts, fmt.Sprintf("↑ %d B", f.up))
		}
		if f.down > 0 {
			parts = append(parts, fmt.Sprintf("↓ %d B", f.down))
		}
		fmt.Fprintf(&b, "%2d. %s\n", i+1, strings.Join(parts, ", "))
	}
	return b.String()
}
