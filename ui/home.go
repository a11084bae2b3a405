package ui

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// home is the drafts list with the actions that make or remove drafts.
type home struct {
	u       *UI
	drafts  []app.DraftInfo
	list    *widget.List
	content fyne.CanvasObject
	empty   *widget.Label
}

func newHome(u *UI) *home {
	h := &home{u: u}
	h.list = widget.NewList(
		func() int { return len(h.drafts) },
		func() fyne.CanvasObject {
			title := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			detail := widget.NewLabel("")
			del := widget.NewButton(lang.L("Delete"), nil)
			return container.NewBorder(nil, nil, nil, del, container.NewVBox(title, detail))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			d := h.drafts[i]
			row := o.(*fyne.Container)
			texts := row.Objects[0].(*fyne.Container)
			texts.Objects[0].(*widget.Label).SetText(d.Title)
			texts.Objects[1].(*widget.Label).SetText(fmt.Sprintf(lang.L("%d · %s · %d of %d sections written · changed %s"),
				d.Year, d.Template, d.Filled, d.Sections, d.Updated.Local().Format(time.DateTime)))
			row.Objects[1].(*widget.Button).OnTapped = func() { h.confirmDelete(d) }
		})
	h.list.OnSelected = func(i widget.ListItemID) {
		h.list.UnselectAll()
		u.OpenDraft(h.drafts[i].ID)
	}
	h.empty = widget.NewLabel(lang.L("No drafts yet. Start one, or join one with an invite code from a co-facilitator."))
	h.empty.Wrapping = fyne.TextWrapWord
	bar := container.NewHBox(
		widget.NewButton(lang.L("New draft…"), h.newDraft),
		widget.NewButton(lang.L("Profile…"), func() { u.showProfile(false) }),
	)
	title := widget.NewLabelWithStyle(lang.L("Your drafts"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	h.content = container.NewBorder(container.NewVBox(title, bar, h.empty), nil, nil, nil, h.list)
	return h
}

// reload reads the drafts list again.
func (h *home) reload() {
	ds, err := h.u.ws.Drafts(context.Background())
	if err != nil {
		h.u.showError(err)
		return
	}
	h.drafts = ds
	if len(ds) == 0 {
		h.empty.Show()
	} else {
		h.empty.Hide()
	}
	h.list.Refresh()
}

// newDraft asks for template, title, theme and year, then opens the draft.
func (h *home) newDraft() {
	tmpl := widget.NewRadioGroup([]string{string(crdt.TemplateOutput), string(crdt.TemplateProposal)}, nil)
	tmpl.SetSelected(string(crdt.TemplateOutput))
	title := widget.NewEntry()
	theme := widget.NewEntry()
	year := widget.NewEntry()
	year.SetText(strconv.Itoa(time.Now().Year()))
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("Template"), tmpl),
		widget.NewFormItem(lang.L("Title"), title),
		widget.NewFormItem(lang.L("Theme"), theme),
		widget.NewFormItem(lang.L("Year"), year),
	}
	dialog.ShowForm(lang.L("New draft"), lang.L("Create"), lang.L("Cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		y, err := strconv.Atoi(year.Text)
		if err != nil {
			h.u.showError(fmt.Errorf("%w: the year must be a number", crdt.ErrInvalid))
			return
		}
		id, err := h.u.ws.Create(context.Background(), app.NewDraft{Template: crdt.Template(tmpl.Selected),
			Title: title.Text, Theme: theme.Text, Year: y})
		if err != nil {
			h.u.showError(err)
			return
		}
		h.u.OpenDraft(id)
	}, h.u.win)
}

// confirmDelete moves a draft to the trash after asking; the command
// line's restore brings it back.
func (h *home) confirmDelete(d app.DraftInfo) {
	msg := fmt.Sprintf(lang.L("Move “%s” to the trash? It stays there until you restore it (bpfdraft restore)."), d.Title)
	dialog.ShowConfirm(lang.L("Delete draft"), msg, func(ok bool) {
		if !ok {
			return
		}
		if err := h.u.ws.Delete(context.Background(), d.ID); err != nil {
			h.u.showError(err)
			return
		}
		h.reload()
	}, h.u.win)
}
