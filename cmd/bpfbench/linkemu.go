package main

import (
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// The kernel here has no netem, so the slow link is emulated in userspace:
// a TCP proxy (rate, delay; a lost segment shows up as a stall, the time
// TCP takes to retransmit it) and a UDP forwarder for QUIC (rate, delay,
// and datagrams really dropped).

// What a link carries besides the payload, counted the same way for both
// transports (issue 26): every TCP segment and every UDP datagram with
// its IPv4 header and its own (TCP as Linux sends it, with timestamps);
// TCP's handshake and teardown; and one pure acknowledgement for every
// two data segments, as delayed ACKs send them when no data goes the
// other way to carry them (an upper bound: a reply within the delay
// carries the ACK for free). QUIC's acknowledgements are datagrams of
// their own and are counted as they pass.
const (
	tcpHeaders = 20 + 32 // IPv4, TCP with the timestamp option
	udpHeaders = 20 + 8  // IPv4, UDP
	tcpSYN     = 20 + 40 // IPv4, TCP with MSS, SACK, timestamps, window scale
)

// linkSpec describes one emulated link, applied in each direction.
type linkSpec struct {
	rate  float64       // bits per second
	delay time.Duration // one-way
	loss  float64       // probability a packet is lost
}

// lowband is the link of issue 4's benchmark: 32 kbit/s, 400 ms, 3 % loss.
var lowband = linkSpec{rate: 32000, delay: 400 * time.Millisecond, loss: 0.03}

// pacer serialises packets onto a link of fixed rate and delay.
type pacer struct {
	spec linkSpec
	mu   sync.Mutex // Protects free.
	free time.Time  // when the link finishes sending what it holds
}

// schedule returns when a packet of n bytes sent now arrives.
func (p *pacer) schedule(n int) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.free.Before(now) {
		p.free = now
	}
	p.free = p.free.Add(time.Duration(float64(n*8) / p.spec.rate * float64(time.Second)))
	return p.free.Add(p.spec.delay)
}

// tcpProxy forwards connections to target through the emulated link.
type tcpProxy struct {
	ln    net.Listener
	spec  linkSpec
	bytes atomic.Int64 // payload, as counted before issue 26
	wire  atomic.Int64 // payload and what carries it (tcpHeaders)
	rng   *rand.Rand
	mu    sync.Mutex // Protects rng, down and open.
	down  bool       // the link is down: connections fail as they open
	open  []net.Conn // both ends of the connections carried now
}

func newTCPProxy(target string, spec linkSpec, seed uint64) (*tcpProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &tcpProxy{ln: ln, spec: spec, rng: rand.New(rand.NewPCG(seed, 1))}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			down := p.down
			p.mu.Unlock()
			if down {
				c.Close() // no SYN-ACK comes back: nothing crossed the link
				continue
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.open = append(p.open, c, up)
			p.mu.Unlock()
			p.wire.Add(2*tcpSYN + tcpHeaders) // SYN, SYN-ACK, ACK
			go p.pump(c, up, &pacer{spec: spec})
			go p.pump(up, c, &pacer{spec: spec})
		}
	}()
	return p, nil
}

func (p *tcpProxy) lost() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rng.Float64() < p.spec.loss
}

// pump carries one direction. Segments of up to 1,000 bytes are paced
// and delayed; a lost one arrives a retransmission timeout later (200 ms
// plus a round trip, as Linux's minimum RTO), holding back what follows.
func (p *tcpProxy) pump(src, dst net.Conn, pc *pacer) {
	type seg struct {
		data []byte
		at   time.Time
	}
	q := make(chan seg, 4096)
	go func() {
		defer dst.Close()
		for s := range q {
			time.Sleep(time.Until(s.at))
			if _, err := dst.Write(s.data); err != nil {
				return
			}
		}
	}()
	defer close(q)
	buf := make([]byte, 1000)
	var last time.Time
	segs := 0
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.bytes.Add(int64(n))
			p.wire.Add(int64(n + tcpHeaders))
			if segs++; segs%2 == 1 {
				p.wire.Add(tcpHeaders) // its acknowledgement
			}
			at := pc.schedule(n + tcpHeaders)
			if p.lost() {
				at = at.Add(200*time.Millisecond + 2*p.spec.delay)
				p.wire.Add(int64(n + tcpHeaders)) // sent again
			}
			if at.Before(last) {
				at = last // in order, as TCP delivers
			}
			last = at
			q <- seg{append([]byte(nil), buf[:n]...), at}
		}
		if err != nil {
			p.wire.Add(2 * tcpHeaders) // FIN, its acknowledgement
			return
		}
	}
}

// setDown takes the link down (its connections cut, new ones failing)
// or brings it back.
func (p *tcpProxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for _, c := range p.open {
			c.Close()
		}
		p.open = nil
	}
}

func (p *tcpProxy) addr() string { return p.ln.Addr().String() }
func (p *tcpProxy) close()       { p.ln.Close() }

// udpForwarder relays datagrams between clients and target through the
// emulated link, dropping some.
type udpForwarder struct {
	pc     net.PacketConn
	target *net.UDPAddr
	spec   linkSpec
	bytes  atomic.Int64 // UDP payload: QUIC's packets, acknowledgements and all
	wire   atomic.Int64 // and their UDP/IP headers
	rng    *rand.Rand
	mu     sync.Mutex // Protects rng and ups.
	ups    map[string]*net.UDPConn
	up, dn *pacer
}

func newUDPForwarder(target string, spec linkSpec, seed uint64) (*udpForwarder, error) {
	t, err := net.ResolveUDPAddr("udp", target)
	if err != nil {
		return nil, err
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &udpForwarder{pc: pc, target: t, spec: spec, rng: rand.New(rand.NewPCG(seed, 2)),
		ups: map[string]*net.UDPConn{}, up: &pacer{spec: spec}, dn: &pacer{spec: spec}}
	go f.serve()
	return f, nil
}

func (f *udpForwarder) drop() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.Float64() < f.spec.loss
}

func (f *udpForwarder) serve() {
	buf := make([]byte, 65536)
	for {
		n, from, err := f.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		f.mu.Lock()
		up := f.ups[from.String()]
		if up == nil {
			if up, err = net.DialUDP("udp", nil, f.target); err != nil {
				f.mu.Unlock()
				continue
			}
			f.ups[from.String()] = up
			go f.back(up, from)
		}
		f.mu.Unlock()
		f.send(append([]byte(nil), buf[:n]...), f.up, func(b []byte) { up.Write(b) })
	}
}

// back carries the target's answers to the client.
func (f *udpForwarder) back(up *net.UDPConn, client net.Addr) {
	buf := make([]byte, 65536)
	for {
		n, err := up.Read(buf)
		if err != nil {
			return
		}
		f.send(append([]byte(nil), buf[:n]...), f.dn, func(b []byte) { f.pc.WriteTo(b, client) })
	}
}

func (f *udpForwarder) send(b []byte, p *pacer, deliver func([]byte)) {
	f.bytes.Add(int64(len(b)))
	f.wire.Add(int64(len(b) + udpHeaders))
	at := p.schedule(len(b) + udpHeaders)
	if f.drop() {
		return
	}
	time.AfterFunc(time.Until(at), func() { deliver(b) })
}

func (f *udpForwarder) addr() string { return f.pc.LocalAddr().String() }

func (f *udpForwarder) close() {
	f.pc.Close()
	f.mu.Lock()
	for _, u := range f.ups {
		u.Close()
	}
	f.mu.Unlock()
}
