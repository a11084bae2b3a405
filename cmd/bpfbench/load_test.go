package main

import (
	"context"
	"testing"
)

// TestLoad runs the load suite at CI size: the real bpfrelay, 20 peers
// of 3 drafts syncing at once, 80 more drafts held, then all of them
// live while each edits each of its drafts once more. Full size:
// `go run ./cmd/bpfbench -no-anchors -held 8000 load` (docs/BENCHMARKS.md).
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real relay")
	}
	r, err := runLoad(context.Background(), t.TempDir(), 20, 3, 80, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *r)
	if r.Failed > 0 || r.Lost > 0 || r.Sessions != 40 || r.Drafts != 140 {
		t.Fatalf("%d of %d sessions failed, %d edits lost, %d drafts held: %v", r.Failed, r.Sessions, r.Lost, r.Drafts, r.Errors)
	}
	if r.RelayPeakMB <= 0 {
		t.Error("the relay's memory was not measured")
	}
}
