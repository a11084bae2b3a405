package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// contributions is the draft's record of who wrote what, from which
// stakeholder group and region, as a reviewer reads it: a person's edits
// of one heading within minutes of each other are one row
// (app.Contributions), with the text they added and removed, newest
// first, filterable by participant and heading, kept up to date while
// co-authors type. A row opens the whole of its text.
type contributions struct {
	d           *draftScreen
	items       []app.Contribution
	participant *widget.Select
	heading     *widget.Select
	headingIDs  []string // the section of each heading choice after "All headings"
	headingID   string   // the chosen one's; kept when headings move or are renamed
	list        *widget.List
	summary     *widget.Label
	content     fyne.CanvasObject
	asked       int  // reloads asked for: only the latest is shown
	pending     bool // a reload is due soon
	loaded      func()
}

func newContributions(d *draftScreen) *contributions {
	c := &contributions{d: d}
	c.participant = widget.NewSelect([]string{lang.L("Everyone")}, nil)
	c.heading = widget.NewSelect([]string{lang.L("All headings")}, nil)
	c.participant.SetSelectedIndex(0)
	c.heading.SetSelectedIndex(0)
	c.participant.OnChanged = func(string) { c.reload() }
	c.heading.OnChanged = func(string) {
		c.headingID = ""
		if i := c.heading.SelectedIndex(); i > 0 && i <= len(c.headingIDs) {
			c.headingID = c.headingIDs[i-1]
		}
		c.reload()
	}
	c.summary = widget.NewLabel("")
	c.list = widget.NewList(
		func() int { return len(c.items) },
		func() fyne.CanvasObject {
			line := func(imp widget.Importance) *widget.Label {
				l := widget.NewLabel("")
				l.Truncation = fyne.TextTruncateEllipsis
				l.Importance = imp
				return l
			}
			return container.NewVBox(line(widget.MediumImportance), line(widget.SuccessImportance), line(widget.DangerImportance))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			it := c.items[len(c.items)-1-i] // newest first
			rows := o.(*fyne.Container).Objects
			rows[0].(*widget.Label).SetText(describe(it))
			added, removed := excerpt(it.Inserted), excerpt(it.Deleted)
			show(rows[1].(*widget.Label), added, "+ ")
			show(rows[2].(*widget.Label), removed, "− ")
		})
	c.list.OnSelected = func(i widget.ListItemID) {
		c.list.Unselect(i)
		if i >= 0 && i < len(c.items) {
			c.open(c.items[len(c.items)-1-i])
		}
	}
	// Wide enough for a name or a heading: a select's own width fits only
	// its placeholder, which cut "Tout le monde" short.
	wide := func(o fyne.CanvasObject, w float32) fyne.CanvasObject {
		return container.NewGridWrap(fyne.NewSize(w, o.MinSize().Height), o)
	}
	filters := container.NewHBox(widget.NewLabel(lang.L("Show")), wide(c.participant, 220), widget.NewLabel(lang.L("in")), wide(c.heading, 360))
	c.content = container.NewBorder(container.NewVBox(filters, c.summary), nil, nil, nil, c.list)
	return c
}

// show puts a text line in a row, or hides the line when there is none.
func show(l *widget.Label, text, mark string) {
	if text == "" {
		l.SetText("")
		l.Hide()
		return
	}
	l.SetText(mark + text)
	l.Show()
}

// excerpt joins a contribution's runs of text for one line.
func excerpt(runs []string) string {
	var parts []string
	for _, r := range runs {
		if r = strings.Join(strings.Fields(r), " "); r != "" {
			parts = append(parts, "“"+r+"”")
		}
	}
	return strings.Join(parts, " … ")
}

// describe is a contribution's first line: who, what, where, when, how much.
func describe(c app.Contribution) string {
	who := fmt.Sprintf("%s (%s, %s)", c.Name, groupLabel(c.Group), regionLabel(c.Region))
	what := kindLabel(c.Kind)
	switch {
	case c.Kind == crdt.KindMeta:
		what = fmt.Sprintf(lang.L("edited the %s"), metaLabel(c.SectionID))
	case c.Was != "" && c.Was != c.Heading:
		what += " · " + fmt.Sprintf("%d. %s → %s", c.SectionNo, c.Was, c.Heading)
	case c.SectionNo > 0:
		what += " · " + fmt.Sprintf("%d. %s", c.SectionNo, c.Heading)
	case c.Heading != "":
		what += " · " + c.Heading
	}
	when := c.Time.Local().Format("2006-01-02 15:04")
	if c.Until.Sub(c.Time) >= time.Minute {
		when += "–" + c.Until.Local().Format("15:04")
	}
	line := fmt.Sprintf("%s  %s  %s", when, who, what)
	if c.Changes > 1 {
		line += "  " + fmt.Sprintf(lang.N("%d changes", c.Changes), c.Changes)
	}
	if c.Added > 0 || c.Removed > 0 {
		line += fmt.Sprintf("  +%d −%d", c.Added, c.Removed)
	}
	return line
}

// metaLabel names a document detail as the Details form does.
func metaLabel(field string) string {
	switch field {
	case "title":
		return lang.L("Title")
	case "theme":
		return lang.L("Theme")
	case "year":
		return lang.L("Year")
	case string(crdt.FieldCoFacilitators):
		return lang.L("Co-facilitators")
	case string(crdt.FieldRapporteur):
		return lang.L("Rapporteur")
	case string(crdt.FieldCover):
		return lang.L("Executive summary")
	case string(crdt.FieldDissemination):
		return lang.L("Dissemination list")
	}
	return field
}

// open shows a contribution's text whole.
func (c *contributions) open(it app.Contribution) {
	box := container.NewVBox()
	add := func(title string, runs []string, imp widget.Importance) {
		if len(runs) == 0 {
			return
		}
		box.Add(widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		for _, r := range runs {
			l := widget.NewLabel(r)
			l.Wrapping = fyne.TextWrapWord
			l.Importance = imp
			box.Add(l)
		}
	}
	add(lang.L("Added"), it.Inserted, widget.SuccessImportance)
	add(lang.L("Removed"), it.Deleted, widget.DangerImportance)
	if len(box.Objects) == 0 {
		box.Add(message(lang.L("No text to show: this change is counted above.")))
	}
	head := message(describe(it))
	dlg := dialog.NewCustom(lang.L("Contribution"), lang.L("Close"), container.NewBorder(head, nil, nil, nil, container.NewVScroll(box)), c.d.u.win)
	dlg.Resize(fyne.NewSize(720, 520))
	c.d.u.present(dlg, dlg.Hide)
}

// kindLabel says what a contribution did, translated.
func kindLabel(k crdt.Kind) string {
	switch k {
	case crdt.KindCreate:
		return lang.L("created")
	case crdt.KindEdit:
		return lang.L("edit")
	case crdt.KindHeadAdd:
		return lang.L("heading added")
	case crdt.KindHeadRename:
		return lang.L("heading renamed")
	case crdt.KindHeadMove:
		return lang.L("heading moved")
	case crdt.KindHeadRemove:
		return lang.L("heading removed")
	case crdt.KindHeadRestore:
		return lang.L("heading restored")
	case crdt.KindHeadAnnex:
		return lang.L("annex marked")
	case crdt.KindMeta:
		return lang.L("document details")
	case crdt.KindProfile:
		return lang.L("joined")
	case crdt.KindVersion:
		return lang.L("version named")
	case crdt.KindRole:
		return lang.L("role given")
	case crdt.KindDecision:
		return lang.L("review decision")
	case crdt.KindComment:
		return lang.L("comment")
	case crdt.KindRepair:
		return lang.L("layout repaired")
	}
	return lang.L("change")
}

// soon reloads within a second: a co-author typing live commits a
// change per second, and reading the log each time would be wasted.
func (c *contributions) soon() {
	c.d.soon(&c.pending, time.Second, func() {
		if c.d.tabs.Selected().Content == c.content {
			c.reload()
		}
	})
}

// reload reads the contributions again with the chosen filters, and
// refreshes the filters' choices from what the log holds. They are read
// off the window's goroutine (the draft's owner walks the history, and
// may be waiting for the disk); a reload that a newer one overtook is
// dropped.
func (c *contributions) reload() {
	f := app.LogFilter{}
	if i := c.participant.SelectedIndex(); i > 0 {
		f.Participant = c.participant.Selected
	}
	f.Section = c.headingID
	c.asked++
	asked, u, s := c.asked, c.d.u, c.d.session
	u.background(func() {
		items, err := s.Contributions(f)
		all, allErr := s.Log(app.LogFilter{})
		u.do(func() {
			if asked != c.asked || c.d.closed() {
				return
			}
			if err != nil {
				u.showError(err)
				return
			}
			c.show(items, all, allErr)
		})
	})
}

// show puts what reload read on screen.
func (c *contributions) show(items []app.Contribution, all []app.LogEntry, allErr error) {
	c.items = items
	changes := 0
	for _, it := range items {
		changes += it.Changes
	}
	c.summary.SetText(fmt.Sprintf(lang.N("%d contributions", len(items)), len(items)) + " · " + fmt.Sprintf(lang.N("%d changes", changes), changes))
	// A row is as tall as its lines: a heading renamed has no text line.
	line := widget.NewLabel("x").MinSize().Height
	for i := range items {
		it, n := items[len(items)-1-i], 1
		if excerpt(it.Inserted) != "" {
			n++
		}
		if excerpt(it.Deleted) != "" {
			n++
		}
		c.list.SetItemHeight(i, float32(n)*line+float32(n-1)*theme.Padding())
	}
	c.list.Refresh()
	if allErr == nil {
		seen := map[string]bool{}
		var names []string
		for _, e := range all {
			if !seen[e.Name] {
				seen[e.Name] = true
				names = append(names, e.Name)
			}
		}
		sort.Strings(names)
		c.participant.Options = append(c.participant.Options[:1], names...)
	}
	heads, ids := c.heading.Options[:1], c.headingIDs[:0]
	chosen := heads[0]
	for _, s := range c.d.sections {
		heads, ids = append(heads, s.Heading), append(ids, s.ID)
		if s.ID == c.headingID {
			chosen = s.Heading
		}
	}
	c.heading.Options, c.headingIDs = heads, ids
	c.heading.Selected = chosen // set directly: OnChanged would reload again
	c.participant.Refresh()
	c.heading.Refresh()
	if c.loaded != nil {
		c.loaded()
	}
}
