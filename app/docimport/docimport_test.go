package docimport

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// madeDocs writes outline.docx and outline.odt with python-docx and
// odfpy (testdata/make_docs.py): files no code of ours wrote.
func madeDocs(t *testing.T) string {
	t.Helper()
	python := "python3"
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		python = "/usr/bin/python3"
	}
	if err := exec.Command(python, "-c", "import docx, odf").Run(); err != nil {
		if os.Getenv("BPF_REQUIRE_READERS") != "" {
			t.Fatalf("python3-docx or python3-odf missing: %v", err)
		}
		t.Skip("python3-docx or python3-odf missing")
	}
	dir := t.TempDir()
	if out, err := exec.Command(python, filepath.Join("testdata", "make_docs.py"), dir).CombinedOutput(); err != nil {
		t.Fatalf("make_docs.py: %v\n%s", err, out)
	}
	return dir
}

func readFile(t *testing.T, path string) Document {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Read(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func dump(d Document) string {
	var b strings.Builder
	b.WriteString("TITLE " + d.Title + "\n")
	for _, p := range d.Intro {
		b.WriteString("INTRO " + p + "\n")
	}
	for _, s := range d.Sections {
		b.WriteString("# " + s.Heading + "\n")
		for _, p := range s.Paras {
			b.WriteString(p + "\n")
		}
	}
	return b.String()
}

func TestReadDOCXFromWord(t *testing.T) {
	d := readFile(t, filepath.Join(madeDocs(t), "outline.docx"))
	got := dump(d)
	want := `TITLE BPF Cybersecurity 2026 outline
INTRO Notes from the first call.
# 1. Definition of the issue(s)
Cyber norms are **voluntary** and *not binding*.
- First reason
- Second reason
**Background**
See the [IGF site](https://www.intgovforum.org/en) for more.
# What worked well
1. Step one
1. Step two
Region
Answers
# Survey of members
مرحبا بكم في منتدى حوكمة الإنترنت.
`
	if got != want {
		t.Errorf("read:\n%s\nwant:\n%s", got, want)
	}
}

func TestReadODTFromLibreOfficesFormat(t *testing.T) {
	d := readFile(t, filepath.Join(madeDocs(t), "outline.odt"))
	got := dump(d)
	want := `TITLE 
# Definition of the issue(s)
Norms matter[^1] to **everyone**, see [the norms](https://example.org/norms).
[^1]: As the 2015 GGE report says.
- alpha
- beta
# Regional specificities observed
Africa and Asia differ.
`
	if got != want {
		t.Errorf("read:\n%s\nwant:\n%s", got, want)
	}
}

func TestReadMarkdown(t *testing.T) {
	src := "Intro line.\n\n# Definition\n\nFirst *para*.\nSame para.\n\n```\n# not a heading\n```\n\nRegions\n=======\n\n- a\n- b\n\n## Sub\n\n[^1]: A note.\n"
	d, err := Read("mail.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := "TITLE \nINTRO Intro line.\n# Definition\nFirst *para*.\nSame para.\n```\n# not a heading\n```\n# Regions\n- a\n- b\n**Sub**\n[^1]: A note.\n"
	if got := dump(d); got != want {
		t.Errorf("read:\n%q\nwant:\n%q", got, want)
	}
}

// TestBadFilesAreRefused: what is not a document, is encrypted, is too
// large, or inflates without end is refused with a reason, before any
// of it is taken for text.
func TestBadFilesAreRefused(t *testing.T) {
	zipOf := func(files map[string][]byte) []byte {
		var b bytes.Buffer
		z := zip.NewWriter(&b)
		for name, data := range files {
			w, _ := z.Create(name)
			w.Write(data)
		}
		z.Close()
		return b.Bytes()
	}
	// 40 MB of zeros deflate to about 40 KB.
	bomb := zipOf(map[string][]byte{"word/document.xml": make([]byte, 40<<20)})
	for _, c := range []struct {
		name string
		data []byte
		want error
		says string
	}{
		{"photo.png", []byte("\x89PNG\r\n\x1a\n...."), ErrNotDocument, "not a .docx, .odt or Markdown"},
		{"old.doc", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), ErrEncrypted, "save it as .docx"},
		{"big.docx", make([]byte, MaxFileBytes+1), ErrTooLarge, "up to 20 MB"},
		{"bomb.docx", bomb, ErrTooLarge, "zip bomb"},
		{"cut.docx", bomb[:len(bomb)/2], ErrNotDocument, "damaged"},
		{"sheet.ods", zipOf(map[string][]byte{"mimetype": []byte("application/vnd.oasis.opendocument.spreadsheet")}), ErrNotDocument, "not a text"},
		{"secret.odt", zipOf(map[string][]byte{"mimetype": []byte("application/vnd.oasis.opendocument.text"),
			"META-INF/manifest.xml": []byte(`<manifest:encryption-data/>`), "content.xml": []byte("\x00\x01")}), ErrEncrypted, "password"},
		{"other.zip", zipOf(map[string][]byte{"a.txt": []byte("x")}), ErrNotDocument, "neither a .docx nor an .odt"},
		{"latin1.md", []byte("caf\xe9"), ErrNotDocument, "UTF-8"},
		{"entities.docx", zipOf(map[string][]byte{"word/document.xml": []byte(`<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>`)}), ErrNotDocument, "cannot be read"},
	} {
		_, err := Read(c.name, c.data)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v; want %v saying %q", c.name, err, c.want, c.says)
		}
	}
}
