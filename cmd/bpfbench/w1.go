package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// w1Result is what the W1 replay measures. Times are wall-clock
// milliseconds on the machine that ran it; byte counts are deterministic
// up to Automerge's random actor ids.
type w1Result struct {
	Keystrokes    int      `json:"keystrokes"`
	Commits       int      `json:"commits"`
	ApplyMS       float64  `json:"apply_ms"`
	PersistP50MS  float64  `json:"persist_p50_ms"`
	PersistP99MS  float64  `json:"persist_p99_ms"`
	PersistMaxMS  float64  `json:"persist_max_ms"`
	FileBytes     int64    `json:"file_bytes"`
	SnapshotBytes int      `json:"snapshot_bytes"`
	ColdOpenMS    float64  `json:"cold_open_ms"`
	SealCheckMS   float64  `json:"seal_check_ms"` // of the cold open: reading and verifying the seals
	ExportBytes   int      `json:"export_automerge_bytes"`
	TextMatches   bool     `json:"text_matches_trace"`
	Anchors       *anchors `json:"anchors"`
}

// runW1 replays W1 through app into a SQLite store in dir, committing
// where the trace commits.
func runW1(ctx context.Context, w *Workloads, dir string, log *slog.Logger) (*w1Result, error) {
	tr := w.W1
	clock := tr.Commits[0].When().Add(-time.Minute)
	opts := app.Options{Logger: log, Now: func() time.Time { return clock }, CommitEvery: -1, IdleCommit: -1, Poll: -1}
	ws, err := app.Open(ctx, dir, opts)
	if err != nil {
		return nil, err
	}
	defer ws.Close()
	if _, err := ws.SetProfile(ctx, app.Profile{Name: "W1 author", Group: "Civil society", Region: "WEOG"}); err != nil {
		return nil, err
	}
	id, err := ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "W1", Year: 2025})
	if err != nil {
		return nil, err
	}
	s, err := ws.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	sections := sectionMap(s.Sections())

	res := &w1Result{Keystrokes: tr.keystrokes(), Commits: len(tr.Commits)}
	lat := make([]time.Duration, 0, len(tr.Commits))
	start := time.Now()
	for _, c := range tr.Commits {
		clock = c.When()
		for _, op := range c.Ops {
			if err := s.Splice(ctx, sections[op.Section], op.Pos, op.Del, op.Ins); err != nil {
				return nil, fmt.Errorf("commit at %d: %w", c.Time, err)
			}
		}
		t := time.Now()
		if err := s.Flush(ctx); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t))
	}
	res.ApplyMS = ms(time.Since(start))
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res.PersistP50MS = ms(lat[len(lat)/2])
	res.PersistP99MS = ms(lat[len(lat)*99/100])
	res.PersistMaxMS = ms(lat[len(lat)-1])
	res.TextMatches = textsMatch(s.Sections(), sections, tr.Final)

	if err := s.Compact(ctx); err != nil {
		return nil, err
	}
	snap, err := s.Save(ctx)
	if err != nil {
		return nil, err
	}
	res.SnapshotBytes = len(snap)
	res.ExportBytes = len(snap)
	if err := s.Close(ctx); err != nil {
		return nil, err
	}
	if err := ws.Close(); err != nil {
		return nil, err
	}
	st, err := os.Stat(filepath.Join(dir, app.FileName))
	if err != nil {
		return nil, err
	}
	res.FileBytes = st.Size()

	// Cold open: a new workspace on the closed file, open the draft, read every section.
	t := time.Now()
	ws2, err := app.Open(ctx, dir, app.Options{Logger: log, Poll: -1})
	if err != nil {
		return nil, err
	}
	s2, err := ws2.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, sec := range s2.Sections() {
		n += len(sec.Body)
	}
	res.ColdOpenMS = ms(time.Since(t))
	res.SealCheckMS = ms(s2.SealCheckTime())
	if n == 0 {
		return nil, fmt.Errorf("cold open read no text")
	}
	res.TextMatches = res.TextMatches && textsMatch(s2.Sections(), sections, tr.Final)
	s2.Close(ctx)
	ws2.Close()
	return res, nil
}

// sectionMap maps the trace's s1..s8 to the first eight section ids.
func sectionMap(secs []crdt.Section) map[string]string {
	m := map[string]string{}
	for i := 0; i < 8 && i < len(secs); i++ {
		m[fmt.Sprintf("s%d", i+1)] = secs[i].ID
	}
	return m
}

func textsMatch(secs []crdt.Section, ids map[string]string, final map[string]string) bool {
	byID := map[string]string{}
	for _, s := range secs {
		byID[s.ID] = s.Body
	}
	for name, want := range final {
		if byID[ids[name]] != want {
			return false
		}
	}
	return len(final) > 0
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (r *w1Result) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "W1: %d keystrokes in %d commits, replayed through app into SQLite\t\t\t\t\t\n", r.Keystrokes, r.Commits)
	fmt.Fprintln(tw, "measure\tBPF Draft\tAutomerge JS\tYjs\ttarget\t")
	a := r.Anchors
	fmt.Fprintf(tw, "apply (incl. persist)\t%.0f ms\t%.0f ms\t%.0f ms\t\t\n", r.ApplyMS, a.Automerge.W1MS, a.Yjs.W1MS)
	fmt.Fprintf(tw, "persist per commit p50\t%.2f ms\t\t\t\t\n", r.PersistP50MS)
	fmt.Fprintf(tw, "persist per commit p99\t%.2f ms\t\t\t≤ 16 ms\t\n", r.PersistP99MS)
	fmt.Fprintf(tw, "persist per commit max\t%.2f ms\t\t\t\t\n", r.PersistMaxMS)
	fmt.Fprintf(tw, "saved document (export --format automerge)\t%d B\t%d B\t%d B\t≤ %d B\t\n", r.ExportBytes, a.Automerge.W1Save, a.Yjs.W1Save, 29066)
	fmt.Fprintf(tw, "SQLite file after compaction\t%d B\t\t\t\t\n", r.FileBytes)
	fmt.Fprintf(tw, "cold open + read all sections\t%.1f ms\t\t\t≤ 200 ms\t\n", r.ColdOpenMS)
	fmt.Fprintf(tw, "  of which checking the signatures\t%.2f ms\t\t\t≤ 30 ms\t\n", r.SealCheckMS)
	fmt.Fprintf(tw, "final text equals the trace's\t%v\t\t\t\t\n", r.TextMatches)
	tw.Flush()
	fmt.Fprintf(w, "anchors: %s\n", a.Source)
}
