package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// consensusView is the Review tab's picture of where the community
// stands (issue 27): every paragraph with its settled status, who
// supports it and who objects, counted by stakeholder and regional group,
// and buttons to take one's own stance, or, for a co-facilitator, to
// settle it.
type consensusView struct {
	d        *draftScreen
	summary  *widget.Label
	list     *widget.List
	content  fyne.CanvasObject
	shown    []app.ParagraphStand
	settling bool // the local participant may settle paragraphs
	asked    int
	loaded   func() // called after each reload is shown; tests wait on it
}

func newConsensusView(d *draftScreen) *consensusView {
	c := &consensusView{d: d, summary: widget.NewLabel("")}
	c.summary.Wrapping = fyne.TextWrapWord
	c.list = widget.NewList(
		func() int { return len(c.shown) },
		func() fyne.CanvasObject {
			where := widget.NewLabel("")
			where.Truncation = fyne.TextTruncateEllipsis
			text := widget.NewLabel("")
			text.Truncation = fyne.TextTruncateEllipsis
			settle := widget.NewSelect([]string{statusName(app.Agreed), statusName(app.Contested), statusName(app.OpenStatus)}, nil)
			buttons := container.NewHBox(widget.NewButton(lang.L("Show"), nil), widget.NewButton(lang.L("Support"), nil),
				widget.NewButton(lang.L("Object"), nil), widget.NewButton(lang.L("Withdraw"), nil), settle)
			return container.NewBorder(nil, nil, nil, buttons, container.NewVBox(where, text))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(c.shown) {
				return
			}
			p := c.shown[i]
			row := o.(*fyne.Container)
			lines := row.Objects[0].(*fyne.Container).Objects
			lines[0].(*widget.Label).SetText(standLine(p))
			lines[1].(*widget.Label).SetText(oneLine(p.Text))
			b := row.Objects[1].(*fyne.Container).Objects
			b[0].(*widget.Button).OnTapped = func() { c.show(p) }
			b[1].(*widget.Button).OnTapped = func() { c.stance(p, app.Support) }
			b[2].(*widget.Button).OnTapped = func() { c.stance(p, app.Object) }
			b[3].(*widget.Button).OnTapped = func() { c.set(p, app.NoStand, "") }
			settle := b[4].(*widget.Select)
			settle.OnChanged = nil
			status := app.OpenStatus
			if p.Status != nil {
				status = p.Status.Status
			}
			settle.SetSelected(statusName(status))
			settle.OnChanged = func(string) { c.settle(p, []string{app.Agreed, app.Contested, app.OpenStatus}[settle.SelectedIndex()]) }
			if c.settling {
				settle.Show()
			} else {
				settle.Hide()
			}
		})
	c.content = container.NewBorder(c.summary, nil, nil, nil, c.list)
	return c
}

// statusName is a settled status as the window says it.
func statusName(s string) string {
	switch s {
	case app.Agreed:
		return lang.L("Agreed")
	case app.Contested:
		return lang.L("Contested")
	}
	return lang.L("Open")
}

// standLine says where the community stands on a paragraph, in a line.
func standLine(p app.ParagraphStand) string {
	status := app.OpenStatus
	if p.Status != nil {
		status = p.Status.Status
	}
	line := p.Paragraph + " · " + statusName(status)
	if p.Status != nil && p.Status.Earlier {
		line += " " + lang.L("(the text changed since)")
	}
	if len(p.Support) == 0 && len(p.Object) == 0 {
		return line + " · " + lang.L("no stance yet")
	}
	if n := len(p.Support); n > 0 {
		line += " · " + fmt.Sprintf(lang.N("%d supports", n), n) + " (" + app.JoinCounts(app.Groups(p.Support), groupName) + ")"
		if app.OneGroup(p.Support) && n > 1 {
			line += " " + lang.L("— one stakeholder group only")
		}
	}
	if n := len(p.Object); n > 0 {
		line += " · " + fmt.Sprintf(lang.N("%d objects", n), n) + " (" + app.JoinCounts(app.Groups(p.Object), groupName) + ")"
	}
	return line
}

func (c *consensusView) reload() {
	c.asked++
	asked, u, s, start := c.asked, c.d.u, c.d.session, time.Now()
	u.background(func() {
		cons, err := s.Consensus()
		u.do(func() {
			if asked != c.asked || c.d.closed() {
				return
			}
			if err != nil {
				u.showError(err)
				return
			}
			c.shown = cons.Paragraphs
			c.settling = c.d.session.Role() == crdt.RoleCoFacilitator
			agreed, contested, none := 0, 0, 0
			for _, p := range cons.Paragraphs {
				switch {
				case p.Status != nil && p.Status.Status == app.Agreed:
					agreed++
				case p.Status != nil && p.Status.Status == app.Contested:
					contested++
				}
				if len(p.Support)+len(p.Object) == 0 {
					none++
				}
			}
			text := fmt.Sprintf(lang.L("%d paragraphs: %d agreed, %d contested; %d with no stance yet."), len(cons.Paragraphs), agreed, contested, none)
			if cons.NotCounted > 0 {
				text += " " + fmt.Sprintf(lang.L("%d statuses set without the co-facilitator role count for nothing."), cons.NotCounted)
			}
			c.summary.SetText(text)
			c.list.Refresh()
			u.log.Info("Consensus shown", "paragraphs", len(cons.Paragraphs), "after", time.Since(start).Round(time.Millisecond))
			if c.loaded != nil {
				c.loaded()
			}
		})
	})
}

// show lists who stands where on a paragraph, with their reasons.
func (c *consensusView) show(p app.ParagraphStand) {
	var b strings.Builder
	b.WriteString(p.Text + "\n\n")
	if p.Status != nil {
		fmt.Fprintf(&b, lang.L("%s by %s"), statusName(p.Status.Status), p.Status.Name)
		if p.Status.Note != "" {
			b.WriteString(": " + p.Status.Note)
		}
		b.WriteString("\n")
	}
	for _, group := range []struct {
		title string
		list  []app.Stance
	}{{lang.L("Supports"), p.Support}, {lang.L("Objects"), p.Object}} {
		for _, st := range group.list {
			line := fmt.Sprintf("%s: %s (%s, %s)", group.title, st.Name, groupLabel(st.Group), regionLabel(st.Region))
			if st.Reason != "" {
				line += " — " + st.Reason
			}
			if st.Earlier {
				line += " " + lang.L("(on an earlier text)")
			}
			b.WriteString(line + "\n")
		}
	}
	if len(p.Support) > 0 {
		fmt.Fprintf(&b, "\n%s: %s; %s\n", lang.L("Support by group"), app.JoinCounts(app.Groups(p.Support), groupName), app.JoinCounts(app.Regions(p.Support), regionName))
	}
	if len(p.Object) > 0 {
		fmt.Fprintf(&b, "%s: %s; %s\n", lang.L("Objections by group"), app.JoinCounts(app.Groups(p.Object), groupName), app.JoinCounts(app.Regions(p.Object), regionName))
	}
	l := widget.NewLabel(strings.TrimSpace(b.String()))
	l.Wrapping = fyne.TextWrapWord
	dlg := dialog.NewCustom(fmt.Sprintf(lang.L("Paragraph %s"), p.Paragraph), lang.L("Close"), container.NewVScroll(l), c.d.u.win)
	dlg.Resize(fyne.NewSize(dialogWidth, 360))
	c.d.u.present(dlg, nil)
}

// stance asks for an optional reason, then records one's stance.
func (c *consensusView) stance(p app.ParagraphStand, value string) {
	e := newField()
	e.SetPlaceHolder(lang.L("Why, in a sentence (optional)"))
	title := fmt.Sprintf(lang.L("Support paragraph %s"), p.Paragraph)
	if value == app.Object {
		title = fmt.Sprintf(lang.L("Object to paragraph %s"), p.Paragraph)
	}
	dlg := dialog.NewCustomConfirm(title, lang.L("OK"), lang.L("Cancel"), e, func(ok bool) {
		if ok {
			c.set(p, value, strings.TrimSpace(e.Text))
		}
	}, c.d.u.win)
	dlg.Resize(fyne.NewSize(dialogWidth, 180))
	c.d.u.present(dlg, dlg.Confirm, e)
}

func (c *consensusView) set(p app.ParagraphStand, value, reason string) {
	c.d.change(func(ctx context.Context) (string, error) {
		return "", c.d.session.SetStance(ctx, p.Paragraph, value, reason)
	}, func(string) { c.reload(); c.d.reloadMarks() })
}

func (c *consensusView) settle(p app.ParagraphStand, status string) {
	cur := app.OpenStatus
	if p.Status != nil {
		cur = p.Status.Status
	}
	if status == cur {
		return
	}
	c.d.change(func(ctx context.Context) (string, error) {
		return "", c.d.session.Settle(ctx, p.Paragraph, status, "")
	}, func(string) { c.reload(); c.d.reloadMarks() })
}

// reloadMarks reads the paragraphs' settled statuses again for the
// margin: agreed and contested paragraphs are marked beside their numbers.
func (d *draftScreen) reloadMarks() {
	d.asked++
	asked, u, s := d.asked, d.u, d.session
	u.background(func() {
		c, err := s.ConsensusLive()
		u.do(func() {
			if asked != d.asked || d.closed() {
				return
			}
			if err != nil {
				u.log.Warn("Could not read the paragraphs' statuses", "err", err)
				return
			}
			marks := map[string]map[int]string{}
			for _, p := range c.Paragraphs {
				if p.Status == nil || p.Status.Status == app.OpenStatus {
					continue
				}
				if marks[p.Section] == nil {
					marks[p.Section] = map[int]string{}
				}
				marks[p.Section][p.N] = p.Status.Status
			}
			d.marks = marks
			for id, e := range d.editors {
				e.area.marks = marks[id]
				e.area.Refresh()
			}
		})
	})
}
