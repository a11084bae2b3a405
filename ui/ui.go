package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/online"
	"github.com/igf-bpf/bpfdraft/assets"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// Icon is the application's icon, for the window and the desktop.
var Icon fyne.Resource = fyne.NewStaticResource("icon.png", assets.IconPNG)

// UI is the main window and the screen it shows.
type UI struct {
	fyne    fyne.App
	ws      *app.Workspace
	online  *online.Online // nil when sync is off
	offErr  error          // why sync is off, when it was wanted
	win     fyne.Window
	log     *slog.Logger
	draft   *draftScreen                // the open draft, if any
	devices *deviceDialog               // the last "Your machines" dialog, for tests
	open    atomic.Pointer[app.Session] // its session, for the ticker's goroutine
	onHome  atomic.Bool                 // the drafts list is shown, for the ticker's goroutine
	homeUI  *home
	status  *statusBar
	screen  *fyne.Container // holds the current screen above the status bar
	ticker  *time.Ticker
	quit    chan struct{}  // closed with the window: ends the ticker's goroutine
	wg      sync.WaitGroup // goroutines started by the window (background)

	// do runs f on the UI goroutine: fyne.Do. Fyne's test driver runs
	// fyne.Do on the caller's goroutine instead, so tests put a lock here.
	do func(f func())

	refreshed func(*draftScreen) // handed to each draft screen; for tests
	dialogs   []*shownDialog     // our dialogs on screen, top last (dialogs.go)
}

// Options are the window's optional parts.
type Options struct {
	Logger *slog.Logger
	// Online keeps the drafts in sync while the window is open; without
	// it the window works offline and says so.
	Online *online.Online
	// OnlineErr says why sync is off although it was wanted (it could
	// not start); the window opens offline and says so.
	OnlineErr error
	// StatusEvery is how often the status bar is brought up to date
	// (default 1 s; negative: never by itself, for tests).
	StatusEvery time.Duration
}

// New builds the window for a workspace; Show (or the caller's
// ShowAndRun) puts it on screen. A first run asks for the profile before
// anything else, since every edit is attributed to it.
func New(a fyne.App, ws *app.Workspace, opts Options) *UI {
	loadTranslations()
	useAppTheme(a)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	u := &UI{fyne: a, ws: ws, online: opts.Online, offErr: opts.OnlineErr, log: log, win: a.NewWindow(lang.L("BPF Draft")), do: fyne.Do}
	u.win.Resize(fyne.NewSize(1100, 720))
	if a.Icon() == nil {
		a.SetIcon(Icon) // what the desktop shows for the app and its windows
	}
	u.win.SetIcon(Icon)
	u.status = newStatusBar(u)
	u.screen = container.NewStack()
	u.win.SetContent(container.NewBorder(nil, u.status.content, nil, nil, u.screen))
	u.win.SetOnClosed(u.closed)
	u.win.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) { u.dialogKey(k) })
	u.dialogShortcuts()
	if _, ok, err := ws.Profile(context.Background()); err == nil && ok {
		u.ShowHome()
	} else {
		u.showProfile(true)
	}
	u.status.update()
	if r := ws.Rollback(); r != nil {
		u.showError(explained{fmt.Errorf(lang.L("%d edit(s) saved on this machine up to %s are missing from its data file (its write-ahead log was damaged or lost, or the file was restored from an older copy). What co-authors or a relay received comes back with the next sync."),
			r.Missing, r.Since.Local().Format("2006-01-02 15:04"))})
	}
	if u.offErr != nil {
		u.showError(explained{fmt.Errorf(lang.L("Sync could not start, so this window works offline: %w. Your edits are saved on this machine; restart BPF Draft to try again."), u.offErr)})
	}
	every := opts.StatusEvery
	if every == 0 {
		every = time.Second
	}
	if every > 0 {
		u.ticker, u.quit = time.NewTicker(every), make(chan struct{})
		ticks, quit := u.ticker.C, u.quit // closed() clears the fields
		u.background(func() {
			for {
				select {
				case <-quit:
					return
				case <-ticks:
					t := u.gatherTick() // reads the database: not on the UI goroutine
					u.do(func() { u.tick(t) })
				}
			}
		})
	}
	return u
}

// background runs f on a goroutine of its own that closing the window
// waits for. f must not wait for the window's goroutine (fyne.Do does
// not), or closing would wait forever.
func (u *UI) background(f func()) {
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		f()
	}()
}

// Window returns the main window.
func (u *UI) Window() fyne.Window { return u.win }

// show puts a screen above the status bar.
func (u *UI) show(o fyne.CanvasObject) {
	// The keyboard must not stay with a widget of the screen going away:
	// typing would go on into a field no one sees.
	u.win.Canvas().Unfocus()
	u.onHome.Store(u.homeUI != nil && o == u.homeUI.content)
	u.screen.Objects = []fyne.CanvasObject{o}
	u.screen.Refresh()
}

// content is the screen shown now.
func (u *UI) content() fyne.CanvasObject {
	if len(u.screen.Objects) == 0 {
		return nil
	}
	return u.screen.Objects[0]
}

// tick keeps the status bar and the drafts list current.
func (u *UI) tick(t tickData) {
	u.status.show(t.status)
	if t.listed && u.draft == nil && u.homeUI != nil && u.content() == u.homeUI.content {
		u.homeUI.reloadIfChanged(t.drafts, t.draftsErr)
	}
}

// tickData is what a tick shows, read on the ticker's goroutine.
type tickData struct {
	status    statusSnap
	listed    bool // the drafts list was shown: drafts is what it should list
	drafts    []app.DraftInfo
	draftsErr error
}

func (u *UI) gatherTick() tickData {
	t := tickData{status: u.gatherStatus(), listed: u.onHome.Load()}
	if t.listed {
		t.drafts, t.draftsErr = u.ws.Drafts(context.Background())
	}
	return t
}

// closed stops everything the window started and waits for it: after
// it, the workspace can close under nothing.
func (u *UI) closed() {
	if u.ticker != nil {
		u.ticker.Stop()
		close(u.quit)
		u.ticker = nil
	}
	u.closeDraft()
	u.wg.Wait()
}

// ShowHome shows the drafts list.
func (u *UI) ShowHome() {
	u.closeDraft()
	u.homeUI = newHome(u)
	u.show(u.homeUI.content)
	u.homeUI.reload()
	u.setMenu()
	u.status.update()
	// The list has the keyboard, as a file manager's does: the arrows
	// choose a draft and Enter opens it, without the mouse.
	if len(u.homeUI.drafts) > 0 && len(u.onScreen()) == 0 {
		u.win.Canvas().Focus(u.homeUI.list)
	}
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
	u.open.Store(d.session)
	u.show(d.content)
	if e := d.editors[d.openID]; e != nil {
		d.page.focus(e.area) // ready to type; on screen only now
	}
	u.setMenu()
	u.status.update()
}

func (u *UI) closeDraft() {
	if u.draft != nil {
		u.open.Store(nil)
		u.draft.close()
		u.draft = nil
	}
}

// showError explains a failure in words a participant can act on.
func (u *UI) showError(err error) {
	u.log.Warn("Action failed", "err", err)
	u.inform(lang.L("Something went wrong"), friendly(err).Error())
}

// explained is an error already put in the participant's words.
type explained struct{ error }

// friendly puts an error in the participant's language where its kind is
// known; the detail, from the layers below, stays as they wrote it.
func friendly(err error) error {
	var msg string
	var done explained
	switch {
	case errors.As(err, &done):
		return done.error
	case errors.Is(err, online.ErrBadAddr):
		msg = fmt.Sprintf(lang.L("That address cannot be dialed: %s. A co-author's address starts with /ip4/ or /ip6/ and ends with /p2p/ and their peer id."), err)
	case errors.Is(err, app.ErrBadInvite):
		msg = fmt.Sprintf(lang.L("This invite code cannot be used: %s"), strings.TrimPrefix(err.Error(), app.ErrBadInvite.Error()+": "))
	case errors.Is(err, app.ErrDiskFull):
		msg = fmt.Sprintf(lang.L("The disk is full, so this could not be saved. Free some space and try again; what was saved before is intact. (%s)"), err)
	case errors.Is(err, app.ErrForbidden):
		msg = lang.L("Only a co-facilitator or the rapporteur can do this. A co-facilitator can give you that role.")
	case errors.Is(err, app.ErrQuote):
		msg = fmt.Sprintf(lang.L("That passage cannot be commented on: %s"), err)
	case errors.Is(err, crdt.ErrInvalid):
		msg = fmt.Sprintf(lang.L("That did not work: %s"), err)
	case errors.Is(err, crdt.ErrRefused):
		msg = fmt.Sprintf(lang.L("These changes cannot be merged with this copy of the draft: %s. Nothing was changed. If this machine's data was restored from a backup, update BPF Draft and sync again."), err)
	case errors.Is(err, crdt.ErrCorrupt):
		msg = fmt.Sprintf(lang.L("The file or code could not be read: %s. Check that it is complete and try again."), err)
	default:
		msg = fmt.Sprintf(lang.L("Something went wrong: %s"), err)
	}
	return errors.New(msg)
}

// StartError builds the window shown instead of the main one when the
// data cannot be opened at all: someone who started BPF Draft from the
// desktop would otherwise see nothing. Closing it (or Quit) ends the app.
func StartError(a fyne.App, err error) fyne.Window {
	loadTranslations()
	w := a.NewWindow(lang.L("BPF Draft"))
	w.SetIcon(Icon)
	msg := widget.NewLabel(fmt.Sprintf(lang.L("BPF Draft could not open its data: %s"), err))
	msg.Wrapping = fyne.TextWrapWord
	help := widget.NewLabel(lang.L("Nothing on this machine has been changed or lost. Fix what the message names and start BPF Draft again."))
	help.Wrapping = fyne.TextWrapWord
	// In a scroll: wrapped labels would otherwise ask for a window taller
	// than the screen, pushing Quit out of sight.
	w.SetContent(container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), widget.NewButton(lang.L("Quit"), a.Quit)), nil, nil,
		container.NewVScroll(container.NewVBox(msg, help))))
	w.Resize(fyne.NewSize(560, 240))
	return w
}
