package export

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

var update = flag.Bool("update", false, "write the golden files again")

// golden compares output with testdata/NAME, or writes it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./app/export -update writes it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file; if the change is meant, run go test ./app/export -update and review the diff", name)
	}
}

func TestMarkdownGolden(t *testing.T) {
	p := samplePublication()
	md := Markdown(p)
	golden(t, "sample.md", md)
	// It reads back as the same structure: the headings and every number.
	doc := goldmark.New().Parser().Parse(text.NewReader(md))
	var headings []string
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			headings = append(headings, string(h.Lines().Value(md)))
		}
		return ast.WalkContinue, nil
	})
	if len(headings) != 1+2+len(p.Parts)+3 || headings[len(headings)-6] != "9. Carrying the work forward" ||
		headings[len(headings)-4] != "Annex B: Glossary" || headings[len(headings)-3] != "Notes" || headings[len(headings)-2] != "Acknowledgements" {
		t.Errorf("headings %q", headings)
	}
	for _, part := range p.Parts {
		for _, para := range part.Paras {
			if !strings.Contains(string(md), "**"+para.Number+"**") {
				t.Errorf("paragraph %s unnumbered", para.Number)
			}
		}
	}
}

func TestHTMLGolden(t *testing.T) {
	p := samplePublication()
	h := HTML(p)
	golden(t, "sample.html", h)
	s := string(h)
	for _, want := range []string{`<div class="para" id="p2.6" dir="rtl" lang="ar"><span class="pn">2.6</span>`, `<div class="para" id="p3.6" dir="ltr" lang="zh">`, `<li>shared incident reports</li>`,
		`<strong>worked</strong>`, `<em>why</em>`, `id="h9" dir="ltr">9. Carrying the work forward`, `Draft for public comment`} {
		if !strings.Contains(s, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Count(s, `<span class="pn">`) < 40 {
		t.Errorf("%d numbered paragraphs", strings.Count(s, `<span class="pn">`))
	}
}
