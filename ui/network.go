package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// showNetwork shows this machine's addresses, for a co-author to connect
// to directly, and takes a co-author's address: the way to sync with no
// relay and no shared local network.
func (u *UI) showNetwork() {
	if u.online == nil {
		u.inform(lang.L("Connect to a co-author"), lang.L("Sync is off in this window (it was started with --offline)."))
		return
	}
	mine := widget.NewMultiLineEntry()
	mine.SetText(strings.Join(u.online.Addrs(), "\n"))
	mine.Wrapping = fyne.TextWrapBreak
	mine.Disable()
	copyMine := widget.NewButton(lang.L("Copy my addresses"), func() {
		u.fyne.Clipboard().SetContent(mine.Text)
	})
	theirs := newField()
	theirs.SetPlaceHolder("/ip4/…/tcp/…/p2p/12D3Koo…")
	intro := widget.NewLabel(lang.L("Co-authors on the same network are found by themselves. Otherwise, one of you gives the other an address below."))
	intro.Wrapping = fyne.TextWrapWord
	content := container.NewVBox(intro,
		widget.NewLabel(lang.L("Your addresses")), mine, copyMine,
		widget.NewLabel(lang.L("A co-author's address")), theirs)
	dlg := dialog.NewCustomConfirm(lang.L("Connect to a co-author"), lang.L("Connect"), lang.L("Close"), content, func(ok bool) {
		if ok {
			u.connectTo(theirs.Text)
		}
	}, u.win)
	dlg.Resize(fyne.NewSize(640, 420))
	u.present(dlg, dlg.Confirm, theirs)
}

func (u *UI) connectTo(addr string) {
	if err := u.online.AddPeer(strings.TrimSpace(addr)); err != nil {
		u.showError(err)
		return
	}
	u.status.update()
}
