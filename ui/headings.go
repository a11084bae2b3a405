package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// The headings bar acts on the selected heading. Removing a heading
// hides it but keeps its text (co-authors may have written there while
// offline); the restore list brings it back.

func (d *draftScreen) headingBar() fyne.CanvasObject {
	return container.NewGridWithColumns(3,
		widget.NewButton(lang.L("Add"), d.addHeading),
		widget.NewButton(lang.L("Rename"), d.renameHeading),
		widget.NewButton(lang.L("Remove"), d.removeHeading),
		widget.NewButton(lang.L("Up"), func() { d.moveHeading(-1) }),
		widget.NewButton(lang.L("Down"), func() { d.moveHeading(+1) }),
		widget.NewButton(lang.L("Restore…"), d.restoreHeading),
		d.annexButton(),
	)
}

// annexButton is the headings bar's annex toggle: what it does to the
// open heading is what it says, in a word no longer than the bar's other
// buttons' (a wider bar takes the page's width in a small window).
func (d *draftScreen) annexButton() *widget.Button {
	d.annex = widget.NewButton(lang.L("Annex"), d.toggleAnnex)
	d.labelAnnex()
	return d.annex
}

func (d *draftScreen) labelAnnex() {
	if d.annex == nil {
		return
	}
	if sec, ok := d.selected(); ok && sec.Annex {
		d.annex.SetText(lang.L("Unannex"))
	} else {
		d.annex.SetText(lang.L("Annex"))
	}
}

// toggleAnnex marks the selected heading as an annex, published after
// the headings and lettered, or as a numbered heading again.
func (d *draftScreen) toggleAnnex() {
	sec, ok := d.selected()
	if !ok {
		return
	}
	d.change(func(ctx context.Context) (string, error) {
		return sec.ID, d.session.SetAnnex(ctx, sec.ID, !sec.Annex)
	}, d.reselect)
}

func (d *draftScreen) selected() (crdt.Section, bool) {
	if d.current < 0 || d.current >= len(d.sections) {
		return crdt.Section{}, false
	}
	return d.sections[d.current], true
}

// ask shows a one-field form and calls done with the text entered.
func (d *draftScreen) ask(title, label, value string, done func(string)) {
	e := newField()
	e.SetText(value)
	e.Validator = required
	d.u.form(title, lang.L("OK"), []*widget.FormItem{widget.NewFormItem(label, e)}, func() { done(e.Text) }, 0, 0)
}

func (d *draftScreen) addHeading() {
	d.ask(lang.L("Add a heading"), lang.L("Heading"), "", func(title string) {
		pos := d.current + 2 // after the selected one, 1-based
		d.change(func(ctx context.Context) (string, error) {
			return d.session.AddHeading(ctx, title, "", pos)
		}, d.reselect)
	})
}

func (d *draftScreen) renameHeading() {
	sec, ok := d.selected()
	if !ok {
		return
	}
	d.ask(lang.L("Rename the heading"), lang.L("Heading"), sec.Heading, func(title string) {
		d.rename(sec.ID, title)
	})
}

func (d *draftScreen) rename(id, title string) {
	d.change(func(ctx context.Context) (string, error) {
		return id, d.session.RenameHeading(ctx, id, title)
	}, d.reselect)
}

func (d *draftScreen) moveHeading(by int) {
	sec, ok := d.selected()
	if !ok {
		return
	}
	to := d.current + 1 + by
	if to < 1 || to > len(d.sections) {
		return
	}
	d.change(func(ctx context.Context) (string, error) {
		return sec.ID, d.session.MoveHeading(ctx, sec.ID, to)
	}, d.reselect)
}

func (d *draftScreen) removeHeading() {
	sec, ok := d.selected()
	if !ok {
		return
	}
	msg := fmt.Sprintf(lang.L("Remove the heading “%s”? Its text is kept, and Restore brings it back."), sec.Heading)
	d.u.confirm(lang.L("Remove heading"), msg, lang.L("Remove"), func() {
		d.removed = sec.ID // not to be told as a co-author's
		d.change(func(ctx context.Context) (string, error) {
			return "", d.session.RemoveHeading(ctx, sec.ID)
		}, d.reselect)
	})
}

// restoreHeading lists the removed headings, each whole (a select would
// cut long ones), and brings back the one chosen.
func (d *draftScreen) restoreHeading() {
	removed := d.session.RemovedHeadings()
	if len(removed) == 0 {
		d.u.inform(lang.L("Restore a heading"), lang.L("No heading has been removed."))
		return
	}
	names := make([]string, len(removed))
	for i, s := range removed {
		names[i] = strconv.Itoa(i+1) + ". " + s.Heading
	}
	pick := widget.NewRadioGroup(names, nil)
	pick.SetSelected(names[0])
	pick.Required = true
	d.u.form(lang.L("Restore a heading"), lang.L("Restore"), []*widget.FormItem{widget.NewFormItem(lang.L("Heading"), pick)}, func() {
		i := slices.Index(names, pick.Selected)
		if i < 0 {
			return
		}
		id := removed[i].ID
		d.change(func(ctx context.Context) (string, error) {
			return id, d.session.RestoreHeading(ctx, id)
		}, d.reselect)
	}, 760, 0)
}

// change runs a change of the draft off the window's goroutine (the
// draft's owner may be waiting for the disk) and then, back on the
// window's, after with the id f returned, or the error.
func (d *draftScreen) change(f func(context.Context) (string, error), after func(string)) {
	d.u.background(func() {
		id, err := f(context.Background())
		d.u.do(func() {
			switch {
			case d.closed():
			case err != nil:
				d.u.showError(err)
			case after != nil:
				after(id)
			}
		})
	})
}

// reselect reads the headings again and selects the one with id (or
// keeps the position when id is empty or gone).
func (d *draftScreen) reselect(id string) {
	d.sections = d.session.Sections()
	if err := d.layOut(); err != nil {
		d.u.showError(err)
	}
	i := d.current
	for k, s := range d.sections {
		if s.ID == id {
			i = k
		}
	}
	if i >= len(d.sections) {
		i = len(d.sections) - 1
	}
	d.headings.Refresh()
	if i >= 0 {
		d.headings.Select(i)
		d.showSection(i)
	}
}

// showMeta edits the document's details: what the cover page and the
// export carry besides the sections.
func (d *draftScreen) showMeta() {
	m := d.session.Meta()
	title, theme, year := newField(), newField(), newField()
	title.SetText(m.Title)
	title.Validator = required
	theme.SetText(m.Theme)
	year.SetText(strconv.Itoa(m.Year))
	year.Validator = validYear
	cofac, rapp, cover, dissem := newMultiField(), newMultiField(), newMultiField(), newMultiField()
	cofac.SetText(m.CoFacilitators)
	cofac.SetPlaceHolder(lang.L("One name per line"))
	rapp.SetText(m.Rapporteur)
	rapp.SetPlaceHolder(lang.L("One name per line"))
	cover.SetText(m.Cover)
	dissem.SetText(m.Dissemination)
	dissem.SetPlaceHolder(lang.L("One institution per line"))
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("Title"), title),
		widget.NewFormItem(lang.L("Theme"), theme),
		widget.NewFormItem(lang.L("Year"), year),
		widget.NewFormItem(lang.L("Co-facilitators"), cofac),
		widget.NewFormItem(lang.L("Rapporteur"), rapp),
		widget.NewFormItem(lang.L("Executive summary"), cover),
		widget.NewFormItem(lang.L("Dissemination list"), dissem),
	}
	d.u.form(lang.L("Document details"), lang.L("Save"), items, func() {
		y, _ := parseYear(year.Text) // the validator let only a year through
		now := crdt.Meta{Title: title.Text, Theme: theme.Text, Year: y,
			CoFacilitators: cofac.edited(m.CoFacilitators), Rapporteur: rapp.edited(m.Rapporteur), Cover: cover.edited(m.Cover), Dissemination: dissem.edited(m.Dissemination)}
		d.change(func(ctx context.Context) (string, error) {
			return "", d.saveMeta(ctx, m, now)
		}, func(string) { d.title.SetText(d.session.Meta().Title) })
	}, 640, 560)
}

// saveMeta writes the fields the person changed from was, the details as
// the form showed them. A field they left alone is not written, so that a
// co-author's edit of it, arrived meanwhile, is not undone.
func (d *draftScreen) saveMeta(ctx context.Context, was, now crdt.Meta) error {
	if now.Title != was.Title {
		if err := d.session.SetTitle(ctx, now.Title); err != nil {
			return err
		}
	}
	if now.Theme != was.Theme {
		if err := d.session.SetTheme(ctx, now.Theme); err != nil {
			return err
		}
	}
	if now.Year != was.Year {
		if err := d.session.SetYear(ctx, now.Year); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		field     crdt.MetaField
		was, text string
	}{
		{crdt.FieldCoFacilitators, was.CoFacilitators, now.CoFacilitators},
		{crdt.FieldRapporteur, was.Rapporteur, now.Rapporteur},
		{crdt.FieldCover, was.Cover, now.Cover},
		{crdt.FieldDissemination, was.Dissemination, now.Dissemination},
	} {
		if f.text != f.was {
			if err := d.session.SetMetaText(ctx, f.field, f.text); err != nil {
				return err
			}
		}
	}
	return nil
}

// Form fields check their text as it is typed, so that Save stays off
// until the form can be saved and nothing typed is thrown away.

// parseYear reads a year written in digits.
func parseYear(s string) (int, error) {
	y, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || y < 1000 || y > 9999 {
		return 0, errors.New(lang.L("Write the year in four digits, for example 2026."))
	}
	return y, nil
}

func validYear(s string) error {
	_, err := parseYear(s)
	return err
}

func required(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New(lang.L("This cannot be left empty."))
	}
	return nil
}
