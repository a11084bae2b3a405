package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
)

// TestConsensusView (issue 27, item 3): the Review tab's Consensus view
// lists each paragraph with its status and stances by group; Support asks
// for a reason and records the stance; a co-facilitator settles a
// paragraph from its row; a co-author's objection arrives and is counted.
func TestConsensusView(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	ctx := context.Background()
	first := d.sections[0].ID
	test.Type(d.editors[first].area, "Access is uneven.")
	settleDraft(t, d)
	bruno := newCoAuthor(t, d)
	if err := bruno.s.SetStance(ctx, "1.1", app.Object, "Says nothing of cost"); err != nil {
		t.Fatal(err)
	}
	bruno.send(t, d)

	d.tabs.SelectIndex(2)
	c := d.review.stands
	loaded := loadedChan(func(f func()) { c.loaded = f })
	d.review.tabs.SelectIndex(3)
	await(t, loaded, "the consensus")
	if len(c.shown) == 0 || c.shown[0].Paragraph != "1.1" || len(c.shown[0].Object) != 1 {
		t.Fatalf("shown %+v", c.shown)
	}
	if !strings.Contains(c.summary.Text, "with no stance yet") {
		t.Errorf("summary %q", c.summary.Text)
	}
	row := c.list.CreateItem()
	c.list.UpdateItem(0, row)
	if l, ok := find(row, func(l *widget.Label) bool { return strings.HasPrefix(l.Text, "1.1 · Open") }); !ok || !strings.Contains(l.Text, "1 objection (Government 1)") {
		t.Errorf("the row says %v", l)
	}
	// Support, with a reason.
	support, _ := find(row, func(b *widget.Button) bool { return b.Text == "Support" })
	loaded = loadedChan(func(f func()) { c.loaded = f })
	test.Tap(support)
	top := u.onScreen()
	if len(top) != 1 {
		t.Fatal("no dialog for the reason")
	}
	field, _ := find(top[0].overlay, func(e *field) bool { return true })
	test.Type(field, "Matches the survey")
	top[0].submit()
	await(t, loaded, "the consensus after the stance")
	if p := c.shown[0]; len(p.Support) != 1 || p.Support[0].Reason != "Matches the survey" {
		t.Errorf("after Support: %+v", p.Support)
	}
	// The creator is a co-facilitator: the row's status is hers to set.
	c.list.UpdateItem(0, row)
	settle, ok := find(row, func(s *widget.Select) bool { return s.Visible() })
	if !ok {
		t.Fatal("a co-facilitator sees no status to set")
	}
	loaded = loadedChan(func(f func()) { c.loaded = f })
	settle.SetSelectedIndex(0) // agreed
	await(t, loaded, "the consensus after settling")
	if p := c.shown[0]; p.Status == nil || p.Status.Status != app.Agreed {
		t.Errorf("after settling: %+v", p.Status)
	}
	// The page marks it beside its number.
	waitUntil(t, "the margin's mark", func() bool {
		var ok bool
		locked(func() { ok = d.editors[first].area.marks[1] == app.Agreed })
		return ok
	})
}
