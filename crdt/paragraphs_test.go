package crdt

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestParagraphs(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       []string
	}{
		{"empty", "", nil},
		{"only blank lines", "\n \n\t\n", nil},
		{"one", "One paragraph.", []string{"One paragraph."}},
		{"line break inside", "A list:\n- one\n- two", []string{"A list:\n- one\n- two"}},
		{"two", "First.\n\nSecond.", []string{"First.", "Second."}},
		{"several empty lines", "First.\n\n\n\nSecond.\n", []string{"First.", "Second."}},
		{"blank line with spaces", "First.\n  \t \nSecond.", []string{"First.", "Second."}},
		{"leading and trailing", "\n\nFirst.\n\nSecond.\n\n", []string{"First.", "Second."}},
		{"scripts", "شبكات المجتمع\n\n社区网络 🌍\n\nRéseaux", []string{"شبكات المجتمع", "社区网络 🌍", "Réseaux"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ps := Paragraphs(c.text)
			var got []string
			runes := []rune(c.text)
			for _, p := range ps {
				got = append(got, p.Text)
				if string(runes[p.Start:p.End]) != p.Text {
					t.Errorf("offsets %d–%d give %q, text %q", p.Start, p.End, string(runes[p.Start:p.End]), p.Text)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestParagraphsProperty: on random texts, paragraphs are in order, never
// empty, never hold an empty line, and every character that is not on a
// blank line is in exactly one of them.
func TestParagraphsProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	alphabet := []rune("ab \t\n\n社")
	for range 5000 {
		runes := make([]rune, rng.IntN(40))
		for i := range runes {
			runes[i] = alphabet[rng.IntN(len(alphabet))]
		}
		text := string(runes)
		ps := Paragraphs(text)
		covered := make([]bool, len(runes))
		last := -1
		for _, p := range ps {
			if p.Start <= last || p.End <= p.Start {
				t.Fatalf("%q: paragraph %+v out of order or empty", text, p)
			}
			last = p.End
			for _, l := range strings.Split(p.Text, "\n") {
				if strings.Trim(l, " \t") == "" {
					t.Fatalf("%q: paragraph %q holds an empty line", text, p.Text)
				}
			}
			for i := p.Start; i < p.End; i++ {
				covered[i] = true
			}
			if ParagraphAt(ps, p.Start) < 0 || ParagraphAt(ps, p.End) < 0 {
				t.Fatalf("%q: ParagraphAt misses %+v", text, p)
			}
		}
		// Characters outside every paragraph are line breaks or on blank lines.
		lineStart := 0
		for i := 0; i <= len(runes); i++ {
			if i < len(runes) && runes[i] != '\n' {
				continue
			}
			line := string(runes[lineStart:i])
			for k := lineStart; k < i; k++ {
				if covered[k] == (strings.Trim(line, " \t") == "") {
					t.Fatalf("%q: character %d of line %q covered=%v", text, k, line, covered[k])
				}
			}
			lineStart = i + 1
		}
	}
}

func TestParagraphNumber(t *testing.T) {
	if got := ParagraphNumber("3", 2); got != "3.2" {
		t.Errorf("got %q", got)
	}
	ps := Paragraphs("One.\n\nTwo.")
	if ParagraphAt(ps, 5) != -1 || ParagraphAt(ps, 6) != 1 || ParagraphAt(ps, 4) != 0 {
		t.Errorf("ParagraphAt: %d %d %d", ParagraphAt(ps, 5), ParagraphAt(ps, 6), ParagraphAt(ps, 4))
	}
}

// TestHeadingLabels: headings are numbered in the draft's order with the
// carry-forward segment last, annexes lettered apart, wherever they stand.
func TestHeadingLabels(t *testing.T) {
	carry := TemplateOutput.Headings()[OutputCarryForward].Title
	secs := []Section{{Heading: carry}, {Heading: "Access"}, {Heading: "Survey", Annex: true}, {Heading: "Trust"}, {Heading: "Glossary", Annex: true}}
	if got := strings.Join(HeadingLabels(secs), " "); got != "3 1 A 2 B" {
		t.Errorf("labels %q", got)
	}
	var order []string
	for _, i := range PublishOrder(secs) {
		order = append(order, secs[i].Heading)
	}
	if got := strings.Join(order, ", "); got != "Access, Trust, "+carry+", Survey, Glossary" {
		t.Errorf("published order %q", got)
	}
	many := make([]Section, 28)
	for i := range many {
		many[i].Annex = true
	}
	if l := HeadingLabels(many); l[0] != "A" || l[25] != "Z" || l[26] != "AA" || l[27] != "AB" {
		t.Errorf("annex letters past Z: %v", l[24:])
	}
	for in, want := range map[string]string{"3.2": "3/2", "A.2": "A/2", "b.10": "B/10", "§ 4.": "4/0", "C": "C/0", "AB.1": "AB/1"} {
		h, p, ok := ParseCited(in)
		if got := fmt.Sprintf("%s/%d", h, p); !ok || got != want {
			t.Errorf("ParseCited(%q) = %s %v; want %s", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "0", "03.1", "3.0", "3.x", "A1", "ABCD", "3.2.1", "é.1"} {
		if h, p, ok := ParseCited(bad); ok {
			t.Errorf("ParseCited(%q) = %s %d, not refused", bad, h, p)
		}
	}
}
