package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// UI is the main window and the screen it shows.
type UI struct {
	fyne   fyne.App
	ws     *app.Workspace
	win    fyne.Window
	log    *slog.Logger
	draft  *draftScreen // the open draft, if any
	homeUI *home

	refreshed func(*draftScreen) // handed to each draft screen; for tests
}

// New builds the window for a workspace; Show (or the caller's
// ShowAndRun) puts it on screen. A first run asks for the profile before
// anything else, since every edit is attributed to it.
func New(a fyne.App, ws *app.Workspace, log *slog.Logger) *UI {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	u := &UI{fyne: a, ws: ws, log: log, win: a.NewWindow(lang.L("BPF Draft"))}
	u.win.Resize(fyne.NewSize(1100, 720))
	u.win.SetOnClosed(u.closeDraft)
	if _, ok, err := ws.Profile(context.Background()); err == nil && ok {
		u.ShowHome()
	} else {
		u.showProfile(true)
	}
	return u
}

// Window returns the main window.
func (u *UI) Window() fyne.Window { return u.win }

// ShowHome shows the drafts list.
func (u *UI) ShowHome() {
	u.closeDraft()
	u.homeUI = newHome(u)
	u.win.SetContent(u.homeUI.content)
	u.homeUI.reload()
	u.setMenu()
}

// OpenDraft shows a draft's screen.
func (u *UI) OpenDraft(id string) {
	d, err := openDraftScreen(u, id)
	if err != nil {
		u.showError(err)
		return
	}
	u.closeDraft()
	u.draft = d
	u.win.SetContent(d.content)
	u.setMenu()
}

func (u *UI) closeDraft() {
	if u.draft != nil {
		u.draft.close()
		u.draft = nil
	}
}

// showError explains a failure in words a participant can act on.
func (u *UI) showError(err error) {
	u.log.Warn("Action failed", "err", err)
	msg := err.Error()
	switch {
	case errors.Is(err, app.ErrBadInvite):
		msg = fmt.Sprintf(lang.L("This invite code cannot be used: %s"), strings.TrimPrefix(err.Error(), app.ErrBadInvite.Error()+": "))
	case errors.Is(err, crdt.ErrInvalid):
		msg = fmt.Sprintf(lang.L("That did not work: %s"), err)
	case errors.Is(err, crdt.ErrCorrupt):
		msg = fmt.Sprintf(lang.L("The file or code could not be read: %s. Check that it is complete and try again."), err)
	}
	dialog.ShowError(errors.New(msg), u.win)
}
