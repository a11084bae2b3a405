package main

import (
	"context"
	"log/slog"
	"os"
	"testing"
)

const sharedWorkloads = "../../../shared/bench/workloads.json"

// needWorkloads loads the shared traces. Without them beside the
// repository the test is skipped, except in CI (BPF_REQUIRE_SHARED=1),
// where a missing ../shared must not pass as green.
func needWorkloads(t *testing.T) (*Workloads, error) {
	t.Helper()
	if _, err := os.Stat(sharedWorkloads); err != nil {
		if os.Getenv("BPF_REQUIRE_SHARED") != "" {
			t.Fatalf("shared workloads not beside the repository, and BPF_REQUIRE_SHARED is set: %v", err)
		}
		t.Skipf("shared workloads not beside the repository: %v", err)
	}
	return loadWorkloads(sharedWorkloads)
}

func TestW1Replay(t *testing.T) {
	if testing.Short() {
		t.Skip("replays 43,638 keystrokes")
	}
	w, err := needWorkloads(t)
	if err != nil {
		t.Fatal(err)
	}
	if got := w.W1.keystrokes(); got != 43638 || len(w.W1.Commits) != 2191 {
		t.Fatalf("W1 has %d keystrokes in %d commits, want 43,638 in 2,191", got, len(w.W1.Commits))
	}
	res, err := runW1(context.Background(), w, t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if !res.TextMatches {
		t.Error("replayed text differs from the trace's final text")
	}
	// A guard against regressions in what we add to each commit: the bare
	// trace saves to about 29.5 KB in automerge-go, our metadata adds ~4 KB.
	if res.ExportBytes > 36000 {
		t.Errorf("W1 saves to %d B, more than the 36,000 B guard", res.ExportBytes)
	}
	t.Logf("%+v", *res)
}

func TestWireReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("replays W1, W2 and W3 through the sync engine")
	}
	w, err := needWorkloads(t)
	if err != nil {
		t.Fatal(err)
	}
	res, err := runWire(context.Background(), w, t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if !res.W3Converged {
		t.Errorf("W3 did not converge in %d sessions", res.W3Sessions)
	}
	// Byte counts vary by a few dozen bytes from run to run (actor ids and
	// hashes are random, and deflate meets them), far less than the
	// margins, so issue 4's targets are asserted as they stand.
	atMost(t, "", []byteTarget{
		{"W2 warm", res.W2Warm, 200},
		{"W2 after reconnect", res.W2Reconnect, 400},
		{"W1 join", res.W1Join, 30000},
		{"W3 via the hub", res.W3Hub, 15000},
	})
	t.Logf("%+v", *res)

	// Through a relay holding sealed blobs, each participant's leg.
	rr, err := runRelayWire(context.Background(), w, t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if !rr.W3Converged {
		t.Errorf("W3 through the relay did not converge in %d sessions", rr.W3Sessions)
	}
	atMost(t, "through the relay, ", []byteTarget{
		{"W2 warm, author's leg", rr.W2WarmUp, 200},
		{"W2 warm, reader's leg", rr.W2WarmDown, 200},
		{"W2 after reconnect, author's leg", rr.W2ReconnectUp, 400},
		{"W2 after reconnect, reader's leg", rr.W2ReconnectDn, 400},
		{"W1 join", rr.W1Join, 30000},
		{"W3, all legs", rr.W3, 15000},
	})
	t.Logf("through the relay: %+v", *rr)
}

// byteTarget is a workload's bytes and the most it may take.
type byteTarget struct {
	name      string
	got, want int64
}

// atMost reports every target exceeded, its name after prefix.
func atMost(t *testing.T, prefix string, targets []byteTarget) {
	t.Helper()
	for _, c := range targets {
		if c.got > c.want {
			t.Errorf("%s%s: %d B on the wire, target %d B", prefix, c.name, c.got, c.want)
		}
	}
}

// TestLowbandW2 runs the slow-link scenario for W2 over TCP, dialing per
// sync and with connections kept open: the link
// emulator, the relay and two peers behind it must converge. Timing is
// reported, not asserted.
func TestLowbandW2(t *testing.T) {
	if testing.Short() {
		t.Skip("takes tens of seconds behind a 32 kbit/s, 400 ms link")
	}
	w, err := needWorkloads(t)
	if err != nil {
		t.Fatal(err)
	}
	for _, live := range []bool{false, true} {
		r, err := lowbandOnce(context.Background(), w, t.TempDir(), "tcp", "W2", live, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("live %v: %v", live, err)
		}
		if r.LinkBytes <= 0 || !live && (r.LinkBytes <= r.StreamBytes || r.Sessions != 2) {
			t.Errorf("result %+v: the link must carry at least the stream", r)
		}
		t.Logf("%+v", r)
	}
}
