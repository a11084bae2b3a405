package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/online"
	docsync "github.com/igf-bpf/bpfdraft/sync"
	"github.com/igf-bpf/bpfdraft/sync/p2p"
	"github.com/igf-bpf/bpfdraft/sync/relay"
)

// lowbandResult is one workload over the emulated link on one transport.
type lowbandResult struct {
	Transport   string  `json:"transport"`
	Workload    string  `json:"workload"`
	Seconds     float64 `json:"seconds_to_converge"`
	LinkBytes   int64   `json:"link_bytes"`   // what TCP or UDP carried: our protocols, Noise, QUIC's packets
	WireBytes   int64   `json:"wire_bytes"`   // and the TCP or UDP and IP headers, TCP's acknowledgements (linkemu.go)
	StreamBytes int64   `json:"stream_bytes"` // what the sync engine wrote
	Bound       float64 `json:"target_seconds"`
	Sessions    int     `json:"sessions"`
	Live        bool    `json:"live"` // connections kept open, as the window and serve keep them
}

// link is one participant's emulated connection to the relay.
type link interface {
	addr() string
	close()
}

func runLowband(ctx context.Context, w *Workloads, dir, only string, log *slog.Logger) ([]lowbandResult, error) {
	var out []lowbandResult
	for _, transport := range []string{"tcp", "quic"} {
		for _, wl := range []string{"W2", "W3"} {
			for _, live := range []bool{true, false} {
				conn := "dialed"
				if live {
					conn = "kept open"
				}
				if !strings.Contains(transport+" "+wl+" "+conn, only) {
					continue
				}
				sub := fmt.Sprintf("%s%s%v", transport, wl, live)
				r, err := lowbandOnce(ctx, w, filepath.Join(dir, sub), transport, wl, live, log)
				if err != nil {
					return out, fmt.Errorf("%s %s (live %v): %w", transport, wl, live, err)
				}
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// lowbandOnce runs one workload through the emulated links. Live: every
// participant keeps a connection to the relay (Node.Keep, as the window
// and serve do); W2 is typed while all are connected, and W3's three
// come back online at the same moment. Otherwise each sync dials anew
// and the participants take turns, as laptops that only sync on demand.
func lowbandOnce(ctx context.Context, w *Workloads, dir, transport, wl string, live bool, log *slog.Logger) (lowbandResult, error) {
	res := lowbandResult{Transport: transport, Workload: wl, Live: live}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	relayStore, err := relay.OpenStore(filepath.Join(dir, "relay"), log)
	if err != nil {
		return res, err
	}
	defer relayStore.Close()
	rl, err := relay.Start(relay.Config{KeyFile: filepath.Join(dir, "relay", "identity.key"), Store: relayStore, Open: true, Logger: log,
		Listen: []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"}})
	if err != nil {
		return res, err
	}
	defer rl.Close()
	var tcpAddr, quicAddr string
	for _, a := range rl.Addrs() {
		switch {
		case strings.Contains(a, "/tcp/"):
			tcpAddr = a
		case strings.Contains(a, "/quic-v1/"):
			quicAddr = a
		}
	}

	// Set-up over the plain loopback: A drafts W1, registers it with the
	// relay and pushes it; the others join from the relay.
	names := []string{"A", "B"}
	if wl == "W3" {
		names = []string{"A", "B", "C"}
	}
	reps := map[string]*replica{}
	for _, n := range names {
		r, err := openReplica(ctx, filepath.Join(dir, n), n, log)
		if err != nil {
			return res, err
		}
		defer r.close()
		reps[n] = r
	}
	a := reps["A"]
	id, ids, err := a.draftW1(ctx, w)
	if err != nil {
		return res, err
	}
	var inv app.Invite
	if err := withNode(ctx, a, dir, func(n *p2p.Node) error {
		var err error
		if inv, err = online.InviteWithSecret(ctx, a.ws, n, id, []string{tcpAddr}, docsync.NewSecret()); err != nil {
			return err
		}
		return n.Sync(ctx, tcpAddr, true).Err
	}); err != nil {
		return res, err
	}
	for _, n := range names[1:] {
		r := reps[n]
		if _, err := r.ws.Join(ctx, inv.Code()); err != nil {
			return res, err
		}
		if err := withNode(ctx, r, dir, func(n *p2p.Node) error {
			res := n.Sync(ctx, tcpAddr, true)
			if res.Err == nil && len(res.Stats.Drafts) == 0 {
				return fmt.Errorf("the relay shared nothing with %s", r.name)
			}
			return res.Err
		}); err != nil {
			return res, err
		}
		if r.s, err = r.ws.Session(ctx, id); err != nil {
			return res, err
		}
	}

	// Each participant reaches the relay through its own emulated link.
	target := tcpAddr
	if transport == "quic" {
		target = quicAddr
	}
	hostPort := hostPortOf(target)
	links := map[string]link{}
	var counters, wires []func() int64
	for i, n := range names {
		var l link
		if transport == "quic" {
			f, err := newUDPForwarder(hostPort, lowband, uint64(i+1))
			if err != nil {
				return res, err
			}
			l, counters, wires = f, append(counters, f.bytes.Load), append(wires, f.wire.Load)
		} else {
			p, err := newTCPProxy(hostPort, lowband, uint64(i+1))
			if err != nil {
				return res, err
			}
			l, counters, wires = p, append(counters, p.bytes.Load), append(wires, p.wire.Load)
		}
		defer l.close()
		links[n] = l
	}
	sum := func(cs []func() int64) int64 {
		var n int64
		for _, c := range cs {
			n += c()
		}
		return n
	}
	linkBytes := func() int64 { return sum(counters) }
	wireBytes := func() int64 { return sum(wires) }
	emuAddr := func(n string) string {
		h, port := splitHostPort(links[n].addr())
		proto := "tcp"
		suffix := ""
		if transport == "quic" {
			proto, suffix = "udp", "/quic-v1"
		}
		return fmt.Sprintf("/ip4/%s/%s/%s%s/p2p/%s", h, proto, port, suffix, rl.ID())
	}
	converged := func() bool {
		heads := reps["A"].s.Heads()
		for _, r := range reps {
			if !slices.Equal(r.s.Heads(), heads) {
				return false
			}
		}
		return true
	}
	edit := func() error {
		switch wl {
		case "W2":
			tr := w.W2
			for i := range tr.Commits {
				tr.Commits[i].Time += 3600
			}
			return a.replay(ctx, tr, ids)
		default:
			for _, n := range names {
				if err := reps[n].replay(ctx, w.W3.Peers[n], ids); err != nil {
					return err
				}
			}
			return nil
		}
	}

	if live {
		keepCtx, stop := context.WithCancel(ctx)
		defer stop()
		keep := func(n string) error {
			node, err := newNode(reps[n], dir)
			if err != nil {
				return err
			}
			ai, err := p2p.ParseAddr(emuAddr(n))
			if err != nil {
				node.Close()
				return err
			}
			go func() {
				defer node.Close()
				node.Keep(keepCtx, ai, nil)
			}()
			return nil
		}
		var base, wireBase int64
		if wl == "W2" {
			// Everyone is online before the edit: wait until the
			// connections are up and quiet, then type.
			for _, n := range names {
				if err := keep(n); err != nil {
					return res, err
				}
			}
			if err := settle(ctx, linkBytes); err != nil {
				return res, err
			}
			base, wireBase = linkBytes(), wireBytes()
			res.Sessions = len(names)
		} else if err := edit(); err != nil {
			return res, err
		}
		start := time.Now()
		if wl == "W2" {
			if err := edit(); err != nil {
				return res, err
			}
		} else {
			for _, n := range names {
				if err := keep(n); err != nil {
					return res, err
				}
			}
			res.Sessions = len(names)
		}
		for !converged() {
			select {
			case <-ctx.Done():
				return res, fmt.Errorf("not converged: %w", ctx.Err())
			case <-time.After(20 * time.Millisecond):
			}
		}
		res.Seconds = time.Since(start).Seconds()
		res.LinkBytes = linkBytes() - base
		res.WireBytes = wireBytes() - wireBase
		stop()
	} else {
		if err := edit(); err != nil {
			return res, err
		}
		order := []string{"A", "B"}
		if wl == "W3" {
			order = []string{"A", "B", "C", "A", "B", "C"}
		}
		start := time.Now()
		for _, n := range order {
			if converged() {
				break
			}
			var st docsync.Stats
			if err := withNode(ctx, reps[n], dir, func(node *p2p.Node) error {
				r := node.SyncRelay(ctx, emuAddr(n), true) // as `bpfdraft sync --once` dials the relays its invites name
				st = r.Stats
				return r.Err
			}); err != nil {
				return res, fmt.Errorf("session %d (%s): %w", res.Sessions+1, n, err)
			}
			res.StreamBytes += st.BytesIn + st.BytesOut
			res.Sessions++
		}
		res.Seconds = time.Since(start).Seconds()
		if !converged() {
			return res, fmt.Errorf("not converged after %d sessions", res.Sessions)
		}
		// The last session's connection closes as its node does.
		if err := settle(ctx, wireBytes); err != nil {
			return res, err
		}
		res.LinkBytes, res.WireBytes = linkBytes(), wireBytes()
	}
	rtt := 2 * lowband.delay.Seconds()
	res.Bound = 1.5*float64(res.LinkBytes*8)/lowband.rate + 4*rtt
	return res, nil
}

// withNode runs f with a fresh libp2p node for the replica's data dir, so
// every session dials anew, as a laptop coming back online does.
func withNode(ctx context.Context, r *replica, dir string, f func(*p2p.Node) error) error {
	n, err := newNode(r, dir)
	if err != nil {
		return err
	}
	defer n.Close()
	return f(n)
}

func newNode(r *replica, dir string) (*p2p.Node, error) {
	key, err := p2p.LoadKey(filepath.Join(dir, r.name, "identity.key"))
	if err != nil {
		return nil, err
	}
	n, _, err := online.NewNode(p2p.Config{Key: key, Listen: []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"},
		Logger: slog.New(slog.DiscardHandler)}, r.ws.SyncLibrary())
	return n, err
}

// settle waits until the links have carried nothing for two seconds:
// connections up, handshakes and first exchanges done.
func settle(ctx context.Context, bytes func() int64) error {
	last, quiet := bytes(), 0
	for quiet < 20 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if b := bytes(); b != last {
			last, quiet = b, 0
		} else {
			quiet++
		}
	}
	return nil
}

// hostPortOf turns /ip4/H/tcp/P/... or /ip4/H/udp/P/... into H:P.
func hostPortOf(maddr string) string {
	parts := strings.Split(maddr, "/")
	return parts[2] + ":" + parts[4]
}

func splitHostPort(hp string) (string, string) {
	i := strings.LastIndex(hp, ":")
	return hp[:i], hp[i+1:]
}

func printLowband(w io.Writer, rs []lowbandResult) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "link: %.0f kbit/s, %v one way, %.0f%% loss; relay and peers on loopback behind it\t\t\t\t\t\t\t\n",
		lowband.rate/1000, lowband.delay, lowband.loss*100)
	fmt.Fprintln(tw, "transport\tworkload\tconnections\tsessions\ton the link\twith headers, ACKs\tsync stream\tconverged in\ttarget ≤ 1.5×bytes/rate + 4 RTT\t")
	for _, r := range rs {
		conn := "dialed per sync"
		if r.Live {
			conn = "kept open"
		}
		stream := fmt.Sprintf("%d B", r.StreamBytes)
		if r.Live {
			stream = "–" // the sessions are still open when convergence is measured
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d B\t%d B\t%s\t%.1f s\t%.1f s\t\n", r.Transport, r.Workload, conn, r.Sessions, r.LinkBytes, r.WireBytes, stream, r.Seconds, r.Bound)
	}
	tw.Flush()
}
