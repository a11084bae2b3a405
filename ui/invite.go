package ui

import (
	"context"
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
	"github.com/skip2/go-qrcode"
)

// qrImage draws an invite code as a QR code, for a phone's camera or a
// screenshot passed along; medium error correction survives a blurry photo.
func qrImage(code string) (image.Image, error) {
	q, err := qrcode.New(code, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	return q.Image(256), nil
}

// showInvite shows the draft's invite: the code to copy (one line, no
// breaks, safe in any chat or mail) and the same as a QR code.
func (d *draftScreen) showInvite() {
	inv, err := d.u.ws.Invite(context.Background(), d.session.ID(), nil, nil)
	if err != nil {
		d.u.showError(err)
		return
	}
	code := inv.Code()
	if d.u.online != nil {
		d.u.online.Refresh()
	}
	text := widget.NewMultiLineEntry()
	text.SetText(code)
	text.Wrapping = fyne.TextWrapBreak
	text.Disable() // read-only; Copy still works
	copied := widget.NewLabel("")
	copyButton := widget.NewButton(lang.L("Copy the code"), func() {
		d.u.fyne.Clipboard().SetContent(code)
		copied.SetText(lang.L("Copied."))
	})
	intro := widget.NewLabel(lang.L("Send this code to a co-author. Anyone holding it can read and edit this draft, so share it only with participants."))
	intro.Wrapping = fyne.TextWrapWord
	parts := []fyne.CanvasObject{intro, text, container.NewHBox(copyButton, copied)}
	if img, err := qrImage(code); err == nil {
		qr := canvas.NewImageFromImage(img)
		qr.FillMode = canvas.ImageFillContain
		qr.SetMinSize(fyne.NewSize(220, 220))
		parts = append(parts, container.NewCenter(qr))
	}
	if len(inv.Relays) == 0 {
		note := widget.NewLabel(lang.L("The code names no relay: co-authors reach you on the same network, or directly by address. A relay lets them sync when you are offline (bpfdraft invite --relay)."))
		note.Wrapping = fyne.TextWrapWord
		parts = append(parts, note)
	}
	dlg := dialog.NewCustom(lang.L("Invite co-authors"), lang.L("Close"), container.NewVBox(parts...), d.u.win)
	dlg.Resize(fyne.NewSize(560, 600))
	dlg.Show()
	d.inviteCode = code
}
