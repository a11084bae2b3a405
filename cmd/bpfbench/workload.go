package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Op is one keystroke of a trace: in section S, delete Del code points at
// Pos and insert Ins.
type Op struct {
	Section string
	Pos     int
	Del     int
	Ins     string
}

// UnmarshalJSON reads the trace's [section, pos, del, ins] arrays.
func (o *Op) UnmarshalJSON(b []byte) error {
	var raw [4]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for i, dst := range []any{&o.Section, &o.Pos, &o.Del, &o.Ins} {
		if err := json.Unmarshal(raw[i], dst); err != nil {
			return fmt.Errorf("op field %d: %w", i, err)
		}
	}
	return nil
}

// Commit is a run of keystrokes committed together.
type Commit struct {
	Time int64 `json:"time"`
	Ops  []Op  `json:"ops"`
}

// When returns the commit's time.
func (c Commit) When() time.Time { return time.Unix(c.Time, 0).UTC() }

// Trace is a sequence of commits and the texts it must produce.
type Trace struct {
	Commits []Commit          `json:"commits"`
	Final   map[string]string `json:"final"`
}

// Workloads is shared/bench/workloads.json.
type Workloads struct {
	Seed int   `json:"seed"`
	W1   Trace `json:"w1"`
	W2   Trace `json:"w2"`
	W3   struct {
		PeerSections map[string][]string `json:"peer_sections"`
		Peers        map[string]Trace    `json:"peers"`
	} `json:"w3"`
}

func loadWorkloads(path string) (*Workloads, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w (run from the repository root, next to ../shared, or pass -workloads)", err)
	}
	var w Workloads
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return &w, nil
}

// keystrokes counts the ops of a trace.
func (t Trace) keystrokes() int {
	n := 0
	for _, c := range t.Commits {
		n += len(c.Ops)
	}
	return n
}
