// Command bpfbench replays the shared benchmark traces
// (../shared/bench/workloads.json) through BPF Draft and prints our
// numbers beside the Automerge JS and Yjs anchors.
//
//	bpfbench w1      W1 through app into SQLite: apply, persist p50/p99,
//	                 file size, cold open, export size
//	bpfbench wire    bytes on the wire for W1 join, W2 warm and after a
//	                 reconnect, and W3 through a hub, peer to peer and
//	                 through a relay that holds sealed blobs
//	bpfbench lowband W2 and W3 through a relay over an emulated 32 kbit/s,
//	                 400 ms, 3 % loss link (TCP and QUIC): time and bytes
//	bpfbench live    W2 typed a key every 60 ms through the window's path,
//	                 with a live peer 200 ms away and without: commits and
//	                 bytes; keystrokes while another process holds the
//	                 data file's write lock for 5 s; and with the typing
//	                 previews the window sends: their bytes
//	bpfbench preview W2 typed on one machine, read on another with the
//	                 previews placed: key to preview, over loopback TCP,
//	                 directly and through a serve peer
//	bpfbench review  W1-final and W3-final: attribution cold and after one
//	                 remote change, review since creation, diff of two
//	                 versions, growth with 200 comments and 500 decisions
//	bpfbench load    200 peers × 10 drafts syncing with one relay at once
//	                 (-peers, -drafts-per-peer): sessions/s, p99, relay RSS
//	bpfbench large   a pasted annex as large as a draft takes (app.MaxDraftText)
//	                 committed at once and fetched by a co-author (issues 13, 15)
//	bpfbench big     bpfdraft's commands, as processes, on drafts of 40 KB,
//	                 250 KB and 1 MB: time and peak memory (issue 15)
//	bpfbench chaos   a relay and three peers as real processes, killed,
//	                 restored from backups and partitioned at random
//	                 (-rounds, -seed); fails if an acknowledged edit is lost
//	bpfbench publish W1-final exported to every format, and an import of
//	                 1,000 public comments
//	bpfbench window  the real window under Xvfb, driven by xdotool: keys
//	                 typed into long texts until shown and saved, each
//	                 key to the screen, typing right after a click, a
//	                 resize, the start with 50 drafts, then window2 (window.sh)
//	bpfbench window2 two windows on one screen, co-authors of a draft
//	                 linked directly and through a serve peer: a key typed
//	                 in one to the other's screen
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fs := flag.NewFlagSet("bpfbench", flag.ContinueOnError)
	workloads := fs.String("workloads", "../shared/bench/workloads.json", "the shared traces")
	asJSON := fs.Bool("json", false, "print results as JSON")
	dir := fs.String("dir", "", "data directory to use (default: a new temporary one)")
	anchorDir := fs.String("anchors", "../shared/bench/anchors", "the anchor benchmark to run beside ours")
	noAnchors := fs.Bool("no-anchors", false, "print the anchors' published numbers instead of running them")
	peers := fs.Int("peers", 200, "load: peers syncing with the relay at once")
	perPeer := fs.Int("drafts-per-peer", 10, "load: drafts each peer holds")
	liveLoad := fs.Bool("live", true, "load: then keep every peer connected while each edits its drafts once more")
	held := fs.Int("held", 0, "load: drafts the relay holds besides the peers' (uploaded before the run, 80 per extra peer)")
	rounds := fs.Int("rounds", 100, "chaos: rounds of writes, syncs and faults")
	seed := fs.Uint64("seed", 1, "chaos: the faults' random seed")
	verbose := fs.Bool("v", false, "chaos: log each round")
	only := fs.String("only", "", `lowband: run only the rows whose "transport workload connections" contain this, e.g. "tcp W2 dialed"`)
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: bpfbench [-workloads FILE] [-anchors DIR | -no-anchors] [-json] [-dir DIR] w1|wire|lowband|live|preview|review|publish|large|big|load|chaos|window|window2")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if fs.NArg() != 1 || !slices.Contains([]string{"w1", "wire", "lowband", "live", "preview", "review", "publish", "large", "big", "load", "chaos", "window", "window2"}, fs.Arg(0)) {
		fs.Usage()
		os.Exit(2)
	}
	w, err := loadWorkloads(*workloads)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bpfbench:", err)
		os.Exit(1)
	}
	d := *dir
	if d == "" {
		if d, err = os.MkdirTemp("", "bpfbench-"); err != nil {
			fmt.Fprintln(os.Stderr, "bpfbench:", err)
			os.Exit(1)
		}
		defer os.RemoveAll(d)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	anch := publishedAnchors()
	if !*noAnchors {
		if a, err := runAnchors(ctx, *anchorDir); err != nil {
			fmt.Fprintf(os.Stderr, "bpfbench: anchors not run (%v); printing RESULTS.md's numbers\n", err)
		} else {
			anch = a
		}
	}
	// Each benchmark yields what -json prints and how to print it as a table.
	var (
		result any
		table  func()
	)
	switch fs.Arg(0) {
	case "w1":
		var r *w1Result
		if r, err = runW1(ctx, w, d, log); err == nil {
			r.Anchors = anch
			result, table = r, func() { r.print(os.Stdout) }
		}
	case "live":
		var r *liveResult
		if r, err = runLive(ctx, w, d, log); err == nil {
			result, table = r, func() { r.print(os.Stdout) }
		}
	case "preview":
		var r *previewResult
		if r, err = runPreview(ctx, w, d, log); err == nil {
			result, table = r, func() { r.print(os.Stdout) }
		}
	case "lowband":
		var rs []lowbandResult
		if rs, err = runLowband(ctx, w, d, *only, log); err == nil {
			result, table = rs, func() { printLowband(os.Stdout, rs) }
		}
	case "load":
		var r *loadResult
		if r, err = runLoad(ctx, d, *peers, *perPeer, *held, *liveLoad); err == nil {
			result, table = r, func() { r.print(os.Stdout) }
		}
	case "chaos":
		var r *chaosResult
		if r, err = benchChaos(ctx, d, *rounds, *seed, *verbose); err == nil {
			result, table = r, func() { r.print(os.Stdout) }
		}
	case "window2":
		var rs []remoteLatency
		if rs, err = runTwoWindows(ctx, w, d); err == nil {
			result, table = rs, func() { (&windowResult{Remote: rs}).printRemote(os.Stdout) }
		}
	case "window":
		var r *windowResult
		if r, err = runWindow(ctx, w, d); err == nil {
			result, table = r, func() { r.print(os.Stdout) }
		}
	case "large":
		var rs []largeResult
		if rs, err = runLarge(ctx, d, log); err == nil {
			result, table = rs, func() { printLarge(os.Stdout, rs) }
		}
	case "big":
		var rs []bigResult
		if rs, err = runBig(ctx, d, log); err == nil {
			result, table = rs, func() { printBig(os.Stdout, rs) }
		}
	case "publish":
		var r *publishResult
		if r, err = runPublish(ctx, w, d, log); err == nil {
			result, table = r, func() { r.print(os.Stdout) }
		}
	case "review":
		var rs []reviewResult
		if rs, err = runReview(ctx, w, d, log); err == nil {
			result, table = rs, func() { printReview(os.Stdout, rs) }
		}
	case "wire":
		var r *wireResult
		var rr *relayWireResult
		if r, err = runWire(ctx, w, d, log); err == nil {
			rr, err = runRelayWire(ctx, w, filepath.Join(d, "relayed"), log)
		}
		if err == nil {
			result = struct {
				*wireResult
				Relayed *relayWireResult `json:"through_relay"`
				Anchors *anchors         `json:"anchors"`
			}{r, rr, anch}
			table = func() { r.print(os.Stdout, anch); fmt.Println(); rr.print(os.Stdout) }
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bpfbench:", err)
		os.Exit(1)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(result)
	} else {
		table()
	}
	if r, ok := result.(*chaosResult); ok {
		if err := r.ok(); err != nil {
			// The data dirs stay for a look at what went wrong.
			fmt.Fprintf(os.Stderr, "bpfbench: chaos: %v (data kept in %s)\n", err, d)
			os.Exit(1)
		}
	}
}
