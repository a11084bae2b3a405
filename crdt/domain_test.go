package crdt

import (
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
