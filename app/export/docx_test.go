package export

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// reader runs an independent reader (a Python library from Debian) on a
// file and returns what it printed. CI installs them (BPF_REQUIRE_READERS
// makes a missing one fail there instead of skipping).
func reader(t *testing.T, script, module, file string) string {
	t.Helper()
	// Debian's python3-docx and python3-odf go with Debian's python3,
	// which another python3 earlier on the PATH would not see.
	python := "python3"
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		python = "/usr/bin/python3"
	}
	if err := exec.Command(python, "-c", "import "+module).Run(); err != nil {
		if os.Getenv("BPF_REQUIRE_READERS") != "" {
			t.Fatalf("python3 module %s missing: %v", module, err)
		}
		t.Skipf("python3 module %s missing (Debian: python3-%s)", module, module)
	}
	out, err := exec.Command(python, filepath.Join("testdata", script), file).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	return string(out)
}

// checkReadBack checks what a reader found: every heading, every
// paragraph number, the Arabic and Chinese paragraphs, the list items.
func checkReadBack(t *testing.T, got string, p Publication) {
	t.Helper()
	for _, part := range p.Parts {
		if !strings.Contains(got, headingLine(part)) {
			t.Errorf("heading %q missing", headingLine(part))
		}
		for _, para := range part.Paras {
			if !strings.Contains(got, para.Number+"\t") && !strings.Contains(got, para.Number+" ") {
				t.Errorf("paragraph number %s missing", para.Number)
			}
		}
	}
	for _, want := range []string{"مرحبا بكم في منتدى حوكمة الإنترنت", "互联网治理论坛的最佳实践论坛", "shared incident reports", "DRAFT FOR PUBLIC COMMENT", "Amina Diallo"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q missing", want)
		}
	}
}

func headingLine(part Part) string { return part.Title() }

func TestDOCXOpensInPythonDocx(t *testing.T) {
	p := samplePublication()
	data, err := DOCX(p)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "out.docx")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	got := reader(t, "docx_read.py", "docx", file)
	checkReadBack(t, got, p)
	for _, part := range p.Parts {
		if !strings.Contains(got, "Heading 1\t"+headingLine(part)) {
			t.Errorf("heading %q is not in Word's Heading 1 style", headingLine(part))
		}
	}
	if !strings.Contains(got, "FOOTER PAGE") {
		t.Errorf("no page number field in the footer:\n%s", got[len(got)-200:])
	}
	if mark := p.RunningMark(); mark == "" || !strings.Contains(got, "FOOTERTEXT\t"+mark) {
		t.Errorf("the running mark %q is not in the footer", mark)
	}
	if !strings.Contains(got, "SETTINGS updateFields") {
		t.Error("Word is not told to update the contents' page numbers on opening")
	}
	// Every contents entry has a page field pointing at its heading's
	// bookmark (issue 25, part 8).
	for i := range p.Parts {
		mark := docxBookmark(i)
		if !strings.Contains(got, "PAGEREF\t"+mark+"\n") || !strings.Contains(got, "BOOKMARK\t"+mark+"\n") {
			t.Errorf("no page number field for heading %d (%s)", i+1, mark)
		}
	}
}

func TestODTOpensInPythonOdf(t *testing.T) {
	p := samplePublication()
	data, err := ODT(p)
	if err != nil {
		t.Fatal(err)
	}
	if string(data[30:38]) != "mimetype" || !strings.Contains(string(data[:100]), "application/vnd.oasis.opendocument.text") {
		t.Errorf("the mimetype is not the first, stored entry")
	}
	file := filepath.Join(t.TempDir(), "out.odt")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	got := reader(t, "odt_read.py", "odf", file)
	checkReadBack(t, got, p)
	for _, part := range p.Parts {
		if !strings.Contains(got, "Heading 1\t"+headingLine(part)) {
			t.Errorf("heading %q is not an outline-level-1 heading", headingLine(part))
		}
	}
	if !strings.Contains(got, "FOOTER PAGE") {
		t.Error("no page number in the footer")
	}
	if mark := p.RunningMark(); mark == "" || !strings.Contains(got, "FOOTERTEXT\t"+mark) {
		t.Errorf("the running mark %q is not in every page's footer", mark)
	}
	for _, part := range p.Parts {
		if !strings.Contains(got, "PAGEREF\tpage\t"+part.Anchor()+"\n") || !strings.Contains(got, "BOOKMARK\t"+part.Anchor()+"\n") {
			t.Errorf("no page reference for %q in the contents", part.Title())
		}
	}
}

func TestPDFTextComesBack(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("BPF_REQUIRE_READERS") != "" {
			t.Fatal("pdftotext missing (Debian: poppler-utils)")
		}
		t.Skip("pdftotext missing (Debian: poppler-utils)")
	}
	p := samplePublication()
	data, err := PDF(p)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "out.pdf")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	got := string(out)
	for _, part := range p.Parts {
		if !strings.Contains(got, headingLine(part)) {
			t.Errorf("heading %q missing", headingLine(part))
		}
		for _, para := range part.Paras {
			if !strings.Contains(got, para.Number) {
				t.Errorf("paragraph number %s missing", para.Number)
			}
		}
	}
	for _, want := range []string{"مرحبا بكم في منتدى حوكمة الإنترنت", "互联网治理论坛的最佳实践论坛", "shared incident reports", "DRAFT FOR PUBLIC COMMENT", "Amina Diallo"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q missing", want)
		}
	}
	// Every page after the cover says it is a draft for public comment,
	// and which (pdftotext ends each page with a form feed).
	mark := p.RunningMark()
	pages := strings.Split(strings.TrimSuffix(got, "\f"), "\f")
	if len(pages) < 3 {
		t.Errorf("%d pages", len(pages))
	}
	for i, page := range pages[1:] {
		if !strings.Contains(strings.Join(strings.Fields(page), " "), mark) {
			t.Errorf("page %d lacks the running mark %q", i+2, mark)
		}
	}
	if t.Failed() {
		t.Logf("pdftotext:\n%s", got)
	}
}

func TestPDFNamesAMissingFont(t *testing.T) {
	// Only the Latin faces: the Chinese paragraph needs one more.
	dir := t.TempDir()
	for _, f := range []string{"DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"} {
		path := findFont(fontChoice{files: []string{f}})
		if path == "" {
			t.Skipf("%s not on this machine", f)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := fontSearch
	fontSearch = func() []string { return []string{dir} }
	defer func() { fontSearch = old }()
	_, err := PDF(samplePublication())
	if !errors.Is(err, ErrFontMissing) || !strings.Contains(err.Error(), "AR PL UMing") || !strings.Contains(err.Error(), "apt-get install fonts-arphic-uming") {
		t.Errorf("without a Chinese font: %v", err)
	}
	p := samplePublication()
	p.Parts[2].Paras = p.Parts[2].Paras[:5] // without the Chinese paragraph it needs none
	if _, err := PDF(p); err != nil {
		t.Errorf("a Latin and Arabic document: %v", err)
	}
	// Without AR PL UMing, Droid Sans Fallback serves.
	for _, f := range []string{"DroidSansFallbackFull.ttf", "DroidSansFallback.ttf"} {
		if path := findFont(fontChoice{files: []string{f}}); path != "" {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := PDF(samplePublication()); err != nil {
				t.Errorf("with Droid Sans Fallback: %v", err)
			}
			break
		}
	}
}

// The disposition table opens as a table in python-docx, every cell
// read back (issue 25: without w:tblGrid it could not read its cells,
// and strict readers refuse the file).
func TestDispositionDOCXTableReadsBack(t *testing.T) {
	d := Disposition{Title: "BPF Cybersecurity 2026", Version: "Draft for public comment", Rows: []DispositionRow{
		{Paragraph: "2.1", Comment: "Name the national strategies you mean.", Name: "Chen Wei", Organisation: "ISOC", Group: "Technical community", Region: "Asia-Pacific", Status: "Accepted", Response: "Added two."},
		{Paragraph: "4.1", Comment: "أضيفوا التدريب للمشغلين الصغار.", Name: "Dana Okafor", Group: "Civil society", Region: "African"},
	}}
	data, err := DispositionDOCX(d)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "disposition.docx")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	got := reader(t, "docx_tables.py", "docx", file)
	for _, want := range []string{"TABLE 5", "Paragraph\tComment\tCommenter\tStatus\tResponse",
		"2.1\tName the national strategies you mean.\t", "\tAccepted\tAdded two.", "4.1\tأضيفوا التدريب للمشغلين الصغار.\t"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q not read back:\n%s", want, got)
		}
	}
}

// The PDF opens with a bookmark per heading, each on the heading's page,
// and every contents entry is a link to its heading (issue 25, item 8).
func TestPDFHasBookmarksAndLinkedContents(t *testing.T) {
	p := samplePublication()
	data, err := PDF(p)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "out.pdf")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	got := reader(t, "pdf_outline.py", "pypdf", file)
	pages := map[string]string{}
	for _, line := range strings.Split(got, "\n") {
		f := strings.Split(line, "\t")
		if len(f) == 3 && f[0] == "OUTLINE" {
			pages[f[1]] = f[2]
		}
	}
	links := strings.Count(got, "LINK\t2\t")
	for _, part := range p.Parts {
		if pg, ok := pages[headingLine(part)]; !ok || atoi(pg) < 3 {
			t.Errorf("bookmark %q: page %q", headingLine(part), pg)
		}
	}
	if links != len(p.Parts) {
		t.Errorf("%d links from the contents page, want %d:\n%s", links, len(p.Parts), got)
	}
	for _, line := range strings.Split(got, "\n") {
		if f := strings.Split(line, "\t"); len(f) == 3 && f[0] == "LINK" {
			found := false
			for _, pg := range pages {
				found = found || pg == f[2]
			}
			if !found {
				t.Errorf("a contents link to page %s, where no heading is", f[2])
			}
		}
	}
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}
