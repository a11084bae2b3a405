package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// The window's benchmarks (issue 5), under Fyne's test driver: "visible"
// is the entry holding the text, not pixels on a screen.
//
//	go test ./ui -run '^$' -bench . -benchtime 2000x

const workloads = "../../shared/bench/workloads.json"

var quiet = slog.New(slog.DiscardHandler)

// w1Section returns W1's final text of section s4 (5,000 characters).
func w1Section(b *testing.B) string { return w1Sections(b, "s4") }

// w1Sections returns W1's final texts of the sections named, joined by
// empty lines.
func w1Sections(b *testing.B, names ...string) string {
	data, err := os.ReadFile(workloads)
	if err != nil {
		b.Skipf("shared workloads not beside the repository: %v", err)
	}
	var w struct {
		W1 struct {
			Final map[string]string `json:"final"`
		} `json:"w1"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		b.Fatal(err)
	}
	var parts []string
	for _, n := range names {
		parts = append(parts, w.W1.Final[n])
	}
	return strings.Join(parts, "\n\n")
}

// oneParagraph makes text a single paragraph: its line breaks become spaces.
func oneParagraph(text string) string { return strings.ReplaceAll(text, "\n", " ") }

func percentiles(b *testing.B, d []time.Duration) {
	slices.Sort(d)
	ms := func(q float64) float64 { return float64(d[int(q*float64(len(d)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

// benchDraft opens a window on a draft whose fourth section holds text,
// with every keystroke committed and persisted at once.
func benchDraft(b *testing.B, text string) (*UI, *sectionEditor) {
	a := test.NewTempApp(b)
	ws, err := app.Open(context.Background(), b.TempDir(), app.Options{Logger: quiet, Poll: -1, CommitEvery: 1, IdleCommit: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ws.Close() })
	if _, err := ws.SetProfile(context.Background(), app.Profile{Name: "Amina", Group: crdt.CivilSociety, Region: crdt.African}); err != nil {
		b.Fatal(err)
	}
	id, err := ws.Create(context.Background(), app.NewDraft{Template: crdt.TemplateOutput, Title: "W1", Year: 2025})
	if err != nil {
		b.Fatal(err)
	}
	s, err := ws.Session(context.Background(), id)
	if err != nil {
		b.Fatal(err)
	}
	sec := s.Sections()[3].ID
	if err := s.Splice(context.Background(), sec, 0, 0, text); err != nil {
		b.Fatal(err)
	}
	s.Close(context.Background())
	u := New(a, ws, Options{StatusEvery: -1})
	u.do = uiq.do
	b.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1200, 800))
	u.OpenDraft(id)
	d := u.draft
	d.headings.Select(3)
	e := d.editors[sec]
	e.placeCaret(len([]rune(text)) / 2)
	return u, e
}

// BenchmarkKeystroke: a key typed in the middle of W1's 5,000-character
// s4, until the text area has laid it out and drawn the rows in view and
// the window's goroutine has taken the events waiting (the
// acknowledgement of the key before). The draft's owner commits and
// saves each key meanwhile (CommitEvery 1, the worst case), off the
// window's goroutine. The test driver does not paint: bpfbench window
// measures the real window.
func BenchmarkKeystroke(b *testing.B) { keystroke(b, w1Section(b)) }

// BenchmarkKeystrokeParagraph5000: the same in one paragraph of 5,000
// characters, which the whole paragraph's wrapping depends on.
func BenchmarkKeystrokeParagraph5000(b *testing.B) { keystroke(b, oneParagraph(w1Section(b))) }

// BenchmarkKeystrokeParagraph40000: in one paragraph of 40,000 characters.
func BenchmarkKeystrokeParagraph40000(b *testing.B) {
	keystroke(b, oneParagraph(w1Sections(b, "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8")))
}

// BenchmarkKeystrokeSection40000: in a section of 40,000 characters in
// W1's lines.
func BenchmarkKeystrokeSection40000(b *testing.B) {
	keystroke(b, w1Sections(b, "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"))
}

func keystroke(b *testing.B, text string) {
	u, e := benchDraft(b, text)
	n := len([]rune(text))
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		e.area.TypedRune(rune('a' + i%26))
		runUI()
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	if got := len(e.area.text); got != n+b.N {
		b.Fatalf("the area holds %d characters", got)
	}
	if got := len([]rune(settleDraft(b, u.draft).Sections()[3].Body)); got != n+b.N {
		b.Fatalf("the draft holds %d characters", got)
	}
	percentiles(b, lat)
}

// BenchmarkRemoteMerge500: 500 characters typed on another machine
// arrive in a section of 15,000 characters (W1's s4 to s6, as a sync
// applies them) until the area shows them.
func BenchmarkRemoteMerge500(b *testing.B) { remoteMerge500(b, false) }

// BenchmarkRemoteMerge500Selected is the same with the whole section
// selected, which the merge must select again.
func BenchmarkRemoteMerge500Selected(b *testing.B) { remoteMerge500(b, true) }

func remoteMerge500(b *testing.B, selected bool) {
	text := w1Sections(b, "s4", "s5", "s6")
	u, e := benchDraft(b, text)
	ctx := context.Background()
	d := u.draft
	saved, err := d.session.Save(ctx)
	if err != nil {
		b.Fatal(err)
	}
	remoteWS, err := app.Open(ctx, b.TempDir(), app.Options{Logger: quiet, Poll: -1, CommitEvery: -1, IdleCommit: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer remoteWS.Close()
	remoteWS.SetProfile(ctx, app.Profile{Name: "Bruno", Group: crdt.Government, Region: crdt.WEOG})
	if _, _, err := remoteWS.Import(ctx, saved); err != nil {
		b.Fatal(err)
	}
	remote, err := remoteWS.Session(ctx, d.session.ID())
	if err != nil {
		b.Fatal(err)
	}
	defer remote.Close(ctx)
	shown := make(chan struct{}, 16)
	var want string
	d.refreshed = func(d *draftScreen) {
		if e.text() == want {
			shown <- struct{}{}
		}
	}
	lat := make([]time.Duration, 0, b.N)
	paragraph := string([]rune(fmt.Sprintf("%-500s", "A paragraph written on another machine, merged in while this one types."))[:500])
	// merge applies one remote edit as a sync would and waits until the
	// entry shows it.
	merge := func(pos, del int, ins string) time.Duration {
		heads := remote.Heads()
		if err := remote.Splice(ctx, e.id, pos, del, ins); err != nil {
			b.Fatal(err)
		}
		if err := remote.Flush(ctx); err != nil { // sync reads committed changes only
			b.Fatal(err)
		}
		changes, _, err := remote.Changes(heads)
		if err != nil {
			b.Fatal(err)
		}
		sec, _ := remote.Section(e.id)
		want = sec.Body
		for len(shown) > 0 { // a refresh of the last merge may have signalled twice
			<-shown
		}
		seals, _ := remote.Seals(changes)
		t0 := time.Now()
		if _, _, err := d.session.MergeWhole(ctx, changes, seals); err != nil {
			b.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for len(shown) == 0 { // the window's event loop, as runUI stands for it
			runUI()
			if time.Now().After(deadline) {
				b.Fatal("the merge never showed")
			}
		}
		<-shown
		return time.Since(t0)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if selected {
			b.StopTimer()
			locked(func() { e.selectRange(0, len([]rune(e.text()))) })
			b.StartTimer()
		}
		lat = append(lat, merge(100, 0, paragraph))
		if selected {
			var kept bool
			locked(func() { kept = len([]rune(e.area.selected())) == len([]rune(e.text())) })
			if !kept {
				b.Fatal("the merge lost the selection")
			}
		}
		// Take it out again, untimed, so that every merge meets the same 15,000 characters.
		b.StopTimer()
		merge(100, 500, "")
		b.StartTimer()
	}
	b.StopTimer()
	percentiles(b, lat)
}

// BenchmarkStartHome50: opening the data dir and the window until the
// drafts list holds all 50 drafts.
func BenchmarkStartHome50(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	ws, err := app.Open(ctx, dir, app.Options{Logger: quiet, Poll: -1})
	if err != nil {
		b.Fatal(err)
	}
	ws.SetProfile(ctx, app.Profile{Name: "Amina", Group: crdt.CivilSociety, Region: crdt.African})
	for i := 0; i < 50; i++ {
		id, err := ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: fmt.Sprintf("Draft %d", i), Year: 2026})
		if err != nil {
			b.Fatal(err)
		}
		s, _ := ws.Session(ctx, id)
		s.Splice(ctx, s.Sections()[0].ID, 0, 0, "Some text written in this draft.")
		s.Close(ctx)
	}
	ws.Close()
	a := test.NewTempApp(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ws, err := app.Open(ctx, dir, app.Options{Logger: quiet, Poll: -1})
		if err != nil {
			b.Fatal(err)
		}
		u := New(a, ws, Options{StatusEvery: -1})
		if len(u.homeUI.drafts) != 50 {
			b.Fatalf("home lists %d drafts", len(u.homeUI.drafts))
		}
		b.StopTimer()
		u.win.Close()
		ws.Close()
		b.StartTimer()
	}
}

// BenchmarkResize41000: the window resized, alternately narrower and
// wider, with a 41,000-character section in view, until it is laid out
// and the rows in view drawn again (the test driver paints nothing).
func BenchmarkResize41000(b *testing.B) {
	u, _ := benchDraft(b, w1Sections(b, "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"))
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		size := fyne.NewSize(1200, 800)
		if i%2 == 0 {
			size = fyne.NewSize(1000, 700)
		}
		t0 := time.Now()
		u.win.Resize(size)
		runUI()
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	percentiles(b, lat)
}
