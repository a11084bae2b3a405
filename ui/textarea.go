package ui

import (
	"image/color"
	"slices"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/textop"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// textArea is one section's text on the page, editable. It keeps the
// text as code points with a caret and a selection anchor, wraps each
// line itself (wrap.go) and keeps the wrapping of every line, so that an
// edit re-wraps only the line it touched; and it draws only the display
// lines in view. A keystroke therefore costs the same in an empty
// section and in one of 40,000 characters, and its cost in one long
// paragraph is a lookup per word of that paragraph.
//
// Paragraph numbers ("3.2", a paragraph being a block of lines between
// empty lines, as crdt.Paragraphs and the export count them) stand in
// the margin on the left.
type textArea struct {
	widget.BaseWidget

	text   []rune
	lines  []hardLine
	rows   int            // display lines in all
	caret  int            // code points before the caret
	anchor int            // the selection's other end; the caret when none
	wide   float32        // the width the lines are wrapped for
	number string         // the heading's label ("3", "A"), for the paragraph numbers
	marks  map[int]string // a paragraph's settled status (app.Agreed, app.Contested) by number, beside it

	placeholder string
	others      []otherCaret // co-authors' carets in this text
	ghosts      []ghostRun   // co-authors' typing not committed yet (preview.go)
	focused     bool
	shift       bool // a Shift key is down
	// pressed: a mouse press placed the caret, so the tap the driver
	// sends for the same click, after its double-tap wait and often
	// after keys typed meanwhile, must not place it again.
	pressed bool
	typed   bool    // a key came since the last press
	goal    float32 // where Up and Down aim, across short lines; < 0 when unset
	m       *measurer
	small   *measurer // the paragraph numbers

	// Set by whoever holds the area.
	onEdit   func(pos int, del, ins []rune) // the person changed the text
	onMove   func()                         // caret or selection moved: show the caret
	onResize func()                         // the rows shown may have changed
	onFocus  func()                         // the area took the keyboard
	inView   func() (top, bottom float32)   // the part of the area on screen; nil: all of it
	leave    func(dir int, x float32) bool  // Up on the first line or Down on the last
	edge     func(end bool)                 // Ctrl+Home and Ctrl+End: the whole draft's start or end
	undo     func(redo bool)                // the editor's history
	menu     func(*fyne.PointEvent)         // the right-click menu
	span     spanner                        // a selection across headings' texts
	clipText func() fyne.Clipboard          // the clipboard; tests set it
}

// spanner holds a selection that goes on across several headings'
// texts (the page does): Shift+Up and Down carry it past a text's edge.
// Each text shows its part as its own selection, the focused one holding
// the caret.
type spanner interface {
	// extend moves the caret on into the next text up (dir < 0) or down,
	// at x, selecting; it reports false at the draft's edge.
	extend(a *textArea, dir int, x float32) bool
	spanning() bool
	// spanText is the whole selection, with the headings it crosses.
	spanText() string
	// endSpan leaves the selection to the text with the caret.
	endSpan()
	// removeSpan deletes the selection's text in every heading (the
	// headings stay) and returns the text where it began, which then has
	// the keyboard and the caret.
	removeSpan() *textArea
}

// spanning reports whether the selection goes on into other texts.
func (a *textArea) spanning() bool { return a.span != nil && a.span.spanning() }

// endSpan ends a selection across texts, as a move without Shift does.
func (a *textArea) endSpan() {
	if a.spanning() {
		a.span.endSpan()
	}
}

// otherCaret is a co-author's caret: where, in their colour, with their
// name above it.
type otherCaret struct {
	offset int
	colour color.Color
	name   string
	origin string // their window, whose typing may show as ghosts
}

// ghostRun is a co-author's typing that has not reached this machine's
// copy yet (a preview): drawn at off in their colour, the rest of its
// row after it, but not part of the text. It lasts until the commit that
// carries the typing arrives, under a second later, so it is not
// wrapped: a row it lengthens runs on past the column's edge meanwhile.
type ghostRun struct {
	off    int
	text   string
	colour color.Color
	origin string
}

// hardLine is one line of the text between line breaks, as it is wrapped.
type hardLine struct {
	start  int   // code points before the line
	n      int   // its code points, without the line break
	breaks []int // where its display lines start, from the line's start; breaks[0] == 0
	para   int   // the paragraph number when the line starts a paragraph, else 0
	row    int   // display lines before this line
}

func newTextArea() *textArea {
	a := &textArea{goal: -1}
	a.ExtendBaseWidget(a)
	a.lines = []hardLine{{breaks: []int{0}}}
	a.rows = 1
	return a
}

func (a *textArea) measurers() {
	if a.m != nil {
		return
	}
	size := bodySize()
	a.m = newMeasurer(size, fyne.TextStyle{})
	a.small = newMeasurer(size*0.8, fyne.TextStyle{})
}

// gutter is the margin that holds the paragraph numbers.
func (a *textArea) gutter() float32 { return gutterWidth() }

// gutterWidth is the margin that holds the paragraph numbers.
func gutterWidth() float32 {
	// Room for "88.88" and a status mark before it.
	return fyne.MeasureText("88.88", bodySize()*0.8, fyne.TextStyle{}).Width + bodySize()*0.8 + 2*theme.Padding()
}

// pitch is the height of a display line.
func (a *textArea) pitch() float32 {
	a.measurers()
	return fyne.MeasureText("Mg", a.m.size, a.m.style).Height + theme.LineSpacing()
}

// String returns the text.
func (a *textArea) String() string { return string(a.text) }

// setWidth wraps the text for a column wide units wide (the margin
// included) and returns the area's height.
func (a *textArea) setWidth(wide float32) float32 {
	w := max(wide-a.gutter(), 20)
	if w != a.wide {
		a.wide = w
		a.relayout(0, len(a.lines), a.text, 0, len(a.text))
	}
	return float32(max(a.shownRows(), 1)) * a.pitch()
}

// MinSize is as tall as the text wrapped at the width it was last given.
func (a *textArea) MinSize() fyne.Size {
	return fyne.NewSize(a.gutter()+40, float32(max(a.shownRows(), 1))*a.pitch())
}

// Resize wraps the text again when the width changes.
func (a *textArea) Resize(s fyne.Size) {
	a.setWidth(s.Width)
	a.BaseWidget.Resize(s)
}

// relayout replaces the lines from..to (exclusive) by the lines of
// text[start:end], wrapping only those, and renumbers the rest.
func (a *textArea) relayout(from, to int, text []rune, start, end int) {
	a.measurers()
	var fresh []hardLine
	for s := start; ; {
		e := s
		for e < end && text[e] != '\n' {
			e++
		}
		fresh = append(fresh, hardLine{start: s, n: e - s, breaks: a.wrapLine(text[s:e])})
		if e >= end {
			break
		}
		s = e + 1
	}
	a.lines = slices.Replace(a.lines, from, to, fresh...)
	a.renumber()
}

func (a *textArea) wrapLine(line []rune) []int {
	if a.wide <= 0 {
		return []int{0}
	}
	return wrap(line, a.wide, a.m)
}

// renumber counts display lines and paragraphs again: a lookup per line.
func (a *textArea) renumber() {
	rows, para, after := 0, 0, true // after: the line above is empty
	for i := range a.lines {
		l := &a.lines[i]
		l.row = rows
		rows += len(l.breaks)
		l.para = 0
		empty := blank(a.text[l.start : l.start+l.n])
		// A footnote's text ("[^1]: …") is printed as a note and takes no
		// number (crdt.Paragraphs).
		if !empty && after && !noteStart(a.text[l.start:l.start+l.n]) {
			para++
			l.para = para
		}
		after = empty
	}
	a.rows = rows
}

// noteStart reports whether a line opens a footnote's text, "[^1]: …";
// it reads no more of the line than a label can take.
func noteStart(line []rune) bool {
	if len(line) < 5 || line[0] != '[' || line[1] != '^' {
		return false
	}
	return crdt.NoteLabel(string(line[:min(len(line), 40)])) != ""
}

// blank reports whether a line holds only spaces: it looks no further
// than the first letter.
func blank(line []rune) bool {
	for _, r := range line {
		if r != ' ' && r != '\t' && r != '\r' {
			return false
		}
	}
	return true
}

// lineOf returns the hard line that holds offset off.
func (a *textArea) lineOf(off int) int {
	i := sort.Search(len(a.lines), func(i int) bool { return a.lines[i].start > off })
	return max(i-1, 0)
}

// splice replaces del code points at pos by ins, re-wrapping only the
// lines it touches.
func (a *textArea) splice(pos, del int, ins []rune) {
	h0, h1 := a.lineOf(pos), a.lineOf(pos+del)
	start := a.lines[h0].start
	end := a.lines[h1].start + a.lines[h1].n
	text := make([]rune, 0, len(a.text)-del+len(ins))
	text = append(text, a.text[:pos]...)
	text = append(text, ins...)
	text = append(text, a.text[pos+del:]...)
	a.text = text
	delta := len(ins) - del
	for i := h1 + 1; i < len(a.lines); i++ {
		a.lines[i].start += delta
	}
	a.relayout(h0, h1+1, text, start, end+delta)
}

// setGhosts shows co-authors' typing not committed yet.
func (a *textArea) setGhosts(gs []ghostRun) {
	a.ghosts = gs
	if a.onResize != nil {
		a.onResize()
	}
	a.Refresh()
}

// setText shows text from elsewhere, carrying the caret and the anchor
// with carry (nil: keep them where they are, within the text).
func (a *textArea) setText(text []rune, carry func(int) int) {
	pos, del, ins := textop.ChangedRange(a.text, text)
	if del > 0 || ins > 0 {
		a.splice(pos, del, text[pos:pos+ins])
	}
	if carry != nil {
		a.caret, a.anchor = carry(a.caret), carry(a.anchor)
	}
	a.caret = min(max(a.caret, 0), len(a.text))
	a.anchor = min(max(a.anchor, 0), len(a.text))
	a.Refresh()
}

// selection returns the selected range, start before end.
func (a *textArea) selection() (int, int) {
	return min(a.caret, a.anchor), max(a.caret, a.anchor)
}

// selected returns the selected text.
func (a *textArea) selected() string {
	s, e := a.selection()
	return string(a.text[s:e])
}

// selectedAll returns the selection, with its parts in other headings'
// texts when it goes on into them.
func (a *textArea) selectedAll() string {
	if a.spanning() {
		return a.span.spanText()
	}
	return a.selected()
}

// selectRange selects from anchor to caret.
func (a *textArea) selectRange(anchor, caret int) {
	a.endSpan()
	a.anchor = min(max(anchor, 0), len(a.text))
	a.caret = min(max(caret, 0), len(a.text))
	a.goal = -1
	a.moved()
}

// setCaret puts the caret at off, without a selection.
func (a *textArea) setCaret(off int) { a.selectRange(off, off) }

func (a *textArea) moved() {
	a.Refresh()
	if a.onMove != nil {
		a.onMove()
	}
}

// edit replaces the selection by ins, as the person typed it.
func (a *textArea) edit(ins []rune) {
	if a.spanning() {
		if t := a.span.removeSpan(); t != nil && len(ins) > 0 {
			t.replace(t.caret, 0, ins)
		}
		return
	}
	s, e := a.selection()
	a.replace(s, e-s, ins)
}

// replace replaces del code points at pos by ins, as the person typed it,
// leaving the caret after ins.
func (a *textArea) replace(pos, del int, ins []rune) {
	if del == 0 && len(ins) == 0 {
		return
	}
	gone := slices.Clone(a.text[pos : pos+del])
	a.splice(pos, del, ins)
	a.caret = pos + len(ins)
	a.anchor = a.caret
	a.goal = -1
	if a.onEdit != nil {
		a.onEdit(pos, gone, ins)
	}
	a.moved()
}

// rowOf returns the display line of offset off, counted from the top,
// with its start and end offsets.
func (a *textArea) rowOf(off int) (row, start, end int) {
	h := a.lineOf(off)
	l := a.lines[h]
	rel := off - l.start
	k := sort.Search(len(l.breaks), func(i int) bool { return l.breaks[i] > rel }) - 1
	k = max(k, 0)
	return l.row + k, a.rowStart(l, k), a.rowEnd(l, k)
}

func (a *textArea) rowStart(l hardLine, k int) int { return l.start + l.breaks[k] }

func (a *textArea) rowEnd(l hardLine, k int) int {
	if k+1 < len(l.breaks) {
		return l.start + l.breaks[k+1]
	}
	return l.start + l.n
}

// row returns the start and end offsets of display line r.
func (a *textArea) row(r int) (start, end int, l hardLine, k int) {
	h := sort.Search(len(a.lines), func(i int) bool { return a.lines[i].row > r }) - 1
	h = min(max(h, 0), len(a.lines)-1)
	l = a.lines[h]
	k = min(max(r-l.row, 0), len(l.breaks)-1)
	return a.rowStart(l, k), a.rowEnd(l, k), l, k
}

// caretEnd is the last place a caret can stand on a row: before the
// space a wrapped row ends with, since after it is the next row's start.
func (a *textArea) caretEnd(l hardLine, k int) int {
	end := a.rowEnd(l, k)
	if k+1 < len(l.breaks) && end > a.rowStart(l, k) {
		return end - 1
	}
	return end
}

// xOf is where offset off stands on its row.
func (a *textArea) xOf(off int) float32 {
	_, start, _ := a.rowOf(off)
	return a.m.measure(string(a.text[start:off]))
}

// offsetAt returns the offset nearest to a point in the area.
func (a *textArea) offsetAt(p fyne.Position) int {
	a.measurers()
	r := int(p.Y / a.pitch())
	if r < 0 {
		return 0
	}
	if gl := a.layGhosts(); gl != nil {
		// Rows the ghosts added are counted back out; a click on a row
		// that holds ghosts lands on the text beside them.
		for _, row := range gl.order {
			g := gl.rows[row]
			if r < row {
				break
			}
			if r < row+len(g.breaks) {
				return min(g.offsetAt(r-row, p.X-a.gutter()), len(a.text))
			}
			r -= len(g.breaks) - 1
		}
	}
	if r >= a.rows {
		return len(a.text)
	}
	start, _, l, k := a.row(r)
	return a.offsetInRow(start, a.caretEnd(l, k), p.X-a.gutter())
}

// offsetInRow is the offset in [start, end] nearest to x.
func (a *textArea) offsetInRow(start, end int, x float32) int {
	lo, hi := start, end
	for lo < hi { // the first offset whose x is past x
		mid := (lo + hi) / 2
		if a.m.measure(string(a.text[start:mid+1])) <= x {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < end {
		left := a.m.measure(string(a.text[start:lo]))
		right := a.m.measure(string(a.text[start : lo+1]))
		if x-left > right-x {
			return lo + 1
		}
	}
	return lo
}

// caretBox is the caret's place in the area: its top and the row height.
func (a *textArea) caretBox() (top, bottom float32) {
	_, top = a.pointOf(a.caret, a.layGhosts())
	return top, top + a.pitch()
}

// vertical moves the caret dir rows up or down, keeping its column.
func (a *textArea) vertical(dir int, rows int) {
	row, _, _ := a.rowOf(a.caret)
	if a.goal < 0 {
		a.goal = a.xOf(a.caret)
	}
	goal := a.goal
	to := row + dir*rows
	if to < 0 || to >= a.rows {
		if !a.shift && a.leave != nil && a.leave(dir, goal) {
			return
		}
		if a.shift && a.span != nil && a.span.extend(a, dir, goal) {
			return
		}
		if to < 0 {
			a.moveTo(0)
		} else {
			a.moveTo(len(a.text))
		}
		a.goal = goal
		return
	}
	start, _, l, k := a.row(to)
	a.moveTo(a.offsetInRow(start, a.caretEnd(l, k), goal))
	a.goal = goal
}

// enterAt puts the caret in row 0 or the last one, at x: the caret
// arriving from the section above or below.
func (a *textArea) enterAt(last bool, x float32) {
	r := 0
	if last {
		r = a.rows - 1
	}
	start, _, l, k := a.row(r)
	a.setCaret(a.offsetInRow(start, a.caretEnd(l, k), x))
	a.goal = x
}

// moveTo moves the caret, extending the selection while Shift is down.
func (a *textArea) moveTo(off int) {
	off = min(max(off, 0), len(a.text))
	a.caret = off
	if !a.shift {
		a.endSpan()
		a.anchor = off
	}
	a.goal = -1
	a.moved()
}

// wordEdge returns the start of the word before off (dir < 0) or the end
// of the word after it.
func (a *textArea) wordEdge(off, dir int) int {
	isWord := func(r rune) bool {
		return !isSpace(r) && r != '\n' && !strings.ContainsRune(".,;:!?()[]\"'«»“”", r)
	}
	if dir < 0 {
		for off > 0 && !isWord(a.text[off-1]) {
			off--
		}
		for off > 0 && isWord(a.text[off-1]) {
			off--
		}
		return off
	}
	for off < len(a.text) && !isWord(a.text[off]) {
		off++
	}
	for off < len(a.text) && isWord(a.text[off]) {
		off++
	}
	return off
}

// FocusGained shows the caret.
func (a *textArea) FocusGained() {
	a.focused = true
	a.Refresh()
	if a.onFocus != nil {
		a.onFocus()
	}
}

// FocusLost hides the caret.
func (a *textArea) FocusLost() {
	a.focused = false
	a.shift = false
	a.Refresh()
}

// TypedRune inserts a character in place of the selection.
func (a *textArea) TypedRune(r rune) {
	a.typed = true
	a.edit([]rune{r})
}

// AcceptsTab lets Tab be typed, as in any editor of prose.
func (a *textArea) AcceptsTab() bool { return true }

// KeyDown notes Shift, which turns moves into selections.
func (a *textArea) KeyDown(k *fyne.KeyEvent) {
	if k.Name == desktop.KeyShiftLeft || k.Name == desktop.KeyShiftRight {
		a.shift = true
	}
}

// KeyUp notes Shift's release.
func (a *textArea) KeyUp(k *fyne.KeyEvent) {
	if k.Name == desktop.KeyShiftLeft || k.Name == desktop.KeyShiftRight {
		a.shift = false
	}
}

// TypedKey moves the caret and deletes.
func (a *textArea) TypedKey(k *fyne.KeyEvent) {
	a.typed = true
	s, e := a.selection()
	switch k.Name {
	case fyne.KeyLeft:
		if s != e && !a.shift {
			a.moveTo(s)
		} else {
			a.moveTo(a.caret - 1)
		}
	case fyne.KeyRight:
		if s != e && !a.shift {
			a.moveTo(e)
		} else {
			a.moveTo(a.caret + 1)
		}
	case fyne.KeyUp:
		a.vertical(-1, 1)
	case fyne.KeyDown:
		a.vertical(+1, 1)
	case fyne.KeyPageUp, fyne.KeyPageDown:
		rows := 10
		if a.inView != nil {
			top, bottom := a.inView()
			rows = max(int((bottom-top)/a.pitch())-2, 1)
		}
		dir := -1
		if k.Name == fyne.KeyPageDown {
			dir = 1
		}
		a.vertical(dir, rows)
	case fyne.KeyHome:
		_, start, _ := a.rowOf(a.caret)
		a.moveTo(start)
	case fyne.KeyEnd:
		row, _, _ := a.rowOf(a.caret)
		_, _, l, k := a.row(row)
		a.moveTo(a.caretEnd(l, k))
	case fyne.KeyBackspace:
		if s != e || a.spanning() {
			a.edit(nil)
		} else if s > 0 {
			a.replace(s-1, 1, nil)
		}
	case fyne.KeyDelete:
		if s != e || a.spanning() {
			a.edit(nil)
		} else if s < len(a.text) {
			a.replace(s, 1, nil)
		}
	case fyne.KeyReturn, fyne.KeyEnter:
		a.edit([]rune{'\n'})
	case fyne.KeyTab:
		a.edit([]rune{'\t'})
	}
}

var lineEnds = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// TypedShortcut runs the clipboard, select-all, history and word moves.
func (a *textArea) TypedShortcut(sc fyne.Shortcut) {
	a.typed = true
	switch sc := sc.(type) {
	case *fyne.ShortcutCopy:
		if t := a.selectedAll(); t != "" {
			a.clipboard(sc.Clipboard).SetContent(t)
		}
	case *fyne.ShortcutCut:
		if t := a.selectedAll(); t != "" {
			a.clipboard(sc.Clipboard).SetContent(t)
			a.edit(nil)
		}
	case *fyne.ShortcutPaste:
		// Pasted from Windows or an old Mac: a \r would be an invisible
		// caret stop and a stray byte in every export.
		if t := crdt.CleanBody(lineEnds.Replace(a.clipboard(sc.Clipboard).Content())); t != "" {
			a.edit([]rune(t))
		}
	case *fyne.ShortcutSelectAll:
		a.selectRange(0, len(a.text))
	case *fyne.ShortcutUndo:
		if a.undo != nil {
			a.undo(false)
		}
	case *fyne.ShortcutRedo:
		if a.undo != nil {
			a.undo(true)
		}
	case *desktop.CustomShortcut:
		a.customShortcut(sc)
	}
}

func (a *textArea) customShortcut(sc *desktop.CustomShortcut) {
	ctrl := sc.Modifier&(fyne.KeyModifierControl|fyne.KeyModifierAlt|fyne.KeyModifierSuper) != 0
	if !ctrl {
		return
	}
	shift := sc.Modifier&fyne.KeyModifierShift != 0
	was := a.shift
	a.shift = shift
	defer func() { a.shift = was }()
	switch sc.KeyName {
	case fyne.KeyHome, fyne.KeyEnd:
		end := sc.KeyName == fyne.KeyEnd
		if !shift && a.edge != nil {
			a.edge(end)
		} else if end {
			a.moveTo(len(a.text))
		} else {
			a.moveTo(0)
		}
	case fyne.KeyLeft:
		a.moveTo(a.wordEdge(a.caret, -1))
	case fyne.KeyRight:
		a.moveTo(a.wordEdge(a.caret, +1))
	case fyne.KeyBackspace:
		if s, e := a.selection(); s != e || a.spanning() {
			a.edit(nil)
		} else if w := a.wordEdge(a.caret, -1); w < a.caret {
			a.replace(w, a.caret-w, nil)
		}
	case fyne.KeyDelete:
		if s, e := a.selection(); s != e || a.spanning() {
			a.edit(nil)
		} else if w := a.wordEdge(a.caret, +1); w > a.caret {
			a.replace(a.caret, w-a.caret, nil)
		}
	}
}

func (a *textArea) clipboard(c fyne.Clipboard) fyne.Clipboard {
	if c != nil {
		return c
	}
	if a.clipText != nil {
		return a.clipText()
	}
	return fyne.CurrentApp().Clipboard()
}

func (a *textArea) requestFocus() {
	if c := fyne.CurrentApp().Driver().CanvasForObject(a); c != nil && c.Focused() != a {
		c.Focus(a)
	}
}

// MouseDown places the caret, or extends the selection with Shift.
func (a *textArea) MouseDown(ev *desktop.MouseEvent) {
	if ev.Button != desktop.MouseButtonPrimary {
		return
	}
	a.requestFocus()
	a.endSpan()
	a.pressed, a.typed = true, false
	shift := a.shift || ev.Modifier&fyne.KeyModifierShift != 0
	off := a.offsetAt(ev.Position)
	if shift {
		a.caret = off
		a.moved()
		return
	}
	a.setCaret(off)
}

// MouseUp ends nothing: a drag has its own end.
func (a *textArea) MouseUp(*desktop.MouseEvent) {}

// Tapped places the caret where a touch (or the test driver) taps. A
// mouse's click placed it already on the press: Fyne's desktop driver
// delivers the tap of a DoubleTappable only after the double-tap wait
// (300 ms), and placing the caret again then would move it back under
// what was typed meanwhile ("word" came out as "rdwo").
func (a *textArea) Tapped(ev *fyne.PointEvent) {
	if a.pressed {
		a.pressed = false
		return
	}
	a.requestFocus()
	if !a.shift {
		a.setCaret(a.offsetAt(ev.Position))
	}
}

// DoubleTapped selects the word under the pointer, unless keys came
// since the press: selecting then would have the next key replace a word.
func (a *textArea) DoubleTapped(ev *fyne.PointEvent) {
	typed := a.pressed && a.typed
	a.pressed = false
	if typed {
		return
	}
	off := a.offsetAt(ev.Position)
	a.selectRange(a.wordEdge(min(off+1, len(a.text)), -1), a.wordEdge(off, +1))
}

// Dragged selects from where the drag began to the pointer.
func (a *textArea) Dragged(ev *fyne.DragEvent) {
	a.caret = a.offsetAt(ev.Position)
	a.moved()
}

// DragEnd keeps the selection. No tap follows a drag.
func (a *textArea) DragEnd() { a.pressed = false }

// TappedSecondary opens the area's menu.
func (a *textArea) TappedSecondary(ev *fyne.PointEvent) {
	a.requestFocus()
	if a.menu != nil {
		a.menu(ev)
	}
}

// Cursor is the text cursor.
func (a *textArea) Cursor() desktop.Cursor { return desktop.TextCursor }

func (a *textArea) CreateRenderer() fyne.WidgetRenderer {
	a.measurers()
	r := &areaRenderer{a: a, caret: canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))}
	return r
}

// areaRenderer draws the rows in view: a text per row, the paragraph
// numbers, the selection and the caret. Its texts are reused from one
// draw to the next, and one whose row did not change is not redrawn.
type areaRenderer struct {
	a       *textArea
	texts   []*canvas.Text
	numbers []*canvas.Text
	marks   []*canvas.Rectangle // the selection, a rectangle per row
	caret   *canvas.Rectangle
	flags   []*canvas.Rectangle // co-authors' carets
	names   []*canvas.Text      // and their names
	objects []fyne.CanvasObject
}

func (r *areaRenderer) Destroy()                     {}
func (r *areaRenderer) MinSize() fyne.Size           { return r.a.MinSize() }
func (r *areaRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *areaRenderer) Layout(fyne.Size)             { r.Refresh() }

func (r *areaRenderer) Refresh() {
	a := r.a
	p := a.pitch()
	gl := a.layGhosts()
	top, bottom := float32(0), float32(a.rows+gl.total())*p
	if a.inView != nil {
		top, bottom = a.inView()
	}
	first := max(int(top/p)-gl.total(), 0)
	last := min(int(bottom/p)+1, a.rows)
	fg := theme.Color(theme.ColorNameForeground)
	muted := theme.Color(theme.ColorNamePlaceHolder)
	selColour := theme.Color(theme.ColorNameSelection)
	gutter := a.gutter()
	textH := fyne.MeasureText("Mg", a.m.size, a.m.style).Height
	dy := (p - textH) / 2
	selStart, selEnd := a.selection()
	rowY := func(row int) float32 { return float32(row+gl.before(row)) * p }

	r.objects = r.objects[:0]
	nt, nn, nm := 0, 0, 0
	if len(a.text) == 0 && a.placeholder != "" && gl == nil {
		t := r.text(&nt)
		r.set(t, a.placeholder, muted, a.m.size)
		t.Move(fyne.NewPos(gutter, dy))
	}
	for row := first; row < last; row++ {
		start, end, l, k := a.row(row)
		y := rowY(row)
		if g := gl.row(row); g != nil {
			r.ghostRow(&nt, &nm, g, y, dy)
		} else {
			if selStart != selEnd && selStart <= end && selEnd >= start && !(selEnd == start && row > 0 && k > 0) {
				x0 := a.m.measure(string(a.text[start:max(selStart, start)]))
				x1 := a.m.measure(string(a.text[start:min(selEnd, end)]))
				if selEnd > end || (selEnd == end && k+1 == len(l.breaks) && selEnd < len(a.text)) {
					x1 += a.m.size / 3 // the line break is selected too
				}
				if x1 > x0 {
					m := r.mark(&nm)
					m.FillColor = selColour
					m.Move(fyne.NewPos(gutter+x0, y))
					m.Resize(fyne.NewSize(x1-x0, p))
				}
			}
			if end > start {
				t := r.text(&nt)
				r.set(t, string(a.text[start:end]), fg, a.m.size)
				t.Move(fyne.NewPos(gutter, y+dy))
			}
		}
		if k == 0 && l.para > 0 && a.number != "" {
			t := r.number(&nn)
			label := crdt.ParagraphNumber(a.number, l.para)
			r.set(t, label, muted, a.small.size)
			w := a.small.measure(label)
			x := gutter - w - theme.Padding()*1.5
			ty := y + dy + (a.m.size-a.small.size)/2
			t.Move(fyne.NewPos(x, ty))
			// A settled paragraph is marked beside its number by shape as
			// well as colour (the fonts have no check or flag sign): a
			// square where it is agreed, a bar where it is contested.
			if st := a.marks[l.para]; st == app.Agreed || st == app.Contested {
				m := r.mark(&nm)
				side := a.small.size * 0.55
				size, colour := fyne.NewSize(side, side), theme.Color(theme.ColorNameSuccess)
				if st == app.Contested {
					size, colour = fyne.NewSize(side/3, a.small.size), theme.Color(theme.ColorNameWarning)
				}
				m.FillColor = colour
				m.Move(fyne.NewPos(x-theme.Padding()/2-size.Width, ty+(a.small.size-size.Height)/2+a.small.size*0.1))
				m.Resize(size)
			}
		}
	}
	// The rectangles first, under the text.
	objs := make([]fyne.CanvasObject, 0, nm+nt+nn+1)
	for _, m := range r.marks[:nm] {
		objs = append(objs, m)
	}
	for _, t := range r.texts[:nt] {
		objs = append(objs, t)
	}
	for _, t := range r.numbers[:nn] {
		objs = append(objs, t)
	}
	for i, o := range a.others {
		x, y := a.pointOf(min(max(o.offset, 0), len(a.text)), gl) // their text may be a little ahead of ours
		for gi, g := range a.ghosts {
			if g.origin != "" && g.origin == o.origin { // the typist's caret ends their typing
				x, y = a.ghostEnd(gi, gl)
			}
		}
		if y < top-p || y > bottom {
			continue
		}
		x += gutter
		for len(r.flags) <= i {
			r.flags = append(r.flags, canvas.NewRectangle(nil))
			r.names = append(r.names, canvas.NewText("", nil))
		}
		f, n := r.flags[i], r.names[i]
		f.FillColor = o.colour
		f.Move(fyne.NewPos(x-1, y+1))
		f.Resize(fyne.NewSize(2, p-2))
		f.Refresh()
		r.set(n, o.name, o.colour, a.small.size)
		n.TextStyle.Bold = true
		// The name stands right of the caret, or left of it where it would
		// run past the column's edge, and is cut only when wider than it.
		nx := x + 2
		if w := fyne.MeasureText(o.name, a.small.size, n.TextStyle).Width; nx+w > a.Size().Width {
			nx = max(min(x-2-w, a.Size().Width-w), 0)
		}
		n.Move(fyne.NewPos(nx, y-a.small.size*0.6))
		objs = append(objs, f, n)
	}
	if a.focused {
		x, ctop := a.pointOf(a.caret, gl)
		if ctop >= top-p && ctop <= bottom {
			r.caret.FillColor = theme.Color(theme.ColorNamePrimary)
			r.caret.Move(fyne.NewPos(gutter+x-1, ctop+1))
			r.caret.Resize(fyne.NewSize(2, p-2))
			r.caret.Refresh()
			objs = append(objs, r.caret)
		}
	}
	r.objects = objs
}

// ghostRow draws a row of the text wrapped again with co-authors' typing
// in it, each in their colour, and the selection in it.
func (r *areaRenderer) ghostRow(nt, nm *int, g *ghostRow, y, dy float32) {
	a := r.a
	p := a.pitch()
	fg := theme.Color(theme.ColorNameForeground)
	selStart, selEnd := a.selection()
	gutter := a.gutter()
	for s := range g.breaks {
		from, to := g.breaks[s], g.end(s)
		sy := y + float32(s)*p
		// The selection: the text's own characters within it.
		for i := from; i < to; {
			if d := g.disp[i]; d.ghost != 0 || d.at < selStart || d.at >= selEnd {
				i++
				continue
			}
			j := i
			for j < to && g.disp[j].ghost == 0 && g.disp[j].at >= selStart && g.disp[j].at < selEnd {
				j++
			}
			x0, x1 := a.m.measure(g.text(from, i)), a.m.measure(g.text(from, j))
			m := r.mark(nm)
			m.FillColor = theme.Color(theme.ColorNameSelection)
			m.Move(fyne.NewPos(gutter+x0, sy))
			m.Resize(fyne.NewSize(x1-x0, p))
			i = j
		}
		// The text, a piece per colour.
		for i := from; i < to; {
			j := i
			for j < to && g.disp[j].ghost == g.disp[i].ghost {
				j++
			}
			c := fg
			if gi := g.disp[i].ghost; gi > 0 {
				c = a.ghosts[gi-1].colour
			}
			t := r.text(nt)
			r.set(t, g.text(i, j), c, a.m.size)
			t.Move(fyne.NewPos(gutter+a.m.measure(g.text(from, i)), sy+dy))
			i = j
		}
	}
}

// row returns the ghosts' layout of an area's row, or nil.
func (gl *ghostLayout) row(row int) *ghostRow {
	if gl == nil {
		return nil
	}
	return gl.rows[row]
}

// pointOf is where a text offset stands on the screen: x from the text's
// left edge, and the top of its row.
func (a *textArea) pointOf(off int, gl *ghostLayout) (x, y float32) {
	p := a.pitch()
	row, start, _ := a.rowOf(off)
	y = float32(row+gl.before(row)) * p
	if g := gl.row(row); g != nil {
		s, gx := g.placeIndex(g.index(off))
		return gx, y + float32(s)*p
	}
	return a.m.measure(string(a.text[start:off])), y
}

// ghostEnd is where ghost gi ends on the screen, as pointOf.
func (a *textArea) ghostEnd(gi int, gl *ghostLayout) (x, y float32) {
	g := a.ghosts[gi]
	off := min(max(g.off, 0), len(a.text))
	row, _, _ := a.rowOf(off)
	if gr := gl.row(row); gr != nil {
		if i := gr.after(gi + 1); i >= 0 {
			s, gx := gr.placeIndex(i)
			return gx, float32(row+gl.before(row)+s) * a.pitch()
		}
	}
	return a.pointOf(off, gl)
}

// set gives a reused text its content, redrawing it only if it changed.
func (r *areaRenderer) set(t *canvas.Text, s string, c color.Color, size float32) {
	if t.Text == s && t.Color == c && t.TextSize == size {
		return
	}
	t.Text, t.Color, t.TextSize = s, c, size
	t.Refresh()
}

func (r *areaRenderer) text(n *int) *canvas.Text {
	if *n == len(r.texts) {
		r.texts = append(r.texts, canvas.NewText("", nil))
	}
	*n++
	return r.texts[*n-1]
}

func (r *areaRenderer) number(n *int) *canvas.Text {
	if *n == len(r.numbers) {
		r.numbers = append(r.numbers, canvas.NewText("", nil))
	}
	*n++
	return r.numbers[*n-1]
}

func (r *areaRenderer) mark(n *int) *canvas.Rectangle {
	if *n == len(r.marks) {
		r.marks = append(r.marks, canvas.NewRectangle(nil))
	}
	*n++
	m := r.marks[*n-1]
	m.Refresh()
	return m
}
