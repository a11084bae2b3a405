package ui

import (
	"image/color"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// areaIn shows a text area alone in a test window, with the keyboard.
func areaIn(t *testing.T, text string, width float32) *textArea {
	t.Helper()
	test.NewTempApp(t)
	a := newTextArea()
	a.setText([]rune(text), nil)
	w := test.NewWindow(a)
	w.Resize(fyne.NewSize(width, 400))
	t.Cleanup(w.Close)
	w.Canvas().Focus(a)
	return a
}

// TestEditsRewrapOnlyWhatTheyTouch: after random edits (letters, spaces,
// line breaks, deletions across lines), the wrapping kept line by line
// is the one a fresh layout of the whole text gives.
func TestEditsRewrapOnlyWhatTheyTouch(t *testing.T) {
	a := areaIn(t, "", 300)
	rng := rand.New(rand.NewPCG(3, 14))
	pieces := []string{"a", "word ", " ", "\n", "\n\n", "longerwordthatneedsroom ", "é", "  ", "Paragraph one. "}
	for i := range 600 {
		n := len(a.text)
		pos := rng.IntN(n + 1)
		del := 0
		if n > pos && rng.IntN(3) == 0 {
			del = rng.IntN(min(n-pos, 40) + 1)
		}
		a.replace(pos, del, []rune(pieces[rng.IntN(len(pieces))]))
		fresh := newTextArea()
		fresh.setText(slices.Clone(a.text), nil)
		fresh.setWidth(a.wide + a.gutter())
		if !sameLines(a.lines, fresh.lines) || a.rows != fresh.rows {
			t.Fatalf("edit %d (at %d, -%d): kept wrapping differs from a fresh one\nkept:  %v\nfresh: %v", i, pos, del, a.lines, fresh.lines)
		}
	}
}

func sameLines(a, b []hardLine) bool {
	return slices.EqualFunc(a, b, func(x, y hardLine) bool {
		return x.start == y.start && x.n == y.n && x.para == y.para && x.row == y.row && slices.Equal(x.breaks, y.breaks)
	})
}

// TestWrappedRowsFitTheColumn: every display row fits the column, except
// a row that is one word too long for any row; rows break at spaces.
func TestWrappedRowsFitTheColumn(t *testing.T) {
	text := strings.Repeat("The Best Practice Forum gathered views from all stakeholder groups. ", 30) +
		"\n\n" + strings.Repeat("x", 300)
	a := areaIn(t, text, 360)
	for r := range a.rows {
		start, end, l, k := a.row(r)
		row := strings.TrimRight(string(a.text[start:end]), " ")
		w := fyne.MeasureText(row, a.m.size, a.m.style).Width
		if w > a.wide+1 && strings.Contains(row, " ") {
			t.Errorf("row %d is %.0f wide in a column of %.0f: %q", r, w, a.wide, row)
		}
		if k+1 < len(l.breaks) && strings.Contains(row, " ") && a.text[end-1] != ' ' {
			t.Errorf("row %d breaks inside a word: %q", r, row)
		}
	}
	if a.rows < 20 {
		t.Errorf("only %d rows", a.rows)
	}
}

// TestParagraphNumbersAsPublished: the margin numbers the paragraphs as
// crdt.Paragraphs (and so every export) does.
func TestParagraphNumbersAsPublished(t *testing.T) {
	text := "\n\nFirst paragraph\nstill the first.\n\n  \nSecond.\n\n\n\nThird\n \t\nFourth"
	a := areaIn(t, text, 400)
	a.number = "3"
	a.Refresh()
	var got []int // the paragraph each numbered line starts, by offset
	for _, l := range a.lines {
		if l.para > 0 {
			got = append(got, l.start)
		}
	}
	var want []int
	for _, p := range crdt.Paragraphs(text) {
		want = append(want, p.Start)
	}
	if !slices.Equal(got, want) {
		t.Errorf("numbered paragraphs start at %v; the export's at %v", got, want)
	}
	// The numbers are drawn in the margin.
	var labels []string
	for _, o := range test.WidgetRenderer(a).Objects() {
		if tx, ok := o.(*canvas.Text); ok && strings.HasPrefix(tx.Text, "3.") {
			labels = append(labels, tx.Text)
		}
	}
	if strings.Join(labels, " ") != "3.1 3.2 3.3 3.4" {
		t.Errorf("the margin shows %v", labels)
	}
}

// TestKeysEditAndMove: Enter splits a paragraph, Backspace at a line's
// start joins it again, Home and End keep to the row, Shift extends a
// selection, and the clipboard cuts and pastes across paragraphs.
func TestKeysEditAndMove(t *testing.T) {
	a := areaIn(t, "", 500)
	var edits []string
	a.onEdit = func(pos int, del, ins []rune) { edits = append(edits, string(del)+">"+string(ins)) }
	test.Type(a, "First paragraph.")
	a.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	a.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	test.Type(a, "Second.")
	if got := a.String(); got != "First paragraph.\n\nSecond." {
		t.Fatalf("typed %q", got)
	}
	if a.lines[2].para != 2 {
		t.Error("the second paragraph is not numbered 2")
	}
	a.TypedKey(&fyne.KeyEvent{Name: fyne.KeyHome})
	if a.caret != 18 {
		t.Errorf("Home put the caret at %d", a.caret)
	}
	a.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	a.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	if got := a.String(); got != "First paragraph.Second." {
		t.Errorf("Backspace at the start joined to %q", got)
	}
	a.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEnd})
	if a.caret != len(a.text) {
		t.Errorf("End put the caret at %d", a.caret)
	}
	a.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	test.Type(a, "Third.")
	a.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	if _, start, _ := a.rowOf(a.caret); start != 0 {
		t.Errorf("Up left the caret on the row starting at %d", start)
	}
	// Select from here to the end with Shift and the keyboard.
	a.KeyDown(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	a.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	a.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEnd})
	a.KeyUp(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	sel := a.selected()
	if !strings.HasSuffix(sel, "Second.\nThird.") {
		t.Errorf("selected %q", sel)
	}
	clip := test.NewClipboard()
	a.TypedShortcut(&fyne.ShortcutCut{Clipboard: clip})
	if clip.Content() != sel || strings.Contains(a.String(), "Third") {
		t.Errorf("cut %q, left %q", clip.Content(), a.String())
	}
	a.TypedShortcut(&fyne.ShortcutPaste{Clipboard: clip})
	if got := a.String(); got != "First paragraph.Second.\nThird." {
		t.Errorf("after the paste: %q", got)
	}
	clip.SetContent("A\r\nB")
	a.TypedShortcut(&fyne.ShortcutPaste{Clipboard: clip})
	if strings.ContainsRune(a.String(), '\r') {
		t.Error("a pasted carriage return was kept")
	}
	// Ctrl+Backspace takes a word.
	a.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyBackspace, Modifier: fyne.KeyModifierControl})
	if got := a.String(); got != "First paragraph.Second.\nThird.A\n" {
		t.Errorf("after Ctrl+Backspace: %q", got)
	}
	if len(edits) == 0 || edits[0] != ">F" {
		t.Errorf("edits reported: %v", edits)
	}
}

// TestClickPlacesTheCaret: a tap lands the caret on the character under
// it, a double tap selects the word, a drag selects a range.
func TestClickPlacesTheCaret(t *testing.T) {
	a := areaIn(t, "alpha beta gamma\n\ndelta epsilon", 500)
	p := a.pitch()
	x := a.gutter() + fyne.MeasureText("alpha be", a.m.size, a.m.style).Width
	test.TapAt(a, fyne.NewPos(x+1, p/2))
	if a.caret != 8 {
		t.Errorf("the caret went to %d", a.caret)
	}
	a.DoubleTapped(&fyne.PointEvent{Position: fyne.NewPos(a.gutter()+fyne.MeasureText("del", a.m.size, a.m.style).Width, p*2.5)})
	if got := a.selected(); got != "delta" {
		t.Errorf("double tap selected %q", got)
	}
	a.MouseDown(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(a.gutter(), p/2)}, Button: desktop.MouseButtonPrimary})
	a.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(a.gutter()+fyne.MeasureText("delta", a.m.size, a.m.style).Width, p*2.5)}})
	if got := a.selected(); got != "alpha beta gamma\n\ndelta" {
		t.Errorf("the drag selected %q", got)
	}
}

// TestOnlyRowsInViewAreDrawn: a section of 41,000 characters on the
// page draws a screenful of rows, not the section.
func TestOnlyRowsInViewAreDrawn(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	long := strings.Repeat("A sentence of the draft that goes on for a while. ", 820)
	ed := d.editors[d.sections[2].ID]
	locked(func() { ed.area.replace(0, 0, []rune(long)) })
	settleDraft(t, d)
	locked(func() { d.showSection(2) })
	texts := 0
	for _, o := range test.WidgetRenderer(ed.area).Objects() {
		if _, ok := o.(*canvas.Text); ok {
			texts++
		}
	}
	view := d.page.scroll.Size().Height / ed.area.pitch()
	if texts == 0 || float32(texts) > view+3 {
		t.Errorf("%d texts drawn for %.0f rows in view (the section has %d rows)", texts, view, ed.area.rows)
	}
}

// TestCaretCrossesHeadings: Down on a section's last row goes on into
// the next section's text, Up on the first row back; Ctrl+End and
// Ctrl+Home go to the end and the start of the whole draft.
func TestCaretCrossesHeadings(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	first, second := d.editors[d.sections[0].ID], d.editors[d.sections[1].ID]
	locked(func() {
		d.showSection(0)
		test.Type(first.area, "One line.")
		first.area.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	})
	if u.win.Canvas().Focused() != fyne.Focusable(second.area) || d.current != 1 {
		t.Fatalf("Down from the last row went to %v (open heading %d)", u.win.Canvas().Focused(), d.current)
	}
	locked(func() {
		test.Type(second.area, "Two.")
		second.area.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	})
	if u.win.Canvas().Focused() != fyne.Focusable(first.area) || d.current != 0 {
		t.Fatal("Up from the first row did not go back")
	}
	last := d.editors[d.sections[len(d.sections)-1].ID]
	locked(func() {
		first.area.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyEnd, Modifier: fyne.KeyModifierControl})
	})
	if u.win.Canvas().Focused() != fyne.Focusable(last.area) || d.current != len(d.sections)-1 {
		t.Error("Ctrl+End did not go to the last heading")
	}
	locked(func() {
		last.area.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyHome, Modifier: fyne.KeyModifierControl})
	})
	if u.win.Canvas().Focused() != fyne.Focusable(first.area) || first.area.caret != 0 || d.page.scroll.Offset.Y != 0 {
		t.Error("Ctrl+Home did not go to the start")
	}
	if got := settleDraft(t, d).Sections()[1].Body; got != "Two." {
		t.Errorf("the second section holds %q", got)
	}
}

// TestHeadingsListFollowsTheReader: scrolling the page marks the heading
// being read in the list, without jumping; choosing a heading in the list
// scrolls the page to it.
func TestHeadingsListFollowsTheReader(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	long := strings.Repeat("A sentence of the draft that goes on for a while. ", 60)
	for _, s := range d.sections {
		locked(func() { d.editors[s.ID].area.replace(0, 0, []rune(long)) })
	}
	settleDraft(t, d)
	u.win.Canvas().Unfocus()
	locked(func() { d.page.scrollTo(d.page.blocks[4].heading.Position().Y) })
	if d.current != 4 || d.openID != d.sections[4].ID {
		t.Errorf("reading heading 5, the list marks %d", d.current+1)
	}
	locked(func() { d.headings.Select(2) })
	if y, top := d.page.scroll.Offset.Y, d.page.blocks[2].heading.Position().Y; y > top || top-y > 20 {
		t.Errorf("choosing heading 3 scrolled to %.0f; it starts at %.0f", y, top)
	}
	if d.current != 2 || u.win.Canvas().Focused() != fyne.Focusable(d.editors[d.sections[2].ID].area) {
		t.Error("choosing heading 3 did not put the keyboard in its text")
	}
	// Scrolled away from the caret (heading 3 keeps the keyboard), the
	// list marks what is on screen; back at the caret, its heading.
	locked(func() { d.page.scrollTo(d.page.blocks[5].heading.Position().Y) })
	if d.current != 5 {
		t.Errorf("reading heading 6 with the caret off screen in heading 3, the list marks %d", d.current+1)
	}
	locked(func() { d.editors[d.sections[2].ID].area.TypedRune('x') })
	if d.current != 2 {
		t.Errorf("typing in heading 3 brought it back on screen, and the list marks %d", d.current+1)
	}
}

// clickAs replays a primary click as Fyne's desktop driver delivers it
// to a widget that is also DoubleTappable: mouse down and up at once,
// then the keys typed meanwhile (sent, as the driver sends them, to
// whatever has the keyboard), and only after the double-tap wait the tap.
func clickAs(c fyne.Canvas, a *textArea, at fyne.Position, modifier fyne.KeyModifier, keys string) {
	ev := desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: at}, Button: desktop.MouseButtonPrimary, Modifier: modifier}
	a.MouseDown(&ev)
	a.MouseUp(&ev)
	typeAs(c, keys)
	a.Tapped(&ev.PointEvent)
}

// typeAs types keys into what has the keyboard; a line break is Enter.
// With nothing holding the keyboard, the keys are lost, as in the window.
func typeAs(c fyne.Canvas, keys string) {
	for _, r := range keys {
		f := c.Focused()
		if f == nil {
			continue
		}
		if r == '\n' {
			f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		} else {
			f.TypedRune(r)
		}
	}
}

// TestTypingRightAfterAClick: a word typed, or Enter pressed, before the
// driver's delayed tap arrives lands where the click put the caret, in
// the order typed ("word" came out as "rdwo" when typed 0.15 s after a
// click: the tap put the caret back after "wo").
func TestTypingRightAfterAClick(t *testing.T) {
	a := areaIn(t, "alpha beta gamma", 500)
	c := fyne.CurrentApp().Driver().CanvasForObject(a)
	p := a.pitch()
	x := func(prefix string) float32 {
		return a.gutter() + fyne.MeasureText(prefix, a.m.size, a.m.style).Width + 1
	}
	clickAs(c, a, fyne.NewPos(x("alpha "), p/2), 0, "wo")
	typeAs(c, "rd ")
	if got := a.String(); got != "alpha word beta gamma" {
		t.Errorf("typed right after a click: %q", got)
	}

	// Enter and typing right after a click keep the sentence typed whole.
	clickAs(c, a, fyne.NewPos(x("alpha word beta gamma")+5, p/2), 0, "\nPara afte")
	typeAs(c, "r three Enters")
	if got := a.String(); got != "alpha word beta gamma\nPara after three Enters" {
		t.Errorf("Enter and typing right after a click: %q", got)
	}

	// Shift+click extends the selection; the tap that follows, once Shift
	// is let go, keeps it.
	a.setCaret(0)
	clickAs(c, a, fyne.NewPos(x("alpha "), p/2), fyne.KeyModifierShift, "")
	if got := a.selected(); got != "alpha " {
		t.Errorf("shift+click selected %q", got)
	}
}

// shiftKey presses key with Shift held, as the driver delivers it to
// whatever has the keyboard: Shift's key down, the key, Shift's key up.
func shiftKey(c fyne.Canvas, key fyne.KeyName) {
	c.Focused().(desktop.Keyable).KeyDown(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	c.Focused().TypedKey(&fyne.KeyEvent{Name: key})
	c.Focused().(desktop.Keyable).KeyUp(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
}

// TestSelectionAcrossHeadings: Shift+Down past the end of a heading's text
// goes on selecting in the next heading's, Shift+Up back; copying takes
// the whole selection with the headings between; typing replaces it, the
// text going where the selection began, and the headings stay.
func TestSelectionAcrossHeadings(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	c := u.win.Canvas()
	texts := []string{"First text.", "Middle.", "Last one."}
	areas := make([]*textArea, 3)
	for i, text := range texts {
		areas[i] = d.editors[d.sections[i].ID].area
		locked(func() { areas[i].replace(0, 0, []rune(text)) })
	}
	settleDraft(t, d)
	locked(func() {
		d.showSection(0)
		areas[0].setCaret(len("First "))
		shiftKey(c, fyne.KeyDown)
		shiftKey(c, fyne.KeyDown)
	})
	if c.Focused() != fyne.Focusable(areas[2]) {
		t.Fatalf("two Shift+Down from the first heading's only line left the keyboard in %v", c.Focused())
	}
	if got := areas[0].selected(); got != "text." {
		t.Errorf("heading 1 has %q selected", got)
	}
	if got := areas[1].selected(); got != "Middle." {
		t.Errorf("heading 2 has %q selected", got)
	}
	last := areas[2].selected()
	if last != "Last o" && last != "Last " && last != "Last on" {
		t.Errorf("heading 3 has %q selected (the caret keeps its column)", last)
	}
	clip := test.NewClipboard()
	locked(func() { c.Focused().(fyne.Shortcutable).TypedShortcut(&fyne.ShortcutCopy{Clipboard: clip}) })
	if got := clip.Content(); !strings.HasPrefix(got, "text.\n\n2. ") || !strings.Contains(got, "Middle.\n\n3. ") || !strings.HasSuffix(got, "\n\n"+last) {
		t.Errorf("copied %q", got)
	}

	// Back up: heading 3 lets go of its part; in heading 2 the caret
	// keeps its column.
	locked(func() { shiftKey(c, fyne.KeyUp) })
	middle := areas[1].selected()
	if c.Focused() != fyne.Focusable(areas[1]) || areas[2].selected() != "" || middle == "" || !strings.HasPrefix("Middle.", middle) || areas[0].selected() != "text." {
		t.Errorf("after Shift+Up: %q | %q | %q", areas[0].selected(), areas[1].selected(), areas[2].selected())
	}

	// Typing replaces the selection: its parts go, the text lands where it began.
	locked(func() { typeAs(c, "X") })
	body := func(i int) string { return settleDraft(t, d).Sections()[i].Body }
	if got := []string{body(0), body(1), body(2)}; !slices.Equal(got, []string{"First X", strings.TrimPrefix("Middle.", middle), "Last one."}) {
		t.Errorf("after typing over the selection the headings hold %q", got)
	}

	// A move without Shift ends a selection across headings.
	locked(func() {
		areas[0].setCaret(0)
		shiftKey(c, fyne.KeyDown)
		c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyRight})
	})
	for i, a := range areas {
		if a.selected() != "" {
			t.Errorf("heading %d keeps %q selected after a move", i+1, a.selected())
		}
	}
}

// TestCoAuthorNameFitsTheColumn: a co-author's name beside their caret
// at the end of a full row stays whole inside the text's column (it was
// cut at the column's edge: "Amina D").
func TestCoAuthorNameFitsTheColumn(t *testing.T) {
	a := areaIn(t, strings.Repeat("word ", 200), 400)
	end := a.caretEnd(a.lines[0], 0)
	a.others = []otherCaret{{offset: end, colour: color.NRGBA{R: 200, A: 255}, name: "Amina Diallo"}}
	a.Refresh()
	found := false
	for _, o := range test.WidgetRenderer(a).Objects() {
		if txt, ok := o.(*canvas.Text); ok && txt.Text == "Amina Diallo" {
			found = true
			w := fyne.MeasureText(txt.Text, txt.TextSize, txt.TextStyle).Width
			if txt.Position().X < 0 || txt.Position().X+w > a.Size().Width+0.5 {
				t.Errorf("the name spans %.0f to %.0f in a column %.0f wide", txt.Position().X, txt.Position().X+w, a.Size().Width)
			}
		}
	}
	if !found {
		t.Fatal("the co-author's name is not drawn")
	}
}
