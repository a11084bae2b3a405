package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// draftScreen shows one draft: the headings beside the section being
// written. Changes from elsewhere (a peer, a relay, a command in another
// process) arrive on the session's subscription and are shown through
// fyne.Do.
type draftScreen struct {
	u        *UI
	session  *app.Session
	sub      *app.Subscription // the editors' line to the draft's owner
	sections []crdt.Section
	current  int    // the open section's place in sections
	openID   string // and its id, which stays put when headings move
	editors  map[string]*sectionEditor
	headings *widget.List
	hint     *widget.Label
	heading  *widget.Label
	title    *widget.Label
	body     *fyne.Container
	content  fyne.CanvasObject
	quit     chan struct{}  // closed when the screen closes
	wg       sync.WaitGroup // the goroutine that passes events to the window

	contrib      *contributions
	review       *reviewTab
	notes        *commentList // the open heading's comments, beside the editor
	authors      *widget.Check
	authorsV     *authorsView
	tabs         *container.AppTabs
	findQuery    *widget.Entry    // the open find dialog's field
	inviteCode   string           // the code the invite dialog last showed
	exportDialog dialog.Dialog    // the export dialog last shown
	lastImport   string           // what the last comments import said
	invite       *inviteDialog    // the invite dialog last shown
	invited      func(app.Invite) // called when the invite dialog made a new code; tests wait on it
	errorOpen    bool             // an edit's error dialog is on screen

	refreshed func(*draftScreen) // called after each refresh; tests look from it
	exported  func(fyne.URI)     // called after an export is written; tests look from it
}

func openDraftScreen(u *UI, id string) (*draftScreen, error) {
	s, err := u.ws.Session(context.Background(), id)
	if err != nil {
		return nil, err
	}
	d := &draftScreen{u: u, session: s, editors: map[string]*sectionEditor{}, refreshed: u.refreshed}
	d.sections = s.Sections()
	d.headings = widget.NewList(
		func() int { return len(d.sections) },
		func() fyne.CanvasObject {
			heading := widget.NewLabel("")
			heading.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, nil, widget.NewLabel(""), heading)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			row.Objects[0].(*widget.Label).SetText(d.sections[i].Heading)
			row.Objects[1].(*widget.Label).SetText(fillLabel(d.sections[i]))
		})
	d.headings.OnSelected = func(i widget.ListItemID) { d.showSection(i) }
	d.heading = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.hint = widget.NewLabel("")
	d.hint.Wrapping = fyne.TextWrapWord
	d.body = container.NewStack()
	back := widget.NewButton(lang.L("← Drafts"), u.ShowHome)
	d.title = widget.NewLabelWithStyle(s.Meta().Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	details := widget.NewButton(lang.L("Details…"), d.showMeta)
	var exportButton *widget.Button
	exportButton = widget.NewButton(lang.L("Export…"), func() {
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(exportButton)
		widget.ShowPopUpMenuAtPosition(d.exportMenu(), u.win.Canvas(), pos.Add(fyne.NewPos(0, exportButton.Size().Height)))
	})
	d.notes = newCommentList(d, true)
	d.authorsV = newAuthorsView(d)
	d.authors = widget.NewCheck(lang.L("Colour by author"), func(bool) { d.showBody() })
	editorPane := container.NewBorder(container.NewVBox(d.heading, d.hint, d.authors), nil, nil, nil, d.body)
	notes := container.NewHSplit(editorPane, d.notes.content)
	notes.Offset = 0.72
	side := container.NewBorder(nil, d.headingBar(), nil, nil, d.headings)
	split := container.NewHSplit(side, notes)
	split.Offset = 0.25
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
	d.content = container.NewBorder(container.NewHBox(back, d.title, details, exportButton), nil, nil, nil, d.tabs)

	d.sub = s.Attach()
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
		d.headings.Select(0)
	}
	return d, nil
}

// fillLabel says how much a section holds, beside its heading.
func fillLabel(s crdt.Section) string {
	words := len(strings.Fields(s.Body))
	if words == 0 {
		return lang.L("empty")
	}
	return fmt.Sprintf(lang.N("%d words", words), words)
}

// showSection puts section i in the editor pane.
func (d *draftScreen) showSection(i int) {
	if i < 0 || i >= len(d.sections) {
		return
	}
	d.current = i
	sec := d.sections[i]
	d.openID = sec.ID
	d.heading.SetText(sec.Heading)
	d.hint.SetText(sec.Hint)
	if sec.Hint == "" {
		d.hint.Hide()
	} else {
		d.hint.Show()
	}
	e := d.editors[sec.ID]
	if e == nil {
		var err error
		e, err = newSectionEditor(d.sub, sec.ID, lang.L("Write here. Everything is saved as you type, online or not."), d.editError)
		if err != nil {
			d.u.showError(err)
			return
		}
		e.catchUp = d.pump
		e.comment = d.commentOnSelection
		d.editors[sec.ID] = e
		prev := e.entry.OnChanged
		id := sec.ID
		e.entry.OnChanged = func(s string) {
			prev(s)
			// Not s: typing may have cleaned it up (line ends) meanwhile.
			d.countWords(id, e.entry.Text)
		}
	}
	d.showBody()
	d.notes.reload()
}

// showBody puts the open heading's editor in the pane, or its text
// coloured by author when that is asked for.
func (d *draftScreen) showBody() {
	e := d.editors[d.openID]
	if e == nil {
		return
	}
	if d.authors.Checked {
		d.body.Objects = []fyne.CanvasObject{d.authorsV.content}
		d.body.Refresh()
		d.authorsV.reload()
		return
	}
	d.body.Objects = []fyne.CanvasObject{e.entry}
	d.body.Refresh()
	d.u.win.Canvas().Focus(e.entry)
}

// pump takes the events waiting: text from elsewhere goes to its
// editor, anything else refreshes the screen. On the window's goroutine.
func (d *draftScreen) pump() {
	if d.closed() {
		return
	}
	refresh := false
	for _, ev := range d.sub.Next() {
		if ev.Draft {
			refresh = true
			continue
		}
		if e := d.editors[ev.Section]; e != nil {
			e.apply(ev) // its OnChanged counts the words again
		}
		if ev.Section == d.openID && d.authors.Checked {
			d.authorsV.soon()
		}
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

// refresh shows what changed elsewhere apart from the open texts:
// headings, word counts, the title.
func (d *draftScreen) refresh() {
	d.sections = d.session.Sections()
	d.follow()
	d.title.SetText(d.session.Meta().Title)
	d.headings.Refresh()
	switch d.tabs.Selected().Content {
	case d.contrib.content:
		d.contrib.reload()
	case d.review.content:
		d.review.reload()
	}
	d.notes.reload()
	if d.authors.Checked {
		d.authorsV.reload()
	}
	if d.refreshed != nil {
		d.refreshed(d)
	}
}

// follow keeps the open section open when a co-author moves headings,
// and says so when they remove it.
func (d *draftScreen) follow() {
	i := slices.IndexFunc(d.sections, func(s crdt.Section) bool { return s.ID == d.openID })
	switch {
	case i >= 0 && i != d.current:
		d.headings.Select(i) // shows it again, at its new place
	case i >= 0:
		d.heading.SetText(d.sections[i].Heading)
		d.hint.SetText(d.sections[i].Hint)
	case len(d.sections) > 0:
		gone := d.heading.Text
		d.headings.UnselectAll()
		d.headings.Select(min(d.current, len(d.sections)-1))
		dialog.ShowInformation(lang.L("Heading removed"),
			fmt.Sprintf(lang.L("A co-author removed the heading “%s”. Its text is kept: Restore… under the headings brings it back."), gone), d.u.win)
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
	dlg := dialog.NewError(friendly(err), d.u.win)
	dlg.SetOnClosed(func() { d.errorOpen = false })
	dlg.Show()
}

// countWords brings one heading's word count up to date as its section
// is typed in. Only that row is redrawn: reading every section again on
// each keystroke cost a sixth of the keystroke's time.
func (d *draftScreen) countWords(id, text string) {
	for i := range d.sections {
		if d.sections[i].ID == id {
			was := fillLabel(d.sections[i])
			d.sections[i].Body = text
			if fillLabel(d.sections[i]) != was {
				d.headings.RefreshItem(i)
			}
			return
		}
	}
}

// close stops the screen's goroutine and waits for it, then lets go of
// the draft.
func (d *draftScreen) close() {
	close(d.quit)
	d.wg.Wait()
	d.sub.Close()
	d.session.Close(context.Background())
}
