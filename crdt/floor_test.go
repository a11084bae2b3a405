package crdt

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/automerge/automerge-go"
)

// BenchmarkBareW1 replays W1 into a plain automerge-go document (eight
// text fields, no metadata, empty messages): the floor that this library
// version sets for W1's saved size, against which a draft's own overhead
// (headings, hints, registry, commit messages) is measured.
//
//	go test ./crdt -run '^$' -bench BareW1 -benchtime 1x
func BenchmarkBareW1(b *testing.B) {
	raw, err := os.ReadFile("../../shared/bench/workloads.json")
	if err != nil {
		b.Skipf("shared workloads not beside the repository: %v", err)
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
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		d := automerge.New()
		texts := map[string]*automerge.Text{}
		for s := 1; s <= 8; s++ {
			name := "s" + string(rune('0'+s))
			d.RootMap().Set(name, automerge.NewText(""))
			v, _ := d.RootMap().Get(name)
			texts[name] = v.Text()
		}
		d.Commit("")
		for _, c := range w.W1.Commits {
			for _, op := range c.Ops {
				var sec, ins string
				var pos, del int
				json.Unmarshal(op[0], &sec)
				json.Unmarshal(op[1], &pos)
				json.Unmarshal(op[2], &del)
				json.Unmarshal(op[3], &ins)
				if err := texts[sec].Splice(pos, del, ins); err != nil {
					b.Fatal(err)
				}
			}
			at := time.Unix(c.Time, 0)
			d.Commit("", automerge.CommitOptions{Time: &at})
		}
		b.ReportMetric(float64(len(d.Save())), "saved-bytes")
	}
}
