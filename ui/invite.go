package ui

import (
	"context"
	"errors"
	"image"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
	"github.com/skip2/go-qrcode"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/online"
)

// qrImage draws an invite code as a QR code, for a phone's camera or a
// screenshot passed along; medium error correction survives a blurry photo.
func qrImage(code string) (image.Image, error) {
	q, err := qrcode.New(code, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	// Whole pixels per module: a fixed 256-pixel image gave long codes
	// fractional modules, which a reader could fail to find.
	return q.Image(-4), nil
}

// inviteDialog shows the draft's invite: the code to copy (one line, no
// breaks, safe in any chat or mail) and the same as a QR code; a relay
// can be added (the relay is given the draft's secret first, so that it
// serves the draft to co-authors while this machine is off), and the
// code can be replaced by a new one that revokes it.
type inviteDialog struct {
	d       *draftScreen
	dlg     dialog.Dialog
	body    *fyne.Container
	relay   *field
	status  *widget.Label
	buttons []*widget.Button // off while a registration runs
	inv     app.Invite
}

func (d *draftScreen) showInvite() {
	inv, err := d.u.ws.Invite(context.Background(), d.session.ID(), nil, nil)
	if err != nil {
		d.u.showError(err)
		return
	}
	if d.u.online != nil {
		d.u.online.Refresh()
	}
	v := &inviteDialog{d: d, body: container.NewVBox(), status: widget.NewLabel("")}
	v.status.Wrapping = fyne.TextWrapWord
	v.relay = newField()
	v.relay.SetPlaceHolder("/ip4/203.0.113.7/tcp/4001/p2p/12D3KooW…")
	add := widget.NewButton(lang.L("Add this relay"), v.addRelay)
	rotate := widget.NewButton(lang.L("New code, revoking this one…"), v.confirmRotate)
	v.buttons = []*widget.Button{add, rotate}
	relayRow := container.NewBorder(nil, nil, widget.NewLabel(lang.L("Relay")), add, v.relay)
	content := container.NewVBox(v.body, widget.NewSeparator(), relayRow, rotate, v.status)
	v.dlg = dialog.NewCustom(lang.L("Invite co-authors"), lang.L("Close"), container.NewVScroll(content), d.u.win)
	v.show(inv)
	v.dlg.Resize(fyne.NewSize(600, 680))
	if !d.u.present(v.dlg, v.dlg.Hide) {
		return
	}
	v.relay.OnSubmitted = func(string) { v.addRelay() }
	v.relay.escape = v.dlg.Hide
	d.invite = v
}

// show puts an invite's code, QR code and relays in the dialog.
func (v *inviteDialog) show(inv app.Invite) {
	v.inv = inv
	code := inv.Code()
	v.d.inviteCode = code
	intro := widget.NewLabel(lang.L("Send this code to a co-author. Anyone holding it can read and edit this draft, so share it only with participants."))
	intro.Wrapping = fyne.TextWrapWord
	parts := append([]fyne.CanvasObject{intro}, v.d.u.codeView(code)...)
	if len(inv.Relays) == 0 {
		note := widget.NewLabel(lang.L("The code names no relay: co-authors reach you on the same network, or directly by address. A relay lets them sync when you are offline: add its address below."))
		note.Wrapping = fyne.TextWrapWord
		parts = append(parts, note)
	} else {
		// Addresses have no spaces: they wrap anywhere.
		addrs := widget.NewLabel(lang.L("Relays:") + "\n" + strings.Join(inv.Relays, "\n"))
		addrs.Wrapping = fyne.TextWrapBreak
		parts = append(parts, addrs)
	}
	v.body.Objects = parts
	v.body.Refresh()
}

// codeView shows a code to pass on: read-only text (Copy still works), a
// button that copies it, and its QR code.
func (u *UI) codeView(code string) []fyne.CanvasObject {
	text := widget.NewMultiLineEntry()
	text.SetText(code)
	text.Wrapping = fyne.TextWrapBreak
	text.Disable()
	copied := widget.NewLabel("")
	copyButton := widget.NewButton(lang.L("Copy the code"), func() {
		u.fyne.Clipboard().SetContent(code)
		copied.SetText(lang.L("Copied."))
	})
	objs := []fyne.CanvasObject{text, container.NewHBox(copyButton, copied)}
	if img, err := qrImage(code); err == nil {
		qr := canvas.NewImageFromImage(img)
		qr.FillMode = canvas.ImageFillContain
		b := img.Bounds() // shown at its own size, each module sharp
		qr.SetMinSize(fyne.NewSize(float32(b.Dx()), float32(b.Dy())))
		objs = append(objs, container.NewCenter(qr))
	}
	return objs
}

// addRelay registers the draft with the relay typed in, then shows the
// code that names it.
func (v *inviteDialog) addRelay() {
	addr := strings.TrimSpace(v.relay.Text)
	if err := online.CheckAddr(addr); err != nil {
		v.status.SetText(lang.L("That is not a relay address: it must end in /p2p/ and the relay's id, as bpfrelay prints it."))
		return
	}
	relays := slices.Clone(v.inv.Relays)
	if !slices.Contains(relays, addr) {
		relays = append(relays, addr)
	}
	v.run(lang.L("Registering the draft with the relay…"), relays, false)
}

// confirmRotate asks before replacing the code.
func (v *inviteDialog) confirmRotate() {
	v.d.u.confirmOver(lang.L("Revoke this code?"),
		lang.L("Co-authors holding the current code will no longer receive new changes, and what they already have stays with them. Send the new code to everyone who should keep access."),
		lang.L("Revoke"), func() { v.run(lang.L("Making a new code…"), nil, true) })
}

// run makes the invite off the window's goroutine (a relay may take a
// while to answer) and shows the result.
func (v *inviteDialog) run(doing string, relays []string, rotate bool) {
	u := v.d.u
	v.status.SetText(doing)
	for _, b := range v.buttons {
		b.Disable()
	}
	id := v.d.session.ID()
	u.background(func() {
		var inv app.Invite
		var err error
		if u.online != nil {
			inv, err = u.online.Invite(context.Background(), id, relays, rotate)
		} else {
			inv, err = online.Invite(context.Background(), u.ws, nil, id, relays, rotate)
		}
		u.do(func() {
			for _, b := range v.buttons {
				b.Enable()
			}
			var behind *online.RelaysBehind
			if err != nil && !errors.As(err, &behind) {
				if errors.Is(err, online.ErrNeedsNetwork) {
					err = errors.New(lang.L("Sync is off in this window (--offline), so no relay can be told: restart BPF Draft without --offline."))
				}
				v.status.SetText(err.Error())
				return
			}
			v.status.SetText(lang.L("Done: send this code to your co-authors."))
			if behind != nil {
				// The code is the draft's now; the relays named learn of
				// it at the next sync that reaches them.
				v.status.SetText(behind.Error())
			}
			v.relay.SetText("")
			v.show(inv)
			if v.d.invited != nil {
				v.d.invited(inv)
			}
		})
	})
}
