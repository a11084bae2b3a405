package export

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// Links and footnotes (issue 25, part 9): a link keeps its address in
// every format, a footnote is a footnote in the paged formats and an
// endnote in HTML and Markdown, each checked by an independent reader.

const (
	linkIGF   = "https://www.intgovforum.org/en"
	linkBare  = "https://example.org/report"
	linkNote  = "https://www.unog.ch/"
	noteOne   = "Forty-two answers; see Annex A."
	noteTwo   = "Held in Geneva."
	scriptRef = "javascript:"
)

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func wantLines(t *testing.T, format, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s: %q missing from what the reader found:\n%s", format, w, got)
		}
	}
	if strings.Contains(got, scriptRef) {
		t.Errorf("%s: a javascript: address became a link", format)
	}
}

func TestLinksAndNotesInDOCX(t *testing.T) {
	data, err := DOCX(samplePublication())
	if err != nil {
		t.Fatal(err)
	}
	got := reader(t, "docx_read.py", "docx", writeTemp(t, "out.docx", data))
	wantLines(t, "DOCX", got, "LINK\t"+linkIGF+"\tIGF's site\n", "LINK\t"+linkBare+"\t"+linkBare+"\n", "LINK\t"+linkNote+"\tGeneva\n",
		"FOOTNOTEREF\t1\n", "FOOTNOTEREF\t2\n", "FOOTNOTE\t1\t"+noteOne+"\n", "FOOTNOTE\t2\t"+noteTwo+"\n")
	if n := strings.Count(got, "FOOTNOTEREF\t1\n"); n != 2 {
		t.Errorf("note 1 is referred to %d times, not 2", n)
	}
}

func TestLinksAndNotesInODT(t *testing.T) {
	data, err := ODT(samplePublication())
	if err != nil {
		t.Fatal(err)
	}
	got := reader(t, "odt_read.py", "odf", writeTemp(t, "out.odt", data))
	wantLines(t, "ODT", got, "LINK\t"+linkIGF+"\tIGF's site\n", "LINK\t"+linkBare+"\t"+linkBare+"\n", "LINK\t"+linkNote+"\tGeneva\n",
		"NOTE\tfootnote\t1\t"+noteOne+"\n", "NOTE\tfootnote\t2\t"+noteTwo+"\n")
}

func TestLinksAndEndnotesInHTML(t *testing.T) {
	got := reader(t, "html_read.py", "html5lib", writeTemp(t, "out.html", HTML(samplePublication())))
	wantLines(t, "HTML", got, "PARA\tp2.6\tar\n", "PARA\tp3.6\tzh\n", "PARA\tp2.5\t\n", "LANG\ten\n", "LINK\t"+linkIGF+"\tIGF's site\n", "LINK\t"+linkBare+"\t"+linkBare+"\n",
		"LINK\t#fn1\t1\n", "LINK\t#fn2\t2\n", "ENDNOTE\tfn1\t"+noteOne+" ↩\n", "ENDNOTE\tfn2\t"+noteTwo+" ↩\n", "LINK\t#fnref1\t↩\n", "LINK\t#h9\t9. Carrying")
	if strings.Contains(got, "ERROR\t") {
		t.Errorf("html5lib found errors:\n%s", got)
	}
}

func TestLinksAndNotesInMarkdown(t *testing.T) {
	md := Markdown(samplePublication())
	// Read back by a CommonMark reader with footnotes (GitHub's dialect).
	doc := goldmark.New(goldmark.WithExtensions(extension.Footnote)).Parser().Parse(text.NewReader(md))
	links := map[string]string{}
	var notes []string
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			links[string(n.Destination)] = string(n.Text(md))
		case *east.Footnote:
			notes = append(notes, strings.TrimSpace(string(n.Text(md))))
		}
		return ast.WalkContinue, nil
	})
	if links[linkIGF] != "IGF's site" || links[linkBare] != linkBare || links[linkNote] != "Geneva" || len(links) != 3 {
		t.Errorf("links: %v", links)
	}
	if len(notes) != 2 {
		t.Errorf("footnotes: %q", notes)
	}
	if !strings.Contains(string(md), "[^1]") || strings.Contains(string(md), scriptRef+"alert") && !strings.Contains(string(md), "A script is no link") {
		t.Errorf("Markdown references:\n%s", md)
	}
}

func TestLinksAndNotesInText(t *testing.T) {
	got := string(Text(samplePublication()))
	for _, want := range []string{"See the IGF's site (" + linkIGF + ") and " + linkBare + ".[1]", "[1] " + noteOne, "[2] Held in Geneva (" + linkNote + ")."} {
		if !strings.Contains(got, want) {
			t.Errorf("plain text lacks %q", want)
		}
	}
}

func TestLinksAndNotesInPDF(t *testing.T) {
	data, err := PDF(samplePublication())
	if err != nil {
		t.Fatal(err)
	}
	file := writeTemp(t, "out.pdf", data)
	got := reader(t, "pdf_outline.py", "pypdf", file)
	wantLines(t, "PDF", got, "\t"+linkIGF+"\n", "\t"+linkBare+"\n", "\t"+linkNote+"\n")
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext missing (Debian: poppler-utils)")
	}
	// Each note is printed at the foot of the page that refers to it first.
	for _, note := range []string{noteOne, noteTwo} {
		page := -1
		for i := 1; i < 40; i++ {
			out, err := exec.Command("pdftotext", "-f", strconv.Itoa(i), "-l", strconv.Itoa(i), "-enc", "UTF-8", file, "-").Output()
			if err != nil {
				break
			}
			pageText := strings.Join(strings.Fields(string(out)), " ")
			if strings.Contains(pageText, note) {
				page = i
				if !strings.Contains(pageText, "agree.") && note == noteTwo {
					t.Errorf("note 2 is on page %d, not beside its reference", i)
				}
			}
		}
		if page < 0 {
			t.Errorf("note %q is on no page", note)
		}
	}
}

// TestNoWidowsOrOrphans (issue 25, part 11): a paragraph that meets a
// page's foot never leaves its first line alone there, nor its last line
// alone at the top of the next page.
func TestNoWidowsOrOrphans(t *testing.T) {
	l, err := newPDFLayout(samplePublication())
	if err != nil {
		t.Fatal(err)
	}
	st := style{size: bodySize, colour: black}
	lh := bodySize * leading
	text := []Span{{Text: strings.Repeat("Participants discussed access and trust across regions. ", 4)}}
	n := len(l.lines(text, st, false, textW))
	if n != 3 {
		t.Fatalf("the test's paragraph takes %d lines, not 3", n)
	}
	long := []Span{{Text: strings.Repeat("Participants discussed access and trust across regions. ", 5)}}
	if n := len(l.lines(long, st, false, textW)); n != 4 {
		t.Fatalf("the long paragraph takes %d lines, not 4", n)
	}
	perPage := func() []int {
		var out []int
		for _, pg := range l.pages {
			ys := map[float64]bool{}
			for _, r := range pg.runs {
				ys[r.y] = true
			}
			out = append(out, len(ys))
		}
		return out
	}
	for _, c := range []struct {
		name  string
		spans []Span
		room  float64 // lines that fit on the first page
		want  string
	}{
		{"room for one of three", text, 1.5, "[0 3]"},
		{"room for two of three", text, 2.5, "[0 3]"},
		{"room for three of three", text, 3.5, "[3]"},
		{"room for three of four", long, 3.5, "[2 2]"},
		{"room for two of four", long, 2.5, "[2 2]"},
		{"room for one of four", long, 1.5, "[0 4]"},
	} {
		l.reset()
		l.newPage(true)
		l.y = marginB + c.room*lh
		l.block(c.spans, st, false, 0, nil)
		if got := fmt.Sprint(perPage()); got != c.want {
			t.Errorf("%s: lines per page %s, want %s", c.name, got, c.want)
		}
	}
}

// TestPDFIsTagged (issue 25, part 11): the PDF is tagged, as pypdf reads
// it: marked, in the document's language, every heading, paragraph,
// list, contents entry and note an element of the structure tree in
// reading order, paragraphs in another language marked so, every marked
// sequence on a page taken back to its element; and Arabic comes out of
// pdftotext as typed, brackets and marks included.
func TestPDFIsTagged(t *testing.T) {
	p := samplePublication()
	data, err := PDF(p)
	if err != nil {
		t.Fatal(err)
	}
	file := writeTemp(t, "out.pdf", data)
	got := reader(t, "pdf_tags.py", "pypdf", file)
	count := map[string]int{}
	for _, line := range strings.Split(got, "\n") {
		f := strings.Split(line, "\t")
		switch f[0] {
		case "TAG":
			count[f[2]]++
			if f[3] != "" {
				count[f[2]+"/"+f[3]]++
			}
		case "ORPHAN", "NOTABS":
			t.Errorf("%s", line)
		}
	}
	backMatter := 3 // acknowledgements, dissemination, the executive summary
	want := map[string]int{"Document": 1, "H1": 1, "H2": len(p.Parts) + backMatter + 1, "TOC": 1, "TOCI": len(p.Parts),
		"Note": len(p.Notes), "P/ar": 2, "P/zh": 1, "L": 2, "LI": 3 + len(p.Dissemination)}
	for tag, n := range want {
		if count[tag] != n {
			t.Errorf("%d %s elements, want %d", count[tag], tag, n)
		}
	}
	if !strings.Contains(got, "LANG\ten\n") || !strings.Contains(got, "MARKED\tTrue\n") {
		t.Errorf("the catalog:\n%s", got[:min(len(got), 200)])
	}
	paras := 0
	for _, part := range p.Parts {
		paras += len(part.Paras)
	}
	if count["P"] < paras {
		t.Errorf("%d paragraphs tagged P, fewer than the %d numbered", count["P"], paras)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext missing")
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), arabicBrackets) {
		t.Errorf("the Arabic paragraph does not come back as typed (%q):\n%s", arabicBrackets, out)
	}
}

// TestPDFFontsAreEmbedded: pdffonts (poppler) finds every font embedded
// as a subset with a ToUnicode map, and the Chinese set in a Ming face
// (serif, as the body) where the machine has one.
func TestPDFFontsAreEmbedded(t *testing.T) {
	if _, err := exec.LookPath("pdffonts"); err != nil {
		if os.Getenv("BPF_REQUIRE_READERS") != "" {
			t.Fatal("pdffonts missing (Debian: poppler-utils)")
		}
		t.Skip("pdffonts missing (Debian: poppler-utils)")
	}
	data, err := PDF(samplePublication())
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdffonts", writeTemp(t, "out.pdf", data)).CombinedOutput()
	if err != nil {
		t.Fatalf("pdffonts: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 5 {
		t.Fatalf("pdffonts:\n%s", out)
	}
	for _, line := range lines[2:] {
		f := strings.Fields(line)
		// name type... encoding emb sub uni object ID
		if n := len(f); n < 6 || f[n-5] != "yes" || f[n-4] != "yes" || f[n-3] != "yes" {
			t.Errorf("a font not embedded as a subset with ToUnicode: %s", line)
		}
	}
	if findFont(fontChoice{files: []string{"uming.ttc"}}) != "" && !strings.Contains(string(out), "+uming") {
		t.Errorf("the Chinese is not in AR PL UMing:\n%s", out)
	}
}
