package ui

import (
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/textop"
)

// sectionEditor is the multi-line entry of one section. What the person
// types goes to the draft's owner as a text operation, without waiting
// for it (app.Subscription.Edit); text that arrives from elsewhere comes
// as exact operations, each applied to the entry with the caret and the
// selection carried through it, and the entry's echo of that is not
// taken for typing.
type sectionEditor struct {
	entry   *editorEntry
	sub     *app.Subscription
	id      string
	shown   string // the text the entry shows, as the subscription knows it
	setting bool   // true while we set the entry's text ourselves
	onError func(error)
	hist    history
	now     func() time.Time // the clock that groups keystrokes; tests set it
	catchUp func()           // takes the events waiting, before an undo
	comment func()           // comments on the selection (the right-click menu)
}

func newSectionEditor(sub *app.Subscription, id, placeholder string, onError func(error)) (*sectionEditor, error) {
	body, err := sub.Open(id)
	if err != nil {
		return nil, err
	}
	e := &sectionEditor{sub: sub, id: id, shown: body, onError: onError, now: time.Now, catchUp: func() {}}
	e.entry = newEditorEntry(e)
	e.entry.SetPlaceHolder(placeholder)
	e.entry.SetText(body)
	e.entry.OnChanged = e.typed
	return e, nil
}

var lineEnds = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// typed sends what changed in the entry to the draft.
func (e *sectionEditor) typed(text string) {
	if e.setting {
		return
	}
	if strings.ContainsRune(text, '\r') {
		// Pasted from Windows or an old Mac: a \r would be an invisible
		// caret stop in the entry and a stray byte in every export.
		text = lineEnds.Replace(text)
		e.replace(text)
	}
	old, cur := []rune(e.shown), []rune(text)
	pos, del, ins := textop.ChangedRange(old, cur)
	e.shown = text
	if del == 0 && ins == 0 {
		return
	}
	pos = e.whereTyped(old, cur, pos, del, ins)
	e.hist.typed(pos, old[pos:pos+del], cur[pos:pos+ins], e.now())
	e.send(len(old), pos, del, string(cur[pos:pos+ins]))
}

// send sends one splice of the text the entry showed before it.
func (e *sectionEditor) send(n, pos, del int, ins string) {
	op, err := textop.Splice(n, pos, del, ins)
	if err == nil {
		err = e.sub.Edit(e.id, op)
	}
	if err != nil {
		e.onError(err)
	}
}

// apply shows an event of this section: a change from elsewhere, or the
// draft's text after an edit could not be placed.
func (e *sectionEditor) apply(ev app.Event) {
	if ev.Reset() {
		e.hist = history{}
		e.shown = ev.Text
		e.replace(ev.Text)
		if ev.Err != nil {
			e.onError(ev.Err)
		}
		return
	}
	if ev.Op.IsIdentity() {
		return
	}
	next, err := ev.Op.ApplyString(e.shown)
	if err != nil {
		// The subscription and the entry disagree: a bug. Show the
		// draft's text rather than a wrong one.
		e.onError(err)
		return
	}
	e.hist.remoteOp(ev.Op)
	e.shown = next
	e.replaceWith(next, func(off int) int { return ev.Op.Map(off, false) })
}

// whereTyped places an edit by the caret. The difference of two texts
// alone is ambiguous in repeated letters (typing "a" before "a" looks like
// typing it after), and where it lands matters when it merges with a
// co-author's edit nearby. After typing, the caret sits at the end of
// what was inserted.
func (e *sectionEditor) whereTyped(old, cur []rune, pos, del, ins int) int {
	p := e.entry.CursorTextOffset() - ins
	if p == pos || p < 0 || p+del > len(old) || p+ins > len(cur) {
		return pos
	}
	if slices.Equal(cur[:p], old[:p]) && slices.Equal(cur[p+ins:], old[p+del:]) {
		return p
	}
	return pos
}

// undo takes back the person's last edit in this section.
func (e *sectionEditor) undo() { e.takeBack(&e.hist.undo, &e.hist.redo) }

// redo puts back what undo took.
func (e *sectionEditor) redo() { e.takeBack(&e.hist.redo, &e.hist.undo) }

func (e *sectionEditor) takeBack(from, to *[]step) {
	// A co-author's edit the entry has not shown yet is shown first, so
	// that the history is carried through it (or forgets a step it cut
	// into) before anything is taken back.
	e.catchUp()
	text := []rune(e.entry.Text)
	s, ok := e.hist.next(*from, text)
	if !ok {
		return
	}
	e.hist.took(from, to)
	next := string(s.apply(text))
	e.shown = next
	e.replace(next)
	e.clearSelection()
	e.placeCaret(s.pos + len(s.del))
	e.send(len(text), s.pos, len(s.ins), string(s.del))
}

// replace puts text in the entry with the caret and selection carried
// through the change, without taking it for typing.
func (e *sectionEditor) replace(body string) {
	old := []rune(e.entry.Text)
	op := textop.Diff(old, []rune(body))
	e.replaceWith(body, func(off int) int { return op.Map(off, false) })
}

// replaceWith puts text in the entry, carrying the caret and the
// selection with carry.
func (e *sectionEditor) replaceWith(body string, carry func(int) int) {
	old := []rune(e.entry.Text)
	caret := e.entry.CursorTextOffset()
	anchor, selecting := e.selectionAnchor(old, caret)
	caret = carry(caret)
	e.setting = true
	e.entry.SetText(body)
	e.setting = false
	if selecting {
		if a := carry(anchor); a != caret {
			e.selectRange(a, caret)
			return
		}
	}
	e.clearSelection()
	e.placeCaret(caret)
}

// selectionAnchor returns the other end of the selection, if there is
// one. The entry tells only the selected text and the caret: the anchor
// is on the side of the caret where that text lies. When it lies on both
// sides (repeated text), the start is asked for as the keyboard would:
// Left without Shift goes to the start of a selection, dropping it; show
// sets it again.
func (e *sectionEditor) selectionAnchor(text []rune, caret int) (int, bool) {
	sel := []rune(e.entry.SelectedText())
	n := len(sel)
	if n == 0 {
		return 0, false
	}
	before := caret-n >= 0 && slices.Equal(text[caret-n:caret], sel)
	after := caret+n <= len(text) && slices.Equal(text[caret:caret+n], sel)
	switch {
	case before && !after:
		return caret - n, true
	case after && !before:
		return caret + n, true
	}
	e.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyLeft})
	if e.entry.CursorTextOffset() == caret {
		return caret + n, true // the caret is at the start
	}
	return caret - n, true
}

// selection returns the selected range (code points), if any.
func (e *sectionEditor) selection() (start, end int, ok bool) {
	caret := e.entry.CursorTextOffset()
	anchor, ok := e.selectionAnchor([]rune(e.entry.Text), caret)
	if !ok {
		return 0, 0, false
	}
	if e.entry.SelectedText() == "" {
		e.selectRange(anchor, caret) // finding the anchor dropped it
	}
	return min(anchor, caret), max(anchor, caret), true
}

// clearSelection ends a selection without moving the caret far: the
// entry has no call for it, so it is done as the keyboard would.
func (e *sectionEditor) clearSelection() {
	if e.entry.SelectedText() != "" {
		e.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyLeft})
	}
}

// selectRange selects from anchor to caret (code points). The entry has
// no call to set a selection, so it is done as Shift and one arrow key
// would: Shift pins the anchor, the caret goes next to its target, and
// the arrow starts the selection there, whatever its length. Only the
// arrow redraws: each redraw re-wraps the whole text.
func (e *sectionEditor) selectRange(anchor, caret int) {
	e.clearSelection()
	e.moveCaret(anchor)
	key, from := fyne.KeyRight, caret-1
	if caret < anchor {
		key, from = fyne.KeyLeft, caret+1
	}
	e.entry.KeyDown(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	e.moveCaret(from)
	e.entry.TypedKey(&fyne.KeyEvent{Name: key})
	e.entry.KeyUp(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
}

// placeCaret puts the caret at a code-point offset and shows it there.
func (e *sectionEditor) placeCaret(off int) {
	e.moveCaret(off)
	e.entry.Refresh()
}

// moveCaret sets the caret's offset without redrawing. The entry counts
// its caret in display rows, which depend on wrapping, and only tells the
// offset of a row and column: the row is found by binary search over row
// starts (rows past the end report offset 0).
func (e *sectionEditor) moveCaret(off int) {
	en := e.entry
	start := func(row int) int {
		en.CursorRow, en.CursorColumn = row, 0
		return en.CursorTextOffset()
	}
	lo, hi := 0, len([]rune(en.Text))+1 // the last row whose start is ≤ off lies in [lo, hi)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if s := start(mid); s > 0 && s <= off {
			lo = mid
		} else {
			hi = mid
		}
	}
	en.CursorRow, en.CursorColumn = lo, off-start(lo)
}

// editorEntry is a section's multi-line entry whose Undo and Redo, from
// the keyboard or its right-click menu, are the editor's history: the
// entry's own is wiped by every remote update and knows nothing of
// co-authors.
type editorEntry struct {
	widget.Entry
	ed *sectionEditor
}

func newEditorEntry(ed *sectionEditor) *editorEntry {
	en := &editorEntry{ed: ed}
	en.MultiLine = true
	en.Wrapping = fyne.TextWrapWord
	en.ExtendBaseWidget(en)
	return en
}

// TypedShortcut takes Undo and Redo for the editor's history when they
// reach the entry itself (the window's menu usually takes them first).
func (en *editorEntry) TypedShortcut(sc fyne.Shortcut) {
	switch sc.(type) {
	case *fyne.ShortcutUndo:
		en.ed.undo()
	case *fyne.ShortcutRedo:
		en.ed.redo()
	default:
		en.Entry.TypedShortcut(sc)
	}
}

// TappedSecondary opens the entry's menu with the editor's Undo and Redo.
func (en *editorEntry) TappedSecondary(pe *fyne.PointEvent) {
	a := fyne.CurrentApp()
	c := a.Driver().CanvasForObject(en)
	if c == nil {
		return
	}
	c.Focus(en)
	clip := a.Clipboard()
	do := func(sc fyne.Shortcut) func() { return func() { en.TypedShortcut(sc) } }
	var items []*fyne.MenuItem
	if len(en.ed.hist.undo) > 0 {
		items = append(items, fyne.NewMenuItem(lang.L("Undo"), en.ed.undo))
	}
	if len(en.ed.hist.redo) > 0 {
		items = append(items, fyne.NewMenuItem(lang.L("Redo"), en.ed.redo))
	}
	if len(items) > 0 {
		items = append(items, fyne.NewMenuItemSeparator())
	}
	if en.ed.comment != nil {
		items = append(items, fyne.NewMenuItem(lang.L("Comment…"), en.ed.comment), fyne.NewMenuItemSeparator())
	}
	items = append(items,
		fyne.NewMenuItem(lang.L("Cut"), do(&fyne.ShortcutCut{Clipboard: clip})),
		fyne.NewMenuItem(lang.L("Copy"), do(&fyne.ShortcutCopy{Clipboard: clip})),
		fyne.NewMenuItem(lang.L("Paste"), do(&fyne.ShortcutPaste{Clipboard: clip})),
		fyne.NewMenuItem(lang.L("Select all"), do(&fyne.ShortcutSelectAll{})),
	)
	pos := a.Driver().AbsolutePositionForObject(en).Add(pe.Position)
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), c, pos)
}
