package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/online"
	"github.com/igf-bpf/bpfdraft/crdt"
	docsync "github.com/igf-bpf/bpfdraft/sync"
	"github.com/igf-bpf/bpfdraft/sync/blobwire"
	"github.com/igf-bpf/bpfdraft/sync/p2p"
)

// loadResult is issue 13's load run: many peers, each with several
// drafts, syncing with one relay at once.
type loadResult struct {
	Peers, DraftsPerPeer int
	Drafts               int     `json:"drafts_held"`
	Sessions             int     `json:"sessions"`
	Failed               int     `json:"failed"`
	Seconds              float64 `json:"seconds"`
	PerSecond            float64 `json:"sessions_per_second"`
	P50                  float64 `json:"p50_s"`
	P99                  float64 `json:"p99_s"`
	RelayPeakMB          float64 `json:"relay_peak_rss_mb"`
	// Then every peer stays connected (a window left open), edits each
	// of its drafts once more, and every edit reaches the relay.
	Live        int      `json:"live_sessions"`
	LiveSeconds float64  `json:"live_seconds"`
	RelayLiveMB float64  `json:"relay_peak_rss_live_mb"`
	Lost        int      `json:"edits_lost"`
	Errors      []string `json:"errors,omitempty"` // the first few failures
}

// peakRSS reads a process's peak resident memory (VmHWM) in MB.
func peakRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

// heldPerPeer is how many of -held's drafts one extra peer uploads: under
// the relay's default limits on drafts per peer and per address an hour.
const heldPerPeer = 80

// With live, every peer then stays connected and edits each of its
// drafts once more (the third phase).
func runLoad(ctx context.Context, dir string, peers, perPeer, held int, live bool) (*loadResult, error) {
	res := &loadResult{Peers: peers, DraftsPerPeer: perPeer}
	// The relay is the real bpfrelay, in a process of its own, so that its
	// memory is measured apart from the peers' and as deployed.
	bin := filepath.Join(dir, "bin")
	if err := buildBinaries(ctx, bin, "bpfrelay"); err != nil {
		return nil, err
	}
	relayErr, err := os.Create(filepath.Join(dir, "relay.log"))
	if err != nil {
		return nil, err
	}
	defer relayErr.Close()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "bpfrelay"), "--data", filepath.Join(dir, "relay"), "--open",
		"--listen", "/ip4/127.0.0.1/tcp/0", "--max-sessions-per-minute", "1000")
	if addr := os.Getenv("BPFBENCH_RELAY_DEBUG"); addr != "" {
		cmd.Args = append(cmd.Args, "--debug-listen", addr) // go tool pprof http://ADDR/debug/pprof/heap
	}
	cmd.Stderr = relayErr
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("relay: %w (its log: %s)", err, relayErr.Name())
	}
	addr = strings.TrimSpace(addr)

	type peer struct {
		ws    *app.Workspace
		node  *p2p.Node
		eng   *docsync.Engine
		ids   []string
		codes []string
	}
	archives := (held + heldPerPeer - 1) / heldPerPeer
	ps := make([]*peer, peers+archives)
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("BPFBENCH_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	setup := func(i int) error {
		count := perPeer
		if i >= peers {
			count = min(heldPerPeer, held-(i-peers)*heldPerPeer)
		}
		pd := filepath.Join(dir, fmt.Sprint("p", i))
		// Polling as the app does: a write through a second session of a
		// draft (see docs/BENCHMARKS.md, load) reaches a live sync by it.
		ws, err := app.Open(ctx, pd, app.Options{Poll: 100 * time.Millisecond, CommitEvery: -1, IdleCommit: -1, Logger: log})
		if err != nil {
			return err
		}
		if _, err := ws.SetProfile(ctx, app.Profile{Name: fmt.Sprint("P", i), Group: "Civil society", Region: "WEOG"}); err != nil {
			return err
		}
		key, err := p2p.LoadKey(filepath.Join(pd, "identity.key"))
		if err != nil {
			return err
		}
		// Each peer on an address of its own, as participants on their own
		// machines are: a relay limits what one address may open at once.
		listen := fmt.Sprintf("/ip4/127.1.%d.%d/tcp/0", i/250, i%250+1)
		n, eng, err := online.NewNode(p2p.Config{Key: key, Listen: []string{listen}, Logger: log}, ws.SyncLibrary())
		if err != nil {
			return err
		}
		p := &peer{ws: ws, node: n, eng: eng}
		ps[i] = p
		for d := 0; d < count; d++ {
			id, err := ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: fmt.Sprintf("P%d draft %d", i, d), Year: 2026})
			if err != nil {
				return err
			}
			inv, err := online.InviteWithSecret(ctx, ws, n, id, []string{addr}, docsync.NewSecret())
			if err != nil {
				return err
			}
			p.ids, p.codes = append(p.ids, id), append(p.codes, inv.Code())
		}
		return nil
	}
	if err := parallel(peers+archives, 8, setup); err != nil {
		return nil, err
	}
	// The drafts held besides: uploaded, then their peers go offline.
	err = parallel(archives, 8, func(i int) error {
		p := ps[peers+i]
		defer func() { p.node.Close(); p.ws.Close(); ps[peers+i] = nil }()
		if r := p.node.Sync(ctx, addr, true); r.Err != nil || len(r.Stats.Drafts) != len(p.ids) {
			return fmt.Errorf("uploading held drafts: %v, %d of %d drafts", r.Err, len(r.Stats.Drafts), len(p.ids))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, p := range ps {
			if p != nil {
				p.node.Close()
				p.ws.Close()
			}
		}
	}()
	res.Drafts = peers*perPeer + held

	// Two rounds: every peer edits each of its drafts and syncs with the
	// relay, all at once (the first round uploads every draft).
	var mu sync.Mutex
	var times []float64
	start := time.Now()
	for round := 0; round < 2; round++ {
		err := parallel(peers, peers, func(i int) error {
			p := ps[i]
			for d, id := range p.ids {
				s, err := p.ws.Session(ctx, id)
				if err != nil {
					return err
				}
				_, _, err = s.Write(ctx, "1", fmt.Sprintf("round %d, peer %d, draft %d. ", round, i, d), true)
				s.Close(ctx)
				if err != nil {
					return err
				}
			}
			t0 := time.Now()
			r := p.node.Sync(ctx, addr, true)
			mu.Lock()
			defer mu.Unlock()
			res.Sessions++
			if r.Err != nil || len(r.Stats.Drafts) != len(p.ids) || len(r.Stats.Failed) > 0 {
				res.Failed++
				if len(res.Errors) < 5 {
					res.Errors = append(res.Errors, fmt.Sprintf("peer %d: %v, %d of %d drafts, %v", i, r.Err, len(r.Stats.Drafts), len(p.ids), r.Stats.Failed))
				}
				return nil
			}
			times = append(times, time.Since(t0).Seconds())
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	res.Seconds = time.Since(start).Seconds()
	res.PerSecond = float64(res.Sessions) / res.Seconds
	slices.Sort(times)
	if len(times) > 0 {
		res.P50 = times[len(times)/2]
		res.P99 = times[min(len(times)-1, len(times)*99/100)]
	}
	res.RelayPeakMB = peakRSS(cmd.Process.Pid)

	if live {
		// Live: every peer keeps a session open while all edit once more.
		liveCtx, stopLive := context.WithCancel(ctx)
		var live sync.WaitGroup
		var liveUp sync.Map
		target, err := p2p.ParseAddr(addr)
		if err != nil {
			stopLive()
			return nil, err
		}
		for i := range peers {
			live.Add(1)
			go func() {
				defer live.Done()
				ps[i].node.Keep(liveCtx, target, func(r p2p.Result) {
					if len(r.Stats.Drafts) > 0 {
						liveUp.Store(i, true)
					}
				})
			}()
		}
		t0 := time.Now()
		err = parallel(peers, 16, func(i int) error {
			for d, id := range ps[i].ids {
				s, err := ps[i].ws.Session(ctx, id)
				if err != nil {
					return err
				}
				_, _, err = s.Write(ctx, "1", fmt.Sprintf("live, peer %d, draft %d. ", i, d), true)
				s.Close(ctx)
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			stopLive()
			return nil, err
		}
		// Until every peer's edits are confirmed by the relay (what its
		// status bar would say), or a minute.
		// A status read right after an edit may not have seen it yet: all
		// agree twice in a row, half a second apart.
		agreed := 0
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline) && agreed < 2; time.Sleep(500 * time.Millisecond) {
			waiting := 0
			for _, p := range ps[:peers] {
				synced := map[string]bool{}
				for _, st := range p.eng.Status() {
					synced[st.Draft] = st.Connected && st.Synced
				}
				for _, id := range p.ids {
					if !synced[id] {
						waiting++
					}
				}
			}
			if waiting == 0 {
				agreed++
			} else {
				agreed = 0
			}
		}
		res.LiveSeconds = time.Since(t0).Seconds()
		res.RelayLiveMB = peakRSS(cmd.Process.Pid)
		for _, p := range ps[:peers] {
			for _, st := range p.eng.Status() {
				if st.Connected {
					res.Live++
					break
				}
			}
		}
		stopLive()
		live.Wait()
	}

	// Nothing lost: a newcomer holding every code gets every draft from
	// the relay, with the second round's edit (the relay's file holds
	// only sealed blobs, so it is read as a participant reads it).
	vdir := filepath.Join(dir, "verifier")
	vws, err := app.Open(ctx, vdir, app.Options{Poll: -1, Logger: log})
	if err != nil {
		return nil, err
	}
	defer vws.Close()
	for _, p := range ps[:peers] {
		for _, code := range p.codes {
			if _, err := vws.Join(ctx, code); err != nil {
				return nil, err
			}
		}
	}
	vkey, err := p2p.LoadKey(filepath.Join(vdir, "identity.key"))
	if err != nil {
		return nil, err
	}
	vn, _, err := online.NewNode(p2p.Config{Key: vkey, Listen: []string{"/ip4/127.0.0.1/tcp/0"}, Logger: log}, vws.SyncLibrary())
	if err != nil {
		return nil, err
	}
	defer vn.Close()
	// A session opens at most blobwire.MaxDrafts drafts: as many as it
	// takes.
	for range (res.Drafts + blobwire.MaxDrafts - 1) / blobwire.MaxDrafts {
		if r := vn.Sync(ctx, addr, true); r.Err != nil || len(r.Stats.Failed) > 0 {
			res.Errors = append(res.Errors, fmt.Sprintf("verifier: %v %v", r.Err, r.Stats.Failed))
		}
	}
	for i, p := range ps[:peers] {
		for d, id := range p.ids {
			s, err := vws.Session(ctx, id)
			if err != nil {
				res.Lost++
				continue
			}
			sec, _ := s.Section("1")
			if !strings.Contains(sec.Body, fmt.Sprintf("round 1, peer %d, draft %d.", i, d)) ||
				live && !strings.Contains(sec.Body, fmt.Sprintf("live, peer %d, draft %d.", i, d)) {
				res.Lost++
				if len(res.Errors) < 5 {
					var st []string
					for _, x := range p.eng.Status() {
						if x.Draft == id {
							st = append(st, fmt.Sprintf("%+v", x))
						}
					}
					ls, _ := p.ws.Session(ctx, id)
					listed := ls.ListedRelays()
					ls.Close(ctx)
					res.Errors = append(res.Errors, fmt.Sprintf("peer %d draft %d lacks an edit: %q; its status %v; it lists %v", i, d, sec.Body, st, listed))
				}
			}
			s.Close(ctx)
		}
	}
	return res, nil
}

// parallel runs f(0..n-1) with at most width at once and returns the first error.
func parallel(n, width int, f func(int) error) error {
	sem := make(chan struct{}, width)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := f(i); err != nil {
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("peer %d: %w", i, err)
				}
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	return first
}

func (r *loadResult) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "peers\tdrafts held\tsessions\tfailed\tsessions/s\tp50\tp99\trelay peak RSS\tthen live\tall edits in\trelay peak RSS\tedits lost\t")
	fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%.1f\t%.2f s\t%.2f s\t%.0f MB\t%d\t%.1f s\t%.0f MB\t%d\t\n", r.Peers, r.Drafts, r.Sessions, r.Failed, r.PerSecond, r.P50, r.P99, r.RelayPeakMB,
		r.Live, r.LiveSeconds, r.RelayLiveMB, r.Lost)
	tw.Flush()
	for _, e := range r.Errors {
		fmt.Fprintln(w, "failed:", e)
	}
}
