package ui

import (
	"context"
	"image/color"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// TestCoAuthorsTypingShowsBeforeItsCommit: two windows on two data dirs,
// linked by real libp2p hosts on loopback. What Amina types shows in
// Bruno's window, in her colour, while her typing is not committed (the
// commit here waits for a flush); it is not Bruno's text, nor in his
// data file; once committed, it is his text and the preview is gone.
func TestCoAuthorsTypingShowsBeforeItsCommit(t *testing.T) {
	ctx := context.Background()
	// A's typing is committed only when the test says so.
	uA, wsA, oA, uB, wsB, oB, _ := onlineWindows(t, app.Options{Poll: 20 * time.Millisecond, CommitEvery: -1, IdleCommit: -1})
	defer oB.Close()
	id, err := wsA.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Shared", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := wsA.Invite(ctx, id, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wsB.Join(ctx, inv.Code()); err != nil {
		t.Fatal(err)
	}
	if err := oB.AddPeer(oA.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the draft to reach B", func() bool { ds, _ := wsB.Drafts(ctx); return len(ds) == 1 })
	locked(func() { uA.OpenDraft(id); uB.OpenDraft(id) })
	a, b := uA.draft, uB.draft
	sec := a.sections[0].ID
	areaA, areaB := a.editors[sec].area, b.editors[sec].area
	waitUntil(t, "B to see Amina", func() bool {
		var ok bool
		locked(func() { ok = strings.Contains(barText(b.present.bar), "Amina") })
		return ok
	})

	locked(func() {
		uA.win.Canvas().Focus(areaA)
		typeAs(uA.win.Canvas(), "Live words")
	})
	ghost := func() string {
		var s strings.Builder
		locked(func() {
			for _, g := range areaB.ghosts {
				s.WriteString(g.text)
			}
		})
		return s.String()
	}
	waitUntil(t, "Amina's typing to show in Bruno's window", func() bool {
		runUI()
		return ghost() == "Live words"
	})
	locked(func() {
		if areaB.String() != "" {
			t.Errorf("the preview went into Bruno's text: %q", areaB.String())
		}
		if g := areaB.ghosts[0]; g.colour != b.present.colours()[g.origin] || g.colour == neutralColour() {
			t.Errorf("the preview is drawn in %v, not Amina's colour", g.colour)
		}
	})
	if got := b.session.Sections()[0].Body; got != "" {
		t.Errorf("the preview reached Bruno's document: %q", got)
	}

	// Committed: the words are Bruno's copy's text, the preview gone.
	if err := a.session.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the commit to replace the preview", func() bool {
		runUI()
		var text string
		locked(func() { b.pump(); text = areaB.String() })
		return text == "Live words" && ghost() == ""
	})
}

// TestGhostDrawnInItsRow: a co-author's typing not yet committed is drawn
// where it goes, in their colour, the rest of the row after it, and is
// not part of the text; the caret after it stands after it on screen.
func TestGhostDrawnInItsRow(t *testing.T) {
	a := areaIn(t, "Hello world", 500)
	red := color.NRGBA{R: 220, A: 255}
	a.ghosts = []ghostRun{{off: 6, text: "big ", colour: red, origin: "amina"}}
	a.setCaret(8) // "Hello wo|rld"
	a.Refresh()
	at := map[string]*canvas.Text{}
	for _, o := range test.WidgetRenderer(a).Objects() {
		if txt, ok := o.(*canvas.Text); ok {
			at[txt.Text] = txt
		}
	}
	g, rest := at["big "], at["world"]
	if g == nil || rest == nil || at["Hello "] == nil {
		t.Fatalf("the row is drawn as %v", keys(at))
	}
	if g.Color != red {
		t.Errorf("the typing is drawn in %v", g.Color)
	}
	w := func(s string) float32 { return fyne.MeasureText(s, a.m.size, a.m.style).Width }
	if x := a.gutter() + w("Hello "); abs(g.Position().X-x) > 0.5 || abs(rest.Position().X-(x+w("big "))) > 0.5 {
		t.Errorf("typing at %.1f, the rest at %.1f; want %.1f and %.1f", g.Position().X, rest.Position().X, x, x+w("big "))
	}
	if a.String() != "Hello world" {
		t.Errorf("the preview went into the text: %q", a.String())
	}
	caret := test.WidgetRenderer(a).(*areaRenderer).caret
	if want := a.gutter() + w("Hello wo") + w("big ") - 1; abs(caret.Position().X-want) > 0.5 {
		t.Errorf("the caret is drawn at %.1f, want %.1f", caret.Position().X, want)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func abs(f float32) float32 { return max(f, -f) }

// TestGhostAtTheEndOfAFullRowWraps: typing previewed at the end of a full
// row goes on to the next row, as the committed text will, and the rows
// below move down; it does not run past the column's edge.
func TestGhostAtTheEndOfAFullRowWraps(t *testing.T) {
	a := areaIn(t, strings.Repeat("word ", 200), 300)
	rows := a.rows
	end := a.caretEnd(a.lines[0], 0) + 1 // after the space the first row ends with
	a.setGhosts([]ghostRun{{off: end - 1, text: " and a preview long enough to wrap", colour: color.NRGBA{G: 200, A: 255}, origin: "amina"}})
	if a.shownRows() <= rows || a.MinSize().Height <= float32(rows)*a.pitch() {
		t.Fatalf("the area shows %d rows for %d of text", a.shownRows(), rows)
	}
	width := a.Size().Width
	for _, o := range test.WidgetRenderer(a).Objects() {
		if txt, ok := o.(*canvas.Text); ok {
			if right := txt.Position().X + fyne.MeasureText(txt.Text, txt.TextSize, txt.TextStyle).Width; right > width+a.m.size {
				t.Errorf("%q runs to %.0f in a column %.0f wide", txt.Text, right, width)
			}
		}
	}
	// A click on the last row lands on the text's last row.
	if off := a.offsetAt(fyne.NewPos(a.gutter()+1, float32(a.shownRows())*a.pitch()-1)); off < len(a.text)-40 {
		t.Errorf("a click on the last row shown lands at %d of %d", off, len(a.text))
	}
}
