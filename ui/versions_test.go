package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// showVersions opens the Review tab's versions.
func showVersions(t *testing.T, d *draftScreen) *versionsView {
	t.Helper()
	d.tabs.SelectIndex(2)
	d.review.tabs.SelectIndex(4)
	d.review.reload()
	settleDraft(t, d)
	return d.review.versions
}

// TestVersionViewIsPlainText: View of a named version rendered the
// publication's Markdown, so brackets showed as "\[…\]" and the title
// page's lines ran together on one line (issue 22, part 7). It shows
// plain text, each line of the title page on a line of its own.
func TestVersionViewIsPlainText(t *testing.T) {
	u := openTestDraft(t)
	u.win.Resize(fyne.NewSize(1200, 800))
	d := u.draft
	ctx := context.Background()
	if err := d.session.SetTheme(ctx, "Access [rights] and *trust*"); err != nil {
		t.Fatal(err)
	}
	if err := d.session.SetMetaText(ctx, crdt.FieldCover, "A summary with [brackets] and snake_case."); err != nil {
		t.Fatal(err)
	}
	test.Type(d.editors[d.sections[0].ID].area, "Access [in all regions] is a right.")
	settleDraft(t, d)
	if _, err := d.session.NameVersion(ctx, "Before [review]"); err != nil {
		t.Fatal(err)
	}
	v := showVersions(t, d)
	test.Tap(rowButton(t, v.list, 0, "View"))
	deadline := time.Now().Add(10 * time.Second)
	for (u.win.Canvas().Overlays().Top() == nil || !strings.Contains(overlayText(t, u), "(read only)")) && time.Now().Before(deadline) {
		settleDraft(t, d)
		time.Sleep(10 * time.Millisecond)
	}
	rt, ok := find(u.win.Canvas().Overlays().Top(), func(*widget.RichText) bool { return true })
	if !ok {
		t.Fatal("no text in the version's dialog")
	}
	text := rt.String()
	for _, want := range []string{"A summary with [brackets] and snake_case.", "1.1 Access [in all regions] is a right."} {
		if !strings.Contains(text, want) {
			t.Errorf("the version's text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, `\`) || strings.Contains(text, "**") {
		t.Errorf("the version's text has markup in it:\n%s", text)
	}
	// The lines as drawn: each line of the title page is one.
	var rows []string
	for _, o := range test.WidgetRenderer(rt).Objects() {
		if txt, ok := o.(*canvas.Text); ok {
			rows = append(rows, txt.Text)
		}
	}
	for _, want := range []string{"Draft", "Internet Governance Forum · Best Practice Forum", "Theme: Access [rights] and *trust*", "Year: 2026", "Version: Before [review] · "} {
		found := false
		for _, r := range rows {
			found = found || r == want || strings.HasSuffix(want, " ") && strings.HasPrefix(r, want)
		}
		if !found {
			t.Errorf("no line drawn reads %q; the lines:\n%s", want, strings.Join(rows, "\n"))
		}
	}
}

// TestVersionComparisonByRunsAndWords: the comparison of two versions
// cut one person's typing, committed in several changes, into pieces
// with an author tag each and split words (issue 22, part 7). It shows
// one tag per run of one author, and whole words.
func TestVersionComparisonByRunsAndWords(t *testing.T) {
	u := openTestDraft(t)
	d := u.draft
	ctx := context.Background()
	if _, err := d.session.NameVersion(ctx, "Empty"); err != nil {
		t.Fatal(err)
	}
	area := d.editors[d.sections[0].ID].area
	for _, typed := range []string{"They blocked legitimate s", "ecurity ", "research."} {
		test.Type(area, typed)
		settleDraft(t, d)
		if err := d.session.Flush(ctx); err != nil { // a commit, as a pause in typing makes one
			t.Fatal(err)
		}
	}
	// marked returns the comparison's inserted and deleted text and its
	// author tags.
	marked := func(v *versionsView) (inserted, deleted string, tags []string) {
		for _, s := range v.diff.Segments {
			ts, ok := s.(*widget.TextSegment)
			if !ok {
				continue
			}
			switch ts.Style.ColorName {
			case theme.ColorNameSuccess:
				inserted += ts.Text
			case theme.ColorNameError:
				deleted += ts.Text
			case theme.ColorNamePlaceHolder:
				tags = append(tags, strings.TrimSpace(ts.Text))
			}
		}
		return
	}
	compare := func(v *versionsView, from, to int) {
		t.Helper()
		v.from.SetSelectedIndex(from)
		v.to.SetSelectedIndex(to)
		compared := loadedChan(func(f func()) { v.compared = f })
		test.Tap(button(t, v.content, "Compare"))
		await(t, compared, "the comparison")
	}

	v := showVersions(t, d)
	compare(v, 1, len(v.from.Options)-1) // "Empty" with the draft as it stands
	ins, del, tags := marked(v)
	if ins != "They blocked legitimate security research." || del != "" || len(tags) != 1 || !strings.HasPrefix(tags[0], "[+") {
		t.Errorf("the comparison of one person's typing: inserted %q, deleted %q, tags %q", ins, del, tags)
	}

	if _, err := d.session.NameVersion(ctx, "Typed"); err != nil {
		t.Fatal(err)
	}
	bruno := newCoAuthor(t, d)
	if _, _, err := bruno.s.Write(ctx, "1", "They blocked legitimate securities research.", false); err != nil {
		t.Fatal(err)
	}
	bruno.send(t, d)
	v = showVersions(t, d)
	compare(v, 2, len(v.from.Options)-1) // "Typed" with the draft as it stands
	ins, del, tags = marked(v)
	if ins != "securities" || del != "security" || len(tags) != 2 || tags[0] != "[−Bruno]" || tags[1] != "[+Bruno]" {
		t.Errorf("the comparison of a word changed: inserted %q, deleted %q, tags %q", ins, del, tags)
	}
	// Since "Empty", the word is Amina's, who wrote most of it.
	compare(v, 1, len(v.from.Options)-1)
	if ins, _, tags = marked(v); ins != "They blocked legitimate securities research." || len(tags) != 1 || tags[0] != "[+Amina]" {
		t.Errorf("the comparison of a word two people wrote: inserted %q, tags %q", ins, tags)
	}
}
