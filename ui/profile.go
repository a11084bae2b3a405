package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// profileForm asks who this participant is: every contribution carries
// the name, stakeholder group and UN regional group given here. Save
// stays off until the form can be saved, and a sentence under it says
// what is still missing, so that no error ever comes back from saving.
type profileForm struct {
	name    *field
	group   *widget.Select
	region  *widget.Select
	role    *widget.Select
	form    *widget.Form
	save    *widget.Button
	missing *widget.Label
	onSave  func(app.Profile)
}

func newProfileForm(p app.Profile, onSave func(app.Profile)) *profileForm {
	f := &profileForm{
		name:    newField(),
		group:   widget.NewSelect(labels(crdt.Groups, groupLabel), nil),
		region:  widget.NewSelect(labels(crdt.Regions, regionLabel), nil),
		role:    widget.NewSelect(labels(crdt.Roles, roleLabel), nil),
		missing: widget.NewLabel(""),
		onSave:  onSave,
	}
	f.missing.Wrapping = fyne.TextWrapWord
	f.missing.Importance = widget.WarningImportance
	f.name.SetText(p.Name)
	f.name.SetPlaceHolder(lang.L("Your name as co-authors will see it"))
	f.group.PlaceHolder = lang.L("Choose your stakeholder group")
	f.region.PlaceHolder = lang.L("Choose your UN regional group")
	f.group.SetSelectedIndex(slices.Index(crdt.Groups, p.Group))
	f.region.SetSelectedIndex(slices.Index(crdt.Regions, p.Region))
	role := p.Role
	if role == "" {
		role = crdt.RoleParticipant
	}
	f.role.SetSelectedIndex(slices.Index(crdt.Roles, role))
	f.form = widget.NewForm(
		widget.NewFormItem(lang.L("Name"), f.name),
		widget.NewFormItem(lang.L("Stakeholder group"), f.group),
		widget.NewFormItem(lang.L("UN regional group"), f.region),
		widget.NewFormItem(lang.L("Role"), f.role),
	)
	f.save = widget.NewButton(lang.L("Save"), f.submit)
	f.save.Importance = widget.HighImportance
	f.name.OnChanged = func(string) { f.check() }
	f.name.OnSubmitted = func(string) { f.submit() }
	f.group.OnChanged = func(string) { f.check() }
	f.region.OnChanged = func(string) { f.check() }
	f.check()
	return f
}

// problem says, in the person's language, what keeps the form from
// being saved; empty when nothing does.
func (f *profileForm) problem() string {
	name := strings.TrimSpace(f.name.Text) != ""
	group, region := f.group.SelectedIndex() >= 0, f.region.SelectedIndex() >= 0
	switch {
	case !name && !group && !region:
		return lang.L("Write your name and choose your stakeholder group and your UN regional group.")
	case !name:
		return lang.L("Write your name as co-authors will see it.")
	case !group && !region:
		return lang.L("Choose your stakeholder group and your UN regional group.")
	case !group:
		return lang.L("Choose your stakeholder group.")
	case !region:
		return lang.L("Choose your UN regional group.")
	case len([]rune(f.name.Text)) > maxNameLength:
		return fmt.Sprintf(lang.L("Shorten your name to %d characters or fewer."), maxNameLength)
	}
	return ""
}

// maxNameLength keeps a name to what a table row or a cover page shows.
const maxNameLength = 100

// check turns Save on or off and says what is missing.
func (f *profileForm) check() {
	msg := f.problem()
	f.missing.SetText(msg)
	if msg == "" {
		f.missing.Hide()
		f.save.Enable()
	} else {
		f.missing.Show()
		f.save.Disable()
	}
}

func (f *profileForm) submit() {
	if f.problem() != "" {
		return
	}
	g, _ := selectedValue(crdt.Groups, f.group.SelectedIndex())
	r, _ := selectedValue(crdt.Regions, f.region.SelectedIndex())
	role, _ := selectedValue(crdt.Roles, f.role.SelectedIndex())
	f.onSave(app.Profile{Name: strings.TrimSpace(f.name.Text), Group: g, Region: r, Role: role})
}

// showProfile shows the profile form as the window's content: on the
// first run before anything else, later to edit it.
func (u *UI) showProfile(first bool) {
	p, _, _ := u.ws.Profile(context.Background())
	f := newProfileForm(p, func(p app.Profile) {
		if _, err := u.ws.SetProfile(context.Background(), p); err != nil {
			u.showError(err)
			return
		}
		u.ShowHome()
	})
	buttons := container.NewHBox(layout.NewSpacer(), f.save)
	title := widget.NewLabelWithStyle(lang.L("Before you start"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	intro := widget.NewLabel(lang.L("Who are you? Co-facilitators see this beside every contribution."))
	if !first {
		title.SetText(lang.L("Edit your profile"))
		intro.SetText(lang.L("Co-facilitators see this beside every contribution. A change applies to what you write from now on."))
		cancel := widget.NewButton(lang.L("Cancel"), u.ShowHome)
		f.name.escape = u.ShowHome
		buttons = container.NewHBox(layout.NewSpacer(), cancel, f.save)
	}
	title.SizeName = theme.SizeNameSubHeadingText
	intro.Wrapping = fyne.TextWrapWord
	u.closeDraft()
	u.show(container.NewPadded(container.NewVBox(title, intro, f.form, f.missing, buttons)))
	u.setMenu() // no draft menu while no draft is open
	u.status.update()
	u.win.Canvas().Focus(f.name)
}
