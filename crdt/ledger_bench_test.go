package crdt

import (
	"encoding/json"
	"os"
	"testing"
	"time"
)

// w1Draft replays the shared W1 trace into a draft, one commit per trace
// commit, its eight sections standing for the trace's s1..s8.
func w1Draft(tb testing.TB) *Doc {
	tb.Helper()
	raw, err := os.ReadFile("../../shared/bench/workloads.json")
	if err != nil {
		tb.Skipf("shared workloads not beside the repository: %v", err)
	}
	var w struct {
		W1 struct {
			Commits []struct {
				Time int64                `json:"time"`
				Ops  [][4]json.RawMessage `json:"ops"`
			} `json:"commits"`
		} `json:"w1"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		tb.Fatal(err)
	}
	d, err := New(NewActor(), TemplateOutput, "W1", "", 2025, t0)
	if err != nil {
		tb.Fatal(err)
	}
	secs := d.Sections()
	for _, c := range w.W1.Commits {
		for _, op := range c.Ops {
			var sec, ins string
			var pos, del int
			json.Unmarshal(op[0], &sec)
			json.Unmarshal(op[1], &pos)
			json.Unmarshal(op[2], &del)
			json.Unmarshal(op[3], &ins)
			if err := d.Splice(secs[int(sec[1]-'1')].ID, pos, del, ins); err != nil {
				tb.Fatal(err)
			}
		}
		at := time.Unix(c.Time, 0)
		d.SetClock(func() time.Time { return at })
		if _, err := d.Commit(); err != nil {
			tb.Fatal(err)
		}
	}
	return d
}

// BenchmarkLedgerW1 builds the ledger of W1-final from cold.
//
//	go test ./crdt -run '^$' -bench LedgerW1 -benchtime 5x
func BenchmarkLedgerW1(b *testing.B) {
	d := w1Draft(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l := NewLedger()
		if _, err := l.Update(d); err != nil {
			b.Fatal(err)
		}
	}
}
