package ui

import (
	"bytes"
	"context"
	"errors"
	"go.uber.org/goleak"
	"image/png"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/export"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// find walks a canvas object tree for the first object f accepts.
func find[T fyne.CanvasObject](o fyne.CanvasObject, f func(T) bool) (T, bool) {
	if t, ok := o.(T); ok && f(t) {
		return t, true
	}
	var kids []fyne.CanvasObject
	switch c := o.(type) {
	case *fyne.Container:
		kids = c.Objects
	case fyne.Widget:
		kids = test.WidgetRenderer(c).Objects()
	}
	for _, k := range kids {
		if t, ok := find(k, f); ok {
			return t, true
		}
	}
	var zero T
	return zero, false
}

func button(t *testing.T, root fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	b, ok := find(root, func(b *widget.Button) bool { return b.Text == text })
	if !ok {
		t.Fatalf("no %q button", text)
	}
	return b
}

// uiMu stands in for Fyne's UI goroutine in tests: the test driver runs
// fyne.Do on the caller's goroutine, so background updates of several
// windows take this lock, and so does test code that touches widgets
// while updates may arrive.
var uiMu sync.Mutex

func locked(f func()) {
	uiMu.Lock()
	defer uiMu.Unlock()
	f()
}

// uiQueue holds what windows schedule with fyne.Do until the test runs
// it (runUI), as Fyne's event loop runs it between two of the person's
// actions. The test driver would run it at once on the scheduling
// goroutine, alongside the test's own keystrokes.
type uiQueue struct {
	mu sync.Mutex
	fs []func()
}

var uiq uiQueue

func (q *uiQueue) do(f func()) {
	q.mu.Lock()
	q.fs = append(q.fs, f)
	q.mu.Unlock()
}

// runUI runs what the windows scheduled, and what that scheduled, and
// returns how much ran. A ticker may schedule faster than a slow machine
// runs it, so it stops after a few rounds.
func runUI() int {
	n := 0
	for range 20 {
		uiq.mu.Lock()
		fs := uiq.fs
		uiq.fs = nil
		uiq.mu.Unlock()
		if len(fs) == 0 {
			return n
		}
		for _, f := range fs {
			locked(f)
		}
		n += len(fs)
	}
	return n
}

// await waits up to 20 s for a value on ch, running what the windows
// schedule meanwhile.
func await[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		runUI()
		select {
		case v := <-ch:
			return v
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// settle brings a draft screen and its draft into step: every edit its
// editors sent is applied and every event shown.
func settleDraft(t testing.TB, d *draftScreen) *app.Session {
	t.Helper()
	for range 10000 {
		d.session.Applied()
		d.u.wg.Wait() // changes made off the window's goroutine (no ticker runs in these tests)
		busy := false
		for id := range d.editors {
			busy = busy || d.sub.Pending(id)
		}
		if runUI() == 0 && !busy {
			return d.session
		}
		locked(d.pump)
	}
	t.Fatal("the screen and its draft never came into step")
	return nil
}

func newUI(t *testing.T, opts app.Options) (*UI, *app.Workspace, string) {
	t.Helper()
	a := test.NewTempApp(t)
	dir := t.TempDir()
	ws, err := app.Open(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	u := New(a, ws, Options{StatusEvery: -1})
	u.do = uiq.do
	t.Cleanup(func() {
		// A test may have closed it (Quit); the test driver panics on a
		// second close.
		if slices.Contains(a.Driver().AllWindows(), u.win) {
			u.win.Close()
		}
		ws.Close()
	})
	u.win.Resize(fyne.NewSize(1000, 700))
	return u, ws, dir
}

func TestFirstRunAsksForTheProfile(t *testing.T) {
	u, ws, _ := newUI(t, app.Options{Poll: -1})
	content := u.win.Content()
	name, ok := find(content, func(e *field) bool { return true })
	if !ok {
		t.Fatal("no name field on first run")
	}
	if !strings.Contains(labelText(content), "Before you start") {
		t.Error("the first run's form is not titled as one")
	}
	save := button(t, content, "Save")
	// Save stays off, and a sentence says what is missing, until the
	// form can be saved.
	steps := []struct {
		do      func()
		missing string
	}{
		{func() {}, "Write your name and choose your stakeholder group and your UN regional group."},
		{func() { test.Type(u.win.Canvas().Focused(), "Amina Diallo") }, "Choose your stakeholder group and your UN regional group."},
		{func() {
			s, _ := find(content, func(s *widget.Select) bool { return s.PlaceHolder == "Choose your stakeholder group" })
			s.SetSelected(groupLabel(crdt.CivilSociety))
		}, "Choose your UN regional group."},
		{func() {
			s, _ := find(content, func(s *widget.Select) bool { return s.PlaceHolder == "Choose your UN regional group" })
			s.SetSelected(regionLabel(crdt.African))
		}, ""},
	}
	for i, st := range steps {
		st.do()
		if save.Disabled() != (st.missing != "") || !strings.Contains(labelText(content), st.missing) {
			t.Fatalf("step %d: Save off %v, the form says %q; want %q", i, save.Disabled(), labelText(content), st.missing)
		}
	}
	if name.Text != "Amina Diallo" {
		t.Fatalf("the name field holds %q: it did not have the keyboard", name.Text)
	}
	test.Tap(save)
	p, ok, err := ws.Profile(context.Background())
	if err != nil || !ok || p.Name != "Amina Diallo" || p.Group != crdt.CivilSociety || p.Region != crdt.African {
		t.Fatalf("profile %+v (%v, %v)", p, ok, err)
	}
	if u.homeUI == nil || u.content() != u.homeUI.content {
		t.Error("home not shown after the profile")
	}
	// Later, the same form edits the profile, and says so.
	u.showProfile(false)
	if txt := labelText(u.content()); !strings.Contains(txt, "Edit your profile") || strings.Contains(txt, "Before you start") {
		t.Errorf("editing the profile reads %q", txt)
	}
}

// labelText gathers the visible labels' text under o.
func labelText(o fyne.CanvasObject) string {
	var b strings.Builder
	find(o, func(l *widget.Label) bool {
		if l.Visible() {
			b.WriteString(l.Text + "\n")
		}
		return false
	})
	return b.String()
}

func withProfile(t *testing.T, ws *app.Workspace) {
	t.Helper()
	if _, err := ws.SetProfile(context.Background(), app.Profile{Name: "Amina", Group: crdt.CivilSociety, Region: crdt.African}); err != nil {
		t.Fatal(err)
	}
}

func TestCreateOpenTypeDelete(t *testing.T) {
	u, ws, _ := newUI(t, app.Options{Poll: -1})
	withProfile(t, ws)
	u.ShowHome()
	test.Tap(button(t, u.win.Content(), "New draft…"))
	overlay := u.win.Canvas().Overlays().Top()
	if overlay == nil {
		t.Fatal("no new-draft dialog")
	}
	var fields []*field
	find(overlay, func(e *field) bool { fields = append(fields, e); return false })
	if len(fields) != 3 {
		t.Fatalf("%d fields in the new-draft form", len(fields))
	}
	if u.win.Canvas().Focused() != fyne.Focusable(fields[0]) {
		t.Error("the title field does not have the keyboard")
	}
	create := button(t, overlay, "Create")
	if !create.Disabled() {
		t.Error("Create is offered before a title is typed")
	}
	// A typo in the year keeps the form open with what was typed.
	test.Type(u.win.Canvas().Focused(), "Community networks") // where the keyboard is
	fields[1].SetText("Connectivity")
	fields[2].SetText("20x6")
	if !create.Disabled() {
		t.Error("Create is offered with the year 20x6")
	}
	fields[2].SetText("2026")
	if create.Disabled() {
		t.Fatal("Create stays off with a title and a year")
	}
	test.Tap(create)
	if u.draft == nil {
		t.Fatal("the new draft did not open")
	}
	if got := u.draft.session.Meta().Title; got != "Community networks" {
		t.Errorf("title %q", got)
	}
	// Type into the first section: the document changes.
	ed := u.draft.editors[u.draft.sections[0].ID]
	test.Type(ed.area, "We met in Kigali.")
	if got := settleDraft(t, u.draft).Sections()[0].Body; got != "We met in Kigali." {
		t.Errorf("section holds %q", got)
	}
	if got := fillLabel(settleDraft(t, u.draft).Sections()[0]); got != "4 words" {
		t.Errorf("fill label %q, want 4 words", got)
	}
	// Back home, delete with confirmation.
	test.Tap(button(t, u.win.Content(), "← Drafts"))
	if len(u.homeUI.drafts) != 1 {
		t.Fatalf("%d drafts listed", len(u.homeUI.drafts))
	}
	u.confirmDelete(u.homeUI.drafts[0].ID, u.homeUI.drafts[0].Title)
	test.Tap(button(t, u.win.Canvas().Overlays().Top(), "Cancel"))
	if ds, _ := ws.Drafts(context.Background()); len(ds) != 1 {
		t.Fatal("declining the confirmation deleted the draft")
	}
	u.confirmDelete(u.homeUI.drafts[0].ID, u.homeUI.drafts[0].Title)
	test.Tap(button(t, u.win.Canvas().Overlays().Top(), "Move to the trash"))
	if ds, _ := ws.Drafts(context.Background()); len(ds) != 0 || len(u.homeUI.drafts) != 0 {
		t.Fatal("the draft was not deleted")
	}
	if trash, _ := ws.Trash(context.Background()); len(trash) != 1 {
		t.Error("the deleted draft is not in the trash")
	}
}

// TestEditFromAnotherProcess writes with a second workspace on the same
// data dir, as `bpfdraft write` does: the open window shows it without
// losing the caret.
func TestEditFromAnotherProcess(t *testing.T) {
	u, ws, dir := newUI(t, app.Options{Poll: 20 * time.Millisecond})
	withProfile(t, ws)
	id, err := ws.Create(context.Background(), app.NewDraft{Template: crdt.TemplateOutput, Title: "T", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	// Both wrote at the start of the section: which insertion goes first
	// is a choice (here the person's own, as a caret stays before text
	// that lands on it). Either way the caret stays after the person's
	// words.
	want := []string{"Remote. local words", "local wordsRemote. "}
	caret := make(chan int, 1)
	u.refreshed = func(d *draftScreen) {
		if e := d.editors[d.sections[0].ID]; e != nil && slices.Contains(want, e.text()) {
			select {
			case caret <- e.area.caret - strings.Index(e.text(), "local words"):
			default:
			}
		}
	}
	u.OpenDraft(id)
	sec := u.draft.sections[0].ID
	test.Type(u.draft.editors[sec].area, "local words")

	other, err := app.Open(context.Background(), dir, app.Options{Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	s2, err := other.Session(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Splice(context.Background(), sec, 0, 0, "Remote. "); err != nil {
		t.Fatal(err)
	}
	if err := s2.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c := await(t, caret, "the other process's edit to reach the window"); c != len("local words") {
		t.Errorf("caret %d characters into the person's words, want right after them", c)
	}
}

// overlayText gathers the text of every label in the top overlay (a dialog).
func overlayText(t *testing.T, u *UI) string {
	t.Helper()
	top := u.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog shown")
	}
	var b strings.Builder
	find(top, func(l *widget.Label) bool { b.WriteString(l.Text + "\n"); return false })
	find(top, func(r *widget.RichText) bool { b.WriteString(r.String() + "\n"); return false })
	return b.String()
}

func TestJoinByInviteCode(t *testing.T) {
	u, ws, _ := newUI(t, app.Options{Poll: -1})
	withProfile(t, ws)
	u.ShowHome()
	u.homeUI.joinCode("BPF1-not-a-real-code")
	if msg := overlayText(t, u); !strings.Contains(msg, "invite code cannot be used") || !strings.Contains(msg, "copy") {
		t.Errorf("bad code explained as %q", msg)
	}
	u.win.Canvas().Overlays().Remove(u.win.Canvas().Overlays().Top())

	// A real code from another machine's draft: the draft waits for a sync.
	other, err := app.Open(context.Background(), t.TempDir(), app.Options{Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	withProfile(t, other)
	id, err := other.Create(context.Background(), app.NewDraft{Template: crdt.TemplateOutput, Title: "Theirs", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := other.Invite(context.Background(), id, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	u.homeUI.joinCode(inv.Code())
	if !u.homeUI.awaiting.Visible() || !strings.Contains(u.homeUI.awaiting.Text, id) {
		t.Errorf("joined draft not shown as waiting: %q", u.homeUI.awaiting.Text)
	}
}

func TestImportFile(t *testing.T) {
	u, ws, _ := newUI(t, app.Options{Poll: -1})
	withProfile(t, ws)
	u.ShowHome()
	u.homeUI.importData([]byte("this is not a draft"))
	if msg := overlayText(t, u); !strings.Contains(msg, "could not be read") {
		t.Errorf("garbage file explained as %q", msg)
	}
	other, err := app.Open(context.Background(), t.TempDir(), app.Options{Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	withProfile(t, other)
	id, err := other.Create(context.Background(), app.NewDraft{Template: crdt.TemplateProposal, Title: "Proposal 2027", Year: 2027})
	if err != nil {
		t.Fatal(err)
	}
	s, err := other.Session(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	data, err := s.Save(context.Background())
	s.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	u.homeUI.importData(data)
	if u.draft == nil || u.draft.session.Meta().Title != "Proposal 2027" {
		t.Fatal("the imported draft did not open")
	}
}

// openTestDraft shows a new output draft's screen.
func openTestDraft(t *testing.T) *UI {
	t.Helper()
	u, ws, _ := newUI(t, app.Options{Poll: -1})
	withProfile(t, ws)
	id, err := ws.Create(context.Background(), app.NewDraft{Template: crdt.TemplateOutput, Title: "Draft", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	u.OpenDraft(id)
	return u
}

// answer fills the top dialog's first entry and taps its button.
func answer(t *testing.T, u *UI, text, buttonText string) {
	t.Helper()
	top := u.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog")
	}
	e, ok := find(top, func(*field) bool { return true })
	if !ok {
		t.Fatal("no field in the dialog")
	}
	e.SetText(text)
	test.Tap(button(t, top, buttonText))
}

func TestHeadings(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	n := len(d.sections)
	first := d.sections[0].ID

	d.headings.Select(1)
	test.Tap(button(t, u.win.Content(), "Rename"))
	answer(t, u, "Regional perspectives", "OK")
	if got := settleDraft(t, d).Sections()[1].Heading; got != "Regional perspectives" {
		t.Errorf("renamed heading is %q", got)
	}
	if got := d.page.blocks[1].heading.Text; got != "2. Regional perspectives" {
		t.Errorf("the page shows %q", got)
	}

	test.Tap(button(t, u.win.Content(), "Add"))
	answer(t, u, "Case studies", "OK")
	secs := settleDraft(t, d).Sections()
	if len(secs) != n+1 || secs[2].Heading != "Case studies" || d.current != 2 {
		t.Fatalf("after adding: %d headings, third %q, selected %d", len(secs), secs[2].Heading, d.current)
	}

	d.headings.Select(0)
	test.Tap(button(t, u.win.Content(), "Down"))
	if secs := settleDraft(t, d).Sections(); secs[1].ID != first || d.current != 1 {
		t.Errorf("moving down: second heading %q, selected %d", secs[1].Heading, d.current)
	}

	test.Tap(button(t, u.win.Content(), "Remove"))
	test.Tap(button(t, u.win.Canvas().Overlays().Top(), "Remove"))
	if len(settleDraft(t, d).Sections()) != n || len(d.session.RemovedHeadings()) != 1 {
		t.Fatalf("after removing: %d headings, %d removed", len(settleDraft(t, d).Sections()), len(d.session.RemovedHeadings()))
	}
	test.Tap(button(t, u.win.Content(), "Restore…"))
	if _, ok := find(u.win.Canvas().Overlays().Top(), func(r *widget.RadioGroup) bool {
		return len(r.Options) == 1 && r.Options[0] == "1. Definition of the issue(s)"
	}); !ok {
		t.Error("the restore list does not show the whole heading")
	}
	test.Tap(button(t, u.win.Canvas().Overlays().Top(), "Restore"))
	if len(settleDraft(t, d).Sections()) != n+1 {
		t.Error("restore did not bring the heading back")
	}
}

// TestCoAuthorMovesTheOpenHeading changes the headings from elsewhere
// while one is open: it stays open where it went, and its removal is
// told.
func TestCoAuthorMovesTheOpenHeading(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	ctx := context.Background()
	d.headings.Select(1)
	open := d.sections[1]
	test.Type(d.editors[open.ID].area, "Mine.")
	// Elsewhere, the open heading moves to the top.
	if err := d.session.MoveHeading(ctx, open.ID, 1); err != nil {
		t.Fatal(err)
	}
	locked(d.refresh)
	if got := d.page.blocks[0].heading.Text; d.current != 0 || d.openID != open.ID || got != "1. "+open.Heading {
		t.Errorf("after the move: open %d (%q), the page begins with %q; want 0, %q", d.current, d.openID, got, open.Heading)
	}
	if sec, _ := d.selected(); sec.ID != open.ID {
		t.Errorf("Rename would act on %q", sec.Heading)
	}
	// Elsewhere, it is removed.
	if err := d.session.RemoveHeading(ctx, open.ID); err != nil {
		t.Fatal(err)
	}
	locked(d.refresh)
	if msg := overlayText(t, u); !strings.Contains(msg, "removed the heading “"+open.Heading+"”") {
		t.Errorf("the removal was told as %q", msg)
	}
	if d.openID == open.ID || d.openID != d.sections[0].ID {
		t.Errorf("the removed section is still open")
	}
	if len(d.page.blocks) != len(d.sections) || d.page.blocks[0].id != d.openID {
		t.Error("the page does not show the headings left")
	}
}

func TestDocumentDetails(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	ctx := context.Background()
	was := d.session.Meta()
	now := crdt.Meta{Title: "BPF Cybersecurity 2026", Theme: "Cybersecurity", Year: 2027, CoFacilitators: "Ana\nBen", Cover: "Norms, in short.", Dissemination: "ITU\nUNESCO"}
	if err := d.saveMeta(context.Background(), was, now); err != nil {
		t.Fatal(err)
	}
	m := d.session.Meta()
	if m.Title != now.Title || m.Theme != now.Theme || m.Year != 2027 || m.CoFacilitators != now.CoFacilitators || m.Cover != now.Cover || m.Dissemination != now.Dissemination {
		t.Errorf("meta %+v", m)
	}
	// A co-author rewrites the cover while the form is open; saving a
	// new title leaves their cover alone.
	was = d.session.Meta()
	if err := d.session.SetMetaText(ctx, crdt.FieldCover, "Their cover."); err != nil {
		t.Fatal(err)
	}
	edited := was
	edited.Title = "BPF Cybersecurity"
	if err := d.saveMeta(context.Background(), was, edited); err != nil {
		t.Fatal(err)
	}
	if m := d.session.Meta(); m.Cover != "Their cover." || m.Title != "BPF Cybersecurity" {
		t.Errorf("after saving the form: title %q, cover %q", m.Title, m.Cover)
	}
	for year, ok := range map[string]bool{"2026": true, " 2027 ": true, "next year": false, "20x6": false, "26": false, "": false} {
		if err := validYear(year); (err == nil) != ok {
			t.Errorf("year %q: %v", year, err)
		}
	}
	test.Tap(button(t, u.win.Content(), "Details…"))
	top := u.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no details form")
	}
	yearField, _ := find(top, func(e *field) bool { return e.Text == "2027" })
	yearField.SetText("two thousand")
	if !button(t, top, "Save").Disabled() {
		t.Error("Save is offered with a year in words")
	}
	yearField.SetText("2027")
	test.Tap(button(t, top, "Save"))
	settleDraft(t, d)
	if d.title.Text != "BPF Cybersecurity" {
		t.Errorf("title bar shows %q", d.title.Text)
	}
}

func TestContributionsPanel(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	// Typed key by key: one contribution, not a row per key.
	for _, r := range "First words." {
		test.Type(d.editors[d.sections[0].ID].area, string(r))
		settleDraft(t, d).Flush(context.Background())
	}
	d.headings.Select(1)
	test.Type(d.editors[d.sections[1].ID].area, "Second section.")
	if err := settleDraft(t, d).Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := d.session.Meta()
	if err := d.saveMeta(context.Background(), m, crdt.Meta{Title: m.Title, Theme: m.Theme, Year: m.Year, CoFacilitators: "Amina\nBruno"}); err != nil {
		t.Fatal(err)
	}
	d.tabs.SelectIndex(1)
	settleDraft(t, d) // the log is read off the window's goroutine
	c := d.contrib
	all := len(c.items)
	if all != 5 { // creation, profile, the two headings' text, the co-facilitators
		for _, it := range c.items {
			t.Log(describe(it))
		}
		t.Fatalf("%d contributions listed", all)
	}
	var lines []string
	for _, it := range c.items {
		lines = append(lines, describe(it)+" "+excerpt(it.Inserted))
	}
	text := strings.Join(lines, "\n")
	for _, want := range []string{"Amina (Civil society, African)", "12 changes  +12 −0 “First words.”", "+15 −0 “Second section.”", "edited the Co-facilitators"} {
		if !strings.Contains(text, want) {
			t.Errorf("the contributions lack %q:\n%s", want, text)
		}
	}
	c.heading.SetSelectedIndex(2) // the second heading
	settleDraft(t, d)
	if len(c.items) != 1 || c.items[0].SectionNo != 2 {
		t.Errorf("filtered by heading: %d items", len(c.items))
	}
	// A co-author moves that heading to the top: the filter stays on it.
	second := d.sections[1]
	if err := d.session.MoveHeading(context.Background(), second.ID, 1); err != nil {
		t.Fatal(err)
	}
	locked(d.refresh)
	settleDraft(t, d)
	if c.heading.Selected != second.Heading || len(c.items) != 2 || c.items[0].SectionID != second.ID {
		t.Errorf("after the move the filter shows %q with %d items", c.heading.Selected, len(c.items))
	}
	c.heading.SetSelectedIndex(0)
	c.participant.SetSelected("Nobody")
	c.participant.SetSelectedIndex(0)
	settleDraft(t, d)
	if len(c.items) != all+1 { // and the move
		t.Errorf("clearing the filters shows %d of %d", len(c.items), all+1)
	}
	if !containsString(c.participant.Options, "Amina") {
		t.Errorf("participants offered: %v", c.participant.Options)
	}
	// Text typed elsewhere shows while the tab is open.
	loaded := loadedChan(func(f func()) { c.loaded = f })
	if err := d.session.Splice(context.Background(), d.sections[2].ID, 0, 0, "Live words."); err != nil {
		t.Fatal(err)
	}
	d.session.Flush(context.Background())
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(excerpt(c.items[len(c.items)-1].Inserted), "Live words.") {
		select {
		case <-loaded:
		case <-time.After(50 * time.Millisecond):
		}
		runUI()
		if time.Now().After(deadline) {
			t.Fatal("text typed elsewhere never showed in the contributions")
		}
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestExportMarkdown(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	test.Type(d.editors[d.sections[0].ID].area, "Exported words.")
	path := filepath.Join(t.TempDir(), export.FileName("Draft: 2026/27", ".md"))
	if filepath.Base(path) != "Draft- 2026-27.md" {
		t.Errorf("file name %q", filepath.Base(path))
	}
	w, err := storage.Writer(storage.NewFileURI(path))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	d.exported = func(fyne.URI) { close(done) }
	settleDraft(t, d) // the event loop ran between the typing and the click
	var md exportFormat
	for _, f := range exportFormats {
		if f.name == "Markdown (.md)" {
			md = f
		}
	}
	d.writeExport(md.of(app.Current, false, false), w)
	await(t, done, "the export to finish")
	out, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "**1.1** Exported words.") || !strings.Contains(string(out), "# Draft") {
		t.Errorf("exported Markdown:\n%s", out)
	}
	if len(d.exportMenu().Items) != 1+len(exportFormats) { // Export… first
		t.Error("export menu does not list every format")
	}
}

func TestFind(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	ctx := context.Background()
	for i, text := range []string{"We meet in Kigali.", "No match here.", "Meetings across regions; we MEET again."} {
		if err := d.session.Splice(ctx, d.sections[i].ID, 0, 0, text); err != nil {
			t.Fatal(err)
		}
	}
	d.refresh()
	d.sections = settleDraft(t, d).Sections()
	d.headings.Select(1) // start from the second section
	want := []struct {
		section int
		text    string
	}{{2, "Meet"}, {2, "MEET"}, {0, "meet"}, {2, "Meet"}}
	for k, w := range want {
		if !d.findNext("meet") {
			t.Fatalf("search %d found nothing", k)
		}
		got := d.editors[d.sections[d.current].ID].area.selected()
		if d.current != w.section || got != w.text {
			t.Errorf("search %d: section %d, selected %q; want section %d, %q", k, d.current, got, w.section, w.text)
		}
	}
	if d.findNext("absent words") {
		t.Error("found text the draft does not hold")
	}
}

// TestMenuShortcuts checks that every action of the draft screen is in
// the menu, each shortcut is used once, and the standard ones are there.
func TestMenuShortcuts(t *testing.T) {
	u := openTestDraft(t)
	seen := map[string]string{}
	var walk func(items []*fyne.MenuItem)
	count := 0
	walk = func(items []*fyne.MenuItem) {
		for _, it := range items {
			if it.IsSeparator {
				continue
			}
			count++
			if it.Action == nil && it.ChildMenu == nil {
				t.Errorf("menu item %q does nothing", it.Label)
			}
			if it.ChildMenu != nil {
				walk(it.ChildMenu.Items)
			}
			if it.Shortcut == nil {
				continue
			}
			name := it.Shortcut.ShortcutName()
			// Fyne's desktop driver gives keys without a modifier (or with
			// Shift alone) to the focused entry, never to the menu.
			if ks, ok := it.Shortcut.(fyne.KeyboardShortcut); !ok || ks.Mod() == 0 || ks.Mod() == fyne.KeyModifierShift {
				t.Errorf("%q has the shortcut %s, which never reaches the menu while typing", it.Label, name)
			}
			if other, dup := seen[name]; dup {
				t.Errorf("%s is both %q and %q", name, other, it.Label)
			}
			seen[name] = it.Label
		}
	}
	for _, m := range u.win.MainMenu().Items {
		walk(m.Items)
	}
	ctrlF := shortcut(fyne.KeyF, ctrl).ShortcutName() // Control on Linux and Windows, Command on macOS
	for _, want := range []string{ctrlF, shortcut(fyne.KeyN, ctrl).ShortcutName(), shortcut(fyne.KeyE, ctrl).ShortcutName(), shortcut(fyne.KeyQ, ctrl).ShortcutName()} {
		if _, ok := seen[want]; !ok {
			t.Errorf("no %s in the menu (have %v)", want, seen)
		}
	}
	if count < 20 {
		t.Errorf("only %d menu items", count)
	}
	// Actions that are otherwise buttons are in the menu too.
	for _, label := range []string{"Invite co-authors…", "Delete this draft…", "Go to the headings", "Sync now", "Remove the heading…", "Restore a heading…"} {
		if menuItem(u, label) == nil {
			t.Errorf("no %q in the menu", label)
		}
	}
	// The find shortcut's item opens the find dialog.
	for _, m := range u.win.MainMenu().Items {
		for _, it := range m.Items {
			if it.Shortcut != nil && it.Shortcut.ShortcutName() == ctrlF {
				it.Action()
			}
		}
	}
	if u.draft.findQuery == nil || u.win.Canvas().Overlays().Top() == nil {
		t.Error("Ctrl+F did not open find")
	}
}

// TestQuitFromTheMenu: Ctrl+Q's item is the File menu's last, Fyne's quit
// item, and closes the window, which closes the open draft (issue 14,
// item 4).
func TestQuitFromTheMenu(t *testing.T) {
	u := openTestDraft(t)
	file := u.win.MainMenu().Items[0].Items
	quit := file[len(file)-1]
	if !quit.IsQuit || quit.Shortcut == nil || quit.Shortcut.ShortcutName() != shortcut(fyne.KeyQ, ctrl).ShortcutName() {
		t.Fatalf("the File menu ends with %q (quit %v, shortcut %v)", quit.Label, quit.IsQuit, quit.Shortcut)
	}
	d := u.draft
	quit.Action()
	select {
	case <-d.quit:
	default:
		t.Error("Quit left the draft open")
	}
	if u.draft != nil {
		t.Error("the window still shows the draft")
	}
}

// menuItem finds an item of the main menu, or of a submenu, by its label.
func menuItem(u *UI, label string) *fyne.MenuItem {
	var in func(items []*fyne.MenuItem) *fyne.MenuItem
	in = func(items []*fyne.MenuItem) *fyne.MenuItem {
		for _, it := range items {
			if strings.TrimSuffix(it.Label, shortcutGap) == label {
				return it
			}
			if it.ChildMenu != nil {
				if found := in(it.ChildMenu.Items); found != nil {
					return found
				}
			}
		}
		return nil
	}
	for _, m := range u.win.MainMenu().Items {
		if it := in(m.Items); it != nil {
			return it
		}
	}
	return nil
}

// TestMenusFollowTheScreen deletes the open draft from its menu, and
// checks that the draft menu goes with the draft.
func TestMenusFollowTheScreen(t *testing.T) {
	u := openTestDraft(t)
	id := u.draft.session.ID()
	u.showProfile(false)
	if menuItem(u, "Document details…") != nil {
		t.Error("the draft menu stayed on the profile screen")
	}
	u.OpenDraft(id)
	menuItem(u, "Go to the headings").Action()
	if u.win.Canvas().Focused() != u.draft.headings {
		t.Error("Go to the headings did not move the keyboard there")
	}
	menuItem(u, "Delete this draft…").Action()
	test.Tap(button(t, u.win.Canvas().Overlays().Top(), "Move to the trash"))
	if u.draft != nil || u.content() != u.homeUI.content {
		t.Error("the window did not go back to the drafts list")
	}
	if ds, _ := u.ws.Drafts(context.Background()); len(ds) != 0 {
		t.Errorf("%d drafts left", len(ds))
	}
	if trash, _ := u.ws.Trash(context.Background()); len(trash) != 1 {
		t.Error("the draft is not in the trash")
	}
}

// TestIcon checks the icon New gives the app and the window (Fyne's
// test driver keeps neither, so the resource itself is checked).
func TestIcon(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(Icon.Content()))
	if err != nil {
		t.Fatalf("the icon is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 512 || b.Dy() != 512 {
		t.Errorf("icon is %v", b)
	}
}

// TestHomeSyncState: a draft synced once, then edited, shows when it
// last synced and how many changes wait.
func TestHomeSyncState(t *testing.T) {
	u, ws, _ := newUI(t, app.Options{Poll: -1})
	withProfile(t, ws)
	ctx := context.Background()
	id, err := ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Synced once", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ws.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.SyncStateAt(s.Heads()) // as a sync that agreed leaves it
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.SyncLibrary().SaveState(ctx, "peer-1", id, st.Save()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		s.Splice(ctx, s.Sections()[i].ID, 0, 0, "new text")
		s.Flush(ctx)
	}
	s.Close(ctx)
	counted := make(chan struct{}, 1)
	locked(func() {
		u.ShowHome()
		u.homeUI.counted = func() {
			select {
			case counted <- struct{}{}:
			default:
			}
		}
	})
	await(t, counted, "unsynced changes to be counted")
	var line string
	locked(func() { line = u.homeUI.detail(u.homeUI.drafts[0]) })
	if !strings.Contains(line, "last synced") || !strings.Contains(line, "changes waiting to go out") {
		t.Errorf("row says %q", line)
	}
}

// TestDiskFullWhileTyping fills the data file's room while someone types:
// the status bar says the text is not saved and what to do, no dialog
// interrupts each keystroke, the text stays in the window, and what was
// saved before is intact.
func TestDiskFullWhileTyping(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// Make the draft with room to spare, then reopen with a cap just
	// above what the file holds.
	ws, err := app.Open(ctx, dir, app.Options{Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	withProfile(t, ws)
	id, err := ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Full", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := ws.Session(ctx, id)
	if _, _, err := s.Write(ctx, "1", "Saved before.", false); err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)
	ws.Close()
	fi, err := os.Stat(filepath.Join(dir, app.FileName))
	if err != nil {
		t.Fatal(err)
	}

	a := test.NewTempApp(t)
	ws, err = app.Open(ctx, dir, app.Options{Poll: -1, IdleCommit: -1, MaxDataSize: fi.Size() + 8<<10})
	if err != nil {
		t.Fatal(err)
	}
	u := New(a, ws, Options{StatusEvery: -1})
	u.do = uiq.do
	u.OpenDraft(id)
	d := u.draft
	e := d.editors[d.openID]
	caretAt(e, len([]rune("Saved before.")))
	// A long paste of text that does not compress, then typing on.
	rng := rand.New(rand.NewSource(3))
	var b strings.Builder
	// (In paragraphs: Fyne's wrapping measures a paragraph over and
	// over, and one of 40 KB takes it seconds per keystroke.)
	for i := 0; b.Len() < 40<<10; i++ {
		b.WriteString(strconv.FormatUint(rng.Uint64()>>20, 36))
		if i%60 == 59 {
			b.WriteString("\n")
		} else {
			b.WriteString(" ")
		}
	}
	clip := fyne.CurrentApp().Clipboard()
	clip.SetContent(" " + b.String())
	e.area.TypedShortcut(&fyne.ShortcutPaste{Clipboard: clip})
	test.Type(e.area, strings.Repeat("x", 25)) // past the commit every 20 keystrokes
	if err := d.session.Flush(ctx); !errors.Is(err, app.ErrDiskFull) {
		t.Fatalf("saving with no room: %v", err)
	}
	if top := u.win.Canvas().Overlays().Top(); top != nil {
		t.Error("a dialog interrupted the typing")
	}
	u.tick(u.gatherTick())
	if got := u.status.label.Text; !strings.Contains(got, "Not saved: the disk is full") {
		t.Errorf("status bar: %q", got)
	}
	if got := settleDraft(t, d).Sections()[0].Body; !strings.HasSuffix(got, strings.Repeat("x", 25)) || !strings.HasPrefix(got, "Saved before. ") {
		t.Errorf("the text in memory lost something: %d characters", len(got))
	}
	u.win.Close()
	ws.Close()

	ws, err = app.Open(ctx, dir, app.Options{Poll: -1})
	if err != nil {
		t.Fatalf("reopening after the disk filled: %v", err)
	}
	defer ws.Close()
	s, err = ws.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if got := s.Sections()[0].Body; !strings.HasPrefix(got, "Saved before.") {
		t.Errorf("what was saved before: %q", got)
	}
}

// TestKeyboardFollowsTheScreen: opening a draft puts the keyboard in its
// editor, and leaving a screen takes it from that screen's fields (the
// first-run profile form had kept it, so typing went into a hidden field).
func TestKeyboardFollowsTheScreen(t *testing.T) {
	u := openTestDraft(t) // after the first-run profile form
	d := u.draft
	if got := u.win.Canvas().Focused(); got != fyne.Focusable(d.editors[d.openID].area) {
		t.Errorf("after opening a draft the keyboard is in %T", got)
	}
	u.ShowHome()
	if got := u.win.Canvas().Focused(); got != fyne.Focusable(u.homeUI.list) {
		t.Errorf("on the drafts list the keyboard is in %T, not the list", got)
	}
}

// TestClosingTheWindowLeavesNoGoroutines is issue 10's sixth defect in
// the window: the draft screen's event goroutine, the status ticker, the
// drafts list's unsynced counter and an export under way are all
// stopped and waited for when the window closes, so the workspace then
// closes under nothing.
func TestClosingTheWindowLeavesNoGoroutines(t *testing.T) {
	a := test.NewTempApp(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := context.Background()
	dir := t.TempDir()
	ws, err := app.Open(ctx, dir, app.Options{Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	withProfile(t, ws)
	id, err := ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Leaks", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	u := New(a, ws, Options{StatusEvery: 20 * time.Millisecond})
	u.do = uiq.do
	locked(func() { u.OpenDraft(id) })
	d := u.draft
	locked(func() { test.Type(d.editors[d.openID].area, "typed before closing") })
	w, err := storage.Writer(storage.NewFileURI(filepath.Join(t.TempDir(), "out.md")))
	if err != nil {
		t.Fatal(err)
	}
	locked(func() { d.writeExport(exportFormats[0], w) })
	runUI()
	locked(func() { u.ShowHome() })
	runUI()
	locked(u.win.Close)
	if left := ourGoroutines(); len(left) > 0 {
		t.Errorf("still running after the window closed:\n%s", strings.Join(left, "\n\n"))
	}
	runUI() // what was scheduled meanwhile finds the screens closed
	if err := ws.Close(); err != nil {
		t.Fatal(err)
	}
	runUI()
}

// ourGoroutines lists the goroutines other than the caller's that code
// of this module started and that are still there, at once: goleak waits
// for goroutines to end by themselves, which hides a close that did not
// wait for them. The workspace's own are left out: it is still open.
func ourGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i > 0 && strings.Contains(g, "created by github.com/igf-bpf/bpfdraft/ui") {
			out = append(out, g)
		}
	}
	return out
}

// TestTypingAfterFind: Ctrl+F from heading 3, a word found in heading 4,
// Enter, Escape, then typing: the keys replace the found word in heading
// 4, not the start of heading 3. With nothing found and no editor holding
// the keyboard before, the keys still land in the open heading's text.
func TestTypingAfterFind(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	ctx := context.Background()
	for i, text := range map[int]string{2: "Caret stays here.", 3: "The word target is here."} {
		if err := d.session.Splice(ctx, d.sections[i].ID, 0, 0, text); err != nil {
			t.Fatal(err)
		}
	}
	d.refresh()
	d.sections = settleDraft(t, d).Sections()
	c := u.win.Canvas()
	third := d.editors[d.sections[2].ID]
	locked(func() {
		d.showSection(2)
		c.Focus(third.area)
		third.area.setCaret(0)
		d.showFind()
		typeAs(c, "target\n")
		c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
		typeAs(c, "X")
	})
	// The match stands above the middle of the view, where Find's dialog
	// (centred in the window) does not cover it.
	if y := d.page.blocks[3].ed.area.Position().Y - d.page.scroll.Offset.Y; y < 0 || y > d.page.scroll.Size().Height/3 {
		t.Errorf("the match is %.0f below the view's top, in a view %.0f high", y, d.page.scroll.Size().Height)
	}
	body := func(i int) string { return settleDraft(t, d).Sections()[i].Body }
	if got := body(3); got != "The word X is here." {
		t.Errorf("heading 4 reads %q after find and typing", got)
	}
	if got := body(2); got != "Caret stays here." {
		t.Errorf("heading 3 reads %q after find and typing", got)
	}

	locked(func() {
		c.Unfocus()
		d.showFind()
		typeAs(c, "absent words\n")
		c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
		typeAs(c, "Y")
	})
	if got := body(d.current); !strings.Contains(got, "Y") {
		t.Errorf("keys typed after a find that found nothing were lost: the open heading (%d) reads %q", d.current, got)
	}
}

// TestNewDraftFromADraft: Ctrl+N (File ▸ New draft…) inside a draft opens
// the dialog over the draft; Escape goes back to the draft with the
// keyboard where it was, and Create opens the new draft.
func TestNewDraftFromADraft(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	first := d.editors[d.sections[0].ID].area
	menuItem(u, "New draft…").Action()
	if u.draft != d || u.content() != d.content {
		t.Fatal("New draft… left the open draft before anything was created")
	}
	top := u.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog")
	}
	u.win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if u.win.Canvas().Overlays().Top() != nil || u.draft != d || u.content() != d.content {
		t.Fatal("Escape in the New draft dialog did not leave the person in the draft")
	}
	if u.win.Canvas().Focused() != fyne.Focusable(first) {
		t.Errorf("after Escape the keyboard is with %v, not the draft's text", u.win.Canvas().Focused())
	}
	menuItem(u, "New draft…").Action()
	typeAs(u.win.Canvas(), "A second draft\n")
	if u.draft == nil || u.draft == d || u.draft.session.Meta().Title != "A second draft" {
		t.Error("Create did not open the new draft")
	}
}

// TestEnterOpensTheFocusedDraft: the drafts list shows with the
// keyboard, and Enter on the row that has it opens that draft, as Space
// does.
func TestEnterOpensTheFocusedDraft(t *testing.T) {
	u, ws, _ := newUI(t, app.Options{Poll: -1})
	withProfile(t, ws)
	id, err := ws.Create(context.Background(), app.NewDraft{Template: crdt.TemplateOutput, Title: "Listed", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	u.ShowHome()
	if u.win.Canvas().Focused() != fyne.Focusable(u.homeUI.list) {
		t.Fatalf("the drafts list shows without the keyboard (%v has it)", u.win.Canvas().Focused())
	}
	u.win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if u.draft == nil || u.draft.session.ID() != id {
		t.Error("Enter on the focused row did not open its draft")
	}
}

// TestNoInvisibleTabStop: on the drafts list, Tab goes from one control
// a person can see to the next: on an empty list, from button to button
// (the empty list took the keyboard after Profile…, showing nothing).
func TestNoInvisibleTabStop(t *testing.T) {
	u, ws, _ := newUI(t, app.Options{Poll: -1})
	withProfile(t, ws)
	u.ShowHome()
	c := u.win.Canvas()
	c.Focus(button(t, u.homeUI.content, "Profile…"))
	for range 8 {
		c.FocusNext()
		if b, ok := c.Focused().(*widget.Button); !ok || !b.Visible() {
			t.Fatalf("Tab went to %T, not a button on screen", c.Focused())
		}
	}
}
