package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/igf-bpf/bpfdraft/app/online"
	docsync "github.com/igf-bpf/bpfdraft/sync"
	"github.com/igf-bpf/bpfdraft/sync/p2p"
	"github.com/igf-bpf/bpfdraft/sync/relay"
)

// relayWireResult counts the bytes of the shared workloads through a
// relay that holds only sealed blobs: each leg (a participant and the
// relay) on its own, since the author and the reader each pay theirs on
// their own link, often hours apart.
type relayWireResult struct {
	W1Upload       int64 `json:"w1_upload_bytes"`
	W1Join         int64 `json:"w1_join_bytes"`
	W2WarmUp       int64 `json:"w2_warm_up_bytes"`
	W2WarmDown     int64 `json:"w2_warm_down_bytes"`
	W2ReconnectUp  int64 `json:"w2_reconnect_up_bytes"`
	W2ReconnectDn  int64 `json:"w2_reconnect_down_bytes"`
	W3             int64 `json:"w3_bytes"`
	W3Sessions     int   `json:"w3_sessions"`
	W3Converged    bool  `json:"w3_converged"`
	RelayHeldBytes int64 `json:"relay_held_bytes"`
}

// relaySession runs one --once session of r with the relay over a pipe
// and returns the bytes both sides put on it.
func relaySession(ctx context.Context, rl *relay.Relay, r *replica, log *slog.Logger) (int64, error) {
	e := docsync.New(r.ws.SyncLibrary(), r.name, log)
	x, y, err := loopbackPair()
	if err != nil {
		return 0, err
	}
	done := make(chan error, 1)
	go func() { done <- rl.Serve(ctx, y, r.name); y.Close() }()
	st, err := e.RunRelay(ctx, x, rl.ID(), true)
	x.Close()
	<-done
	if err == nil && len(st.Failed) > 0 {
		err = fmt.Errorf("%s: %v", r.name, st.Failed)
	}
	return st.BytesIn + st.BytesOut, err
}

// inProcess registers drafts with a relay in this process.
type inProcess struct{ r *relay.Relay }

func (p inProcess) Register(ctx context.Context, _ string, reg p2p.Registration) error {
	return p.r.Accept(ctx, "bench", reg)
}

// loopbackPair returns the two ends of a TCP connection on loopback: a
// stream that buffers as a network's does (net.Pipe does not, and both
// sides of a session write before they read).
func loopbackPair() (net.Conn, net.Conn, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	x, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		return nil, nil, err
	}
	y := <-accepted
	if y == nil {
		x.Close()
		return nil, nil, fmt.Errorf("loopback connection not accepted")
	}
	return x, y, nil
}

func runRelayWire(ctx context.Context, w *Workloads, dir string, log *slog.Logger) (*relayWireResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	res := &relayWireResult{}
	store, err := relay.OpenStore(filepath.Join(dir, "relay"), log)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	rl, err := relay.Start(relay.Config{KeyFile: filepath.Join(dir, "relay", "identity.key"), Store: store, Open: true,
		Logger: log, Listen: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		return nil, err
	}
	defer rl.Close()
	open := func(name string) (*replica, error) { return openReplica(ctx, filepath.Join(dir, name), name, log) }
	hub, err := open("hub")
	if err != nil {
		return nil, err
	}
	defer hub.close()
	id, ids, err := hub.draftW1(ctx, w)
	if err != nil {
		return nil, err
	}
	inv, err := online.InviteWithSecret(ctx, hub.ws, inProcess{rl}, id, []string{rl.Addrs()[0]}, docsync.NewSecret())
	if err != nil {
		return nil, err
	}
	if res.W1Upload, err = relaySession(ctx, rl, hub, log); err != nil {
		return nil, err
	}
	join := func(name string) (*replica, int64, error) {
		r, err := open(name)
		if err != nil {
			return nil, 0, err
		}
		if _, err := r.ws.Join(ctx, inv.Code()); err != nil {
			return nil, 0, err
		}
		n, err := relaySession(ctx, rl, r, log)
		if err != nil {
			return nil, 0, err
		}
		r.s, err = r.ws.Session(ctx, id)
		return r, n, err
	}
	b, n, err := join("b")
	if err != nil {
		return nil, err
	}
	defer b.close()
	res.W1Join = n

	// W2 warm: both stay connected to the relay; the hub types.
	if res.W2WarmUp, res.W2WarmDown, err = relayWarm(ctx, rl, hub, b, w.W2, ids, log); err != nil {
		return nil, err
	}
	// W2 after reconnect: typed offline, then each dials the relay once.
	if err := undoW2(ctx, hub, w.W2, ids); err != nil {
		return nil, err
	}
	for _, r := range []*replica{hub, b} {
		if _, err := relaySession(ctx, rl, r, log); err != nil {
			return nil, err
		}
	}
	if err := hub.replay(ctx, laterW2(w.W2), ids); err != nil {
		return nil, err
	}
	if res.W2ReconnectUp, err = relaySession(ctx, rl, hub, log); err != nil {
		return nil, err
	}
	if res.W2ReconnectDn, err = relaySession(ctx, rl, b, log); err != nil {
		return nil, err
	}

	// W3: three join, work offline for a day, then take turns with the
	// relay until all agree. A's heads are the reference: the hub is
	// not in these sessions, and no peer holds the others' day until
	// each has had its turn.
	var a *replica
	join3 := func(name string) (*replica, int64, error) {
		r, n, err := join(name)
		if a == nil {
			a = r
		}
		return r, n, err
	}
	if res.W3, res.W3Sessions, res.W3Converged, err = runW3(ctx, w, ids, join3,
		func(p *replica) (int64, error) { return relaySession(ctx, rl, p, log) },
		func() []string { return a.s.Heads() }); err != nil {
		return nil, err
	}
	if d, err := store.Draft(ctx, id); err == nil {
		res.RelayHeldBytes = d.Bytes
	}
	return res, nil
}

// relayWarm keeps a and b connected to the relay, waits for both legs to
// settle, applies tr on a and returns each leg's bytes until b has it.
func relayWarm(ctx context.Context, rl *relay.Relay, a, b *replica, tr Trace, ids map[string]string, log *slog.Logger) (up, down int64, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var ua, ub atomic.Int64
	var pipes []net.Conn
	for _, p := range []struct {
		r *replica
		n *atomic.Int64
	}{{a, &ua}, {b, &ub}} {
		e := docsync.New(p.r.ws.SyncLibrary(), p.r.name, log)
		x, y, err := loopbackPair()
		if err != nil {
			return 0, 0, err
		}
		pipes = append(pipes, x, y)
		go rl.Serve(ctx, y, p.r.name)
		go e.RunRelay(ctx, legConn{x, p.n}, rl.ID(), false)
	}
	defer func() {
		for _, c := range pipes {
			c.Close()
		}
	}()
	settle := func() {
		lastA, lastB, still := int64(-1), int64(-1), 0
		for still < 20 && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
			na, nb := ua.Load(), ub.Load()
			if na == lastA && nb == lastB && slices.Equal(a.s.Heads(), b.s.Heads()) {
				still++
			} else {
				still, lastA, lastB = 0, na, nb
			}
		}
	}
	settle()
	beforeA, beforeB := ua.Load(), ub.Load()
	if err := a.replay(ctx, tr, ids); err != nil {
		return 0, 0, err
	}
	settle()
	return ua.Load() - beforeA, ub.Load() - beforeB, nil
}

// legConn counts the bytes both ways on a participant's end of a leg.
type legConn struct {
	net.Conn
	n *atomic.Int64
}

func (c legConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c legConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}

func (r *relayWireResult) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "through a relay holding sealed blobs (each leg: one participant and the relay, both directions)\t\t\t\t")
	fmt.Fprintln(tw, "workload\tauthor's leg\treader's leg\ttarget per leg\t")
	fmt.Fprintf(tw, "W2 20-char edit, both connected\t%d B\t%d B\t≤ 200 B\t\n", r.W2WarmUp, r.W2WarmDown)
	fmt.Fprintf(tw, "W2 after reconnect\t%d B\t%d B\t≤ 400 B\t\n", r.W2ReconnectUp, r.W2ReconnectDn)
	fmt.Fprintf(tw, "W1: upload, then an empty peer joins\t%d B\t%d B\t≤ 30,000 B\t\n", r.W1Upload, r.W1Join)
	fmt.Fprintf(tw, "W3 offline day, all legs (%d sessions, converged %v)\t%d B\t\t≤ 15,000 B\t\n", r.W3Sessions, r.W3Converged, r.W3)
	fmt.Fprintf(tw, "relay holds for the draft at the end\t%d B\t\t\t\n", r.RelayHeldBytes)
	tw.Flush()
}
