package ui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/export"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// versionsView lists the named versions, names a new one, shows any of
// them read-only, and compares two states inline: inserted text in the
// success colour and bold, deleted text in the error colour and italic,
// each run of one person's change followed by who made it (app.Diff
// gives whole words and one run per person).
type versionsView struct {
	d        *draftScreen
	versions []crdt.Version
	list     *widget.List
	name     *widget.Button
	from, to *widget.Select
	diff     *widget.RichText
	content  fyne.CanvasObject
	compared func() // called after a comparison is shown; tests wait on it
}

func newVersionsView(d *draftScreen) *versionsView {
	v := &versionsView{d: d}
	v.list = widget.NewList(
		func() int { return len(v.versions) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, nil, widget.NewButton(lang.L("View"), nil), l)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(v.versions) {
				return
			}
			ver := v.versions[i]
			row := o.(*fyne.Container)
			by := people(d.session.View())[ver.Actor].Name
			row.Objects[0].(*widget.Label).SetText(fmt.Sprintf("%s · %s · %s", ver.Name, by, ver.At.Local().Format(time.DateTime)))
			row.Objects[1].(*widget.Button).OnTapped = func() { v.view(ver) }
		})
	v.name = widget.NewButton(lang.L("Name a version…"), v.nameVersion)
	v.from = widget.NewSelect(nil, nil)
	v.to = widget.NewSelect(nil, nil)
	compare := widget.NewButton(lang.L("Compare"), v.compare)
	v.diff = widget.NewRichText()
	v.diff.Wrapping = fyne.TextWrapWord
	wide := func(o fyne.CanvasObject, w float32) fyne.CanvasObject {
		return container.NewGridWrap(fyne.NewSize(w, o.MinSize().Height), o)
	}
	top := container.NewVBox(
		v.name,
		container.NewHBox(widget.NewLabel(lang.L("Compare")), wide(v.from, 220), widget.NewLabel(lang.L("with")), wide(v.to, 220), compare))
	split := container.NewVSplit(v.list, container.NewVScroll(v.diff))
	split.Offset = 0.3
	v.content = container.NewBorder(top, nil, nil, nil, split)
	return v
}

// reload shows the versions as the view has them.
func (v *versionsView) reload() {
	view := v.d.session.View()
	v.versions = view.Versions
	v.list.Refresh()
	choices := []string{lang.L("the draft's creation")}
	for _, ver := range v.versions {
		choices = append(choices, ver.Name)
	}
	choices = append(choices, lang.L("the draft as it stands"))
	for _, s := range []*widget.Select{v.from, v.to} {
		s.Options = choices
		if s.SelectedIndex() < 0 {
			s.Selected = ""
		}
		s.Refresh()
	}
	if v.from.SelectedIndex() < 0 {
		v.from.SetSelectedIndex(max(0, len(choices)-2)) // the latest version
	}
	if v.to.SelectedIndex() < 0 {
		v.to.SetSelectedIndex(len(choices) - 1)
	}
	if v.d.session.Role().CanDecide() {
		v.name.Enable()
	} else {
		v.name.Disable()
	}
}

// ref turns a choice of the compare lists into a version reference.
func (v *versionsView) ref(s *widget.Select) string {
	i := s.SelectedIndex()
	switch {
	case i <= 0:
		return app.Creation
	case i > len(v.versions):
		return app.Current
	}
	return v.versions[i-1].ID
}

func (v *versionsView) nameVersion() {
	v.d.ask(lang.L("Name a version"), lang.L("Name"), "", func(name string) {
		v.d.change(func(ctx context.Context) (string, error) {
			ver, err := v.d.session.NameVersion(ctx, name)
			return ver.ID, err
		}, func(string) { v.reload() })
	})
}

// view shows a version read-only, as plain text: the publication's
// Markdown, drawn by Fyne, showed its escapes ("\[") and joined the
// title page's lines into one.
func (v *versionsView) view(ver crdt.Version) {
	d := v.d
	d.u.background(func() {
		pub, err := d.session.Publication(ver.ID, false)
		d.u.do(func() {
			if d.closed() {
				return
			}
			if err != nil {
				d.u.showError(err)
				return
			}
			text := widget.NewRichTextWithText(string(export.Text(pub)))
			text.Wrapping = fyne.TextWrapWord
			dlg := dialog.NewCustom(fmt.Sprintf(lang.L("Version “%s” (read only)"), ver.Name), lang.L("Close"), container.NewVScroll(text), d.u.win)
			dlg.Resize(fyne.NewSize(900, 620))
			d.u.present(dlg, dlg.Hide)
		})
	})
}

// compare shows the difference between the two chosen states.
func (v *versionsView) compare() {
	from, to := v.ref(v.from), v.ref(v.to)
	d := v.d
	d.u.background(func() {
		diffs, err := d.session.Diff(from, to)
		d.u.do(func() {
			if d.closed() {
				return
			}
			if err != nil {
				d.u.showError(err)
				return
			}
			v.diff.Segments = diffSegments(diffs, people(d.session.View()))
			v.diff.Refresh()
			if v.compared != nil {
				v.compared()
			}
		})
	})
}

// diffSegments renders a comparison: per changed heading its title, then
// its text with insertions and deletions marked.
func diffSegments(diffs []app.HeadingDiff, parts map[string]crdt.Participant) []widget.RichTextSegment {
	var segs []widget.RichTextSegment
	for _, h := range diffs {
		if !h.Changed() {
			continue
		}
		title := h.Heading
		if h.Number > 0 {
			title = fmt.Sprintf("%d. %s", h.Number, h.Heading)
		}
		switch {
		case h.Added:
			title += " — " + lang.L("heading added")
		case h.Removed:
			title += " — " + lang.L("heading removed")
		case h.Was != "":
			title += " — " + fmt.Sprintf(lang.L("renamed from “%s”"), h.Was)
		}
		segs = append(segs, &widget.TextSegment{Text: title, Style: widget.RichTextStyleSubHeading})
		for _, p := range h.Pieces {
			style := widget.RichTextStyleInline
			switch p.Kind {
			case crdt.Inserted:
				style.ColorName, style.TextStyle = theme.ColorNameSuccess, fyne.TextStyle{Bold: true}
			case crdt.Deleted:
				style.ColorName, style.TextStyle = theme.ColorNameError, fyne.TextStyle{Italic: true}
			}
			segs = append(segs, &widget.TextSegment{Text: p.Text, Style: style})
			if p.Kind != crdt.Same {
				who := parts[p.Actor].Name
				mark := "+"
				if p.Kind == crdt.Deleted {
					mark = "−"
				}
				segs = append(segs, &widget.TextSegment{Text: fmt.Sprintf(" [%s%s]", mark, who),
					Style: widget.RichTextStyle{Inline: true, ColorName: theme.ColorNamePlaceHolder, SizeName: theme.SizeNameCaptionText}})
			}
		}
		segs = append(segs, &widget.TextSegment{Text: "", Style: widget.RichTextStyleParagraph})
	}
	if len(segs) == 0 {
		segs = append(segs, &widget.TextSegment{Text: lang.L("No differences."), Style: widget.RichTextStyleParagraph})
	}
	return segs
}

// nextYear starts next year's draft from this one, after asking, and
// opens it.
func (d *draftScreen) nextYear() {
	msg := lang.L("A new draft a year on: the same title, theme and co-facilitators, the definition of the issue and the unresolved issues as the latest version has them, and this year's carry-forward segment as its starting agenda. This draft stays as it is.")
	d.u.confirm(lang.L("Start next year's draft"), msg, lang.L("Start"), func() {
		id := d.session.ID()
		d.change(func(ctx context.Context) (string, error) {
			return d.u.ws.NextYear(ctx, id)
		}, func(newID string) { d.u.OpenDraft(newID) })
	})
}
