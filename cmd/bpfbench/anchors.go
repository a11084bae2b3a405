package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
)

// anchors holds the numbers of the Automerge JS and Yjs anchor run that
// bpfbench prints beside ours.
type anchors struct {
	Source    string `json:"source"` // "measured now" or where the numbers come from
	Automerge struct {
		W1MS        float64  `json:"w1_ms"`
		W1Save      int      `json:"w1_save"`
		W1Join      msgBytes `json:"w1_join"`
		W2Warm      msgBytes `json:"w2_warm"`
		W2Persisted msgBytes `json:"w2_persisted"`
		W3Warm      msgBytes `json:"w3_warm"`
	} `json:"automerge"`
	Yjs struct {
		W1MS    float64  `json:"w1_ms"`
		W1Save  int      `json:"w1_save"`
		W1Join  msgBytes `json:"w1_join"`
		W2Event int      `json:"w2_event"`
		W2Pull  msgBytes `json:"w2_pull"`
		W3      msgBytes `json:"w3"`
	} `json:"yjs"`
}

type msgBytes struct {
	Bytes int `json:"bytes"`
}

// publishedAnchors are the figures in ../shared/bench/anchors/RESULTS.md
// (apply time: the first of its four runs), used when node is not here.
func publishedAnchors() *anchors {
	a := &anchors{Source: "RESULTS.md"}
	a.Automerge.W1MS, a.Automerge.W1Save = 5396, 29066
	a.Automerge.W1Join.Bytes, a.Automerge.W2Warm.Bytes, a.Automerge.W2Persisted.Bytes, a.Automerge.W3Warm.Bytes = 34759, 289, 474, 108718
	a.Yjs.W1MS, a.Yjs.W1Save = 225, 57349
	a.Yjs.W1Join.Bytes, a.Yjs.W2Event, a.Yjs.W2Pull.Bytes, a.Yjs.W3.Bytes = 57350, 49, 2181, 40115
	return a
}

// runAnchors runs the anchor benchmark (npm ci + node) in a scratch copy
// of dir, since the shared folder is read-only, and reads its JSON.
func runAnchors(ctx context.Context, dir string) (*anchors, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return nil, fmt.Errorf("node is not installed: %w", err)
	}
	tmp, err := os.MkdirTemp("", "bpfbench-anchors-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			if d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(tmp, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(tmp, rel), b, 0o755)
	})
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "bash", "run.sh", "--json")
	cmd.Dir = tmp
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("anchor run: %w", err)
	}
	var a anchors
	if err := json.Unmarshal(out, &a); err != nil {
		return nil, fmt.Errorf("anchor output: %w", err)
	}
	a.Source = "measured now (node " + dir + ")"
	return &a, nil
}
