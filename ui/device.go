package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// deviceDialog links machines to one person (app/device.go): on the
// machine that holds the person's key, a request code from the new one
// becomes a link code; on the new machine, a request code is shown and
// the link code taken. The person key never leaves its machine.
type deviceDialog struct {
	u       *UI
	dlg     dialog.Dialog
	request *field // a request code pasted here, to link
	link    *field // a link code pasted here, to accept
	shown   *fyne.Container
	status  *widget.Label
	code    string // the last code shown, for tests
}

func (u *UI) showDevices() {
	v := &deviceDialog{u: u, request: newField(), link: newField(), shown: container.NewVBox(), status: widget.NewLabel("")}
	v.status.Wrapping = fyne.TextWrapWord
	st := u.ws.Device()
	intro := widget.NewLabel(fmt.Sprintf(lang.L("Your key's fingerprint is %s. Co-authors see it beside your name: read it to them once, by phone or in person."), crdt.FormatFingerprint(st.Fingerprint)))
	intro.Wrapping = fyne.TextWrapWord
	v.request.SetPlaceHolder("BPFR1…")
	v.link.SetPlaceHolder("BPFL1…")
	linkButton := widget.NewButton(lang.L("Make a link code"), v.makeLink)
	askButton := widget.NewButton(lang.L("Ask to be linked"), v.ask)
	acceptButton := widget.NewButton(lang.L("Accept"), v.accept)
	first := widget.NewLabel(lang.L("To write as yourself on another machine: there, choose Ask to be linked, and paste its request code here."))
	first.Wrapping = fyne.TextWrapWord
	second := widget.NewLabel(lang.L("To make this machine write as you, where your key is on another machine: ask to be linked, make a link code there from this request, and paste it here."))
	second.Wrapping = fyne.TextWrapWord
	content := container.NewVBox(intro, widget.NewSeparator(),
		first, container.NewBorder(nil, nil, nil, linkButton, v.request),
		widget.NewSeparator(),
		second, askButton, container.NewBorder(nil, nil, nil, acceptButton, v.link),
		v.shown, v.status)
	if st.Linked {
		// A linked device cannot link others: the person key is not here.
		v.request.Disable()
		linkButton.Disable()
		first.SetText(lang.L("This machine is linked to your key on another machine: link further machines from that one."))
	}
	v.dlg = dialog.NewCustom(lang.L("Your machines"), lang.L("Close"), container.NewVScroll(content), u.win)
	v.dlg.Resize(fyne.NewSize(620, 640))
	v.request.OnSubmitted = func(string) { v.makeLink() }
	v.link.OnSubmitted = func(string) { v.accept() }
	// The field a code is typed into has the keyboard: the request's, or
	// on a linked machine (which cannot link others) the link's.
	fields := []fyne.CanvasObject{v.request, v.link}
	if st.Linked {
		fields = []fyne.CanvasObject{v.link, v.request}
	}
	if !u.present(v.dlg, v.dlg.Hide, fields...) {
		return
	}
	u.devices = v
}

// makeLink answers the request code typed in with a link code.
func (v *deviceDialog) makeLink() {
	code, err := v.u.ws.LinkDevice(v.request.Text)
	if err != nil {
		v.status.SetText(err.Error())
		return
	}
	v.status.SetText(lang.L("Take this link code to the new machine and paste it there."))
	v.showCode(code)
}

// ask shows this machine's request code.
func (v *deviceDialog) ask() {
	code, err := v.u.ws.RequestLink()
	if err != nil {
		v.status.SetText(err.Error())
		return
	}
	v.status.SetText(lang.L("On the machine that holds your key, open Your machines and paste this request code, then paste its link code below."))
	v.showCode(code)
}

// accept takes the link code typed in.
func (v *deviceDialog) accept() {
	fp, err := v.u.ws.AcceptLink(v.link.Text)
	if err != nil {
		v.status.SetText(err.Error())
		return
	}
	v.shown.Objects = nil
	v.shown.Refresh()
	v.status.SetText(fmt.Sprintf(lang.L("This machine now writes as %s, the fingerprint your other machine shows. Restart BPF Draft for it to take effect."), crdt.FormatFingerprint(fp)))
}

// showCode shows a code to pass on (codeView).
func (v *deviceDialog) showCode(code string) {
	v.code = code
	v.shown.Objects = v.u.codeView(code)
	v.shown.Refresh()
}
