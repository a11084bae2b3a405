package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
)

// The main menu puts every action behind a keyboard shortcut. Menu
// shortcuts reach the window before the focused entry does, so they work
// while someone is typing. There is no Save: everything saves itself.

func shortcut(key fyne.KeyName, mod fyne.KeyModifier) fyne.Shortcut {
	return &desktop.CustomShortcut{KeyName: key, Modifier: mod}
}

const (
	ctrl      = fyne.KeyModifierShortcutDefault
	ctrlShift = fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift
)

func item(label string, sc fyne.Shortcut, f func()) *fyne.MenuItem {
	text := lang.L(label)
	if sc != nil {
		// Fyne leaves one padding between a label and its shortcut, which
		// the long French and Spanish labels touched: two em spaces more.
		text += shortcutGap
	}
	it := fyne.NewMenuItem(text, f)
	it.Shortcut = sc
	return it
}

// shortcutGap keeps a menu label off its shortcut.
const shortcutGap = "\u2003\u2003"

// quitItem closes the window, which saves and stops everything (closed)
// before the app ends. Marked as the quit item, Fyne adds no second one
// (and on macOS moves it to the application menu).
func quitItem(close func()) *fyne.MenuItem {
	it := item("Quit", shortcut(fyne.KeyQ, ctrl), close)
	it.IsQuit = true
	return it
}

// setMenu builds the menu for what the window shows: the draft menu
// only while a draft is open.
func (u *UI) setMenu() {
	file := fyne.NewMenu(lang.L("File"),
		item("New draft…", shortcut(fyne.KeyN, ctrl), func() { u.home().newDraft() }),
		item("Join by invite code…", shortcut(fyne.KeyJ, ctrl), func() { u.home().join() }),
		item("Import a file…", shortcut(fyne.KeyO, ctrl), func() { u.home().importFile() }),
		item("Drafts list", shortcut(fyne.KeyL, ctrl), u.ShowHome),
		item("Connect to a co-author…", shortcut(fyne.KeyK, ctrl), u.showNetwork),
		item("Sync now", shortcut(fyne.KeyR, ctrl), u.syncNow),
		item("Profile…", nil, func() { u.showProfile(false) }),
		item("Your machines…", nil, u.showDevices),
		fyne.NewMenuItemSeparator(),
		quitItem(u.win.Close),
	)
	menus := []*fyne.Menu{file}
	if d := u.draft; d != nil {
		export := d.exportMenu()
		export.Items[0].Shortcut = shortcut(fyne.KeyE, ctrl)
		exportItem := fyne.NewMenuItem(lang.L("Export"), nil)
		exportItem.ChildMenu = export
		// Before Quit and its separator, which stay last.
		file.Items = slices.Insert(file.Items, len(file.Items)-2, fyne.NewMenuItemSeparator(), exportItem)
		menus = append(menus,
			fyne.NewMenu(lang.L("Edit"),
				// The standard shortcuts (Ctrl+Z, Ctrl+Y): the menu takes them
				// before the entry, whose own history remote text would wipe.
				item("Undo", &fyne.ShortcutUndo{}, func() { d.inEditor((*sectionEditor).undo, &fyne.ShortcutUndo{}) }),
				item("Redo", &fyne.ShortcutRedo{}, func() { d.inEditor((*sectionEditor).redo, &fyne.ShortcutRedo{}) }),
				fyne.NewMenuItemSeparator(),
				item("Find…", shortcut(fyne.KeyF, ctrl), d.showFind),
				item("Find next", shortcut(fyne.KeyG, ctrl), func() {
					if d.findQuery != nil {
						d.findNext(d.findQuery.Text)
					}
				}),
				fyne.NewMenuItemSeparator(),
				item("Comment on the selection…", shortcut(fyne.KeyM, ctrlShift), d.commentOnSelection),
			),
			d.draftMenu())
	}
	u.win.SetMainMenu(fyne.NewMainMenu(menus...))
}

// draftMenu is the open draft's menu. Flat, it was taller than the
// window's first 720 pixels and its last items out of reach, so what
// changes the headings is a submenu (TestMenusFitTheWindow measures it).
func (d *draftScreen) draftMenu() *fyne.Menu {
	headings := fyne.NewMenuItem(lang.L("Headings"), nil)
	headings.ChildMenu = fyne.NewMenu("",
		item("Add a heading…", shortcut(fyne.KeyN, ctrlShift), d.addHeading),
		// Not F2: Fyne's desktop driver sends a key without a modifier
		// to the focused entry, never to the menu.
		item("Rename the heading…", shortcut(fyne.KeyR, ctrlShift), d.renameHeading),
		item("Move the heading up", shortcut(fyne.KeyUp, ctrlShift), func() { d.moveHeading(-1) }),
		item("Move the heading down", shortcut(fyne.KeyDown, ctrlShift), func() { d.moveHeading(+1) }),
		item("Remove the heading…", nil, d.removeHeading),
		item("Restore a heading…", nil, d.restoreHeading),
	)
	return fyne.NewMenu(lang.L("Draft"),
		item("Next section", shortcut(fyne.KeyPageDown, ctrl), func() { d.step(+1) }),
		item("Previous section", shortcut(fyne.KeyPageUp, ctrl), func() { d.step(-1) }),
		item("Go to the headings", shortcut(fyne.KeyH, ctrlShift), d.focusHeadings),
		headings,
		fyne.NewMenuItemSeparator(),
		item("Write", shortcut(fyne.Key1, ctrl), func() { d.tabs.SelectIndex(0) }),
		item("Contributions", shortcut(fyne.Key2, ctrl), func() { d.tabs.SelectIndex(1) }),
		item("Review", shortcut(fyne.Key3, ctrl), func() { d.tabs.SelectIndex(2) }),
		item("Colour by author", shortcut(fyne.KeyA, ctrlShift), func() { d.authors.SetChecked(!d.authors.Checked) }),
		fyne.NewMenuItemSeparator(),
		item("Invite co-authors…", shortcut(fyne.KeyI, ctrl), d.showInvite),
		item("Document details…", shortcut(fyne.KeyD, ctrl), d.showMeta),
		fyne.NewMenuItemSeparator(),
		item("Start next year's draft…", nil, d.nextYear),
		item("Delete this draft…", nil, func() { d.u.confirmDelete(d.session.ID(), d.session.Meta().Title) }),
	)
}

// home returns the drafts list's actions (new, join, import) without
// leaving the screen on show: their dialogs, cancelled, leave the person
// where they were.
func (u *UI) home() *home {
	if u.homeUI == nil {
		u.homeUI = newHome(u) // its actions only: the screen stays
	}
	return u.homeUI
}

// step moves to the next or previous section.
func (d *draftScreen) step(by int) {
	i := d.current + by
	if i < 0 || i >= len(d.sections) {
		return
	}
	d.tabs.SelectIndex(0)
	d.headings.Select(i)
}

// focusHeadings moves the keyboard to the headings list, which a
// multi-line editor would not let Tab leave: arrows move there, Space
// opens a heading, Tab goes on to the heading buttons.
func (d *draftScreen) focusHeadings() {
	d.tabs.SelectIndex(0)
	d.u.win.Canvas().Focus(d.headings)
}

// inEditor runs f on the open section's editor when the keyboard is in
// it. The menu takes its shortcuts before any widget does, so when the
// keyboard is elsewhere (the find field, a dialog's entry) the shortcut
// goes on to that widget instead of acting on a section out of sight.
func (d *draftScreen) inEditor(f func(*sectionEditor), sc fyne.Shortcut) {
	focused := d.u.win.Canvas().Focused()
	writing := d.tabs.SelectedIndex() == 0
	if e := d.editors[d.openID]; e != nil && writing && (focused == nil || focused == fyne.Focusable(e.area)) {
		f(e)
		return
	}
	if s, ok := focused.(fyne.Shortcutable); ok {
		s.TypedShortcut(sc)
	}
}
