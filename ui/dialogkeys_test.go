package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
)

// driverTab sends Tab (Shift+Tab with shift) as Fyne's desktop driver
// does (glfw window.capturesTab): to the focused widget if it accepts
// Tab, otherwise as a move of the keyboard to the next (previous)
// widget. The test canvas handles no keys itself.
func driverTab(u *UI, shift bool) {
	c := u.win.Canvas()
	if f, ok := c.Focused().(fyne.Tabbable); ok && f.AcceptsTab() {
		c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyTab})
		return
	}
	if shift {
		c.FocusPrevious()
	} else {
		c.FocusNext()
	}
}

// driverShortcut sends a key with a modifier as the desktop driver does
// (glfw window.triggersShortcut): to the main menu's item with that
// shortcut if there is one, otherwise to the focused widget.
func driverShortcut(u *UI, sc fyne.Shortcut) {
	var walk func(items []*fyne.MenuItem) bool
	walk = func(items []*fyne.MenuItem) bool {
		for _, it := range items {
			if it.Shortcut != nil && it.Shortcut.ShortcutName() == sc.ShortcutName() {
				it.Action()
				return true
			}
			if it.ChildMenu != nil && walk(it.ChildMenu.Items) {
				return true
			}
		}
		return false
	}
	if m := u.win.MainMenu(); m != nil {
		for _, menu := range m.Items {
			if walk(menu.Items) {
				return
			}
		}
	}
	if s, ok := u.win.Canvas().Focused().(fyne.Shortcutable); ok {
		s.TypedShortcut(sc)
		return
	}
	if s, ok := u.win.Canvas().(fyne.Shortcutable); ok {
		s.TypedShortcut(sc) // the canvas's own shortcuts (AddShortcut)
	}
}

// ctrlEnter is Ctrl+Enter as the driver reports it on Linux and Windows.
var ctrlEnter = &desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierControl}

// focusedField returns the dialog field with the keyboard, or nil.
func focusedField(u *UI) *field {
	f, _ := u.win.Canvas().Focused().(*field)
	return f
}

// multiLineField returns the multi-line dialog field that has the
// keyboard, and stops the test if none has: what names the field
// expected.
func multiLineField(t *testing.T, u *UI, what string) *field {
	t.Helper()
	f := focusedField(u)
	if f == nil || !f.MultiLine {
		t.Fatalf("%s does not have the keyboard (%T has)", what, u.win.Canvas().Focused())
	}
	return f
}

// typeLines types lines where the keyboard is, pressing Return between
// them as a person would rather than typing "\n", so that the field's
// handling of Return is part of what is tested.
func typeLines(t *testing.T, u *UI, lines ...string) {
	t.Helper()
	for i, line := range lines {
		if i > 0 {
			press(u, fyne.KeyReturn)
		}
		typeHere(t, u, line)
	}
}

// TestCommentFromTheKeyboard replays issue 22, item 2: select a passage,
// Ctrl+Shift+M, type two lines; Tab and Shift+Tab move the keyboard
// instead of typing a tab, Ctrl+Enter submits, and the comment is stored
// without the whitespace at its ends. Replies the same.
func TestCommentFromTheKeyboard(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	e := d.editors[d.sections[0].ID]
	test.Type(e.area, "Norms hold where responders trust each other.")
	settleDraft(t, d)
	notes := loadedChan(func(f func()) { d.notes.loaded = f })

	e.selectRange(6, 10) // "hold"
	driverShortcut(u, shortcut(fyne.KeyM, ctrlShift))
	text := multiLineField(t, u, "the comment's field")
	typeLines(t, u, "Always?", "Where?")
	driverTab(u, false)
	if focusedField(u) == text {
		t.Error("Tab left the keyboard in the comment's field")
	}
	if strings.Contains(text.Text, "\t") {
		t.Errorf("Tab typed a tab: %q", text.Text)
	}
	driverTab(u, true)
	if focusedField(u) != text {
		t.Fatalf("Shift+Tab did not bring the keyboard back to the field (%T)", u.win.Canvas().Focused())
	}
	typeHere(t, u, " ")
	press(u, fyne.KeyReturn)
	if overlays(u) != 1 {
		t.Fatal("Enter closed the comment dialog: it adds a line in a multi-line field")
	}
	driverShortcut(u, ctrlEnter)
	if overlays(u) != 0 {
		t.Fatal("Ctrl+Enter did not submit the comment")
	}
	await(t, notes, "the comments")
	cs, err := settleDraft(t, d).Comments()
	if err != nil || len(cs) != 1 {
		t.Fatalf("%d comments stored (%v)", len(cs), err)
	}
	if cs[0].Text != "Always?\nWhere?" {
		t.Errorf("comment stored as %q, want %q", cs[0].Text, "Always?\nWhere?")
	}

	// A reply: Ctrl+Enter submits it, trimmed.
	test.Tap(rowButton(t, d.notes.list, 0, "Reply…"))
	if focusedField(u) == nil {
		t.Fatal("the reply's field does not have the keyboard")
	}
	typeHere(t, u, "\tWhere trust exists.")
	press(u, fyne.KeyReturn)
	driverShortcut(u, ctrlEnter)
	if overlays(u) != 0 {
		t.Fatal("Ctrl+Enter did not submit the reply")
	}
	await(t, notes, "the comments after replying")
	cs, _ = settleDraft(t, d).Comments()
	if len(cs[0].Replies) != 1 || cs[0].Replies[0].Text != "Where trust exists." {
		t.Errorf("replies stored: %+v", cs[0].Replies)
	}

	// The dialog's button trims too; an empty comment is not sent.
	e.selectRange(0, 5)
	d.commentOnSelection()
	typeHere(t, u, "   \n ")
	driverShortcut(u, ctrlEnter)
	if overlays(u) != 1 {
		t.Error("Ctrl+Enter closed a dialog with nothing written, throwing it away silently")
	}
	focusedField(u).SetText("Which norms? \n")
	test.Tap(button(t, u.win.Canvas().Overlays().Top(), "OK"))
	await(t, notes, "the comments after the second")
	cs, _ = settleDraft(t, d).Comments()
	if len(cs) != 2 || cs[0].Text != "Which norms?" && cs[1].Text != "Which norms?" {
		t.Errorf("comments stored: %+v", cs)
	}
}

// TestRespondFromTheKeyboard: the response to a public comment is
// submitted by Ctrl+Enter, Tab leaves its field, and it is stored
// trimmed.
func TestRespondFromTheKeyboard(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	withPublicComment(t, d)
	c, loaded := showPublicComments(t, d, "the public comment")
	test.Tap(rowButton(t, c.list, 0, "Respond…"))
	resp := multiLineField(t, u, "the response's field")
	typeHere(t, u, "It varies by country.")
	press(u, fyne.KeyReturn)
	driverTab(u, false)
	if focusedField(u) == resp || strings.Contains(resp.Text, "\t") {
		t.Errorf("Tab stayed in the response (%q)", resp.Text)
	}
	driverTab(u, true)
	if focusedField(u) != resp {
		t.Fatalf("Shift+Tab did not come back to the response (%T)", u.win.Canvas().Focused())
	}
	// From a button of the dialog too, as on a desktop.
	driverTab(u, false)
	if _, ok := u.win.Canvas().Focused().(*widget.Button); !ok {
		t.Fatalf("Tab from the response went to %T, not a button", u.win.Canvas().Focused())
	}
	driverShortcut(u, ctrlEnter)
	if overlays(u) != 0 {
		t.Fatal("Ctrl+Enter did not submit the response")
	}
	for c.comments[0].Response == nil {
		await(t, loaded, "the comments after responding")
	}
	if r := c.comments[0].Response; r.Text != "It varies by country." || r.Status != app.StatusAcceptedComment {
		t.Errorf("response stored as %q (%s)", r.Text, r.Status)
	}
}

// TestDetailsFromTheKeyboard: Tab goes from one multi-line field of the
// Details form to the next, Ctrl+Enter saves the form, and the texts are
// saved without the whitespace at their ends.
func TestDetailsFromTheKeyboard(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	driverShortcut(u, shortcut(fyne.KeyD, ctrl))
	if overlays(u) != 1 || focusedField(u) == nil {
		t.Fatal("Details did not open with the keyboard in its first field")
	}
	for range 3 { // title, theme, year
		driverTab(u, false)
	}
	cofac := multiLineField(t, u, "the co-facilitators, three Tabs from the title")
	typeLines(t, u, "Ana", "Ben")
	press(u, fyne.KeyReturn)
	driverTab(u, false)
	rapp := focusedField(u)
	if rapp == nil || rapp == cofac || strings.Contains(cofac.Text, "\t") {
		t.Fatalf("Tab in the co-facilitators: %q, keyboard in %T", cofac.Text, u.win.Canvas().Focused())
	}
	typeHere(t, u, "Chen ")
	driverTab(u, false)
	cover := focusedField(u)
	if cover == nil || cover == rapp {
		t.Fatalf("Tab in the rapporteur: keyboard in %T", u.win.Canvas().Focused())
	}
	typeHere(t, u, "Norms, in short. ")
	driverShortcut(u, ctrlEnter)
	if overlays(u) != 0 {
		t.Fatal("Ctrl+Enter did not save the details")
	}
	m := settleDraft(t, d).Meta()
	if m.CoFacilitators != "Ana\nBen" || m.Rapporteur != "Chen" || m.Cover != "Norms, in short." {
		t.Errorf("saved co-facilitators %q, rapporteur %q, cover %q", m.CoFacilitators, m.Rapporteur, m.Cover)
	}
}
