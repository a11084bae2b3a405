// Command bpfbench replays the shared benchmark traces
// (../shared/bench/workloads.json) through BPF Draft and prints our
// numbers beside the Automerge JS and Yjs anchors.
//
//	bpfbench w1      W1 through app into SQLite: apply, persist p50/p99,
//	                 file size, cold open, export size
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
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
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: bpfbench [-workloads FILE] [-anchors DIR | -no-anchors] [-json] [-dir DIR] w1")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if fs.NArg() != 1 || fs.Arg(0) != "w1" {
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
	res, err := runW1(ctx, w, d, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bpfbench:", err)
		os.Exit(1)
	}
	res.Anchors = publishedAnchors()
	if !*noAnchors {
		if a, err := runAnchors(ctx, *anchorDir); err != nil {
			fmt.Fprintf(os.Stderr, "bpfbench: anchors not run (%v); printing RESULTS.md's numbers\n", err)
		} else {
			res.Anchors = a
		}
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
		return
	}
	res.print(os.Stdout)
}
