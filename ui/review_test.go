package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// coAuthor is Bruno's machine holding a copy of the window's draft.
type coAuthor struct {
	ws *app.Workspace
	s  *app.Session
}

func newCoAuthor(t *testing.T, d *draftScreen) *coAuthor {
	t.Helper()
	ctx := context.Background()
	ws, err := app.Open(ctx, t.TempDir(), app.Options{Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if _, err := ws.SetProfile(ctx, app.Profile{Name: "Bruno", Group: crdt.Government, Region: crdt.GRULAC}); err != nil {
		t.Fatal(err)
	}
	c := &coAuthor{ws: ws}
	c.receive(t, d)
	if c.s, err = ws.Session(ctx, d.session.ID()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.s.Close(ctx) })
	return c
}

// receive takes the window's draft as a file.
func (c *coAuthor) receive(t *testing.T, d *draftScreen) {
	t.Helper()
	data, err := settleDraft(t, d).Save(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ws.Import(context.Background(), data); err != nil {
		t.Fatal(err)
	}
	if c.s != nil {
		if _, err := c.s.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// send gives the window's workspace the co-author's draft as a file.
func (c *coAuthor) send(t *testing.T, d *draftScreen) {
	t.Helper()
	data, err := c.s.Save(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.u.ws.Import(context.Background(), data); err != nil {
		t.Fatal(err)
	}
	if _, err := d.session.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	settleDraft(t, d)
}

// trySend is send that returns why the window's workspace refused it.
func (c *coAuthor) trySend(d *draftScreen) error {
	data, err := c.s.Save(context.Background())
	if err != nil {
		return err
	}
	_, _, err = d.u.ws.Import(context.Background(), data)
	return err
}

// loaded returns a channel told each time f's view is shown.
func loadedChan(set func(func())) <-chan struct{} {
	ch := make(chan struct{}, 16)
	set(func() { ch <- struct{}{} })
	return ch
}

// versionForComment gives the window's draft paragraphs 1.1 and 1.2 and
// names the version as one sent out for public comment, which public
// comments must refer to.
func versionForComment(t *testing.T, d *draftScreen) {
	t.Helper()
	test.Type(d.editors[d.sections[0].ID].area, "Access is a right.\n\nTrust takes time.")
	settleDraft(t, d)
	if _, err := d.session.NameVersion(context.Background(), "For public comment"); err != nil {
		t.Fatal(err)
	}
}

// withPublicComment is versionForComment and Chen Wei's public comment on
// 1.2, imported as a spreadsheet brings it.
func withPublicComment(t *testing.T, d *draftScreen) {
	t.Helper()
	versionForComment(t, d)
	if _, err := d.session.ImportComments(context.Background(), []byte("paragraph,name,comment\r\n1.2,Chen Wei,How long?\r\n"), ""); err != nil {
		t.Fatal(err)
	}
}

// showPublicComments opens the Review tab's comments and waits until they
// are listed; loaded reports each later reload, for a test that changes
// them.
func showPublicComments(t *testing.T, d *draftScreen, what string) (c *commentList, loaded <-chan struct{}) {
	t.Helper()
	c = d.review.comments
	loaded = loadedChan(func(f func()) { c.loaded = f })
	d.tabs.SelectIndex(2)
	d.review.tabs.SelectIndex(1)
	for len(c.comments) == 0 {
		await(t, loaded, what)
	}
	return c, loaded
}

func TestReviewTab(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	ctx := context.Background()
	first := d.sections[0].ID
	test.Type(d.editors[first].area, "Access is a right.")
	settleDraft(t, d)
	if _, err := d.session.NameVersion(ctx, "Zero draft"); err != nil {
		t.Fatal(err)
	}
	bruno := newCoAuthor(t, d)
	if _, _, err := bruno.s.Write(ctx, "1", "Access is a human right. Everywhere.", false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := bruno.s.Write(ctx, "2", "Regions differ.", false); err != nil {
		t.Fatal(err)
	}
	bruno.send(t, d)
	if got := d.editors[first].text(); got != "Access is a human right. Everywhere." {
		t.Fatalf("the editor shows %q", got)
	}

	// The Changes view lists Bruno's three hunks since the version.
	c := d.review.changes
	shown := loadedChan(func(f func()) { c.loaded = f })
	d.tabs.SelectIndex(2)
	await(t, shown, "the changes")
	if len(c.shown) != 3 {
		t.Fatalf("%d hunks shown: %+v", len(c.shown), c.shown)
	}
	if line := hunkLine(c.shown[0], c.parts); !strings.Contains(line, "Open") || !strings.Contains(line, "Bruno (Government, Latin American and Caribbean (GRULAC))") || !strings.Contains(line, "1.1") {
		t.Errorf("first hunk line %q", line)
	}
	c.heading.SetSelectedIndex(2) // the second heading only
	if len(c.shown) != 1 || c.shown[0].Text != "Regions differ." {
		t.Fatalf("filtered by heading: %+v", c.shown)
	}
	c.heading.SetSelectedIndex(0)
	c.group.SetSelected(groupLabel(crdt.CivilSociety))
	if len(c.shown) != 0 {
		t.Errorf("Amina's group shows %d of Bruno's hunks", len(c.shown))
	}
	c.group.SetSelectedIndex(0)

	// Reject the " Everywhere." hunk with its row's button.
	var row int
	for i, h := range c.shown {
		if h.Text == " Everywhere." {
			row = i
		}
	}
	c.list.ScrollTo(row)
	reject := rowButton(t, c.list, row, "Reject")
	test.Tap(reject)
	await(t, shown, "the changes after rejecting")
	settleDraft(t, d)
	if got := d.editors[first].text(); got != "Access is a human right." {
		t.Errorf("after rejecting the editor shows %q", got)
	}
	for _, h := range c.shown {
		if h.Text == " Everywhere." && h.Status != app.StatusRejected {
			t.Errorf("the rejected hunk reads %s", h.Status)
		}
	}
	// Accept all shown, after confirming.
	test.Tap(button(t, c.content, "Accept all shown"))
	test.Tap(button(t, u.win.Canvas().Overlays().Top(), "Accept"))
	// A reload asked for before the decision may signal first: wait for
	// the one that shows it (or time out).
	anyOpen := func() bool {
		return slices.ContainsFunc(c.shown, func(h app.Hunk) bool { return h.Status == app.StatusOpen })
	}
	for anyOpen() {
		await(t, shown, "the changes after accepting all")
	}

	// Show jumps to the text and selects it.
	for i, h := range c.shown {
		if h.Text == "human " {
			c.list.ScrollTo(i)
			test.Tap(rowButton(t, c.list, i, "Show"))
		}
	}
	if d.tabs.SelectedIndex() != 0 || d.openID != first || d.editors[first].area.selected() != "human " {
		t.Errorf("Show: tab %d, heading %s, selection %q", d.tabs.SelectedIndex(), d.openID, d.editors[first].area.selected())
	}
}

// rowButton finds a button of a list's row as drawn.
func rowButton(t *testing.T, l *widget.List, row int, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	rows := 0
	find(l, func(b *widget.Button) bool {
		if b.Text == text {
			if rows == row {
				found = b
				return true
			}
			rows++
		}
		return false
	})
	if found == nil {
		t.Fatalf("no %q button in row %d", text, row)
	}
	return found
}

func TestCommentsBesideTheEditor(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	first := d.sections[0].ID
	e := d.editors[first]
	test.Type(e.area, "Norms hold where responders trust each other.")
	settleDraft(t, d)
	notes := loadedChan(func(f func()) { d.notes.loaded = f })

	// No selection: the window says what to do.
	d.commentOnSelection()
	if !strings.Contains(overlayText(t, u), "Select the passage") {
		t.Errorf("without a selection: %q", overlayText(t, u))
	}
	u.win.Canvas().Overlays().Remove(u.win.Canvas().Overlays().Top())

	e.selectRange(6, 10) // "hold"
	d.commentOnSelection()
	answer(t, u, "Always?", "OK")
	await(t, notes, "the comments")
	if len(d.notes.comments) != 1 {
		t.Fatalf("%d comments beside the editor", len(d.notes.comments))
	}
	cm := d.notes.comments[0]
	if cm.Quote != "hold" || cm.Text != "Always?" || cm.Paragraph != "1.1" {
		t.Errorf("comment %+v", cm)
	}
	// Text typed before the passage moves it; Show selects it there.
	e.clearSelection()
	e.placeCaret(0)
	test.Type(e.area, "Today ")
	settleDraft(t, d)
	d.notes.reload()
	await(t, notes, "the comments after typing")
	test.Tap(rowButton(t, d.notes.list, 0, "Show"))
	if got := e.area.selected(); got != "hold" {
		t.Errorf("Show selects %q", got)
	}
	// Reply and resolve from the pane.
	test.Tap(rowButton(t, d.notes.list, 0, "Reply…"))
	answer(t, u, "Where trust exists.", "OK")
	await(t, notes, "the comments after replying")
	test.Tap(rowButton(t, d.notes.list, 0, "Resolve"))
	await(t, notes, "the comments after resolving")
	cm = d.notes.comments[0]
	if len(cm.Replies) != 1 || !cm.Resolved {
		t.Errorf("after reply and resolve: %+v", cm)
	}
	d.notes.openOnly.SetChecked(true)
	if len(d.notes.comments) != 0 {
		t.Errorf("open only shows %d", len(d.notes.comments))
	}
	// Another heading has none.
	d.headings.Select(1)
	await(t, notes, "the second heading's comments")
	if len(d.notes.comments) != 0 || !strings.Contains(d.notes.summary.Text, "No comments") {
		t.Errorf("second heading: %d, %q", len(d.notes.comments), d.notes.summary.Text)
	}
}

func TestCoverageVersionsAndAuthors(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	ctx := context.Background()
	first := d.sections[0].ID
	test.Type(d.editors[first].area, "Amina's text.")
	settleDraft(t, d)
	if _, err := d.session.NameVersion(ctx, "Before Bruno"); err != nil {
		t.Fatal(err)
	}
	bruno := newCoAuthor(t, d)
	if _, _, err := bruno.s.Write(ctx, "1", "Amina's text. Bruno's addition.", false); err != nil {
		t.Fatal(err)
	}
	bruno.send(t, d)

	d.tabs.SelectIndex(2)
	cov := loadedChan(func(f func()) { d.review.coverage.loaded = f })
	d.review.tabs.SelectIndex(2)
	await(t, cov, "the coverage")
	draft := d.review.coverage.shown.Draft
	sum := 0
	for _, g := range draft.Groups {
		sum += g.Percent
	}
	if sum != 100 || len(draft.People) != 2 {
		t.Errorf("coverage %+v", draft)
	}
	if _, ok := find(d.review.coverage.content, func(l *widget.Label) bool {
		return strings.Contains(l.Text, "Government") && strings.Contains(l.Text, "%")
	}); !ok {
		t.Error("no figures for Bruno's group")
	}

	// Versions: compare the named version with the draft as it stands.
	v := d.review.versions
	d.review.tabs.SelectIndex(4)
	if len(v.versions) != 1 || v.from.Selected != "Before Bruno" || v.to.SelectedIndex() != 2 {
		t.Fatalf("versions %d, compare %q with %q", len(v.versions), v.from.Selected, v.to.Selected)
	}
	compared := loadedChan(func(f func()) { v.compared = f })
	test.Tap(button(t, v.content, "Compare"))
	await(t, compared, "the comparison")
	var inserted string
	for _, s := range v.diff.Segments {
		if ts, ok := s.(*widget.TextSegment); ok && ts.Style.ColorName == theme.ColorNameSuccess {
			inserted += ts.Text
		}
	}
	if inserted != " Bruno's addition." {
		t.Errorf("the comparison marks %q as inserted", inserted)
	}

	// View shows the version read-only, as it was.
	test.Tap(rowButton(t, v.list, 0, "View"))
	deadline := time.Now().Add(10 * time.Second)
	for (u.win.Canvas().Overlays().Top() == nil || !strings.Contains(overlayText(t, u), "Version “Before Bruno” (read only)")) && time.Now().Before(deadline) {
		settleDraft(t, d)
		time.Sleep(10 * time.Millisecond)
	}
	top := u.win.Canvas().Overlays().Top()
	rt, ok := find(top, func(*widget.RichText) bool { return true })
	if !ok || !strings.Contains(rt.String(), "1.1 Amina's text.") || strings.Contains(rt.String(), "Bruno's addition") {
		t.Errorf("the version's view: %v", rt)
	}
	u.win.Canvas().Overlays().Remove(top)

	// Colour by author: two writers, two colours, a legend of two.
	d.tabs.SelectIndex(0)
	authors := loadedChan(func(f func()) { d.authorsV.loaded = f })
	d.authors.SetChecked(true)
	await(t, authors, "the authors view")
	colours := map[fyne.ThemeColorName]string{}
	for _, s := range d.authorsV.text.Segments {
		ts := s.(*widget.TextSegment)
		colours[ts.Style.ColorName] += ts.Text
	}
	if len(colours) != 2 || len(d.authorsV.legend.Objects) != 2 {
		t.Errorf("authors view: %v, legend of %d", colours, len(d.authorsV.legend.Objects))
	}
	var brunoPerson string
	for _, p := range d.session.View().Participants {
		if p.Name == "Bruno" {
			brunoPerson = p.Person
		}
	}
	view := d.session.View()
	if got := colours[authorColours(view.Participants, people(view))(brunoPerson)]; got != " Bruno's addition." {
		t.Errorf("Bruno's colour covers %q", got)
	}
	// A co-author's change shows in the coloured text by itself.
	if _, _, err := bruno.s.Write(ctx, "1", "Amina's text. Bruno's addition. More.", false); err != nil {
		t.Fatal(err)
	}
	bruno.send(t, d)
	await(t, authors, "the authors view after a co-author's change")
	all := ""
	for _, s := range d.authorsV.text.Segments {
		all += s.(*widget.TextSegment).Text
	}
	if all != "Amina's text. Bruno's addition. More." {
		t.Errorf("the coloured text after a change: %q", all)
	}
	// A comment's passage is set apart.
	if _, err := d.session.CommentOn(ctx, "1", "Bruno's", "Whose?"); err != nil {
		t.Fatal(err)
	}
	settleDraft(t, d)
	d.authorsV.reload()
	await(t, authors, "the authors view with a comment")
	bold := ""
	for _, s := range d.authorsV.text.Segments {
		if ts := s.(*widget.TextSegment); ts.Style.TextStyle.Bold {
			bold += ts.Text
		}
	}
	if bold != "Bruno's" {
		t.Errorf("the commented passage set apart: %q", bold)
	}
	d.authors.SetChecked(false)
	if d.body.Objects[0] != fyne.CanvasObject(d.page.scroll) || u.win.Canvas().Focused() != fyne.Focusable(d.editors[first].area) {
		t.Error("the editor did not come back")
	}
}

// TestPeopleGetDistinctColours: in the registry's order, the first 24
// people of a draft get 24 colours, whatever their ids (random ids made
// two people share one colour in about one draft of 24 with two authors).
func TestPeopleGetDistinctColours(t *testing.T) {
	var ps []crdt.Participant
	for i := range 24 {
		ps = append(ps, crdt.Participant{Actor: fmt.Sprint("actor-", i), Person: fmt.Sprint("person-", i*7919)})
	}
	parts := map[string]crdt.Participant{}
	for _, p := range ps {
		parts[p.Actor] = p
	}
	colourOf := authorColours(ps, parts)
	seen := map[fyne.ThemeColorName]string{}
	for _, p := range ps {
		c := colourOf(p.Person)
		if other, dup := seen[c]; dup {
			t.Fatalf("%s and %s share %s", other, p.Person, c)
		}
		seen[c] = p.Person
	}
	if colourOf("someone else") != authorColour("someone else") {
		t.Error("a person outside the registry does not get their id's colour")
	}
}

func TestAPersonsColourIsTheSameEverywhere(t *testing.T) {
	a, b := authorColour("person-1"), authorColour("person-1")
	if a != b || a == authorColour("person-2") {
		t.Errorf("colours %s %s %s", a, b, authorColour("person-2"))
	}
	th := appTheme{test.Theme()}
	if th.Color(a, 0) == th.Color(authorColour("person-2"), 0) {
		t.Error("two people, one colour")
	}
}

func TestAParticipantCannotDecide(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	test.Type(d.editors[d.sections[0].ID].area, "Amina's text.")
	settleDraft(t, d)
	bruno := newCoAuthor(t, d)
	if _, _, err := bruno.s.Write(context.Background(), "2", "Bruno's text.", false); err != nil {
		t.Fatal(err)
	}
	// Bruno's window on his copy.
	ub, _, _ := newUIFor(t, bruno.ws)
	ub.OpenDraft(d.session.ID())
	db := ub.draft
	shown := loadedChan(func(f func()) { db.review.changes.loaded = f })
	db.tabs.SelectIndex(2)
	await(t, shown, "Bruno's changes view")
	if !db.review.changes.acceptAll.Disabled() || !strings.Contains(db.review.changes.summary.Text, "Only a co-facilitator") {
		t.Errorf("a participant may decide: %q", db.review.changes.summary.Text)
	}
	if !rowButton(t, db.review.changes.list, 0, "Accept").Disabled() {
		t.Error("a participant's Accept button is enabled")
	}
}

// TestAParticipantCannotRespond: a participant's Respond… is off before
// they write anything, with the reason beside it, as Accept and Reject
// are (issue 22, item 4: the response was refused once written, and lost).
func TestAParticipantCannotRespond(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	withPublicComment(t, d)
	bruno := newCoAuthor(t, d)
	ub, _, _ := newUIFor(t, bruno.ws)
	ub.OpenDraft(d.session.ID())
	db := ub.draft
	for _, c := range []*commentList{db.review.comments, db.notes} {
		loaded := loadedChan(func(f func()) { c.loaded = f })
		if c == db.notes {
			c.reload()
		} else {
			db.tabs.SelectIndex(2)
			db.review.tabs.SelectIndex(1)
		}
		for len(c.comments) == 0 {
			await(t, loaded, "Bruno's comments")
		}
		respond := rowButton(t, c.list, 0, "Respond…")
		if !respond.Disabled() {
			t.Errorf("a participant's Respond… is enabled (comments beside the editor: %v)", c.forOpen)
		}
		if !strings.Contains(c.summary.Text, "Only a co-facilitator or the rapporteur can") || !strings.Contains(c.summary.Text, "respond to public comments") {
			t.Errorf("no reason shown for Respond… being off: %q", c.summary.Text)
		}
		// The Review tab's import is off too, for the same reason: every
		// peer leaves out public comments a participant imports.
		if c.importButton != nil && (!c.importButton.Disabled() || !strings.Contains(c.summary.Text, "import")) {
			t.Errorf("a participant's Import public comments is offered (%q)", c.summary.Text)
		}
		test.Tap(respond)
		if ub.win.Canvas().Overlays().Top() != nil {
			t.Error("a participant's Respond… opened the dialog")
		}
	}
	// The co-facilitator's window offers it, without the reason.
	c, _ := showPublicComments(t, d, "Amina's comments")
	if rowButton(t, c.list, 0, "Respond…").Disabled() || strings.Contains(c.summary.Text, "Only a co-facilitator") || c.importButton.Disabled() {
		t.Errorf("the creator may not respond or import: %q", c.summary.Text)
	}
}

// TestACoFacilitatorsNewWindowMayRespond: each process writes as a device
// of its own, entered in the draft's registry with its first write. A
// co-facilitator's window opened after the draft was made elsewhere on
// the machine (the command line) offers Respond… and Accept before it
// has written anything.
func TestACoFacilitatorsNewWindowMayRespond(t *testing.T) {
	u, ws, dir := newUI(t, app.Options{Poll: -1})
	withProfile(t, ws)
	ctx := context.Background()
	id, err := ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Draft", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	u.OpenDraft(id)
	d := u.draft
	withPublicComment(t, d)
	bruno := newCoAuthor(t, d) // a change to review
	if _, _, err := bruno.s.Write(ctx, "2", "Bruno's text.", false); err != nil {
		t.Fatal(err)
	}
	bruno.send(t, d)
	u.win.Close()

	// Another process on the same data: another device of Amina's.
	ws2, err := app.Open(ctx, dir, app.Options{Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws2.Close() })
	u2, _, _ := newUIFor(t, ws2)
	u2.OpenDraft(id)
	d2 := u2.draft
	c := d2.review.comments
	loaded := loadedChan(func(f func()) { c.loaded = f })
	changes := loadedChan(func(f func()) { d2.review.changes.loaded = f })
	d2.tabs.SelectIndex(2)
	await(t, changes, "the changes")
	d2.review.tabs.SelectIndex(1)
	for len(c.comments) == 0 {
		await(t, loaded, "the comments")
	}
	if rowButton(t, c.list, 0, "Respond…").Disabled() || strings.Contains(c.summary.Text, "Only a co-facilitator") {
		t.Errorf("the draft's creator, in a new window, may not respond: %q", c.summary.Text)
	}
	if d2.review.changes.acceptAll.Disabled() {
		t.Errorf("the draft's creator, in a new window, may not accept: %q", d2.review.changes.summary.Text)
	}
}

// newUIFor opens a second window, on another workspace, in the test app.
func newUIFor(t *testing.T, ws *app.Workspace) (*UI, *app.Workspace, string) {
	t.Helper()
	u := New(fyne.CurrentApp(), ws, Options{StatusEvery: -1})
	u.do = uiq.do
	t.Cleanup(func() { u.win.Close() })
	u.win.Resize(fyne.NewSize(1000, 700))
	return u, ws, ""
}

func TestTheCreatorGivesRoles(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	test.Type(d.editors[d.sections[0].ID].area, "Amina's text.")
	settleDraft(t, d)
	bruno := newCoAuthor(t, d)
	if _, _, err := bruno.s.Write(context.Background(), "2", "Bruno's text.", false); err != nil {
		t.Fatal(err)
	}
	bruno.send(t, d)
	d.tabs.SelectIndex(2)
	d.review.tabs.SelectIndex(5)
	p := d.review.people
	if len(p.roles) != 1 {
		t.Fatalf("%d role choices for the creator", len(p.roles))
	}
	for _, sel := range p.roles {
		sel.SetSelected(roleLabel(crdt.RoleRapporteur))
	}
	settleDraft(t, d)
	bruno.receive(t, d)
	if r := bruno.s.Role(); r != crdt.RoleRapporteur {
		t.Errorf("Bruno's role after the creator chose it: %q", r)
	}
	if !d.session.CanGrant() || bruno.s.CanGrant() {
		t.Error("only the creator may give roles")
	}
}

func TestStartNextYearFromTheWindow(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	test.Type(d.editors[d.sections[0].ID].area, "The issue.")
	settleDraft(t, d)
	old := d.session.ID()
	d.nextYear()
	test.Tap(button(t, u.win.Canvas().Overlays().Top(), "Start"))
	deadline := time.Now().Add(20 * time.Second)
	for (u.draft == nil || u.draft.session.ID() == old) && time.Now().Before(deadline) {
		runUI()
		u.wg.Wait()
		time.Sleep(10 * time.Millisecond)
	}
	if u.draft == nil || u.draft.session.ID() == old {
		t.Fatal("next year's draft did not open")
	}
	m := u.draft.session.Meta()
	if m.Year != 2027 || u.draft.sections[0].Body != "The issue." {
		t.Errorf("next year's draft: year %d, first heading %q", m.Year, u.draft.sections[0].Body)
	}
}

func TestPublishingRoundFromTheWindow(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	versionForComment(t, d)
	// Export the version as a PDF for public comment through the dialog.
	path := filepath.Join(t.TempDir(), "out.pdf")
	d.showExport()
	form := u.win.Canvas().Overlays().Top()
	selects := 0
	find(form, func(s *choice) bool {
		switch selects {
		case 0:
			s.SetSelected("PDF (.pdf)")
		case 1:
			s.SetSelected("For public comment")
		}
		selects++
		return false
	})
	chk, _ := find(form, func(c *widget.Check) bool { return true })
	chk.SetChecked(true)
	var chosen exportFormat
	for _, f := range exportFormats {
		if f.name == "PDF (.pdf)" {
			chosen = f.of(d.session.Versions()[0].ID, true, false)
		}
	}
	u.win.Canvas().Overlays().Remove(form)
	w, err := storage.Writer(storage.NewFileURI(path))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	d.exported = func(fyne.URI) { close(done) }
	d.writeExport(chosen, w)
	await(t, done, "the PDF export")
	// The window says where the file went.
	if msg := overlayText(t, u); !strings.Contains(msg, path) {
		t.Errorf("after the export: %q", msg)
	}
	u.win.Canvas().Overlays().Remove(u.win.Canvas().Overlays().Top())
	data, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(data), "%PDF") {
		t.Fatalf("the PDF: %v", err)
	}
	// Comments come in from a spreadsheet and are answered.
	d.tabs.SelectIndex(2)
	d.review.tabs.SelectIndex(1)
	loaded := loadedChan(func(f func()) { d.review.comments.loaded = f })
	d.importComments([]byte("paragraph,name,comment\r\n1.2,Chen Wei,How long?\r\n9.9,X,Nowhere\r\n"))
	for d.lastImport == "" || len(d.review.comments.comments) == 0 {
		await(t, loaded, "the comments after the import") // an earlier reload may come first
	}
	if !strings.Contains(d.lastImport, "1 public comment imported.") || !strings.Contains(d.lastImport, "Row 3 skipped") {
		t.Errorf("import report %q", d.lastImport)
	}
	c := d.review.comments
	if len(c.comments) != 1 || !c.comments[0].Public || !strings.Contains(c.headLine(c.comments[0]), "public comment by Chen Wei on 1.2 as published") {
		t.Fatalf("comments: %+v", c.comments)
	}
	u.win.Canvas().Overlays().Remove(u.win.Canvas().Overlays().Top())
	test.Tap(rowButton(t, c.list, 0, "Respond…"))
	top := u.win.Canvas().Overlays().Top()
	st, _ := find(top, func(s *choice) bool { return true })
	st.SetSelected("noted")
	resp, _ := find(top, func(e *field) bool { return e.MultiLine })
	resp.SetText("It varies by country.")
	test.Tap(button(t, top, "OK"))
	for c.comments[0].Response == nil {
		await(t, loaded, "the comments after responding")
	}
	if r := c.comments[0].Response; r == nil || r.Status != app.StatusNoted || r.Text != "It varies by country." {
		t.Errorf("response %+v", r)
	}
}

// TestRemoveFromTheWindow: the creator removes a co-author from the
// People tab (issue 23, item 5); the draft's code is replaced and shown;
// the removed person's later change, once they know, is refused.
func TestRemoveFromTheWindow(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	test.Type(d.editors[d.sections[0].ID].area, "Amina's text.")
	settleDraft(t, d)
	old, err := u.ws.Invite(context.Background(), d.session.ID(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	bruno := newCoAuthor(t, d)
	if _, _, err := bruno.s.Write(context.Background(), "2", "Bruno's earlier text.", false); err != nil {
		t.Fatal(err)
	}
	bruno.send(t, d)
	d.tabs.SelectIndex(2)
	d.review.tabs.SelectIndex(5)
	p := d.review.people
	if len(p.removes) != 1 {
		t.Fatalf("%d remove buttons for the creator", len(p.removes))
	}
	for _, b := range p.removes {
		test.Tap(b)
	}
	test.Tap(button(t, u.win.Canvas().Overlays().Top(), "Remove"))
	settleDraft(t, d)
	deadline := time.Now().Add(10 * time.Second)
	for d.invite == nil && time.Now().Before(deadline) {
		runUI()
		u.wg.Wait()
		time.Sleep(10 * time.Millisecond)
	}
	if d.invite == nil || d.inviteCode == old.Code() {
		t.Fatal("no new code was shown after the removal")
	}
	if r := d.session.View().RoleOf(bruno.ws.Actor()); r != crdt.RoleRemoved {
		t.Fatalf("Bruno's role after the removal: %s", r)
	}
	bruno.receive(t, d)
	if _, _, err := bruno.s.Write(context.Background(), "2", "After the removal.", true); err != nil {
		t.Fatal(err)
	}
	if err := bruno.trySend(d); err == nil || !strings.Contains(err.Error(), "removed") {
		t.Errorf("the removed co-author's later change: %v", err)
	}
	if body := d.session.Sections()[1].Body; strings.Contains(body, "After the removal") || !strings.Contains(body, "Bruno's earlier text.") {
		t.Errorf("the heading after the removal: %q", body)
	}
}

// TestLinkMachinesFromTheWindow: "Your machines" turns a second
// machine's request code into a link code, and takes a link code for
// this machine's own request (issue 23, item 1).
func TestLinkMachinesFromTheWindow(t *testing.T) {
	u := openTestDraft(t)
	laptop := openTestWorkspace(t)
	req, err := laptop.RequestLink()
	if err != nil {
		t.Fatal(err)
	}
	u.showDevices()
	v := u.devices
	test.Type(v.request, req)
	test.Tap(button(t, u.win.Canvas().Overlays().Top(), "Make a link code"))
	if _, err := laptop.AcceptLink(v.code); err != nil {
		t.Fatalf("the laptop took the window's link code %q: %v", v.code, err)
	}
	if fp := reopen(t, laptop).Device().Fingerprint; fp != u.ws.Device().Fingerprint {
		t.Errorf("the linked laptop writes as %s, the window's person is %s", fp, u.ws.Device().Fingerprint)
	}

	// The other way: this window's machine asks, another links it.
	holder := openTestWorkspace(t)
	test.Tap(button(t, u.win.Canvas().Overlays().Top(), "Ask to be linked"))
	link, err := holder.LinkDevice(v.code)
	if err != nil {
		t.Fatal(err)
	}
	test.Type(v.link, link)
	test.Tap(button(t, u.win.Canvas().Overlays().Top(), "Accept"))
	if !strings.Contains(v.status.Text, crdt.FormatFingerprint(holder.Device().Fingerprint)) {
		t.Errorf("after accepting: %q", v.status.Text)
	}
}

// openTestWorkspace opens a data dir of another machine.
func openTestWorkspace(t *testing.T) *app.Workspace {
	t.Helper()
	ws, err := app.Open(context.Background(), t.TempDir(), app.Options{Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// reopen opens ws's data dir again, as the next start would.
func reopen(t *testing.T, ws *app.Workspace) *app.Workspace {
	t.Helper()
	again, err := app.Open(context.Background(), filepath.Dir(ws.Path()), app.Options{Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { again.Close() })
	return again
}

// TestYourMachinesTakesTheKeyboard: the request field has the keyboard
// when Your machines opens, so a code typed at once lands in it and
// Enter makes the link code (in the real window, keys typed after the
// menu went nowhere and Enter closed the dialog).
func TestYourMachinesTakesTheKeyboard(t *testing.T) {
	u := openTestDraft(t)
	laptop := openTestWorkspace(t)
	req, err := laptop.RequestLink()
	if err != nil {
		t.Fatal(err)
	}
	u.showDevices()
	v := u.devices
	if u.win.Canvas().Focused() != v.request {
		t.Fatalf("the keyboard is on %T, not the request field", u.win.Canvas().Focused())
	}
	for _, r := range req {
		u.win.Canvas().Focused().TypedRune(r)
	}
	u.win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !strings.HasPrefix(v.code, "BPFL1") || u.win.Canvas().Overlays().Top() == nil {
		t.Errorf("after typing the request and Enter: code %q, dialog shown %v", v.code, u.win.Canvas().Overlays().Top() != nil)
	}
}

// A comments file that names no version, in a draft with two, is not
// guessed onto the newest: the window asks which version its numbers are
// from, and imports it onto the one chosen (issue 25, defect 1).
func TestCommentsImportAsksWhichVersion(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	versionForComment(t, d)
	if _, err := d.session.NameVersion(context.Background(), "Final output"); err != nil {
		t.Fatal(err)
	}
	d.importComments([]byte("paragraph,name,comment\r\n1.2,Chen Wei,How long?\r\n"))
	deadline := time.Now().Add(20 * time.Second)
	for len(u.onScreen()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no question about the version")
		}
		runUI() // what the import schedules on the window
		time.Sleep(10 * time.Millisecond)
	}
	top := u.onScreen()[len(u.onScreen())-1]
	c, ok := find(top.overlay, func(c *choice) bool { return true })
	if !ok || len(c.Options) != 2 || c.Options[0] != "For public comment" {
		t.Fatalf("the versions offered: %+v", c)
	}
	c.SetSelectedIndex(0)
	loaded := loadedChan(func(f func()) { d.review.comments.loaded = f })
	top.submit()
	for d.lastImport == "" {
		await(t, loaded, "the comments after the import")
	}
	if !strings.Contains(d.lastImport, "1 public comment imported.") {
		t.Errorf("import report %q", d.lastImport)
	}
	cs, err := d.session.Comments()
	if err != nil || len(cs) != 1 || cs[0].Version != d.session.Versions()[0].ID {
		t.Errorf("the comment's version: %+v %v", cs, err)
	}
}

// TestImportTextShowsThePlanFirst (issue 25, part 12): Import… shows
// where each heading of the file goes before anything is written;
// matching by order instead changes the plan; Import writes it.
func TestImportTextShowsThePlanFirst(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	md := []byte("## Regional specificities observed\n\nMobile money first.\n\n## Local incidents\n\nTwo outages.\n")
	before := len(d.session.Sections())
	d.previewImport("lagos.md", md)
	top := u.onScreen()[len(u.onScreen())-1]
	plan, ok := find(top.overlay, func(l *widget.Label) bool { return strings.Contains(l.Text, "Local incidents") })
	if !ok || !strings.Contains(plan.Text, "Regional specificities observed → “Regional specificities observed (e.g. Internet industry development)” (same title)") ||
		!strings.Contains(plan.Text, "Local incidents → a new heading “Local incidents”") {
		t.Fatalf("the plan shown: %+v", plan)
	}
	if len(d.session.Sections()) != before {
		t.Fatal("showing the plan changed the draft")
	}
	by, _ := find(top.overlay, func(c *choice) bool { return len(c.Options) == 2 })
	by.SetSelectedIndex(1) // by order
	if !strings.Contains(plan.Text, "Regional specificities observed → “Definition of the issue(s)” (same place)") {
		t.Errorf("by order:\n%s", plan.Text)
	}
	by.SetSelectedIndex(0)
	top.submit()
	s := settleDraft(t, d)
	secs := s.Sections()
	if len(secs) != before+1 || secs[len(secs)-1].Heading != "Local incidents" || secs[1].Body != "Mobile money first." {
		t.Errorf("after the import: %d headings, last %q, heading 2 %q", len(secs), secs[len(secs)-1].Heading, secs[1].Body)
	}
}

// TestAnnexButtonSaysWhatItDoes: the headings bar's annex button marks
// the open heading an annex (the page then labels it "Annex A"), says it
// will undo that while such a heading is open, and does.
func TestAnnexButtonSaysWhatItDoes(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	d.headings.Select(1)
	d.showSection(1)
	if d.annex.Text != "Annex" {
		t.Fatalf("the button says %q on a numbered heading", d.annex.Text)
	}
	test.Tap(d.annex)
	s := settleDraft(t, d)
	if !s.Sections()[1].Annex || d.annex.Text != "Unannex" {
		t.Fatalf("after the tap: annex %v, the button says %q", s.Sections()[1].Annex, d.annex.Text)
	}
	if got := d.page.blocks[1].heading.Text; !strings.HasPrefix(got, "Annex A: ") {
		t.Errorf("the page labels it %q", got)
	}
	test.Tap(d.annex)
	s = settleDraft(t, d)
	if s.Sections()[1].Annex || d.annex.Text != "Annex" {
		t.Errorf("after the second tap: annex %v, the button says %q", s.Sections()[1].Annex, d.annex.Text)
	}
}
