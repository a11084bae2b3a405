package export

import (
	"bytes"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// TestBracketsInEveryFormat (issue 27, item 5): a contested paragraph is
// printed in square brackets with a footnote naming the stakeholder
// groups that object, in every format, read back by the independent
// readers; the other paragraphs are as they were.
func TestBracketsInEveryFormat(t *testing.T) {
	const note = "Contested: objections from Private sector, Government."
	edition := Edition{Version: "Draft for public comment", Date: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)}
	plain := Build(sampleSnapshot(), edition)
	edition.Brackets = map[string]string{"1.1": note}
	p := Build(sampleSnapshot(), edition)
	words := strings.Fields(plain.Parts[0].Paras[0].Plain())
	if len(words) < 6 {
		t.Fatalf("paragraph 1.1 is too short for the check: %q", words)
	}
	head := "[" + strings.Join(words[:3], " ")
	tail := strings.Join(words[len(words)-2:], " ") + "]"
	if got := p.Parts[0].Paras[1].Plain(); got != plain.Parts[0].Paras[1].Plain() {
		t.Errorf("1.2 changed: %q", got)
	}
	if n := len(p.Notes); n != len(plain.Notes)+1 {
		t.Errorf("%d notes, want one more than %d", n, len(plain.Notes))
	}

	docx, err := DOCX(p)
	if err != nil {
		t.Fatal(err)
	}
	got := reader(t, "docx_read.py", "docx", writeTemp(t, "out.docx", docx))
	wantLines(t, "DOCX", got, head, tail, "\t"+note+"\n")

	odt, err := ODT(p)
	if err != nil {
		t.Fatal(err)
	}
	got = reader(t, "odt_read.py", "odf", writeTemp(t, "out.odt", odt))
	wantLines(t, "ODT", got, head, tail, "NOTE\tfootnote\t1\t"+note+"\n")

	got = reader(t, "html_read.py", "html5lib", writeTemp(t, "out.html", HTML(p)))
	wantLines(t, "HTML", got, "PARATEXT\tp1.1\t1.1"+head, tail+"1\n", note+" ↩")

	// Markdown, as a CommonMark reader with footnotes renders it, tags
	// taken out.
	var html bytes.Buffer
	if err := goldmark.New(goldmark.WithExtensions(extension.Footnote)).Convert(Markdown(p), &html); err != nil {
		t.Fatal(err)
	}
	rendered := strings.Join(strings.Fields(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(html.String(), " ")), " ")
	wantLines(t, "Markdown", rendered, head, tail, note)

	wantLines(t, "plain text", string(Text(p)), head, tail+"[1]", "[1] "+note)

	pdf, err := PDF(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext missing (Debian: poppler-utils)")
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", writeTemp(t, "out.pdf", pdf), "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(string(out)), " ")
	wantLines(t, "PDF", flat, head, note)
}
