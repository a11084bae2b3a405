package ui

import (
	"context"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
)

// fakeClock lets a test say when keystrokes are a burst and when a pause.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time        { return c.t }
func (c *fakeClock) pause(d time.Duration) { c.t = c.t.Add(d) }

func historyEditor(t *testing.T, text string) (*sectionEditor, *fakeClock) {
	t.Helper()
	_, s := openDraft(t)
	e := newTestEditor(t, s, text)
	c := &fakeClock{t: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	e.now = c.now
	return e, c
}

func TestUndoTakesBackOnlyMyEdits(t *testing.T) {
	e, clock := historyEditor(t, "")
	test.Type(e.area, "Hello world.")
	clock.pause(2 * time.Second)
	test.Type(e.area, " Second burst.")
	// A co-author writes before and after my text.
	remote(t, e.sub.Session(), e, 0, 0, "Intro. ")
	remote(t, e.sub.Session(), e, len([]rune(e.text())), 0, " Outro.")

	e.undo()
	if got, want := body(t, e.sub.Session(), e.id), "Intro. Hello world. Outro."; got != want || e.text() != want {
		t.Fatalf("after one undo the section holds %q (entry %q), want %q", got, e.text(), want)
	}
	if c := e.area.caret; c != len([]rune("Intro. Hello world.")) {
		t.Errorf("caret at %d after undo, want where the burst was", c)
	}
	e.undo()
	if got := body(t, e.sub.Session(), e.id); got != "Intro.  Outro." {
		t.Fatalf("after two undos: %q", got)
	}
	e.undo() // nothing more of mine
	if got := body(t, e.sub.Session(), e.id); got != "Intro.  Outro." {
		t.Fatalf("a third undo changed the text to %q", got)
	}
	e.redo()
	e.redo()
	if got, want := body(t, e.sub.Session(), e.id), "Intro. Hello world. Second burst. Outro."; got != want {
		t.Errorf("after redoing both: %q, want %q", got, want)
	}
	// Typing clears what could be redone.
	e.undo()
	test.Type(e.area, "!")
	e.redo()
	if got, want := body(t, e.sub.Session(), e.id), "Intro. Hello world.! Outro."; got != want {
		t.Errorf("redo after typing changed the text to %q", got)
	}
}

func TestUndoBackspaceAndDelete(t *testing.T) {
	e, clock := historyEditor(t, "Keep this. ")
	caretAt(e, 11)
	test.Type(e.area, "Typo")
	e.area.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	test.Type(e.area, "e")
	if e.text() != "Keep this. Type" {
		t.Fatalf("typed %q", e.text())
	}
	e.undo() // the burst, corrections included
	if got := body(t, e.sub.Session(), e.id); got != "Keep this. " {
		t.Errorf("after undoing the burst: %q", got)
	}
	clock.pause(2 * time.Second)
	caretAt(e, 4)
	e.area.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace}) // "Kee this. "
	clock.pause(2 * time.Second)
	e.area.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDelete}) // "Keethis. "
	e.undo()
	e.undo()
	if got := body(t, e.sub.Session(), e.id); got != "Keep this. " {
		t.Errorf("after undoing a backspace and a delete: %q", got)
	}
}

// TestUndoAfterACoAuthorEditedMyText forgets what can no longer be taken
// back cleanly instead of guessing.
func TestUndoAfterACoAuthorEditedMyText(t *testing.T) {
	e, clock := historyEditor(t, "")
	test.Type(e.area, "First. ")
	clock.pause(2 * time.Second)
	test.Type(e.area, "Second.")
	remote(t, e.sub.Session(), e, 9, 2, "C") // "First. SeCnd."
	e.undo()
	e.undo()
	if got := body(t, e.sub.Session(), e.id); got != "First. SeCnd." {
		t.Errorf("undo rewrote text a co-author had changed: %q", got)
	}
}

func TestUndoFromTheMenu(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	e := d.editors[d.openID]
	test.Type(e.area, "Words to take back.")
	menuItem(u, "Undo").Action()
	if got := settleDraft(t, d).Sections()[0].Body; got != "" {
		t.Errorf("after Undo: %q", got)
	}
	menuItem(u, "Redo").Action()
	if got := settleDraft(t, d).Sections()[0].Body; got != "Words to take back." {
		t.Errorf("after Redo: %q", got)
	}
	// With the keyboard in the find field, Ctrl+Z is the field's.
	d.showFind()
	test.Type(d.findQuery, "take")
	menuItem(u, "Undo").Action()
	if got := settleDraft(t, d).Sections()[0].Body; got != "Words to take back." {
		t.Errorf("Undo in the find field changed the section to %q", got)
	}
	if d.findQuery.Text != "" {
		t.Errorf("the find field still holds %q after its undo", d.findQuery.Text)
	}
	if err := d.session.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// typeRandomly makes one random keystroke at the caret, as a person
// would (after a pause, possibly somewhere else): a letter, Backspace or
// Delete. It records it in h and returns the new text; a key with nothing
// to delete does nothing.
func typeRandomly(rng *rand.Rand, h *history, text []rune, caret *int, now *time.Time, letters []rune) []rune {
	if rng.Intn(3) == 0 {
		*now = now.Add(2 * time.Second)
		*caret = rng.Intn(len(text) + 1)
	} else {
		*now = now.Add(100 * time.Millisecond)
	}
	var pos, del int
	var ins []rune
	switch rng.Intn(3) {
	case 0: // type
		pos, ins = *caret, []rune{letters[rng.Intn(len(letters))]}
	case 1: // backspace
		if *caret == 0 {
			return text
		}
		pos, del = *caret-1, 1
	default: // forward delete
		if *caret == len(text) {
			return text
		}
		pos, del = *caret, 1
	}
	removed := slices.Clone(text[pos : pos+del])
	text = slices.Concat(text[:pos], ins, text[pos+del:])
	*caret = pos + len(ins)
	h.typed(pos, removed, ins, *now)
	return text
}

// TestHistoryUndoesEverything makes random edits, some in bursts, then
// undoes them all (back to the start) and redoes them all (back to the
// end): with no co-author involved, nothing may be lost or misplaced.
func TestHistoryUndoesEverything(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	letters := []rune("abc \n")
	for round := 0; round < 300; round++ {
		text := []rune("start text")
		orig := string(text)
		var h history
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		caret := len(text)
		var front, back []rune // what co-authors added at either end
		for k := 0; k < 1+rng.Intn(12); k++ {
			if rng.Intn(5) == 0 {
				// A co-author adds a digit at the start or the end: it
				// touches no step, so nothing may be forgotten.
				d := rune('0' + k%10)
				at := 0
				if rng.Intn(2) == 0 {
					at = len(text)
					back = append(back, d)
				} else {
					front = append([]rune{d}, front...)
				}
				text = slices.Insert(text, at, d)
				if caret >= at && at == 0 {
					caret++
				}
				h.remote(at, 0, 1)
				continue
			}
			text = typeRandomly(rng, &h, text, &caret, &now, letters)
		}
		final := string(text)
		apply := func(from, to *[]step) bool {
			s, ok := h.takeBack(from, to, text)
			if ok {
				text = s.apply(text)
			}
			return ok
		}
		for apply(&h.undo, &h.redo) {
		}
		// Without the co-authors' digits, the text is as it started; the
		// digits are all there. (Their order may differ where the person
		// deleted a digit and a co-author wrote at the same spot: which
		// goes first is a choice.)
		digits := func(r rune) bool { return r >= '0' && r <= '9' }
		mine := slices.DeleteFunc(slices.Clone(text), digits)
		theirs := slices.Sorted(slices.Values(slices.DeleteFunc(slices.Clone(text), func(r rune) bool { return !digits(r) })))
		added := slices.Sorted(slices.Values(slices.Concat(front, back)))
		if string(mine) != orig || string(theirs) != string(added) {
			t.Fatalf("round %d: undoing everything gave %q; want %q with %q added by co-authors", round, string(text), orig, string(front)+string(back))
		}
		for apply(&h.redo, &h.undo) {
		}
		if string(text) != final {
			t.Fatalf("round %d: redoing everything gave %q, want %q", round, string(text), final)
		}
	}
}

// TestPastedLineEndsAcrossSections: after a paste with Windows line ends,
// going to another section and back shows the cleaned text, not a stale
// copy with the \r, and undo does not bring the \r back.
func TestPastedLineEndsAcrossSections(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	e := d.editors[d.openID]
	clip := fyne.CurrentApp().Clipboard()
	clip.SetContent("one\r\ntwo")
	e.area.TypedShortcut(&fyne.ShortcutPaste{Clipboard: clip})
	d.showSection(1)
	d.showSection(0)
	if strings.ContainsRune(e.text(), '\r') || strings.ContainsRune(d.sections[0].Body, '\r') {
		t.Errorf("entry %q, cached %q, session %q", e.text(), d.sections[0].Body, settleDraft(t, d).Sections()[0].Body)
	}
	test.Type(e.area, "!")
	if got := settleDraft(t, d).Sections()[0].Body; got != e.text() {
		t.Errorf("session %q, entry %q", got, e.text())
	}
	e.undo()
	e.undo()
	if got := settleDraft(t, d).Sections()[0].Body; strings.ContainsRune(got, '\r') || got != "" {
		t.Errorf("after undoing the paste and the typing: %q", got)
	}
}

// TestUndoRacesAMerge undoes while a co-author's edit inside the step
// has reached the session but not the entry: their text stays.
func TestUndoRacesAMerge(t *testing.T) {
	e, _ := historyEditor(t, "")
	test.Type(e.area, "Hello")
	settle(t, e) // the draft holds "Hello"
	// co-author's "X" inside my word, not shown yet
	if err := e.sub.Session().Splice(context.Background(), e.id, 2, 0, "X"); err != nil {
		t.Fatal(err)
	}
	e.undo()
	if got := body(t, e.sub.Session(), e.id); !strings.Contains(got, "X") {
		t.Errorf("undo deleted the co-author's text: section %q, entry %q", got, e.text())
	}
}

// TestUndoTypingOverSelections types and pastes (emoji) over selections,
// then undoes and redoes.
func TestUndoTypingOverSelections(t *testing.T) {
	e, clock := historyEditor(t, "one two three")
	e.selectRange(4, 7)
	test.Type(e.area, "2")
	clock.pause(2 * time.Second)
	e.selectRange(6, 11)
	clip := fyne.CurrentApp().Clipboard()
	clip.SetContent("3️⃣🌍")
	e.area.TypedShortcut(&fyne.ShortcutPaste{Clipboard: clip})
	test.Type(e.area, "é")
	e.area.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	e.area.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	if got := body(t, e.sub.Session(), e.id); got != e.text() {
		t.Fatalf("session %q entry %q", got, e.text())
	}
	e.undo()
	if got := body(t, e.sub.Session(), e.id); got != "one 2 three" {
		t.Errorf("after one undo %q", got)
	}
	e.undo()
	if got := body(t, e.sub.Session(), e.id); got != "one two three" {
		t.Errorf("after two undos %q", got)
	}
	e.redo()
	e.redo()
	if got := body(t, e.sub.Session(), e.id); got != "one 2 3️⃣" {
		t.Errorf("after redo %q", got)
	}
}

// TestRedoAfterACoAuthorWroteThere redoes typing where a co-author wrote
// after the undo: both texts are kept.
func TestRedoAfterACoAuthorWroteThere(t *testing.T) {
	e, _ := historyEditor(t, "A. ")
	caretAt(e, 3)
	test.Type(e.area, "mine")
	e.undo()
	remote(t, e.sub.Session(), e, 3, 0, "theirs")
	e.redo()
	if got := body(t, e.sub.Session(), e.id); got != e.text() || !strings.Contains(got, "mine") || !strings.Contains(got, "theirs") {
		t.Errorf("section %q entry %q", got, e.text())
	}
}

// TestEntryMenuUndoesMyEdits opens the section's right-click menu after a
// co-author's edit: its Undo is the editor's, which takes back only the
// person's typing; and Ctrl+Z reaching the entry itself does the same.
func TestEntryMenuUndoesMyEdits(t *testing.T) {
	e, clock := historyEditor(t, "")
	test.Type(e.area, "Mine.")
	remote(t, e.sub.Session(), e, 0, 0, "Theirs. ")
	test.TapSecondary(e.area)
	c := fyne.CurrentApp().Driver().CanvasForObject(e.area)
	menu := c.Overlays().Top()
	if menu == nil {
		t.Fatal("no menu")
	}
	var labels []string
	find(menu, func(l *canvas.Text) bool { labels = append(labels, l.Text); return false })
	if !slices.Contains(labels, "Undo") || slices.Contains(labels, "Redo") || !slices.Contains(labels, "Paste") {
		t.Fatalf("the menu offers %v", labels)
	}
	c.Overlays().Remove(menu)
	e.area.TypedShortcut(&fyne.ShortcutUndo{})
	if got := body(t, e.sub.Session(), e.id); got != "Theirs. " {
		t.Errorf("after Ctrl+Z in the entry: %q", got)
	}
	clock.pause(time.Second)
	e.area.TypedShortcut(&fyne.ShortcutRedo{})
	if got := body(t, e.sub.Session(), e.id); got != "Theirs. Mine." {
		t.Errorf("after Ctrl+Y in the entry: %q", got)
	}
}

// TestUndoAfterAnAmbiguousRemoteEdit: the person types "a" after "xa"
// and a co-author deletes the first "a". The texts alone cannot say which
// "a" went; the history keeps the person's step.
func TestUndoAfterAnAmbiguousRemoteEdit(t *testing.T) {
	e, clock := historyEditor(t, "xa")
	caretAt(e, 2)
	test.Type(e.area, "a")
	clock.pause(2 * time.Second)
	remote(t, e.sub.Session(), e, 1, 1, "")
	if len(e.hist.undo) != 1 {
		t.Fatalf("the person's step was forgotten")
	}
	e.undo()
	if got := body(t, e.sub.Session(), e.id); got != "x" {
		t.Errorf("after undo: %q", got)
	}
}

// TestHistoryKeepsCoAuthorsText: co-authors splice anywhere (typing
// capitals, each once, and deleting anything) between the person's
// edits. Every step the history keeps can be undone, undoing never takes
// away a co-author's capital, and redoing everything gives the text back.
func TestHistoryKeepsCoAuthorsText(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for round := 0; round < 5000; round++ {
		text := []rune("start text")
		var h history
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		caret := len(text)
		letter := 'A'
		var log []string
		for k := 0; k < 1+rng.Intn(10); k++ {
			if rng.Intn(4) == 0 {
				pos := rng.Intn(len(text) + 1)
				del := 0
				if rng.Intn(2) == 0 && pos < len(text) {
					del = 1 + rng.Intn(min(3, len(text)-pos))
				}
				var ins []rune
				if rng.Intn(3) > 0 || del == 0 {
					ins = []rune{letter}
					letter++
				}
				text = slices.Concat(text[:pos], ins, text[pos+del:])
				if caret > pos {
					caret = max(pos, caret-del) + len(ins)
				}
				h.remote(pos, del, len(ins))
				log = append(log, "remote "+string(text))
				continue
			}
			text = typeRandomly(rng, &h, text, &caret, &now, []rune("abc"))
			log = append(log, "typed "+string(text))
		}
		caps := func(s []rune) []rune {
			return slices.Sorted(slices.Values(slices.DeleteFunc(slices.Clone(s), func(r rune) bool { return r < 'A' || r > 'Z' })))
		}
		before := caps(text)
		final := string(text)
		n := len(h.undo)
		for i := 0; i < n; i++ {
			s, ok := h.takeBack(&h.undo, &h.redo, text)
			if !ok {
				t.Fatalf("round %d: undo %d of %d failed; %q", round, i, n, log)
			}
			text = s.apply(text)
		}
		after := caps(text)
		for _, c := range before {
			if !slices.Contains(after, c) {
				t.Fatalf("round %d: undo removed co-author's %c: %q -> %q; %q", round, c, final, string(text), log)
			}
		}
		for i := 0; i < n; i++ {
			s, ok := h.takeBack(&h.redo, &h.undo, text)
			if !ok {
				t.Fatalf("round %d: redo failed", round)
			}
			text = s.apply(text)
		}
		if string(text) != final {
			t.Fatalf("round %d: redo gave %q want %q", round, string(text), final)
		}
	}
}
