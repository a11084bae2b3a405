package main

import (
	"context"
	"path/filepath"
	"testing"
)

// TestChaos runs the chaos suite at CI size against freshly built
// binaries: real processes, kill -9, a restored backup and a partition.
// Full size: `go run ./cmd/bpfbench -no-anchors -rounds 100 chaos`.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binaries")
	}
	ctx := context.Background()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := buildBinaries(ctx, bin, "bpfdraft", "bpfrelay"); err != nil {
		t.Fatal(err)
	}
	// Seed 2 restores a backup and partitions within its eight rounds.
	r, err := runChaos(ctx, chaosConfig{Rounds: 8, Seed: 2, Bin: bin, Dir: dir, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *r)
	if err := r.ok(); err != nil {
		t.Fatal(err)
	}
	if r.Restores == 0 || r.Partitions == 0 || r.RelayKills == 0 || r.Acked == 0 {
		t.Fatalf("the run did not exercise every fault: %+v", *r)
	}
}
