package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// draftScreen shows one draft: the headings beside the whole draft in
// one scroll (page.go). Changes from elsewhere (a peer, a relay, a
// command in another process) arrive on the session's subscription and
// are shown through fyne.Do.
type draftScreen struct {
	u         *UI
	session   *app.Session
	sub       *app.Subscription // the editors' line to the draft's owner
	sections  []crdt.Section
	current   int    // the heading being read or written: its place in sections
	openID    string // and its id, which stays put when headings move
	editors   map[string]*sectionEditor
	marks     map[string]map[int]string // settled statuses by heading and paragraph, for the margin (consensus.go)
	asked     int                       // numbers reloads of marks
	headings  *keyList
	annex     *widget.Button // marks the open heading an annex, or a heading again
	page      *page
	following bool // the list follows the page: selecting is not a jump
	jumping   bool // the page scrolls to a heading: the reader is there
	title     *widget.Label
	body      *fyne.Container
	content   fyne.CanvasObject
	quit      chan struct{}  // closed when the screen closes
	wg        sync.WaitGroup // the goroutine that passes events to the window
	counting  bool           // word counts are due
	present   *presence      // co-authors with the draft open (presence.go)
	previews  *previews      // co-authors' typing not committed yet (preview.go)
	removed   string         // the heading this window removed last

	contrib      *contributions
	review       *reviewTab
	notes        *commentList // the open heading's comments, beside the editor
	authors      *widget.Check
	authorsV     *authorsView
	tabs         *container.AppTabs
	findQuery    *field           // the open find dialog's field
	inviteCode   string           // the code the invite dialog last showed
	exportDialog dialog.Dialog    // the export dialog last shown
	lastImport   string           // what the last comments import said
	invite       *inviteDialog    // the invite dialog last shown
	invited      func(app.Invite) // called when the invite dialog made a new code; tests wait on it
	errorOpen    bool             // an edit's error dialog is on screen

	refreshed func(*draftScreen) // called after each refresh; tests look from it
	exported  func(fyne.URI)     // called after an export is written; tests look from it
}

// openDraftScreen shows a draft as its stored view has it, when it has a
// current one, and loads the document behind it in the background: a
// long draft's history takes seconds to load into Automerge, and the
// person can read and start typing meanwhile (what they type is applied
// once it is loaded).
func openDraftScreen(u *UI, id string) (*draftScreen, error) {
	s, err := u.ws.ReadSession(context.Background(), id)
	if err != nil {
		return nil, err
	}
	d := &draftScreen{u: u, session: s, editors: map[string]*sectionEditor{}, refreshed: u.refreshed}
	d.sections = s.Sections()
	d.headings = newKeyList(
		func() int { return len(d.sections) },
		func() fyne.CanvasObject {
			heading := widget.NewLabel("")
			heading.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, nil, widget.NewLabel(""), heading)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			row.Objects[0].(*widget.Label).SetText(headingTitle(crdt.HeadingLabels(d.sections)[i], d.sections[i]))
			row.Objects[1].(*widget.Label).SetText(fillLabel(d.sections[i]))
		})
	d.headings.OnSelected = func(i widget.ListItemID) {
		if !d.following {
			d.showSection(i)
		}
	}
	d.page = newPage()
	d.page.onReading = func(i int) {
		if d.jumping {
			return
		}
		// The caret decides while the person writes, as long as it is on
		// screen: scrolled away from it, the list marks what is read.
		if f := d.u.win.Canvas().Focused(); f != nil {
			if e := d.editorOf(f); e != nil && d.page.caretInView(e.area) {
				if j := slices.IndexFunc(d.sections, func(s crdt.Section) bool { return d.editors[s.ID] == e }); j >= 0 {
					d.follow(j)
				}
				return
			}
		}
		d.follow(i)
	}
	d.page.onFocus = d.follow
	d.present = newPresence(d)
	d.previews = &previews{d: d}
	d.page.onCaret = func(string, *textArea) { d.present.moved() }
	d.body = container.NewStack(d.page.scroll)
	back := widget.NewButton(lang.L("← Drafts"), u.ShowHome)
	d.title = widget.NewLabelWithStyle(s.Meta().Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.title.Truncation = fyne.TextTruncateEllipsis
	details := widget.NewButton(lang.L("Details…"), d.showMeta)
	importButton := widget.NewButton(lang.L("Import…"), d.chooseTextFile)
	var exportButton *widget.Button
	exportButton = widget.NewButton(lang.L("Export…"), func() {
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(exportButton)
		widget.ShowPopUpMenuAtPosition(d.exportMenu(), u.win.Canvas(), pos.Add(fyne.NewPos(0, exportButton.Size().Height)))
	})
	d.notes = newCommentList(d, true)
	d.authorsV = newAuthorsView(d)
	d.authors = widget.NewCheck(lang.L("Colour by author"), func(bool) { d.showBody() })
	editorPane := container.NewBorder(container.NewBorder(nil, nil, d.authors, nil, container.NewHScroll(d.present.bar)), nil, nil, nil, d.body)
	notes := container.NewHSplit(editorPane, d.notes.content)
	notes.Offset = 0.75
	side := container.NewBorder(nil, d.headingBar(), nil, nil, d.headings)
	split := container.NewHSplit(side, notes)
	split.Offset = 0.22
	d.contrib = newContributions(d)
	d.review = newReviewTab(d)
	d.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("Write"), split),
		container.NewTabItem(lang.L("Contributions"), d.contrib.content),
		container.NewTabItem(lang.L("Review"), d.review.content),
	)
	d.tabs.OnSelected = func(t *container.TabItem) {
		switch t.Content {
		case d.contrib.content:
			d.contrib.reload()
		case d.review.content:
			d.review.reload()
		}
	}
	top := container.NewBorder(nil, nil, back, container.NewHBox(details, importButton, exportButton), d.title)
	d.content = container.NewBorder(top, nil, nil, nil, d.tabs)

	d.sub = s.Attach()
	if err := d.layOut(); err != nil {
		d.sub.Close()
		s.Close(context.Background())
		return nil, err
	}
	d.quit = make(chan struct{})
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		for {
			select {
			case <-d.sub.Ready():
				u.do(d.pump)
			case <-d.sub.Done():
				return
			case <-d.quit:
				return
			}
		}
	}()
	if len(d.sections) > 0 {
		d.follow(0)
	}
	d.present.start()
	d.previews.start()
	d.reloadMarks()
	u.background(func() {
		if err := s.Load(); err != nil && !errors.Is(err, app.ErrClosed) {
			u.do(func() {
				if !d.closed() {
					u.showError(err)
				}
			})
		}
	})
	return d, nil
}

// layOut puts every heading on the page, opening an editor for each
// heading that has none yet.
func (d *draftScreen) layOut() error {
	for _, sec := range d.sections {
		if d.editors[sec.ID] != nil {
			continue
		}
		e, err := newSectionEditor(d.sub, sec.ID, lang.L("Write here. Everything is saved as you type, online or not."), d.editError)
		if err != nil {
			return err
		}
		e.catchUp = d.pump
		e.comment = d.commentOnSelection
		e.changed = d.countSoon
		e.area.marks = d.marks[sec.ID]
		d.editors[sec.ID] = e
	}
	d.page.set(d.session.Meta().Title, d.sections, d.editors)
	return nil
}

// editorOf returns the editor whose area o is, or nil.
func (d *draftScreen) editorOf(o fyne.Focusable) *sectionEditor {
	for _, e := range d.editors {
		if fyne.Focusable(e.area) == o {
			return e
		}
	}
	return nil
}

// fillLabel says how much a section holds, beside its heading.
func fillLabel(s crdt.Section) string {
	words := len(strings.Fields(s.Body))
	if words == 0 {
		return lang.L("empty")
	}
	return fmt.Sprintf(lang.N("%d words", words), words)
}

// showSection jumps to heading i: the page scrolls there and its text
// takes the keyboard, with the caret where it was left.
func (d *draftScreen) showSection(i int) {
	if i < 0 || i >= len(d.sections) {
		return
	}
	d.follow(i)
	d.showBody()
	d.jumping = true
	d.page.show(i)
	d.jumping = false
	if e := d.editors[d.openID]; e != nil && !d.authors.Checked {
		d.page.focus(e.area)
	}
}

// follow makes heading i the open one, for the heading buttons and the
// comments beside the page, and marks it in the list without jumping.
func (d *draftScreen) follow(i int) {
	if i < 0 || i >= len(d.sections) {
		return
	}
	changed := d.openID != d.sections[i].ID
	d.current, d.openID = i, d.sections[i].ID
	d.labelAnnex()
	d.following = true
	d.headings.Select(i)
	d.following = false
	if changed {
		if d.present != nil {
			d.present.moved()
		}
		d.notes.reload()
		if d.authors.Checked {
			d.authorsV.reload()
		}
	}
}

// showBody shows the page, or the open heading's text coloured by
// author when that is asked for.
func (d *draftScreen) showBody() {
	if d.authors.Checked {
		d.body.Objects = []fyne.CanvasObject{d.authorsV.content}
		d.body.Refresh()
		d.authorsV.reload()
		return
	}
	if len(d.body.Objects) == 1 && d.body.Objects[0] == d.page.scroll {
		return
	}
	d.body.Objects = []fyne.CanvasObject{d.page.scroll}
	d.body.Refresh()
	if e := d.editors[d.openID]; e != nil {
		d.page.focus(e.area)
	}
}

// pump takes the events waiting: text from elsewhere goes to its
// editor, anything else refreshes the screen. On the window's goroutine.
func (d *draftScreen) pump() {
	if d.closed() {
		return
	}
	refresh, texts := false, false
	for _, ev := range d.sub.Next() {
		if ev.Draft {
			refresh = true
			continue
		}
		texts = true
		if e := d.editors[ev.Section]; e != nil {
			e.apply(ev) // its OnChanged counts the words again
		}
		if ev.Section == d.openID && d.authors.Checked {
			d.authorsV.soon()
		}
		if d.tabs.Selected().Content == d.contrib.content {
			d.contrib.soon() // a co-author's typing, shown as it comes
		}
	}
	// The owner took this window's typing (or committed it): co-authors
	// online see it now; and text from elsewhere may be the commit that
	// carries a co-author's typing shown meanwhile.
	d.previews.send()
	if texts || len(d.previews.shownFrom) > 0 {
		d.previews.show()
	}
	if texts {
		// Text from elsewhere moved this window's caret within its text:
		// co-authors are told where it now stands (the offsets they show
		// are in this copy's text, which theirs now matches).
		d.present.moved()
	}
	if refresh {
		d.refresh()
	} else if d.refreshed != nil {
		d.refreshed(d)
	}
}

func (d *draftScreen) closed() bool {
	select {
	case <-d.quit:
		return true
	default:
		return false
	}
}

// refresh shows what changed elsewhere apart from the texts: headings,
// word counts, the title.
func (d *draftScreen) refresh() {
	gone := d.sections
	d.sections = d.session.Sections()
	if err := d.layOut(); err != nil {
		d.u.showError(err)
	}
	d.title.SetText(d.session.Meta().Title)
	d.headings.Refresh()
	d.keepOpen(gone)
	switch d.tabs.Selected().Content {
	case d.contrib.content:
		d.contrib.reload()
	case d.review.content:
		d.review.reload()
	}
	d.notes.reload()
	d.reloadMarks()
	if d.authors.Checked {
		d.authorsV.reload()
	}
	if d.refreshed != nil {
		d.refreshed(d)
	}
}

// keepOpen keeps the open heading open when a co-author moves headings,
// and says so when they remove it. was is the list before.
func (d *draftScreen) keepOpen(was []crdt.Section) {
	i := slices.IndexFunc(d.sections, func(s crdt.Section) bool { return s.ID == d.openID })
	switch {
	case i >= 0:
		d.follow(i)
	case len(d.sections) > 0:
		gone, id := "", d.openID
		for _, s := range was {
			if s.ID == id {
				gone = s.Heading
			}
		}
		d.follow(min(d.current, len(d.sections)-1))
		if id == d.removed {
			return // this window removed it
		}
		d.u.inform(lang.L("Heading removed"),
			fmt.Sprintf(lang.L("A co-author removed the heading “%s”. Its text is kept: Restore… under the headings brings it back."), gone))
	}
}

// editError reports a failed keystroke without a dialog per key: a
// failure to save goes to the status bar, which says it until it clears,
// and anything else opens one dialog at a time.
func (d *draftScreen) editError(err error) {
	if d.session.SaveProblem() != nil {
		d.u.status.update()
		return
	}
	if d.errorOpen {
		d.u.log.Warn("Edit failed", "err", err)
		return
	}
	d.errorOpen = true
	dlg := dialog.NewCustom(lang.L("Something went wrong"), lang.L("OK"), message(friendly(err).Error()), d.u.win)
	dlg.Resize(fyne.NewSize(dialogWidth, 0))
	dlg.SetOnClosed(func() { d.errorOpen = false })
	d.u.stack(dlg, dlg.Hide)
}

// soon runs f on the window's goroutine after wait, once however often
// it is asked meanwhile (*due says one is on its way), unless the screen
// closes first: what follows typing or a co-author's changes (counts,
// reloads, announcements) runs once per pause, not per keystroke.
func (d *draftScreen) soon(due *bool, wait time.Duration, f func()) {
	if *due {
		return
	}
	*due = true
	u, quit := d.u, d.quit
	u.background(func() {
		select {
		case <-time.After(wait):
		case <-quit:
			return
		}
		u.do(func() {
			*due = false
			if !d.closed() {
				f()
			}
		})
	})
}

// countSoon brings the headings' word counts up to date a moment after
// typing: counting a long section's words on every keystroke would make
// typing cost grow with the section.
func (d *draftScreen) countSoon() { d.soon(&d.counting, 300*time.Millisecond, d.countWords) }

// countWords redraws the headings whose word count changed.
func (d *draftScreen) countWords() {
	for i := range d.sections {
		e := d.editors[d.sections[i].ID]
		if e == nil {
			continue
		}
		was := fillLabel(d.sections[i])
		d.sections[i].Body = e.text()
		if fillLabel(d.sections[i]) != was {
			d.headings.RefreshItem(i)
		}
	}
}

// close stops the screen's goroutine and waits for it, then lets go of
// the draft.
func (d *draftScreen) close() {
	d.present.leave()
	d.previews.leave()
	close(d.quit)
	d.wg.Wait()
	d.sub.Close()
	d.session.Close(context.Background())
}
