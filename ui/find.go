package ui

import (
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// Find looks through every section of the draft, from the caret on and
// round to the start, ignoring case. A match is selected in its section.

func foldRunes(s string) []rune {
	r := []rune(s)
	for i, c := range r {
		r[i] = unicode.ToLower(c)
	}
	return r
}

// indexFrom returns the first position at or after from where needle
// occurs in hay, or -1.
func indexFrom(hay, needle []rune, from int) int {
	for i := max(from, 0); i+len(needle) <= len(hay); i++ {
		match := true
		for k := range needle {
			if hay[i+k] != needle[k] {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}

// findNext selects the next match of query; it reports false when the
// draft has none.
func (d *draftScreen) findNext(query string) bool {
	needle := foldRunes(query)
	if len(needle) == 0 || len(d.sections) == 0 {
		return false
	}
	from := 0
	if e := d.editors[d.sections[d.current].ID]; e != nil {
		from = e.area.caret
		if sel := e.area.selected(); sel != "" && string(foldRunes(sel)) == string(needle) {
			// The caret sits at one end of the last match: go past it.
			_, from = e.area.selection()
		}
	}
	n := len(d.sections)
	for k := 0; k <= n; k++ {
		i := (d.current + k) % n
		start := 0
		if k == 0 {
			start = from
		}
		at := indexFrom(foldRunes(d.sections[i].Body), needle, start)
		if at < 0 {
			continue
		}
		if i != d.current {
			d.follow(i)
		}
		// The page scrolls to the match: the heading that holds it is the
		// one marked, wherever the reader's line falls.
		d.jumping = true
		e := d.editors[d.sections[i].ID]
		e.selectRange(at, at+len(needle))
		// Find's dialog stands in the middle of the window: the match is
		// shown near the top, where the dialog does not cover it.
		d.page.showNearTop(e.area)
		d.jumping = false
		return true
	}
	return false
}

// showFind opens the find bar as a small dialog; Enter finds the next match.
func (d *draftScreen) showFind() {
	d.tabs.SelectIndex(0)
	query := newField()
	query.SetPlaceHolder(lang.L("Text to find in the draft"))
	status := widget.NewLabel("")
	next := func() {
		if d.findNext(query.Text) {
			status.SetText("")
		} else {
			status.SetText(lang.L("Not found in this draft."))
		}
	}
	query.OnSubmitted = func(string) { next() }
	before, _ := d.u.win.Canvas().Focused().(*textArea)
	var dlg dialog.Dialog
	buttons := container.NewHBox(widget.NewButton(lang.L("Find next"), next), widget.NewButton(lang.L("Close"), func() { dlg.Hide() }))
	dlg = dialog.NewCustomWithoutButtons(lang.L("Find"), container.NewVBox(query, status, buttons), d.u.win)
	dlg.Resize(fyne.NewSize(420, 180))
	dlg.SetOnClosed(func() { d.afterFind(before) })
	if d.u.present(dlg, next, query) {
		d.findQuery = query
	}
}

// afterFind gives the keyboard back when Find closes: to the text that
// holds the last match, selected, so that typing goes where the person
// is looking; else to the text that had it (before), else to the open
// heading's text, so that no key typed next is lost without a sign.
func (d *draftScreen) afterFind(before *textArea) {
	if len(d.sections) == 0 {
		return
	}
	target := before
	if e := d.editors[d.sections[d.current].ID]; e != nil && (target == nil || e.area.selected() != "") {
		target = e.area
	}
	if target != nil {
		target.requestFocus()
	}
}
