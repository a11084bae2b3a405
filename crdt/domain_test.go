package crdt

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestTemplateTitlesAreDistinct: a title finds its hint and its place
// alone, so no two headings of any template in any language share one;
// every language has every heading, and in the template's order.
func TestTemplateTitlesAreDistinct(t *testing.T) {
	seen := map[string]string{}
	for tmpl, byLang := range templates {
		n := len(byLang[English])
		for _, l := range Languages {
			hs := byLang[l]
			if len(hs) != n {
				t.Errorf("%s in %s has %d headings, English %d", tmpl, l, len(hs), n)
			}
			for i, h := range hs {
				where := fmt.Sprintf("%s/%s/%d", tmpl, l, i)
				if other, ok := seen[h.Title]; ok {
					t.Errorf("%q is both %s and %s", h.Title, other, where)
				}
				seen[h.Title] = where
				if tmpl.Index(h.Title) != i || templateHint(h.Title) != h.Hint || h.Hint == "" {
					t.Errorf("%s: %q does not find its place and hint", where, h.Title)
				}
			}
		}
	}
	for in, want := range map[string]Language{"fr": French, "Français": French, "espanol": Spanish, "English": English} {
		if got, err := ParseLanguage(in); err != nil || got != want {
			t.Errorf("ParseLanguage(%q) = %q, %v", in, got, err)
		}
	}
}

// TestDraftInFrench: a draft made in French has its headings and hints
// in French, and says so in its meta.
func TestDraftInFrench(t *testing.T) {
	d, err := NewIn(NewActor(), TemplateOutput, French, "BPF Cybersécurité", "", 2026, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	secs := d.Sections()
	if secs[0].Heading != "Définition de la ou des questions" || !strings.HasPrefix(secs[0].Hint, "Quel problème") || d.Meta().Language != "fr" {
		t.Errorf("first heading %q, hint %q, language %q", secs[0].Heading, secs[0].Hint, d.Meta().Language)
	}
	if _, err := NewIn(NewActor(), TemplateOutput, "xx", "T", "", 2026, time.Now()); err == nil {
		t.Error("an unknown language was accepted")
	}
}

// TestLinesFromAnyCopyAreClean: what a hostile co-author's copy puts in a
// heading, a hint, a title or a name reads as one clean line, bounded,
// whatever came by sync; what this side writes is refused with the
// reason (issue 15, defect 2).
func TestLinesFromAnyCopyAreClean(t *testing.T) {
	d, err := New(NewActor(), TemplateOutput, "Fine", "", 2026, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	id := d.Sections()[0].ID
	// As a peer's change would: straight into the document.
	m, err := d.sectionMap(id)
	if err != nil {
		t.Fatal(err)
	}
	m.Set("heading", "evil\x1b]0;pwned\x07\nsecond line\u202e")
	m.Set("hint", strings.Repeat("h", 5000))
	mm, _ := mapAt(d.am.RootMap(), "meta")
	mm.Set("title", strings.Repeat("T", 10_000))
	if _, err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	sec := d.Sections()[0]
	if sec.Heading != "evil]0;pwned second line" {
		t.Errorf("heading read as %q", sec.Heading)
	}
	if n := len([]rune(sec.Hint)); n != MaxLine || len([]rune(d.Meta().Title)) != MaxLine {
		t.Errorf("a hint of %d and a title of %d characters", n, len([]rune(d.Meta().Title)))
	}
	for _, err := range []error{
		d.RenameSection(id, "two\nlines"),
		d.RenameSection(id, "bell\a"),
		d.SetTitle(strings.Repeat("x", MaxLine+1)),
		d.SetTheme("tab\x1b[31m"),
	} {
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("a bad line was written: %v", err)
		}
	}
	if _, err := d.SetParticipant(Participant{Name: "Ana\x1b[2J"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a name with an escape was registered: %v", err)
	}
	if got := CleanBody("a\x00b\x1b[31mc\r\nd\te\u202e"); got != "ab[31mc\nd\te" {
		t.Errorf("CleanBody: %q", got)
	}
}
