package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/online"
)

// statusBar is always at the bottom of the window: whether this machine
// is offline, connecting, syncing or in agreement with its peers, when it
// last agreed, and how many of the open draft's changes no peer has yet.
type statusBar struct {
	u        *UI
	label    *widget.Label
	progress *widget.ProgressBarInfinite
	received *widget.ProgressBar // a long transfer, in bytes
	syncNow  *widget.Button
	details  *widget.Button
	invite   *widget.Button
	content  fyne.CanvasObject
}

func newStatusBar(u *UI) *statusBar {
	b := &statusBar{u: u, label: widget.NewLabel(""), progress: widget.NewProgressBarInfinite()}
	// Wrapped, never cut: a sentence about one's edits must be read whole
	// (the bar grows a line in a narrow window).
	b.label.Wrapping = fyne.TextWrapWord
	b.progress.Hide()
	b.progress.Stop()
	b.received = widget.NewProgressBar()
	b.received.Hide()
	b.syncNow = widget.NewButton(lang.L("Sync now"), u.syncNow)
	b.details = widget.NewButton(lang.L("Sync details…"), u.showSyncDetails)
	b.invite = widget.NewButton(lang.L("Invite…"), func() {
		if u.draft != nil {
			u.draft.showInvite()
		}
	})
	right := container.NewHBox(container.NewGridWrap(fyne.NewSize(140, b.received.MinSize().Height), b.received), b.progress, b.invite, b.details, b.syncNow)
	b.content = container.NewBorder(widget.NewSeparator(), nil, nil, right, b.label)
	return b
}

// statusText says where sync stands in a sentence.
func statusText(st online.Status, on bool, offErr error) string {
	last := ""
	if !st.LastSync.IsZero() {
		last = fmt.Sprintf(lang.L(" · last sync %s"), st.LastSync.Local().Format(time.TimeOnly))
	}
	syncing := fmt.Sprintf(lang.N("Syncing with %d peers", st.Peers), st.Peers)
	switch {
	case !on && offErr != nil:
		return lang.L("Offline: sync could not start. Your edits are saved on this machine.")
	case !on:
		return lang.L("Offline: sync is off. Your edits are saved on this machine.")
	case st.Kicked:
		return lang.L("Syncing now: dialing every co-author and relay…") + last
	case st.Refused != "":
		return fmt.Sprintf(lang.L("Not synced: %s"), st.Refused) + last
	case st.State == online.Synced:
		return fmt.Sprintf(lang.N("Synced with %d peers", st.Peers), st.Peers) + last
	case st.State == online.Syncing && longTransfer(st):
		return syncing + " · " + fmt.Sprintf(lang.L("received %s of %s"), kilobytes(st.Received), kilobytes(st.Receiving)) + last
	case st.State == online.Syncing:
		return syncing + " · " + fmt.Sprintf(lang.N("%d changes to send", st.Pending), st.Pending) + last
	case st.State == online.Connecting:
		return fmt.Sprintf(lang.N("Connecting to %d peers…", st.Known), st.Known) + last
	default:
		return lang.L("Offline: no co-author or relay known yet. Join a draft or invite someone.") + last
	}
}

// saveProblemText says that edits are not on disk, and what to do.
func saveProblemText(err error) string {
	if errors.Is(err, app.ErrDiskFull) {
		return lang.L("⚠ Not saved: the disk is full. Free some space; your text is kept in this window and saved as soon as there is room.")
	}
	return fmt.Sprintf(lang.L("⚠ Not saved (%s). Your text is kept in this window and saved with your next edit."), err)
}

// longTransfer says whether data arriving now is worth a progress bar:
// on a slow link 16 KB take seconds.
func longTransfer(st online.Status) bool { return st.Receiving >= 16<<10 }

// kilobytes writes a byte count for people.
func kilobytes(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf(lang.L("%d KB"), (n+512)>>10)
	}
	return fmt.Sprintf(lang.L("%.1f MB"), float64(n)/(1<<20))
}

// update reads the status again and shows it.
//
// With a draft open this reads the database (what peers confirmed, the
// draft's invite), which may wait on another process's write lock: that
// is done on a goroutine of its own and shown through fyne.Do, never on
// the window's goroutine.
func (b *statusBar) update() {
	u := b.u
	if u.open.Load() == nil {
		b.show(u.gatherStatus()) // the network's state only: in memory
		return
	}
	u.background(func() {
		s := u.gatherStatus()
		u.do(func() { b.show(s) })
	})
}

// statusSnap is what the bar shows, gathered off the UI goroutine by the
// ticker (it reads the database) and shown on it.
type statusSnap struct {
	st      online.Status
	on      bool         // sync runs
	session *app.Session // the open draft's, if any
	waiting int          // its changes no peer has confirmed
	shared  bool         // it has an invite, made here or joined
	synced  bool         // some peer has confirmed some of it
	err     error
	saveErr error // why its last edits are not on disk yet
}

// gatherStatus reads the network's and the open draft's state. Safe on
// any goroutine.
func (u *UI) gatherStatus() statusSnap {
	s := statusSnap{on: u.online != nil, session: u.open.Load()}
	if s.on {
		id := ""
		if s.session != nil {
			id = s.session.ID()
		}
		s.st = u.online.Status(id)
	}
	if s.session != nil {
		ctx := context.Background()
		s.waiting, _, s.synced, s.err = s.session.Unsynced(ctx)
		secret, err := u.ws.DraftSecret(ctx, s.session.ID())
		s.shared, s.err = s.synced || secret != nil, errors.Join(s.err, err)
		s.saveErr = s.session.SaveProblem() // its owner tries again each second
	}
	return s
}

// show puts a status on the bar.
func (b *statusBar) show(s statusSnap) {
	u := b.u
	st, on := s.st, s.on
	text := statusText(st, on, u.offErr)
	if d := u.draft; d != nil {
		switch {
		case s.session != d.session || s.err != nil:
			// Gathered for another screen, or unreadable: the next tick says.
		case !s.shared:
			text += " · " + lang.L("this draft has not been shared yet")
		case !s.synced:
			text += " · " + lang.L("no co-author or relay has confirmed a copy yet")
		case s.waiting > 0:
			text += " · " + fmt.Sprintf(lang.N("%d changes waiting to go out", s.waiting), s.waiting)
		}
		if s.session == d.session && s.saveErr != nil {
			// Above everything else: work is at risk until this clears.
			text = saveProblemText(s.saveErr) + " · " + text
		}
		b.invite.Show()
	} else {
		b.invite.Hide()
	}
	b.label.SetText(text)
	// A long transfer has a measurable end: show how far it has got.
	// Otherwise a sync has no known length, and the bar only says that
	// something is under way.
	syncing := on && (st.State == online.Syncing && st.Refused == "" || st.Kicked)
	switch {
	case syncing && longTransfer(st):
		b.progress.Stop()
		b.progress.Hide()
		b.received.SetValue(float64(st.Received) / float64(st.Receiving))
		b.received.Show()
	case syncing:
		b.received.Hide()
		b.progress.Show()
		b.progress.Start()
	default:
		b.received.Hide()
		b.progress.Stop()
		b.progress.Hide()
	}
	if !on {
		b.syncNow.Disable()
		b.details.Disable()
	} else {
		b.syncNow.Enable()
		b.details.Enable()
	}
}

// syncNow dials every peer at once.
// showSyncDetails says what syncing costs on the link: a person on a
// metered connection pays for every byte the connections carry, not for
// the edits alone (issue 26).
func (u *UI) showSyncDetails() {
	if u.online == nil {
		return
	}
	text := widget.NewLabel(syncDetailsText(u.online.Link()))
	text.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(lang.L("Sync details"), lang.L("Close"), container.NewGridWrap(fyne.NewSize(420, text.MinSize().Height*4), text), u.win)
	u.present(d, nil)
}

// syncDetailsText is the details' text: the last sync's bytes on the
// link and today's.
func syncDetailsText(l online.LinkStatus) string {
	last := lang.L("No sync has ended since this window opened.")
	if !l.LastAt.IsZero() {
		last = fmt.Sprintf(lang.L("Last sync (ended %s): %s sent, %s received."), l.LastAt.Local().Format(time.TimeOnly),
			linkAmount(l.Last.Sent), linkAmount(l.Last.Received))
	}
	return lang.L("Bytes on the link: everything the connections carried, handshakes and encryption included, not only the edits.") + "\n\n" +
		last + "\n" + fmt.Sprintf(lang.L("Today, on this machine: %s sent, %s received."), linkAmount(l.Today.Sent), linkAmount(l.Today.Received))
}

// linkAmount writes a count of bytes on the link: exact while small.
func linkAmount(n int64) string {
	if n < 10_000 {
		return fmt.Sprintf(lang.L("%d B"), n)
	}
	return kilobytes(n)
}

func (u *UI) syncNow() {
	if u.online == nil {
		return
	}
	u.online.SyncNow()
	u.status.update()
}
