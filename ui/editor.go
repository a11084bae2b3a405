package ui

import (
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/textop"
)

// sectionEditor is one section's text area on the page. What the person
// types goes to the draft's owner as a text operation, without waiting
// for it (app.Subscription.Edit); text that arrives from elsewhere comes
// as exact operations, each applied to the area with the caret and the
// selection carried through it. The area reports typing as splices
// (textArea.onEdit), so nothing compares whole texts on a keystroke, and
// text set from elsewhere is never taken for typing.
type sectionEditor struct {
	area    *textArea
	sub     *app.Subscription
	id      string
	onError func(error)
	hist    history
	now     func() time.Time // the clock that groups keystrokes; tests set it
	catchUp func()           // takes the events waiting, before an undo
	comment func()           // comments on the selection (the right-click menu)
	changed func()           // the text changed, typed or from elsewhere
}

func newSectionEditor(sub *app.Subscription, id, placeholder string, onError func(error)) (*sectionEditor, error) {
	body, err := sub.Open(id)
	if err != nil {
		return nil, err
	}
	e := &sectionEditor{sub: sub, id: id, onError: onError, now: time.Now, catchUp: func() {}, changed: func() {}}
	e.area = newTextArea()
	e.area.placeholder = placeholder
	e.area.setText([]rune(body), nil)
	e.area.onEdit = e.typed
	e.area.undo = func(redo bool) {
		if redo {
			e.redo()
		} else {
			e.undo()
		}
	}
	e.area.menu = e.showMenu
	return e, nil
}

// text returns the text the area shows.
func (e *sectionEditor) text() string { return e.area.String() }

// typed sends what the person changed to the draft: del at pos became ins.
func (e *sectionEditor) typed(pos int, del, ins []rune) {
	n := len(e.area.text) - len(ins) + len(del) // the length before
	e.hist.typed(pos, del, ins, e.now())
	e.send(n, pos, len(del), string(ins))
	e.changed()
}

// send sends one splice of the text the area showed before it.
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
		e.replace([]rune(ev.Text))
		if ev.Err != nil {
			e.onError(ev.Err)
		}
		e.changed()
		return
	}
	if ev.Op.IsIdentity() {
		return
	}
	next, err := ev.Op.Apply(e.area.text)
	if err != nil {
		// The subscription and the area disagree: a bug. Show the
		// draft's text rather than a wrong one.
		e.onError(err)
		return
	}
	e.hist.remoteOp(ev.Op)
	e.area.setText(next, func(off int) int { return ev.Op.Map(off, false) })
	e.changed()
}

// undo takes back the person's last edit in this section.
func (e *sectionEditor) undo() { e.takeBack(&e.hist.undo, &e.hist.redo) }

// redo puts back what undo took.
func (e *sectionEditor) redo() { e.takeBack(&e.hist.redo, &e.hist.undo) }

func (e *sectionEditor) takeBack(from, to *[]step) {
	// A co-author's edit the area has not shown yet is shown first, so
	// that the history is carried through it (or forgets a step it cut
	// into) before anything is taken back.
	e.catchUp()
	text := slices.Clone(e.area.text)
	s, ok := e.hist.next(*from, text)
	if !ok {
		return
	}
	e.hist.took(from, to)
	e.area.setText(s.apply(text), nil)
	e.area.setCaret(s.pos + len(s.del))
	e.send(len(text), s.pos, len(s.ins), string(s.del))
	e.changed()
}

// replace puts text in the area with the caret and selection carried
// through the change, without taking it for typing.
func (e *sectionEditor) replace(body []rune) {
	op := textop.Diff(e.area.text, body)
	e.area.setText(body, func(off int) int { return op.Map(off, false) })
}

// selection returns the selected range (code points), if any.
func (e *sectionEditor) selection() (start, end int, ok bool) {
	s, t := e.area.selection()
	return s, t, s != t
}

// clearSelection ends a selection, leaving the caret where it is.
func (e *sectionEditor) clearSelection() { e.area.setCaret(e.area.caret) }

// selectRange selects from anchor to caret (code points).
func (e *sectionEditor) selectRange(anchor, caret int) { e.area.selectRange(anchor, caret) }

// placeCaret puts the caret at a code-point offset.
func (e *sectionEditor) placeCaret(off int) { e.area.setCaret(off) }

// showMenu opens the area's menu, with the editor's Undo and Redo.
func (e *sectionEditor) showMenu(pe *fyne.PointEvent) {
	a := fyne.CurrentApp()
	c := a.Driver().CanvasForObject(e.area)
	if c == nil {
		return
	}
	clip := a.Clipboard()
	do := func(sc fyne.Shortcut) func() { return func() { e.area.TypedShortcut(sc) } }
	var items []*fyne.MenuItem
	if len(e.hist.undo) > 0 {
		items = append(items, fyne.NewMenuItem(lang.L("Undo"), e.undo))
	}
	if len(e.hist.redo) > 0 {
		items = append(items, fyne.NewMenuItem(lang.L("Redo"), e.redo))
	}
	if len(items) > 0 {
		items = append(items, fyne.NewMenuItemSeparator())
	}
	if e.comment != nil {
		items = append(items, fyne.NewMenuItem(lang.L("Comment…"), e.comment), fyne.NewMenuItemSeparator())
	}
	items = append(items,
		fyne.NewMenuItem(lang.L("Cut"), do(&fyne.ShortcutCut{Clipboard: clip})),
		fyne.NewMenuItem(lang.L("Copy"), do(&fyne.ShortcutCopy{Clipboard: clip})),
		fyne.NewMenuItem(lang.L("Paste"), do(&fyne.ShortcutPaste{Clipboard: clip})),
		fyne.NewMenuItem(lang.L("Select all"), do(&fyne.ShortcutSelectAll{})),
	)
	pos := a.Driver().AbsolutePositionForObject(e.area).Add(pe.Position)
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), c, pos)
}
