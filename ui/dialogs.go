package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// Dialogs behave as on a desktop: one at a time (a shortcut does not
// open a second over the first), the first field has the keyboard as soon
// as the dialog shows, Enter submits (a form only once it is valid) and
// Escape cancels. In a multi-line field Enter starts a line, so
// Ctrl+Enter submits there (and anywhere in a dialog), and Tab and
// Shift+Tab move between the fields and buttons: nobody means to type a
// tab into a comment. Fyne's dialogs handle no keys, so the window's key
// handler takes Enter and Escape when no widget has the keyboard, and the
// dialogs' fields are our own entries that pass them on. Messages (an
// error, a notice) may show over a dialog, since they answer it.

// shownDialog is a dialog on screen and what Enter does there.
type shownDialog struct {
	dlg     dialog.Dialog
	submit  func()            // nil: Enter does nothing
	overlay fyne.CanvasObject // the dialog on the canvas
}

// onScreen returns the dialogs still on screen, top last.
func (u *UI) onScreen() []*shownDialog {
	on := map[fyne.CanvasObject]bool{}
	for _, o := range u.win.Canvas().Overlays().List() {
		on[o] = true
	}
	kept := u.dialogs[:0]
	for _, d := range u.dialogs {
		if on[d.overlay] {
			kept = append(kept, d)
		}
	}
	u.dialogs = kept
	return kept
}

// present shows dlg unless another dialog is on screen, and reports
// whether it did. first gets the keyboard; fields pass on Enter (unless
// multi-line) and Escape.
func (u *UI) present(dlg dialog.Dialog, submit func(), fields ...fyne.CanvasObject) bool {
	if len(u.onScreen()) > 0 {
		return false
	}
	u.stack(dlg, submit, fields...)
	return true
}

// stack shows dlg over whatever is on screen.
func (u *UI) stack(dlg dialog.Dialog, submit func(), fields ...fyne.CanvasObject) {
	sd := &shownDialog{dlg: dlg, submit: submit}
	u.dialogs = append(u.dialogs, sd)
	dlg.SetOnClosed(func() {
		for i, o := range u.dialogs {
			if o == sd {
				u.dialogs = append(u.dialogs[:i], u.dialogs[i+1:]...)
				break
			}
		}
	})
	for _, f := range fields {
		if c, ok := f.(*choice); ok {
			c.escape, c.enter = dlg.Hide, submit
		}
		if e, ok := f.(*field); ok {
			e.escape, e.submit = dlg.Hide, submit
			if !e.MultiLine && e.OnSubmitted == nil && submit != nil {
				e.OnSubmitted = func(string) { submit() }
			}
			if e.MultiLine && e.enter != nil && submit != nil {
				e.enter = submit
			}
		}
	}
	dlg.Show()
	sd.overlay = u.win.Canvas().Overlays().Top()
	for _, f := range fields {
		if fo, ok := f.(fyne.Focusable); ok {
			u.win.Canvas().Focus(fo)
			break
		}
	}
}

// dialogKey handles Enter and Escape for the top dialog when no widget
// has the keyboard; it reports whether it did.
func (u *UI) dialogKey(k *fyne.KeyEvent) bool {
	shown := u.onScreen()
	if len(shown) == 0 {
		return false
	}
	top := shown[len(shown)-1]
	switch k.Name {
	case fyne.KeyEscape:
		top.dlg.Hide()
		return true
	case fyne.KeyReturn, fyne.KeyEnter:
		if top.submit != nil {
			top.submit()
		}
		return true
	}
	return false
}

// dialogShortcuts lets Ctrl+Enter submit the top dialog from a widget
// that takes no shortcuts (its buttons, a choice), as it does from a
// field: the driver gives such a shortcut to the window.
func (u *UI) dialogShortcuts() {
	for _, key := range []fyne.KeyName{fyne.KeyReturn, fyne.KeyEnter} {
		for _, mod := range []fyne.KeyModifier{fyne.KeyModifierControl, fyne.KeyModifierShortcutDefault} {
			u.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: key, Modifier: mod}, func(fyne.Shortcut) {
				if shown := u.onScreen(); len(shown) > 0 && shown[len(shown)-1].submit != nil {
					shown[len(shown)-1].submit()
				}
			})
		}
	}
}

// field is an entry in a dialog: Escape in it cancels the dialog and
// Ctrl+Enter submits it.
type field struct {
	widget.Entry
	escape func()
	enter  func() // set: Enter submits even a multi-line field (an invite code)
	submit func() // Ctrl+Enter; nil: nothing
}

func newField() *field {
	f := &field{}
	f.ExtendBaseWidget(f)
	return f
}

func newMultiField() *field {
	f := newField()
	f.MultiLine = true
	f.Wrapping = fyne.TextWrapWord
	return f
}

// TypedKey passes Escape to the dialog.
func (f *field) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && f.escape != nil {
		f.escape()
		return
	}
	if (k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter) && f.enter != nil {
		f.enter()
		return
	}
	f.Entry.TypedKey(k)
}

// edited returns the field's text to save: without the whitespace at its
// ends, or was itself while the field still shows it, so that a text
// left alone is not rewritten.
func (f *field) edited(was string) string {
	if f.Text == was {
		return was
	}
	return strings.TrimSpace(f.Text)
}

// AcceptsTab is false even for a multi-line field, so that the driver
// moves the keyboard on Tab (Shift+Tab back) instead of typing a tab.
func (f *field) AcceptsTab() bool { return false }

// TypedShortcut submits the dialog on Ctrl+Enter (Cmd+Enter on macOS),
// which Fyne's entry ignores.
func (f *field) TypedShortcut(s fyne.Shortcut) {
	if submitShortcut(s) && f.submit != nil {
		f.submit()
		return
	}
	f.Entry.TypedShortcut(s)
}

// submitShortcut reports whether s is Ctrl+Enter: the driver sends a key
// with Control (Command) as a shortcut, never as a typed key.
func submitShortcut(s fyne.Shortcut) bool {
	c, ok := s.(*desktop.CustomShortcut)
	if !ok || c.KeyName != fyne.KeyReturn && c.KeyName != fyne.KeyEnter {
		return false
	}
	return c.Modifier == fyne.KeyModifierControl || c.Modifier == fyne.KeyModifierShortcutDefault
}

// choice is a select in a dialog: Enter submits and Escape cancels the
// dialog, which Fyne's select would swallow while it has the keyboard.
type choice struct {
	widget.Select
	escape, enter func()
}

func newChoice(options []string) *choice {
	c := &choice{}
	c.Options = options
	c.ExtendBaseWidget(c)
	return c
}

// TypedKey passes Enter and Escape to the dialog.
func (c *choice) TypedKey(k *fyne.KeyEvent) {
	switch {
	case k.Name == fyne.KeyEscape && c.escape != nil:
		c.escape()
	case (k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter) && c.enter != nil:
		c.enter()
	default:
		c.Select.TypedKey(k)
	}
}

// message is a dialog's text: wrapped, at a width one reads at a glance.
func message(text string) fyne.CanvasObject {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// dialogWidth fits a sentence or two per line and a real title in a field.
const dialogWidth = 520

// confirm asks before doing something; yes names the action ("Delete").
// Fyne's confirmation puts an icon over long text, so this one has none.
func (u *UI) confirm(title, msg, yes string, done func()) {
	u.present(u.confirmation(title, msg, yes, done))
}

// confirmOver asks from within a dialog (a button of it), over it.
func (u *UI) confirmOver(title, msg, yes string, done func()) {
	u.stack(u.confirmation(title, msg, yes, done))
}

func (u *UI) confirmation(title, msg, yes string, done func()) (dialog.Dialog, func()) {
	var dlg *dialog.ConfirmDialog
	dlg = dialog.NewCustomConfirm(title, yes, lang.L("Cancel"), message(msg), func(ok bool) {
		if ok {
			done()
		}
	}, u.win)
	dlg.Resize(fyne.NewSize(dialogWidth, 0))
	return dlg, dlg.Confirm
}

// inform tells something; it may show over a dialog it answers.
func (u *UI) inform(title, msg string) {
	dlg := dialog.NewCustom(title, lang.L("OK"), message(msg), u.win)
	dlg.Resize(fyne.NewSize(dialogWidth, 0))
	u.stack(dlg, dlg.Hide)
}

// form shows a form dialog; the first item's widget gets the keyboard.
func (u *UI) form(title, confirm string, items []*widget.FormItem, done func(), width, height float32) bool {
	var dlg *dialog.FormDialog
	dlg = dialog.NewForm(title, confirm, lang.L("Cancel"), items, func(ok bool) {
		if ok {
			done()
		}
	}, u.win)
	dlg.Resize(fyne.NewSize(max(width, dialogWidth), height))
	fields := make([]fyne.CanvasObject, 0, len(items))
	for _, it := range items {
		fields = append(fields, it.Widget)
	}
	return u.present(dlg, dlg.Submit, fields...)
}

// fileChooser shows Fyne's file dialog with a title and a button of our
// own (Fyne's French reads "Ouverte Fichier"), one dialog at a time,
// Escape cancelling.
func (u *UI) fileChooser(fd *dialog.FileDialog, title, confirm string) {
	fd.SetTitleText(title)
	fd.SetConfirmText(confirm)
	fd.SetDismissText(lang.L("Cancel"))
	fd.Resize(fyne.NewSize(760, 520))
	u.present(fd, nil)
}
