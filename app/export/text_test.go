package export

import (
	"strings"
	"testing"
)

// TestTextIsPlain: the plain text the window shows a version in has no
// markup and no escapes, and each line of the title page on a line of
// its own (issue 22, part 7: the Markdown shown instead read "\[" and
// ran the title page together).
func TestTextIsPlain(t *testing.T) {
	p := samplePublication()
	p.Theme = "Access [rights] and *trust*"
	p.Parts[0].Paras[0].Blocks[0].Spans = []Span{{Text: "Access [in all regions] is a "}, {Text: "right", Bold: true}, {Text: "."}}
	text := string(Text(p))
	lines := strings.Split(text, "\n")
	for i, want := range []string{p.Title, "Internet Governance Forum · Best Practice Forum", "Theme: Access [rights] and *trust*",
		"Year: 2026", "Version: Draft for public comment · 1 September 2026",
		"Co-facilitators: Amina Diallo, Bruno Silva", "Rapporteur: Dana Novak", "DRAFT FOR PUBLIC COMMENT", ""} {
		if i >= len(lines) || lines[i] != want {
			t.Fatalf("line %d of the title page is not %q:\n%s", i+1, want, text)
		}
	}
	if !strings.Contains(text, "\n1.1 Access [in all regions] is a right.\n") {
		t.Errorf("paragraph 1.1 is not plain:\n%s", text)
	}
	if strings.Contains(text, `\`) || strings.Contains(text, "**") || strings.Contains(text, "\n\n\n") {
		t.Errorf("markup, escapes or two blank lines in the text:\n%s", text)
	}
	for _, part := range p.Parts {
		for _, para := range part.Paras {
			if !strings.Contains(text, "\n"+para.Number+" ") && !strings.Contains(text, "\n"+para.Number+"\n") {
				t.Errorf("paragraph %s unnumbered", para.Number)
			}
		}
	}
}
