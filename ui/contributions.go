package ui

import (
	"fmt"
	"sort"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// contributions is the draft's log of who changed what, from which
// stakeholder group and region, filterable by participant and heading.
// (Accepting and rejecting changes comes with the review.)
type contributions struct {
	d           *draftScreen
	entries     []app.LogEntry
	participant *widget.Select
	heading     *widget.Select
	headingIDs  []string // the section of each heading choice after "All headings"
	headingID   string   // the chosen one's; kept when headings move or are renamed
	list        *widget.List
	summary     *widget.Label
	content     fyne.CanvasObject
	asked       int // reloads asked for: only the latest is shown
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
		func() int { return len(c.entries) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(describe(c.entries[len(c.entries)-1-i])) // newest first
		})
	// Wide enough for a name or a heading: a select's own width fits only
	// its placeholder, which cut "Tout le monde" short.
	wide := func(o fyne.CanvasObject, w float32) fyne.CanvasObject {
		return container.NewGridWrap(fyne.NewSize(w, o.MinSize().Height), o)
	}
	filters := container.NewHBox(widget.NewLabel(lang.L("Show")), wide(c.participant, 220), widget.NewLabel(lang.L("in")), wide(c.heading, 360))
	c.content = container.NewBorder(container.NewVBox(filters, c.summary), nil, nil, nil, c.list)
	return c
}

// describe is one line of the log.
func describe(e app.LogEntry) string {
	where := e.Heading
	if e.SectionNo > 0 {
		where = fmt.Sprintf("%d. %s", e.SectionNo, e.Heading)
	}
	who := fmt.Sprintf("%s (%s, %s)", e.Name, groupLabel(e.Group), regionLabel(e.Region))
	line := fmt.Sprintf("%s  %s  %s", e.Time.Local().Format(time.DateTime), who, kindLabel(e.Kind))
	if where != "" {
		line += " · " + where
	}
	if e.Added > 0 || e.Removed > 0 {
		line += fmt.Sprintf("  +%d −%d", e.Added, e.Removed)
	}
	return line
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

// reload reads the log again with the chosen filters, and refreshes the
// filters' choices from what the log holds. The log is read off the
// window's goroutine (the draft's owner walks the history, and may be
// waiting for the disk); a reload that a newer one overtook is dropped.
func (c *contributions) reload() {
	f := app.LogFilter{}
	if i := c.participant.SelectedIndex(); i > 0 {
		f.Participant = c.participant.Selected
	}
	f.Section = c.headingID
	c.asked++
	asked, u, s := c.asked, c.d.u, c.d.session
	u.background(func() {
		entries, err := s.Log(f)
		all, allErr := s.Log(app.LogFilter{})
		u.do(func() {
			if asked != c.asked || c.d.closed() {
				return
			}
			if err != nil {
				u.showError(err)
				return
			}
			c.show(entries, all, allErr)
		})
	})
}

// show puts what reload read on screen.
func (c *contributions) show(entries, all []app.LogEntry, allErr error) {
	c.entries = entries
	c.summary.SetText(fmt.Sprintf(lang.N("%d contributions", len(entries)), len(entries)))
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
}
