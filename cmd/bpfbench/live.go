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
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/textop"
	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/crdt/sqlitestore"
	docsync "github.com/igf-bpf/bpfdraft/sync"
)

// liveResult is W2 typed as a person types it, through the window's
// path (app.Subscription), with a peer connected live and without one,
// and the window's keystrokes while another process holds the data
// file's write lock.
type liveResult struct {
	Keystrokes     int   `json:"keystrokes"`
	GapMS          int   `json:"gap_ms"`
	RTTMS          int   `json:"rtt_ms"`
	OfflineCommits int   `json:"offline_commits"`
	OfflineBytes   int64 `json:"offline_bytes"` // one sync afterwards, from warm states
	LiveCommits    int   `json:"live_commits"`
	LiveBytes      int64 `json:"live_bytes"` // from the first keystroke until both agree
	// The same with typing previews sent as the window sends them, on the
	// connection counted.
	PreviewCommits int     `json:"preview_commits"`
	PreviewBytes   int64   `json:"preview_live_bytes"`
	PreviewFrames  int     `json:"preview_frames"`
	PreviewFrameB  int64   `json:"preview_frame_bytes"` // of PreviewBytes, the preview frames'
	LockHeldMS     int     `json:"lock_held_ms"`
	LockedP50MS    float64 `json:"locked_keystroke_p50_ms"`
	LockedP99MS    float64 `json:"locked_keystroke_p99_ms"`
	LockedMaxMS    float64 `json:"locked_keystroke_max_ms"`
	LockedSaved    bool    `json:"locked_keystrokes_saved"`
}

const (
	liveGap = 60 * time.Millisecond
	liveRTT = 200 * time.Millisecond
	lockFor = 5 * time.Second
)

func runLive(ctx context.Context, w *Workloads, dir string, log *slog.Logger) (*liveResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	res := &liveResult{Keystrokes: w.W2.keystrokes(), GapMS: int(liveGap / time.Millisecond),
		RTTMS: int(liveRTT / time.Millisecond), LockHeldMS: int(lockFor / time.Millisecond)}
	var err error
	if res.OfflineCommits, res.OfflineBytes, _, err = liveOnce(ctx, w, filepath.Join(dir, "offline"), false, false, log); err != nil {
		return nil, fmt.Errorf("offline: %w", err)
	}
	if res.LiveCommits, res.LiveBytes, _, err = liveOnce(ctx, w, filepath.Join(dir, "live"), true, false, log); err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	var st docsync.Stats
	if res.PreviewCommits, res.PreviewBytes, st, err = liveOnce(ctx, w, filepath.Join(dir, "previews"), true, true, log); err != nil {
		return nil, fmt.Errorf("live with previews: %w", err)
	}
	res.PreviewFrames, res.PreviewFrameB = st.PreviewFrames, st.PreviewBytes
	if err := lockedTyping(ctx, w, filepath.Join(dir, "locked"), res, log); err != nil {
		return nil, fmt.Errorf("typing under a held write lock: %w", err)
	}
	return res, nil
}

// livePeers are two machines sharing W1's draft, each with sync states
// saved from a first sync, as after a day of work.
type livePeers struct {
	a, b *replica
	ids  map[string]string
}

func openLivePeers(ctx context.Context, w *Workloads, dir string, log *slog.Logger) (*livePeers, error) {
	a, err := openReplica(ctx, filepath.Join(dir, "a"), "a", log)
	if err != nil {
		return nil, err
	}
	b, err := openReplica(ctx, filepath.Join(dir, "b"), "b", log)
	if err != nil {
		a.close()
		return nil, err
	}
	p := &livePeers{a: a, b: b}
	fail := func(err error) (*livePeers, error) { p.close(); return nil, err }
	id, err := a.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "W2", Year: 2025})
	if err != nil {
		return fail(err)
	}
	if a.s, err = a.ws.Session(ctx, id); err != nil {
		return fail(err)
	}
	p.ids = sectionMap(a.s.Sections())
	if err := a.replay(ctx, w.W1, p.ids); err != nil {
		return fail(err)
	}
	inv, err := a.ws.Invite(ctx, id, nil, nil)
	if err != nil {
		return fail(err)
	}
	if _, err := b.ws.Join(ctx, inv.Code()); err != nil {
		return fail(err)
	}
	if _, err := session(ctx, a, b, log); err != nil {
		return fail(err)
	}
	if b.s, err = b.ws.Session(ctx, id); err != nil {
		return fail(err)
	}
	return p, nil
}

func (p *livePeers) close() {
	p.a.close()
	p.b.close()
}

// liveOnce types W2 on a, a key every liveGap, through a subscription as
// the window does, with the batching rule the app uses (20 keys or 1 s
// idle), and with previews, sends a's typing preview after each key as
// the window does. It returns the commits made and the bytes on the
// wire: with a live peer behind a liveRTT pipe, from the first key until
// both agree; without, one sync afterwards; and what a's side of a live
// session counted.
func liveOnce(ctx context.Context, w *Workloads, dir string, live, previews bool, log *slog.Logger) (commits int, bytes int64, st docsync.Stats, err error) {
	p, err := openLivePeers(ctx, w, dir, log)
	if err != nil {
		return 0, 0, st, err
	}
	defer p.close()
	if err := p.typeByTheAppsRule(ctx, dir, log); err != nil {
		return 0, 0, st, err
	}
	before := editCount(p.a.s)
	var counted atomic.Int64
	var stop func() docsync.Stats
	var after func()
	if live {
		var ea *docsync.Engine
		ea, stop = keepLive(ctx, p.a, p.b, &counted, log)
		if err := agree(ctx, p.a.s, p.b.s); err != nil {
			stop()
			return 0, 0, st, err
		}
		counted.Store(0)
		if previews {
			after = previewSender(p.a.s, ea)
		}
	}
	if err := typeLikeAPerson(ctx, p.a.s, w.W2, p.ids, after); err != nil {
		if stop != nil {
			stop()
		}
		return 0, 0, st, err
	}
	if live {
		err = agree(ctx, p.a.s, p.b.s)
		bytes = counted.Load()
		st = stop()
	} else {
		bytes, err = session(ctx, p.a, p.b, log)
	}
	return editCount(p.a.s) - before, bytes, st, err
}

// typeByTheAppsRule opens a's draft again in a workspace that commits
// typing by the app's own rule: the replicas were opened to replay
// traces commit by commit.
func (p *livePeers) typeByTheAppsRule(ctx context.Context, dir string, log *slog.Logger) error {
	typer, err := app.Open(ctx, filepath.Join(dir, "a"), app.Options{Logger: log, Poll: -1})
	if err != nil {
		return err
	}
	p.a.s.Close(ctx)
	p.a.ws.Close()
	p.a.ws = typer
	p.a.s, err = typer.Session(ctx, p.b.s.ID())
	return err
}

// previewSender returns what the window does each time the draft's owner
// took its typing or committed it: send the preview when it changed, and
// clear it once the typing is committed.
func previewSender(s *app.Session, e *docsync.Engine) func() {
	var sent []byte
	return func() {
		p, ok := s.Preview()
		if !ok {
			if sent != nil {
				sent = nil
				e.SetPreview(s.ID(), nil)
			}
			return
		}
		if enc := app.EncodePreview(p); !slices.Equal(enc, sent) {
			sent = enc
			e.SetPreview(s.ID(), enc)
		}
	}
}

// typeLikeAPerson sends a trace's keystrokes one every liveGap through a
// subscription, taking its events after each as the window's event loop
// would (and calling after, if set, as the window sends its preview),
// then waits out the idle commit.
func typeLikeAPerson(ctx context.Context, s *app.Session, tr Trace, ids map[string]string, after func()) error {
	if after == nil {
		after = func() {}
	}
	sub := s.Attach()
	defer sub.Close()
	texts := map[string][]rune{}
	for _, c := range tr.Commits {
		for _, op := range c.Ops {
			sec := ids[op.Section]
			if _, ok := texts[sec]; !ok {
				t, err := sub.Open(sec)
				if err != nil {
					return err
				}
				texts[sec] = []rune(t)
			}
			o, err := textop.Splice(len(texts[sec]), op.Pos, op.Del, op.Ins)
			if err != nil {
				return err
			}
			if texts[sec], err = o.Apply(texts[sec]); err != nil {
				return err
			}
			if err := sub.Edit(sec, o); err != nil {
				return err
			}
			time.Sleep(liveGap)
			sub.Next() // acknowledgements: the next edit may go
			after()
		}
	}
	for range 3 { // the last edits go once the ones before them are acknowledged
		s.Applied()
		sub.Next()
	}
	after()
	select { // the idle commit
	case <-time.After(1500 * time.Millisecond):
	case <-ctx.Done():
		return ctx.Err()
	}
	err := s.Flush(ctx)
	after()
	return err
}

func editCount(s *app.Session) int {
	log, _ := s.Log(app.LogFilter{EditsOnly: true})
	return len(log)
}

// keepLive runs a live sync session between a and b over a pipe that
// delays each direction by half of liveRTT, counting the bytes both send.
// It returns a's engine, and stop, which gives what a's side counted.
func keepLive(ctx context.Context, a, b *replica, n *atomic.Int64, log *slog.Logger) (*docsync.Engine, func() docsync.Stats) {
	ctx, cancel := context.WithCancel(ctx)
	ea := docsync.New(a.ws.SyncLibrary(), a.name, log)
	eb := docsync.New(b.ws.SyncLibrary(), b.name, log)
	x, y := delayedPipe(liveRTT / 2)
	var wg sync.WaitGroup
	var st docsync.Stats
	wg.Add(2)
	go func() { defer wg.Done(); eb.Run(ctx, countingConn{y, n}, a.name, false); y.Close() }()
	go func() { defer wg.Done(); st, _ = ea.Run(ctx, countingConn{x, n}, b.name, false); x.Close() }()
	return ea, func() docsync.Stats { cancel(); x.Close(); y.Close(); wg.Wait(); return st }
}

// agree waits until both sessions hold the same saved heads.
func agree(ctx context.Context, a, b *app.Session) error {
	for !slices.Equal(a.Heads(), b.Heads()) {
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return errors.New("the peers never agreed")
		}
	}
	time.Sleep(2 * liveRTT) // the last acknowledgements
	return nil
}

// delayedPipe is net.Pipe with every write delivered after d, in order,
// without blocking the writer: a link with latency and room in its buffers.
func delayedPipe(d time.Duration) (net.Conn, net.Conn) {
	x1, x2 := net.Pipe()
	y1, y2 := net.Pipe()
	// x1 ⇄ [delay] ⇄ y1: the ends handed out are x2 and y2.
	go relayDelayed(x1, y1, d)
	go relayDelayed(y1, x1, d)
	return x2, y2
}

func relayDelayed(from, to net.Conn, d time.Duration) {
	type chunk struct {
		due  time.Time
		data []byte
	}
	q := make(chan chunk, 1<<16)
	go func() {
		defer to.Close()
		for c := range q {
			time.Sleep(time.Until(c.due))
			if _, err := to.Write(c.data); err != nil {
				return
			}
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := from.Read(buf)
		if n > 0 {
			q <- chunk{due: time.Now().Add(d), data: slices.Clone(buf[:n])}
		}
		if err != nil {
			close(q)
			return
		}
	}
}

// lockedTyping types while another connection to the data file holds
// its write lock for lockFor, as a command-line process compacting a
// draft would, and times what each keystroke costs the window's
// goroutine: sending the edit and taking the events waiting.
func lockedTyping(ctx context.Context, w *Workloads, dir string, res *liveResult, log *slog.Logger) error {
	ws, err := app.Open(ctx, dir, app.Options{Logger: log, Poll: -1})
	if err != nil {
		return err
	}
	defer ws.Close()
	if _, err := ws.SetProfile(ctx, app.Profile{Name: "a", Group: "Civil society", Region: "WEOG"}); err != nil {
		return err
	}
	id, err := ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Locked", Year: 2025})
	if err != nil {
		return err
	}
	s, err := ws.Session(ctx, id)
	if err != nil {
		return err
	}
	defer s.Close(ctx)
	sec := s.Sections()[0].ID
	other, err := sqlitestore.Open(ctx, ws.Path(), log)
	if err != nil {
		return err
	}
	defer other.Close()
	held := make(chan struct{})
	released := make(chan error, 1)
	go func() {
		_, err := other.Compact(ctx, id, 1<<62, func([]sqlitestore.Chunk) ([]byte, error) {
			close(held)
			time.Sleep(lockFor)
			return nil, errors.New("only holding the lock")
		})
		released <- err
	}()
	<-held
	sub := s.Attach()
	defer sub.Close()
	text, err := sub.Open(sec)
	if err != nil {
		return err
	}
	cur := []rune(text)
	var took []time.Duration
	typed := 0
	for start := time.Now(); time.Since(start) < lockFor-time.Second; typed++ {
		t0 := time.Now()
		o, _ := textop.Splice(len(cur), len(cur), 0, "k")
		cur, _ = o.Apply(cur)
		if err := sub.Edit(sec, o); err != nil {
			return err
		}
		sub.Next()
		took = append(took, time.Since(t0))
		time.Sleep(liveGap)
	}
	<-released
	for range 50 {
		s.Applied()
		sub.Next()
		if !sub.Pending(sec) {
			break
		}
	}
	if err := s.Flush(ctx); err != nil {
		return err
	}
	slices.Sort(took)
	res.LockedP50MS = ms(took[len(took)/2])
	res.LockedP99MS = ms(took[len(took)*99/100])
	res.LockedMaxMS = ms(took[len(took)-1])
	// Saved: a fresh workspace on the same file reads every key.
	ws2, err := app.Open(ctx, dir, app.Options{Logger: log, Poll: -1})
	if err != nil {
		return err
	}
	defer ws2.Close()
	s2, err := ws2.Session(ctx, id)
	if err != nil {
		return err
	}
	defer s2.Close(ctx)
	got, _ := s2.Section(sec)
	res.LockedSaved = len([]rune(got.Body)) == typed
	return nil
}

func (r *liveResult) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "W2: %d keystrokes %d ms apart\tcommits\tbytes on the wire\n", r.Keystrokes, r.GapMS)
	fmt.Fprintf(tw, "no peer (one sync afterwards)\t%d\t%d B\n", r.OfflineCommits, r.OfflineBytes)
	fmt.Fprintf(tw, "peer connected, %d ms round trips\t%d\t%d B\n", r.RTTMS, r.LiveCommits, r.LiveBytes)
	fmt.Fprintf(tw, "  and typing previews sent (%d frames, %d B of them)\t%d\t%d B\n", r.PreviewFrames, r.PreviewFrameB, r.PreviewCommits, r.PreviewBytes)
	ratio := func(a, b int64) string {
		if b == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f×", float64(a)/float64(b))
	}
	fmt.Fprintf(tw, "live ÷ offline (target ≤ 1.2×)\t%s\t%s\n", ratio(int64(r.LiveCommits), int64(r.OfflineCommits)), ratio(r.LiveBytes, r.OfflineBytes))
	fmt.Fprintf(tw, "live with previews ÷ offline (target ≤ 1.5×)\t%s\t%s\n", ratio(int64(r.PreviewCommits), int64(r.OfflineCommits)), ratio(r.PreviewBytes, r.OfflineBytes))
	tw.Flush()
	fmt.Fprintf(w, "\nKeystrokes while another connection holds the write lock for %d s: p50 %.2f ms, p99 %.2f ms, max %.2f ms (target p99 ≤ 16 ms); all saved afterwards: %v\n",
		r.LockHeldMS/1000, r.LockedP50MS, r.LockedP99MS, r.LockedMaxMS, r.LockedSaved)
}
