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

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
	docsync "github.com/igf-bpf/bpfdraft/sync"
)

// wireResult counts every byte both sides put on the stream (preamble,
// handshake, framing and payload) for the shared workloads.
type wireResult struct {
	W2Warm      int64 `json:"w2_warm_bytes"`
	W2Reconnect int64 `json:"w2_reconnect_bytes"`
	W1Join      int64 `json:"w1_join_bytes"`
	W3Hub       int64 `json:"w3_hub_bytes"`
	W3Sessions  int   `json:"w3_sessions"`
	W3Converged bool  `json:"w3_converged"`
}

// replica is one machine in the wire benchmark: a data dir, its clock and
// one open draft.
type replica struct {
	name  string
	ws    *app.Workspace
	s     *app.Session
	clock time.Time
}

func openReplica(ctx context.Context, dir, name string, log *slog.Logger) (*replica, error) {
	r := &replica{name: name, clock: time.Date(2025, 1, 1, 7, 0, 0, 0, time.UTC)}
	ws, err := app.Open(ctx, dir, app.Options{Logger: log, Now: func() time.Time { return r.clock },
		CommitEvery: -1, IdleCommit: -1, Poll: -1})
	if err != nil {
		return nil, err
	}
	if _, err := ws.SetProfile(ctx, app.Profile{Name: name, Group: "Civil society", Region: "WEOG"}); err != nil {
		return nil, err
	}
	r.ws = ws
	return r, nil
}

func (r *replica) close() {
	if r.s != nil {
		r.s.Close(context.Background())
	}
	r.ws.Close()
}

// replay types a trace into the replica's draft, committing where it commits.
func (r *replica) replay(ctx context.Context, tr Trace, ids map[string]string) error {
	for _, c := range tr.Commits {
		r.clock = c.When()
		for _, op := range c.Ops {
			if err := r.s.Splice(ctx, ids[op.Section], op.Pos, op.Del, op.Ins); err != nil {
				return err
			}
		}
		if err := r.s.Flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// countingConn counts bytes written, for traffic on a live connection.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// session runs one sync connection between two replicas and returns the
// bytes both put on the wire.
func session(ctx context.Context, a, b *replica, log *slog.Logger) (int64, error) {
	ea := docsync.New(a.ws.SyncLibrary(), a.name, log)
	eb := docsync.New(b.ws.SyncLibrary(), b.name, log)
	x, y := net.Pipe()
	type res struct {
		st  docsync.Stats
		err error
	}
	rc := make(chan res, 1)
	go func() { st, err := eb.Run(ctx, y, a.name, true); y.Close(); rc <- res{st, err} }()
	sa, err := ea.Run(ctx, x, b.name, true)
	x.Close()
	r := <-rc
	if err == nil {
		err = r.err
	}
	return sa.BytesOut + r.st.BytesOut, err
}

func runWire(ctx context.Context, w *Workloads, dir string, log *slog.Logger) (*wireResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	res := &wireResult{}
	open := func(name string) (*replica, error) {
		return openReplica(ctx, filepath.Join(dir, name), name, log)
	}
	hub, err := open("hub")
	if err != nil {
		return nil, err
	}
	defer hub.close()
	id, ids, err := hub.draftW1(ctx, w)
	if err != nil {
		return nil, err
	}
	inv, err := hub.ws.Invite(ctx, id, nil, nil)
	if err != nil {
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
		n, err := session(ctx, r, hub, log)
		if err != nil {
			return nil, 0, err
		}
		if r.s, err = r.ws.Session(ctx, id); err != nil {
			return nil, 0, err
		}
		return r, n, nil
	}

	// W1 join: an empty peer fetches the whole draft.
	b, n, err := join("b")
	if err != nil {
		return nil, err
	}
	defer b.close()
	res.W1Join = n

	// W2 warm: a live connection stays open; the hub types 20 characters.
	if res.W2Warm, err = warmEdit(ctx, hub, b, w.W2, ids, log); err != nil {
		return nil, err
	}
	// W2 after reconnect: the same edit, offline, then a new connection
	// with the states saved by the last one.
	if err := undoW2(ctx, hub, w.W2, ids); err != nil {
		return nil, err
	}
	if _, err := session(ctx, hub, b, log); err != nil {
		return nil, err
	}
	if err := hub.replay(ctx, laterW2(w.W2), ids); err != nil {
		return nil, err
	}
	if res.W2Reconnect, err = session(ctx, hub, b, log); err != nil {
		return nil, err
	}

	// W3: three peers join from the hub, work offline for a day, then
	// sync pairwise with the hub until all four agree.
	res.W3Hub, res.W3Sessions, res.W3Converged, err = runW3(ctx, w, ids, join,
		func(p *replica) (int64, error) { return session(ctx, p, hub, log) }, hub.s.Heads)
	return res, err
}

// draftW1 creates the draft the workloads run on in r, opens it, types W1
// into it and returns its id and its sections by the traces' names.
func (r *replica) draftW1(ctx context.Context, w *Workloads) (string, map[string]string, error) {
	id, err := r.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "W1", Year: 2025})
	if err != nil {
		return "", nil, err
	}
	if r.s, err = r.ws.Session(ctx, id); err != nil {
		return "", nil, err
	}
	ids := sectionMap(r.s.Sections())
	return id, ids, r.replay(ctx, w.W1, ids)
}

// laterW2 is W2 typed a minute later: the same edit, made again offline.
// The commits are copied, so W2 itself stays as it was.
func laterW2(tr Trace) Trace {
	tr.Commits = slices.Clone(tr.Commits)
	for i := range tr.Commits {
		tr.Commits[i].Time += 60
	}
	return tr
}

// runW3 has three peers join (join), type their offline day, then sync in
// turns (A, B, C, A, …, at most 12 sessions, each by sync) until every
// peer's heads are ref's: the bytes of all the sessions, how many there
// were, and whether they agreed.
func runW3(ctx context.Context, w *Workloads, ids map[string]string, join func(string) (*replica, int64, error),
	sync func(*replica) (int64, error), ref func() []string) (bytes int64, sessions int, converged bool, err error) {
	peers := map[string]*replica{}
	order := []string{"A", "B", "C"}
	for _, name := range order {
		p, _, err := join("w3" + name)
		if err != nil {
			return 0, 0, false, err
		}
		defer p.close()
		peers[name] = p
		if err := p.replay(ctx, w.W3.Peers[name], ids); err != nil {
			return 0, 0, false, fmt.Errorf("W3 peer %s: %w", name, err)
		}
	}
	for i := 0; i < 12 && !converged; i++ {
		n, err := sync(peers[order[i%3]])
		if err != nil {
			return 0, 0, false, err
		}
		bytes += n
		sessions++
		heads := ref()
		converged = true
		for _, p := range peers {
			converged = converged && slices.Equal(p.s.Heads(), heads)
		}
	}
	return bytes, sessions, converged, nil
}

// warmEdit keeps a live connection between a and b, waits for it to
// settle, applies tr on a, and returns the bytes it took both to agree.
func warmEdit(ctx context.Context, a, b *replica, tr Trace, ids map[string]string, log *slog.Logger) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ea := docsync.New(a.ws.SyncLibrary(), a.name, log)
	eb := docsync.New(b.ws.SyncLibrary(), b.name, log)
	x, y := net.Pipe()
	var bytes atomic.Int64
	done := make(chan struct{}, 2)
	go func() { eb.Run(ctx, countingConn{y, &bytes}, a.name, false); y.Close(); done <- struct{}{} }()
	go func() { ea.Run(ctx, countingConn{x, &bytes}, b.name, false); x.Close(); done <- struct{}{} }()
	settle := func() {
		last, still := int64(-1), 0
		for still < 20 && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
			n := bytes.Load()
			if n == last && slices.Equal(a.s.Heads(), b.s.Heads()) {
				still++
			} else {
				still, last = 0, n
			}
		}
	}
	settle()
	before := bytes.Load()
	if err := a.replay(ctx, tr, ids); err != nil {
		return 0, err
	}
	settle()
	n := bytes.Load() - before
	cancel()
	x.Close()
	y.Close()
	<-done
	<-done
	return n, nil
}

// undoW2 deletes W2's 20 characters again, so the reconnect case types
// the same edit into the same text.
func undoW2(ctx context.Context, r *replica, tr Trace, ids map[string]string) error {
	op := tr.Commits[0].Ops[0]
	n := 0
	for _, c := range tr.Commits {
		n += len(c.Ops)
	}
	r.clock = r.clock.Add(time.Minute)
	if err := r.s.Splice(ctx, ids[op.Section], op.Pos, n, ""); err != nil {
		return err
	}
	return r.s.Flush(ctx)
}

func (r *wireResult) print(w io.Writer, a *anchors) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "bytes on the wire (both directions, framing and handshake included)\t\t\t\t\t")
	fmt.Fprintln(tw, "workload\tBPF Draft\tAutomerge JS\tYjs\ttarget\t")
	fmt.Fprintf(tw, "W2 20-char edit, warm\t%d B\t%d B\t%d B\t≤ 200 B\t\n", r.W2Warm, a.Automerge.W2Warm.Bytes, a.Yjs.W2Event)
	fmt.Fprintf(tw, "W2 after reconnect (persisted state)\t%d B\t%d B\t%d B\t≤ 400 B\t\n", r.W2Reconnect, a.Automerge.W2Persisted.Bytes, a.Yjs.W2Pull.Bytes)
	fmt.Fprintf(tw, "W1 join: empty peer fetches the draft\t%d B\t%d B\t%d B\t≤ 30,000 B\t\n", r.W1Join, a.Automerge.W1Join.Bytes, a.Yjs.W1Join.Bytes)
	fmt.Fprintf(tw, "W3 offline day via the hub (%d sessions, converged %v)\t%d B\t%d B\t%d B\t≤ 15,000 B\t\n", r.W3Sessions, r.W3Converged, r.W3Hub, a.Automerge.W3Warm.Bytes, a.Yjs.W3.Bytes)
	tw.Flush()
	fmt.Fprintf(w, "anchors: %s\n", a.Source)
}
