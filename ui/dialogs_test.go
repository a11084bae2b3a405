package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/igf-bpf/bpfdraft/app"
)

// press sends a key as the desktop driver does: to the widget with the
// keyboard, or to the window when none has it.
func press(u *UI, key fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: key}
	if f := u.win.Canvas().Focused(); f != nil {
		f.TypedKey(ev)
		return
	}
	if h := u.win.Canvas().OnTypedKey(); h != nil {
		h(ev)
	}
}

// typeHere types where the keyboard is.
func typeHere(t *testing.T, u *UI, text string) {
	t.Helper()
	f := u.win.Canvas().Focused()
	if f == nil {
		t.Fatalf("nothing has the keyboard to type %q", text)
	}
	test.Type(f, text)
}

func overlays(u *UI) int { return len(u.win.Canvas().Overlays().List()) }

// TestDialogsBehaveLikeADesktop: the first field has the keyboard (Ctrl+N
// then typing fills the title), Enter submits a valid form and Escape
// cancels, from a field or from a dialog without one, and a shortcut
// does not open a dialog over another.
func TestDialogsBehaveLikeADesktop(t *testing.T) {
	u, ws, _ := newUI(t, app.Options{Poll: -1})
	withProfile(t, ws)
	u.ShowHome()

	// New draft: type the title at once, Enter creates it.
	menuItem(u, "New draft…").Action()
	press(u, fyne.KeyReturn) // an empty title: Enter does nothing
	if overlays(u) != 1 || u.draft != nil {
		t.Fatal("Enter submitted a form without a title")
	}
	typeHere(t, u, "Community networks 2026: meaningful access")
	press(u, fyne.KeyReturn)
	if u.draft == nil || overlays(u) != 0 {
		t.Fatalf("Enter did not create the draft (%d dialogs open)", overlays(u))
	}
	d := u.draft
	if got := d.session.Meta().Title; got != "Community networks 2026: meaningful access" {
		t.Errorf("title %q", got)
	}

	// Add a heading: typed, Enter adds it.
	n := len(d.sections)
	menuItem(u, "Add a heading…").Action()
	typeHere(t, u, "Case studies")
	press(u, fyne.KeyReturn)
	if secs := settleDraft(t, d).Sections(); len(secs) != n+1 {
		t.Fatalf("%d headings after Enter in Add a heading", len(secs))
	}

	// Escape in a field cancels: Rename keeps the name.
	menuItem(u, "Rename the heading…").Action()
	typeHere(t, u, " (renamed)")
	press(u, fyne.KeyEscape)
	if overlays(u) != 0 {
		t.Fatal("Escape left the rename dialog open")
	}
	if secs := settleDraft(t, d).Sections(); strings.Contains(secs[d.current].Heading, "renamed") {
		t.Error("Escape renamed the heading")
	}

	// Invite, then Details by its shortcut: still one dialog, the invite.
	menuItem(u, "Invite co-authors…").Action()
	if overlays(u) != 1 {
		t.Fatal("no invite dialog")
	}
	menuItem(u, "Document details…").Action()
	if overlays(u) != 1 || !strings.Contains(overlayText(t, u), "Send this code") {
		t.Fatalf("Details opened over Invite (%d dialogs)", overlays(u))
	}
	u.win.Canvas().Unfocus()
	press(u, fyne.KeyEscape)
	if overlays(u) != 0 {
		t.Fatal("Escape left the invite dialog open")
	}

	// A form whose first field is a choice: Escape there cancels, Enter
	// goes on (to the file chooser, which Escape closes too).
	d.showExport()
	if _, ok := u.win.Canvas().Focused().(*choice); !ok {
		t.Fatalf("the export form's format does not have the keyboard (%T)", u.win.Canvas().Focused())
	}
	press(u, fyne.KeyEscape)
	if overlays(u) != 0 {
		t.Fatal("Escape in a choice left the export form open")
	}
	d.showExport()
	press(u, fyne.KeyReturn)
	if overlays(u) != 1 || !strings.Contains(overlayText(t, u), "Where to save the export") {
		t.Fatalf("Enter in the export form did not go on to the file chooser (%d dialogs)", overlays(u))
	}
	u.win.Canvas().Unfocus()
	press(u, fyne.KeyEscape)
	if overlays(u) != 0 {
		t.Fatal("Escape left the file chooser open")
	}

	// A confirmation without fields: Escape cancels, Enter confirms.
	u.confirmDelete(d.session.ID(), "Community networks")
	press(u, fyne.KeyEscape)
	if ds, _ := ws.Drafts(context.Background()); overlays(u) != 0 || len(ds) != 1 {
		t.Fatal("Escape did not cancel the deletion")
	}
	u.confirmDelete(d.session.ID(), "Community networks")
	press(u, fyne.KeyReturn)
	if ds, _ := ws.Drafts(context.Background()); len(ds) != 0 {
		t.Fatal("Enter did not confirm the deletion")
	}
}

// TestMessagesDoNotHideTheirText: a confirmation and a notice have no
// icon over their text, and wrap it at a readable width.
func TestMessagesDoNotHideTheirText(t *testing.T) {
	u, ws, _ := newUI(t, app.Options{Poll: -1})
	withProfile(t, ws)
	u.ShowHome()
	long := strings.Repeat("A long sentence about what is going to happen to the draft. ", 6)
	u.confirm("Title", long, "Do it", func() {})
	top := u.win.Canvas().Overlays().Top()
	// Fyne's confirmation draws a large icon behind the top right of its
	// text; buttons have small ones.
	if img, ok := find(top, func(i *canvas.Image) bool { return i.Size().Height > 48 }); ok {
		t.Errorf("an icon of %v in the confirmation", img.Size())
	}
	if !strings.Contains(overlayText(t, u), long) {
		t.Error("the message is not shown whole")
	}
}

// TestNewDraftInFrench: the New draft dialog offers the headings'
// language, English first; a draft made in French reads in French on
// the page, hints included.
func TestNewDraftInFrench(t *testing.T) {
	u, ws, _ := newUI(t, app.Options{Poll: -1})
	withProfile(t, ws)
	u.ShowHome()
	menuItem(u, "New draft…").Action()
	typeHere(t, u, "BPF Genre et accès")
	top := u.win.Canvas().Overlays().Top()
	pick, ok := find(top, func(s *choice) bool { return len(s.Options) == 3 })
	if !ok || pick.Selected != "English" {
		t.Fatalf("no language choice, or not English first (%v)", pick)
	}
	pick.SetSelected("Français")
	press(u, fyne.KeyReturn)
	if u.draft == nil {
		t.Fatal("the draft was not created")
	}
	b := u.draft.page.blocks[0]
	if b.heading.Text != "1. Définition de la ou des questions" || !strings.HasPrefix(b.hint.String(), "Quel problème") {
		t.Errorf("the page begins with %q, %q", b.heading.Text, b.hint.String())
	}
}
