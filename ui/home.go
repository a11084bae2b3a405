package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
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

// home is the drafts list with the actions that make or remove drafts.
type home struct {
	u        *UI
	drafts   []app.DraftInfo
	synced   map[string]time.Time // when each draft last agreed with a peer
	shared   map[string]bool      // drafts with an invite, made here or joined
	unsynced map[string]int       // changes no peer has yet, counted in the background
	counting bool
	counted  func()        // called when the counts are in; tests wait on it
	awaiting *widget.Label // drafts joined but not yet fetched
	trash    dialog.Dialog // the trash dialog last shown; tests look at it
	list     *keyList
	content  fyne.CanvasObject
	empty    *widget.Label
}

func newHome(u *UI) *home {
	h := &home{u: u}
	h.list = newKeyList(
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
			line := h.detail(d)
			texts.Objects[1].(*widget.Label).SetText(line)
			row.Objects[1].(*widget.Button).OnTapped = func() { u.confirmDelete(d.ID, d.Title) }
		})
	h.list.OnSelected = func(i widget.ListItemID) {
		h.list.UnselectAll()
		u.OpenDraft(h.drafts[i].ID)
	}
	h.empty = widget.NewLabel(lang.L("No drafts yet. Start one, or join one with an invite code from a co-facilitator."))
	h.empty.Wrapping = fyne.TextWrapWord
	h.awaiting = widget.NewLabel("")
	h.awaiting.Wrapping = fyne.TextWrapWord
	bar := container.NewHBox(
		widget.NewButton(lang.L("New draft…"), h.newDraft),
		widget.NewButton(lang.L("Join by invite code…"), h.join),
		widget.NewButton(lang.L("Import a file…"), h.importFile),
		widget.NewButton(lang.L("Trash…"), h.showTrash),
		widget.NewButton(lang.L("Profile…"), func() { u.showProfile(false) }),
	)
	title := widget.NewLabelWithStyle(lang.L("Your drafts"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	h.content = container.NewBorder(container.NewVBox(title, bar, h.empty, h.awaiting), nil, nil, nil, h.list)
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
	h.synced = map[string]time.Time{}
	h.shared = map[string]bool{}
	if access, err := h.u.ws.Access(context.Background()); err == nil {
		for _, a := range access {
			h.shared[a.DraftID] = true
		}
	}
	for _, d := range ds {
		if t, err := h.u.ws.LastSynced(context.Background(), d.ID); err == nil {
			h.synced[d.ID] = t
		}
	}
	h.countUnsynced()
	waiting, err := h.u.ws.Awaiting(context.Background())
	if err != nil {
		h.u.showError(err)
	}
	if len(ds) == 0 && len(waiting) == 0 {
		h.empty.Show()
	} else {
		h.empty.Hide()
	}
	// An empty list would still take the keyboard, with nothing to show it.
	if len(ds) == 0 {
		h.list.Hide()
	} else {
		h.list.Show()
	}
	if len(waiting) == 0 {
		h.awaiting.Hide()
	} else {
		h.awaiting.SetText(fmt.Sprintf(lang.L("Joined, waiting for the first sync to bring it: %s"), strings.Join(waiting, ", ")))
		h.awaiting.Show()
	}
	h.list.Refresh()
}

// detail is the second line of a draft's row: year, template, how much
// is written, when it changed, and where sync stands.
func (h *home) detail(d app.DraftInfo) string {
	line := fmt.Sprintf(lang.L("%d · %s · %d of %d sections written · changed %s"),
		d.Year, templateLabel(crdt.Template(d.Template)), d.Filled, d.Sections, d.Updated.Local().Format(time.DateTime))
	synced := h.synced[d.ID]
	switch {
	case synced.IsZero() && h.shared[d.ID]:
		return line + " · " + lang.L("shared, not synced yet")
	case synced.IsZero():
		return line + " · " + lang.L("not shared yet")
	}
	line += " · " + fmt.Sprintf(lang.L("last synced %s"), synced.Local().Format(time.DateTime))
	if n := h.unsynced[d.ID]; n > 0 {
		line += " · " + fmt.Sprintf(lang.N("%d changes waiting to go out", n), n)
	}
	return line
}

// countUnsynced counts each shared draft's changes that no peer has yet.
// That means loading every draft, so it runs in the background and the
// list fills in the counts when they are known: a long list still opens
// at once.
func (h *home) countUnsynced() {
	if h.counting {
		return
	}
	var ids []string
	for _, d := range h.drafts {
		if !h.synced[d.ID].IsZero() {
			ids = append(ids, d.ID)
		}
	}
	if len(ids) == 0 {
		return
	}
	h.counting = true
	h.u.background(func() {
		counts := map[string]int{}
		for _, id := range ids {
			s, err := h.u.ws.ReadSession(context.Background(), id)
			if err != nil {
				continue
			}
			if n, _, known, err := s.Unsynced(context.Background()); err == nil && known {
				counts[id] = n
			}
			s.Close(context.Background())
		}
		h.u.do(func() {
			h.counting = false
			h.unsynced = counts
			h.list.Refresh()
			if h.counted != nil {
				h.counted()
			}
		})
	})
}

// reloadIfChanged reloads when a draft arrived, went or changed, so
// that the list follows syncs without redrawing every second.
func (h *home) reloadIfChanged(ds []app.DraftInfo, err error) {
	if err != nil || len(ds) != len(h.drafts) {
		h.reload()
		return
	}
	for i := range ds {
		if ds[i].ID != h.drafts[i].ID || !ds[i].Updated.Equal(h.drafts[i].Updated) {
			h.reload()
			return
		}
	}
}

// join takes a pasted invite code; the draft comes with the next sync.
func (h *home) join() {
	code := newMultiField()
	code.SetPlaceHolder("BPF1…")
	code.Wrapping = fyne.TextWrapBreak
	code.enter = func() {} // a code is one line, pasted: Enter joins
	h.u.form(lang.L("Join a draft"), lang.L("Join"), []*widget.FormItem{widget.NewFormItem(lang.L("Invite code"), code)},
		func() { h.joinCode(code.Text) }, 560, 260)
}

func (h *home) joinCode(code string) {
	h.joinWith(code, h.u.ws.Join)
}

// joinWith joins; a code that would switch a draft already here to
// another secret is joined only once the person confirms.
func (h *home) joinWith(code string, join func(context.Context, string) (app.Invite, error)) {
	_, err := join(context.Background(), code)
	if errors.Is(err, app.ErrJoinConflict) {
		h.u.confirm(lang.L("Replace this draft's invite?"),
			lang.L("You already have this draft, synced with another invite code. Joining with this one sends it to the relays this code names. Do it only if the draft's owner gave you this code."),
			lang.L("Replace"), func() { h.joinWith(code, h.u.ws.JoinReplacing) })
		return
	}
	if errors.Is(err, app.ErrUnlistedRelay) {
		h.u.confirm(lang.L("Use a relay the co-facilitators do not list?"),
			lang.L("This code names a relay that this draft's co-facilitators have not listed; it could be anyone's. You would receive changes through it, and nothing you write is sent to it until a co-facilitator lists it. Do it only if a co-facilitator gave you this code."),
			lang.L("Use it"), func() { h.joinWith(code, h.u.ws.JoinAddingRelays) })
		return
	}
	if err != nil {
		h.u.showError(err)
		return
	}
	if h.u.online != nil {
		h.u.online.Refresh() // dial the relays the invite names
	}
	if h.u.draft != nil || h.u.content() != h.content {
		h.u.ShowHome() // joined from a draft: the list says the draft is on its way
		return
	}
	h.reload()
}

// importFile merges a draft file (.automerge), from a co-author's export
// or a backup: a new draft, or the same draft's changes folded in.
func (h *home) importFile() {
	fd := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			h.u.showError(err)
			return
		}
		if r == nil {
			return // cancelled
		}
		defer r.Close()
		data, err := io.ReadAll(r)
		if err != nil {
			h.u.showError(err)
			return
		}
		h.importData(data)
	}, h.u.win)
	h.u.fileChooser(fd, lang.L("Import a draft file"), lang.L("Import"))
}

func (h *home) importData(data []byte) {
	id, _, err := h.u.ws.Import(context.Background(), data)
	if err != nil {
		h.u.showError(err)
		return
	}
	h.u.OpenDraft(id)
}

// newDraft asks for template, title, theme and year, then opens the draft.
func (h *home) newDraft() {
	templates := []crdt.Template{crdt.TemplateOutput, crdt.TemplateProposal}
	tmpl := widget.NewRadioGroup(labels(templates, templateLabel), nil)
	tmpl.SetSelected(templateLabel(crdt.TemplateOutput))
	// The headings' language: English for an output by default, as the
	// IGF publishes outputs in English; a proposal in the window's
	// language. The person may choose either way.
	langs := make([]string, len(crdt.Languages))
	for i, l := range crdt.Languages {
		langs[i] = languageName(l)
	}
	language := newChoice(langs)
	language.SetSelected(languageName(crdt.English))
	chosen := false
	language.OnChanged = func(string) { chosen = true }
	tmpl.OnChanged = func(s string) {
		if chosen {
			return
		}
		l := crdt.English
		if s == templateLabel(crdt.TemplateProposal) {
			l = windowLanguage()
		}
		language.OnChanged = nil
		language.SetSelected(languageName(l))
		language.OnChanged = func(string) { chosen = true }
	}
	title := newField()
	title.Validator = required
	title.SetPlaceHolder(lang.L("For example: BPF Cybersecurity 2026: norms in practice"))
	theme := newField()
	year := newField()
	year.SetText(strconv.Itoa(time.Now().Year()))
	year.Validator = validYear
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("Title"), title),
		widget.NewFormItem(lang.L("Theme"), theme),
		widget.NewFormItem(lang.L("Year"), year),
		widget.NewFormItem(lang.L("Template"), tmpl),
		widget.NewFormItem(lang.L("Headings in"), language),
	}
	h.u.form(lang.L("New draft"), lang.L("Create"), items, func() {
		y, _ := parseYear(year.Text) // the validator let only a year through
		t, _ := selectedValue(templates, slices.Index(tmpl.Options, tmpl.Selected))
		l := crdt.English
		if i := language.SelectedIndex(); i >= 0 {
			l = crdt.Languages[i]
		}
		id, err := h.u.ws.Create(context.Background(), app.NewDraft{Template: t, Language: l,
			Title: title.Text, Theme: theme.Text, Year: y})
		if err != nil {
			h.u.showError(err)
			return
		}
		h.u.OpenDraft(id)
	}, 640, 0)
}

// confirmDelete moves a draft to the trash after asking; the command
// line's restore brings it back.
func (u *UI) confirmDelete(id, title string) {
	msg := fmt.Sprintf(lang.L("Move “%s” to the trash? It stays there until you restore it (Trash… on the drafts list)."), title)
	u.confirm(lang.L("Delete draft"), msg, lang.L("Move to the trash"), func() {
		if u.draft != nil && u.draft.session.ID() == id {
			u.closeDraft() // its session must let go before the draft goes
		}
		if err := u.ws.Delete(context.Background(), id); err != nil {
			u.showError(err)
		}
		u.ShowHome()
	})
}
