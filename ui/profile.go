package ui

import (
	"context"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// profileForm asks who this participant is: every contribution carries
// the name, stakeholder group and UN regional group given here.
type profileForm struct {
	name   *widget.Entry
	group  *widget.Select
	region *widget.Select
	role   *widget.Select
	form   *widget.Form
}

func newProfileForm(p app.Profile, onSave func(app.Profile)) *profileForm {
	f := &profileForm{
		name:   widget.NewEntry(),
		group:  widget.NewSelect(labels(crdt.Groups, groupLabel), nil),
		region: widget.NewSelect(labels(crdt.Regions, regionLabel), nil),
		role:   widget.NewSelect(labels(crdt.Roles, roleLabel), nil),
	}
	f.name.SetText(p.Name)
	f.name.SetPlaceHolder(lang.L("Your name as co-authors will see it"))
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
	f.form.SubmitText = lang.L("Save")
	f.form.OnSubmit = func() {
		g, _ := selectedValue(crdt.Groups, f.group.SelectedIndex())
		r, _ := selectedValue(crdt.Regions, f.region.SelectedIndex())
		role, _ := selectedValue(crdt.Roles, f.role.SelectedIndex())
		onSave(app.Profile{Name: f.name.Text, Group: g, Region: r, Role: role})
	}
	return f
}

// showProfile shows the profile form as the window's content.
func (u *UI) showProfile(first bool) {
	p, _, _ := u.ws.Profile(context.Background())
	f := newProfileForm(p, func(p app.Profile) {
		if _, err := u.ws.SetProfile(context.Background(), p); err != nil {
			u.showError(err)
			return
		}
		u.ShowHome()
	})
	if !first {
		f.form.CancelText = lang.L("Cancel")
		f.form.OnCancel = u.ShowHome
	}
	intro := widget.NewLabel(lang.L("Before you start: who are you? Co-facilitators see this beside every contribution."))
	intro.Wrapping = fyne.TextWrapWord
	title := widget.NewLabelWithStyle(lang.L("Your profile"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	u.closeDraft()
	u.show(container.NewPadded(container.NewVBox(title, intro, f.form)))
	u.setMenu() // no draft menu while no draft is open
	u.status.update()
	u.win.Canvas().Focus(f.name)
}
