package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// reviewResult is what the review benchmark measures on one final state.
type reviewResult struct {
	Workload        string  `json:"workload"`
	Commits         int     `json:"commits"`
	TextChars       int     `json:"text_chars"`
	AttributionCold float64 `json:"attribution_cold_ms"` // every heading, from a closed file
	AttributionOne  float64 `json:"attribution_after_one_remote_change_ms"`
	Hunks           int     `json:"hunks_since_creation"`
	ReviewMS        float64 `json:"review_since_creation_ms"`
	ReviewDecidedMS float64 `json:"review_after_500_decisions_ms"`
	DiffMS          float64 `json:"diff_two_versions_ms"`
	SavedBefore     int     `json:"saved_bytes_before"`
	SavedAfter      int     `json:"saved_bytes_after_200_comments_500_decisions"`
	CommentText     int     `json:"comment_text_bytes"`
	GrowthPercent   float64 `json:"growth_percent"`
}

// runReview builds W1-final and W3-final (W1 then three peers offline
// for a day, merged) and measures attribution, review, diff and what
// review data costs the saved document.
func runReview(ctx context.Context, w *Workloads, dir string, log *slog.Logger) ([]reviewResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()
	var out []reviewResult
	for _, wl := range []string{"W1", "W3"} {
		r, err := reviewOnce(ctx, w, filepath.Join(dir, wl), wl, log)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", wl, err)
		}
		out = append(out, *r)
	}
	return out, nil
}

func reviewOnce(ctx context.Context, w *Workloads, dir, wl string, log *slog.Logger) (*reviewResult, error) {
	open := func(name string) (*replica, error) { return openReplica(ctx, filepath.Join(dir, name), name, log) }
	hub, err := open("hub")
	if err != nil {
		return nil, err
	}
	defer func() { hub.close() }()
	id, err := hub.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: wl, Year: 2025})
	if err != nil {
		return nil, err
	}
	if hub.s, err = hub.ws.Session(ctx, id); err != nil {
		return nil, err
	}
	ids := sectionMap(hub.s.Sections())
	if _, err := hub.s.NameVersion(ctx, "created"); err != nil {
		return nil, err
	}
	if err := hub.replay(ctx, w.W1, ids); err != nil {
		return nil, err
	}
	inv, err := hub.ws.Invite(ctx, id, nil, nil)
	if err != nil {
		return nil, err
	}
	join := func(name string) (*replica, error) {
		r, err := open(name)
		if err != nil {
			return nil, err
		}
		if _, err := r.ws.Join(ctx, inv.Code()); err != nil {
			return nil, err
		}
		if _, err := session(ctx, r, hub, log); err != nil {
			return nil, err
		}
		if r.s, err = r.ws.Session(ctx, id); err != nil {
			return nil, err
		}
		return r, nil
	}
	remote, err := join("remote")
	if err != nil {
		return nil, err
	}
	defer remote.close()
	if wl == "W3" {
		var peers []*replica
		for _, name := range []string{"A", "B", "C"} {
			p, err := join("w3" + name)
			if err != nil {
				return nil, err
			}
			defer p.close()
			if err := p.replay(ctx, w.W3.Peers[name], ids); err != nil {
				return nil, fmt.Errorf("peer %s: %w", name, err)
			}
			peers = append(peers, p)
		}
		for round := 0; round < 2; round++ {
			for _, p := range peers {
				if _, err := session(ctx, p, hub, log); err != nil {
					return nil, err
				}
			}
		}
	}
	if _, err := hub.s.NameVersion(ctx, "final"); err != nil {
		return nil, err
	}
	if _, err := session(ctx, remote, hub, log); err != nil {
		return nil, err
	}
	res := &reviewResult{Workload: wl}
	for _, sec := range hub.s.Sections() {
		res.TextChars += len([]rune(sec.Body))
	}
	log0, err := hub.s.Log(app.LogFilter{})
	if err != nil {
		return nil, err
	}
	res.Commits = len(log0)

	// Attribution from cold: the draft closed and opened again.
	if err := hub.s.Close(ctx); err != nil {
		return nil, err
	}
	if hub.s, err = hub.ws.Session(ctx, id); err != nil {
		return nil, err
	}
	start := time.Now()
	for _, sec := range hub.s.Sections() {
		if _, err := hub.s.Authors(sec.ID); err != nil {
			return nil, err
		}
	}
	res.AttributionCold = ms(time.Since(start))

	// One remote change: the remote peer types W2 and syncs.
	if err := remote.replay(ctx, w.W2, ids); err != nil {
		return nil, err
	}
	if _, err := session(ctx, remote, hub, log); err != nil {
		return nil, err
	}
	start = time.Now()
	if _, err := hub.s.Authors(ids[w.W2.Commits[0].Ops[0].Section]); err != nil {
		return nil, err
	}
	res.AttributionOne = ms(time.Since(start))

	start = time.Now()
	hunks, err := hub.s.Review("created")
	if err != nil {
		return nil, err
	}
	res.ReviewMS = ms(time.Since(start))
	res.Hunks = len(hunks)
	start = time.Now()
	if _, err := hub.s.Diff("created", "final"); err != nil {
		return nil, err
	}
	res.DiffMS = ms(time.Since(start))

	// Growth: 200 comments on passages spread over the draft, then 500
	// decisions, each its own commit, as a reviewer clicking through.
	if err := hub.s.Compact(ctx); err != nil {
		return nil, err
	}
	before, err := hub.s.Save(ctx)
	if err != nil {
		return nil, err
	}
	res.SavedBefore = len(before)
	rng := rand.New(rand.NewSource(11))
	secs := slices.DeleteFunc(hub.s.Sections(), func(s crdt.Section) bool { return len([]rune(s.Body)) < 40 })
	for i := 0; i < 200; i++ {
		sec := secs[rng.Intn(len(secs))]
		n := len([]rune(sec.Body))
		text := fmt.Sprintf("Comment %d: is this supported by the submissions?", i+1)
		res.CommentText += len(text)
		if _, err := hub.s.CommentAt(ctx, sec.ID, rng.Intn(n-30), 20, text); err != nil {
			return nil, err
		}
	}
	// Every fourth hunk is rejected, the rest accepted; with fewer than
	// 500 hunks, later rounds decide them again the same way (which
	// changes no text, as a reviewer confirming a verdict).
	for i := 0; i < 500; i++ {
		h := hunks[i%len(hunks)]
		verdict := app.Accept
		if i%len(hunks)%4 == 3 {
			verdict = app.Reject
		}
		if _, err := hub.s.Decide(ctx, verdict, []string{h.ID}, "", "created"); err != nil {
			return nil, err
		}
	}
	start = time.Now()
	if _, err := hub.s.Review("created"); err != nil {
		return nil, err
	}
	res.ReviewDecidedMS = ms(time.Since(start))
	if err := hub.s.Compact(ctx); err != nil {
		return nil, err
	}
	after, err := hub.s.Save(ctx)
	if err != nil {
		return nil, err
	}
	res.SavedAfter = len(after)
	res.GrowthPercent = float64(res.SavedAfter-res.SavedBefore) * 100 / float64(res.SavedBefore)
	return res, nil
}

func printReview(w io.Writer, rs []reviewResult) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tW1-final\tW3-final\ttarget\t")
	row := func(name string, f func(r reviewResult) string, target string) {
		fmt.Fprintf(tw, "%s\t", name)
		for _, r := range rs {
			fmt.Fprintf(tw, "%s\t", f(r))
		}
		fmt.Fprintf(tw, "%s\t\n", target)
	}
	row("commits / characters", func(r reviewResult) string { return fmt.Sprintf("%d / %d", r.Commits, r.TextChars) }, "")
	row("attribution, cold (every heading)", func(r reviewResult) string { return fmt.Sprintf("%.0f ms", r.AttributionCold) }, "≤ 500 ms")
	row("attribution after one remote change", func(r reviewResult) string { return fmt.Sprintf("%.1f ms", r.AttributionOne) }, "≤ 10 ms")
	row("review since creation (hunks)", func(r reviewResult) string { return fmt.Sprintf("%.0f ms (%d)", r.ReviewMS, r.Hunks) }, "≤ 200 ms")
	row("review again, after 500 decisions", func(r reviewResult) string { return fmt.Sprintf("%.0f ms", r.ReviewDecidedMS) }, "≤ 200 ms")
	row("diff of two versions", func(r reviewResult) string { return fmt.Sprintf("%.0f ms", r.DiffMS) }, "≤ 100 ms")
	row("saved before → after 200 comments, 500 decisions", func(r reviewResult) string {
		return fmt.Sprintf("%d → %d B", r.SavedBefore, r.SavedAfter)
	}, "")
	row("growth (comment text alone)", func(r reviewResult) string {
		return fmt.Sprintf("%.1f %% (%d B)", r.GrowthPercent, r.CommentText)
	}, "≤ 5 %")
	tw.Flush()
}
