package app

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/igf-bpf/bpfdraft/app/docimport"
	"github.com/igf-bpf/bpfdraft/app/export"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// TestImportAWordOutline (issue 25, part 12): a Word file written by
// python-docx goes into a new draft: its headings find the template's by
// title, a heading that matches none becomes a new one, the text before
// the first heading goes under the first; the text is the importer's,
// with the file's name in the log; the plan changes nothing.
func TestImportAWordOutline(t *testing.T) {
	python := "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import docx, odf").Run(); err != nil {
		if os.Getenv("BPF_REQUIRE_READERS") != "" {
			t.Fatal("python3-docx or python3-odf missing")
		}
		t.Skip("python3-docx or python3-odf missing")
	}
	dir := t.TempDir()
	if out, err := exec.Command(python, filepath.Join("docimport", "testdata", "make_docs.py"), dir).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "outline.docx"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w := openWS(t, t.TempDir())
	withProfile(t, w, "Amina")
	s := newDraft(t, w, "From Word")
	if _, _, err := s.Write(ctx, "1", "Already written.", false); err != nil {
		t.Fatal(err)
	}
	before := s.View().Sections
	plan, err := s.PlanImport(filepath.Join(dir, "outline.docx"), data, ImportByTitle, "")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, st := range plan.Steps {
		lines = append(lines, st.From+" → "+st.Heading+" ("+st.Why+")")
	}
	want := []string{
		" → Definition of the issue(s) (first)",
		"1. Definition of the issue(s) → Definition of the issue(s) (title)",
		"What worked well → What worked well, identifying common effective practices (title)",
		"Survey of members → Survey of members (new)",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if len(s.View().Sections) != len(before) || s.View().Sections[0].Body != "Already written." {
		t.Fatal("planning changed the draft")
	}
	if _, err := s.ApplyImport(ctx, plan); err != nil {
		t.Fatal(err)
	}
	secs := s.Sections()
	if got := secs[0].Body; got != "Already written.\n\nNotes from the first call.\n\nCyber norms are **voluntary** and *not binding*.\n\n- First reason\n- Second reason\n\n**Background**\n\nSee the [IGF site](https://www.intgovforum.org/en) for more." {
		t.Errorf("heading 1:\n%s", got)
	}
	last := secs[len(secs)-1]
	if last.Heading != "Survey of members" || last.Body != "مرحبا بكم في منتدى حوكمة الإنترنت." {
		t.Errorf("the new heading: %q: %q", last.Heading, last.Body)
	}
	log, err := s.Log(LogFilter{})
	if err != nil {
		t.Fatal(err)
	}
	from := 0
	for _, e := range log {
		if e.From == "imported from outline.docx" {
			from++
			if e.Name != "Amina" || !e.Verified {
				t.Errorf("an imported change by %q, verified %v", e.Name, e.Verified)
			}
		}
	}
	if from < 4 {
		t.Errorf("%d changes name the file", from)
	}
}

// TestImportOwnExportsRoundTrip: a draft exported as DOCX and as ODT (as
// a co-facilitator would, to edit in Word) and imported into a new
// draft gives back the same text: the paragraph numbers the export
// printed are dropped, links and footnotes come back as written, and a
// note label the new draft already uses is renumbered.
func TestImportOwnExportsRoundTrip(t *testing.T) {
	ctx := context.Background()
	w := openWS(t, t.TempDir())
	withProfile(t, w, "Amina")
	src := newDraft(t, w, "Source")
	body := "Access is a **right** for *all*.\n\n- one\n- two\n\nSee [the IGF](https://www.intgovforum.org/) and the survey.[^1]\n\n[^1]: Forty-two answers."
	if _, _, err := src.Write(ctx, "2", body, false); err != nil {
		t.Fatal(err)
	}
	pub, err := src.Publication(Current, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name   string
		render func(export.Publication) ([]byte, error)
	}{{"out.docx", export.DOCX}, {"out.odt", export.ODT}} {
		data, err := f.render(pub)
		if err != nil {
			t.Fatal(err)
		}
		dst := newDraft(t, w, "Copy "+f.name)
		if _, _, err := dst.Write(ctx, "5", "Mine.[^1]\n\n[^1]: Already a note.", false); err != nil {
			t.Fatal(err)
		}
		plan, err := dst.PlanImport(f.name, data, ImportByTitle, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dst.ApplyImport(ctx, plan); err != nil {
			t.Fatal(err)
		}
		got := dst.Sections()[1].Body
		want := strings.ReplaceAll(body, "[^1]", "[^2]")
		if got != want {
			t.Errorf("%s: heading 2 came back as\n%q\nwant\n%q", f.name, got, want)
		}
	}
}

// TestImportRefusesWithoutChange: a bad file, or one that would take
// the draft past its size limit, changes nothing.
func TestImportRefusesWithoutChange(t *testing.T) {
	ctx := context.Background()
	w := openWS(t, t.TempDir())
	withProfile(t, w, "Amina")
	s := newDraft(t, w, "Refusals")
	heads := s.Heads()
	if _, err := s.PlanImport("x.pdf", []byte("%PDF-1.7"), ImportByTitle, ""); !errors.Is(err, docimport.ErrNotDocument) {
		t.Errorf("a PDF: %v", err)
	}
	huge := "# Definition of the issue(s)\n\n" + strings.Repeat("word ", MaxDraftText/5+10)
	plan, err := s.PlanImport("huge.md", []byte(huge), ImportByTitle, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyImport(ctx, plan); !errors.Is(err, ErrTooLarge) {
		t.Errorf("past the limit: %v", err)
	}
	if strings.Join(s.Heads(), ",") != strings.Join(heads, ",") {
		t.Error("a refused import changed the draft")
	}
	// A paragraph that opens with a number keeps it; only the bold
	// number of an export of ours goes.
	if got := stripParaNumber("3.5 million people are offline."); got != "3.5 million people are offline." {
		t.Errorf("a leading number was taken: %q", got)
	}
	if got := stripParaNumber("**3.5** Access."); got != "Access." {
		t.Errorf("an export's number stayed: %q", got)
	}
	_ = crdt.ErrInvalid
}
