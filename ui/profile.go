package ui

import (
	"context"

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

func choices[T ~string](all []T) []string {
	out := make([]string, len(all))
	for i, v := range all {
		out[i] = string(v)
	}
	return out
}

func newProfileForm(p app.Profile, onSave func(app.Profile)) *profileForm {
	f := &profileForm{
		name:   widget.NewEntry(),
		group:  widget.NewSelect(choices(crdt.Groups), nil),
		region: widget.NewSelect(choices(crdt.Regions), nil),
		role:   widget.NewSelect(choices(crdt.Roles), nil),
	}
	f.name.SetText(p.Name)
	f.name.SetPlaceHolder(lang.L("Your name as co-authors will see it"))
	f.group.SetSelected(string(p.Group))
	f.region.SetSelected(string(p.Region))
	role := string(p.Role)
	if role == "" {
		role = string(crdt.RoleParticipant)
	}
	f.role.SetSelected(role)
	f.form = widget.NewForm(
		widget.NewFormItem(lang.L("Name"), f.name),
		widget.NewFormItem(lang.L("Stakeholder group"), f.group),
		widget.NewFormItem(lang.L("UN regional group"), f.region),
		widget.NewFormItem(lang.L("Role"), f.role),
	)
	f.form.SubmitText = lang.L("Save")
	f.form.OnSubmit = func() {
		onSave(app.Profile{Name: f.name.Text, Group: crdt.Group(f.group.Selected),
			Region: crdt.Region(f.region.Selected), Role: crdt.Role(f.role.Selected)})
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
	u.win.Canvas().Focus(f.name)
}
