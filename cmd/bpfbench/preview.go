package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/textop"
	docsync "github.com/igf-bpf/bpfdraft/sync"
)

// previewResult is how long a co-author's keystroke takes to reach my
// copy as a typing preview, placed where it shows: W2 typed a key every
// liveGap on a, as the window types and sends its preview, and read on b
// as the window reads it, over loopback TCP, directly and through a
// middle peer that holds the draft and forwards (a `serve` peer).
type previewResult struct {
	Rounds     int            `json:"rounds"`
	Keystrokes int            `json:"keystrokes"`
	GapMS      int            `json:"gap_ms"`
	Links      []previewTimes `json:"links"`
}

type previewTimes struct {
	Link   string  `json:"link"`
	P50MS  float64 `json:"p50_ms"`
	P90MS  float64 `json:"p90_ms"`
	P99MS  float64 `json:"p99_ms"`
	MaxMS  float64 `json:"max_ms"`
	Frames int     `json:"preview_frames"` // sent by a
	Bytes  int64   `json:"preview_bytes"`
}

// previewRounds is how many times W2 is typed per link: its 20 keys are
// too few for a 99th percentile.
const previewRounds = 10

func runPreview(ctx context.Context, w *Workloads, dir string, log *slog.Logger) (*previewResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	res := &previewResult{Rounds: previewRounds, GapMS: int(liveGap / time.Millisecond)}
	for _, middle := range []bool{false, true} {
		name := "direct"
		if middle {
			name = "through a serve peer"
		}
		pt, n, err := previewOnce(ctx, w, filepath.Join(dir, name), middle, log)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		pt.Link, res.Keystrokes = name, n
		res.Links = append(res.Links, pt)
	}
	return res, nil
}

// previewOnce types W2 previewRounds times and returns the latencies of
// its keys at b and how many were typed.
func previewOnce(ctx context.Context, w *Workloads, dir string, middle bool, log *slog.Logger) (previewTimes, int, error) {
	var pt previewTimes
	p, err := openLivePeers(ctx, w, dir, log)
	if err != nil {
		return pt, 0, err
	}
	defer p.close()
	if err := p.typeByTheAppsRule(ctx, dir, log); err != nil {
		return pt, 0, err
	}
	ea := docsync.New(p.a.ws.SyncLibrary(), p.a.name, log)
	eb := docsync.New(p.b.ws.SyncLibrary(), p.b.name, log)
	var links []func()
	defer func() {
		for _, stop := range links {
			stop()
		}
	}()
	var st docsync.Stats
	if middle {
		m, err := openReplica(ctx, filepath.Join(dir, "m"), "m", log)
		if err != nil {
			return pt, 0, err
		}
		defer m.close()
		inv, err := p.a.ws.Invite(ctx, p.a.s.ID(), nil, nil)
		if err != nil {
			return pt, 0, err
		}
		if _, err := m.ws.Join(ctx, inv.Code()); err != nil {
			return pt, 0, err
		}
		if _, err := session(ctx, p.a, m, log); err != nil {
			return pt, 0, err
		}
		// The serve peer holds the draft open, as `bpfdraft serve` does
		// while sessions sync it.
		if m.s, err = m.ws.Session(ctx, p.a.s.ID()); err != nil {
			return pt, 0, err
		}
		em := docsync.New(m.ws.SyncLibrary(), m.name, log)
		for _, side := range []struct {
			e    *docsync.Engine
			name string
			st   *docsync.Stats
		}{{ea, p.a.name, &st}, {eb, p.b.name, nil}} {
			stop, err := tcpLink(ctx, side.e, side.name, em, m.name, side.st)
			if err != nil {
				return pt, 0, err
			}
			links = append(links, stop)
		}
	} else {
		stop, err := tcpLink(ctx, ea, p.a.name, eb, p.b.name, &st)
		if err != nil {
			return pt, 0, err
		}
		links = append(links, stop)
	}
	if err := agree(ctx, p.a.s, p.b.s); err != nil {
		return pt, 0, err
	}
	// Both live sessions open before the first key.
	for !connected(ea) || !connected(eb) {
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			return pt, 0, errors.New("the live sessions never opened")
		}
	}
	var took []time.Duration
	for range previewRounds {
		t, err := previewRound(ctx, p, eb, ea, w.W2)
		if err != nil {
			return pt, 0, err
		}
		took = append(took, t...)
		if err := agree(ctx, p.a.s, p.b.s); err != nil {
			return pt, 0, err
		}
	}
	for _, stop := range links {
		stop()
	}
	links = nil
	slices.Sort(took)
	at := func(q float64) float64 { return ms(took[min(int(q*float64(len(took))), len(took)-1)]) }
	pt.P50MS, pt.P90MS, pt.P99MS, pt.MaxMS = at(0.5), at(0.9), at(0.99), ms(took[len(took)-1])
	pt.Frames, pt.Bytes = st.PreviewFrames, st.PreviewBytes
	return pt, len(took), nil
}

func connected(e *docsync.Engine) bool {
	for _, s := range e.Status() {
		if s.Connected {
			return true
		}
	}
	return false
}

// tcpLink runs a live session over loopback TCP, caller dialing answerer;
// stop ends it, and fills st with the caller's counts if st is set.
func tcpLink(ctx context.Context, caller *docsync.Engine, callerName string, answerer *docsync.Engine, answererName string, st *docsync.Stats) (stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer l.Close()
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	accepted := make(chan net.Conn, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := l.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
		answerer.Answer(ctx, c, callerName)
		c.Close()
	}()
	x, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		cancel()
		l.Close()
		wg.Wait()
		return nil, err
	}
	y := <-accepted
	wg.Add(1)
	go func() {
		defer wg.Done()
		s, _ := caller.Run(ctx, x, answererName, false)
		if st != nil {
			*st = s
		}
		x.Close()
	}()
	return func() {
		cancel()
		x.Close()
		if y != nil {
			y.Close()
		}
		wg.Wait()
	}, nil
}

// previewRound types a trace's keys on a as the window does (the edit,
// then, once the draft's owner acknowledged it, the preview) while b is
// watched as the window watches it (previews arriving, changes merged):
// each time either moves, b's text is read with the co-author's previews
// placed in it, and every key whose text it shows is timed.
func previewRound(ctx context.Context, p *livePeers, eb, ea *docsync.Engine, tr Trace) ([]time.Duration, error) {
	id := p.a.s.ID()
	send := previewSender(p.a.s, ea)
	sub := p.a.s.Attach()
	defer sub.Close()
	// The texts each key makes, and when it was typed.
	type key struct {
		sec  string
		op   textop.Op
		text string
	}
	var keys []key
	texts := map[string][]rune{}
	for _, c := range tr.Commits {
		for _, op := range c.Ops {
			sec := p.ids[op.Section]
			if _, ok := texts[sec]; !ok {
				t, err := sub.Open(sec)
				if err != nil {
					return nil, err
				}
				texts[sec] = []rune(t)
			}
			o, err := textop.Splice(len(texts[sec]), op.Pos, op.Del, op.Ins)
			if err != nil {
				return nil, err
			}
			if texts[sec], err = o.Apply(texts[sec]); err != nil {
				return nil, err
			}
			keys = append(keys, key{sec, o, string(texts[sec])})
		}
	}
	typed := make([]time.Time, len(keys))
	seen := make([]time.Time, len(keys))
	var mu sync.Mutex // typed and seen
	done := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		previews, stop := eb.WatchPreviews()
		defer stop()
		merged, cancel := p.b.s.Subscribe()
		defer cancel()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		next := 0 // the first key not seen yet
		for next < len(keys) {
			select {
			case <-previews:
			case <-merged:
			case <-tick.C:
			case <-done:
				return
			}
			shown := shownAt(p.b.s, eb, id, keys[next].sec)
			now := time.Now()
			mu.Lock()
			for j := len(keys) - 1; j >= next; j-- {
				if keys[j].text == shown && !typed[j].IsZero() {
					for ; next <= j; next++ {
						seen[next] = now
					}
					break
				}
			}
			mu.Unlock()
		}
	}()
	start := time.Now()
	for i, k := range keys {
		select {
		case <-time.After(time.Until(start.Add(time.Duration(i) * liveGap))):
		case <-ctx.Done():
			close(done)
			return nil, ctx.Err()
		}
		mu.Lock()
		typed[i] = time.Now()
		mu.Unlock()
		if err := sub.Edit(k.sec, k.op); err != nil {
			close(done)
			return nil, err
		}
		select { // the window pumps once the owner acknowledged
		case <-sub.Ready():
		case <-time.After(liveGap):
		}
		sub.Next()
		send()
	}
	for range 3 {
		p.a.s.Applied()
		sub.Next()
	}
	send()
	// The last keys arrive with the idle commit at the latest.
	select {
	case <-watched:
	case <-time.After(5 * time.Second):
		close(done)
		<-watched
		return nil, errors.New("some keys never showed at the co-author")
	}
	if err := p.a.s.Flush(ctx); err != nil {
		return nil, err
	}
	send()
	out := make([]time.Duration, len(keys))
	for i := range keys {
		out[i] = seen[i].Sub(typed[i])
	}
	return out, nil
}

// shownAt is a section's text as b's window shows it: its own, with the
// co-authors' previews placed in it.
func shownAt(s *app.Session, e *docsync.Engine, draft, sec string) string {
	var body []rune
	for _, x := range s.View().Sections {
		if x.ID == sec {
			body = []rune(x.Body)
		}
	}
	for _, entry := range e.Previews(draft) {
		p, err := app.DecodePreview(entry.Data)
		if err != nil {
			continue
		}
		at, ghosts, ok := s.PlacePreview(p)
		if !ok || at != sec {
			continue
		}
		for i := len(ghosts) - 1; i >= 0; i-- {
			g := ghosts[i]
			body = slices.Concat(body[:g.Pos], []rune(g.Text), body[g.Pos+g.Del:])
		}
	}
	return string(body)
}

func (r *previewResult) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "W2 ×%d: %d keystrokes %d ms apart, loopback TCP\tp50\tp90\tp99\tmax\tpreview frames (bytes)\n", r.Rounds, r.Keystrokes, r.GapMS)
	for _, l := range r.Links {
		fmt.Fprintf(tw, "key to preview placed at the co-author, %s\t%.1f ms\t%.1f ms\t%.1f ms\t%.1f ms\t%d (%d B)\n", l.Link, l.P50MS, l.P90MS, l.P99MS, l.MaxMS, l.Frames, l.Bytes)
	}
	fmt.Fprintln(tw, "target (to the co-author's screen, which adds the window's drawing)\t≤ 150 ms\t\t≤ 300 ms\t\t")
	tw.Flush()
}
