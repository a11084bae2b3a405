package app

import (
	"context"
	"strings"
	"testing"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// TestNextYearInFrench: next year's draft of a French output is in
// French, starts with this year's definition and unresolved issues
// (found by their place in the template, not their English titles), and
// carries the French carry-forward segment into its cover.
func TestNextYearInFrench(t *testing.T) {
	ctx := context.Background()
	w := openWSWith(t, t.TempDir(), Options{Poll: -1})
	withProfile(t, w, "Amina")
	id, err := w.Create(ctx, NewDraft{Template: crdt.TemplateOutput, Language: crdt.French, Title: "BPF Cybersécurité 2026", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	s, err := w.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	secs := s.Sections()
	if secs[0].Heading != "Définition de la ou des questions" {
		t.Fatalf("a French draft begins with %q", secs[0].Heading)
	}
	for place, text := range map[int]string{crdt.OutputDefinition: "La question.", crdt.OutputUnresolved: "Ce qui reste ouvert.", crdt.OutputCarryForward: "Continuer en 2027."} {
		if _, _, err := s.Write(ctx, secs[place].ID, text, false); err != nil {
			t.Fatal(err)
		}
	}
	s.Close(ctx)
	next, err := w.NextYear(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := w.Session(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close(ctx)
	got := ns.Sections()
	if ns.Meta().Language != "fr" || ns.Meta().Title != "BPF Cybersécurité 2027" {
		t.Errorf("next year's draft: %q in %q", ns.Meta().Title, ns.Meta().Language)
	}
	if got[crdt.OutputDefinition].Body != "La question." || got[crdt.OutputUnresolved].Body != "Ce qui reste ouvert." || got[crdt.OutputCarryForward].Body != "" {
		t.Errorf("seeded: %q, %q, %q", got[0].Body, got[5].Body, got[8].Body)
	}
	if !strings.Contains(ns.Meta().Cover, "Continuer en 2027.") {
		t.Errorf("cover %q", ns.Meta().Cover)
	}
}

// Next year's draft starts from this year's proposed steps too, and its
// cover lists the public comments left unanswered (issue 25, item 13).
func TestNextYearCarriesProposedStepsAndOpenComments(t *testing.T) {
	ctx := context.Background()
	w := openWSWith(t, t.TempDir(), Options{Poll: -1})
	withProfile(t, w, "Amina")
	id, err := w.Create(ctx, NewDraft{Template: crdt.TemplateOutput, Title: "BPF Cybersecurity 2026", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	s, err := w.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	secs := s.Sections()
	for place, text := range map[int]string{crdt.OutputDefinition: "The issue.", crdt.OutputProposedSteps: "Map incident-response training needs."} {
		if _, _, err := s.Write(ctx, secs[place].ID, text, false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.NameVersion(ctx, "Draft for public comment"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportComments(ctx, []byte("paragraph,name,stakeholder_group,comment\r\n1.1,Chen Wei,Technical community,Name the operators.\r\n,Dana Okafor,Civil society,Add training.\r\n"), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportComments(ctx, []byte("paragraph,name,stakeholder_group,comment\r\n8.1,Eli Moreau,Academia,Measure it first.\r\n"), ""); err != nil {
		t.Fatal(err)
	}
	cs, _ := s.Comments()
	for _, c := range cs {
		switch c.Commenter.Name {
		case "Chen Wei":
			if err := s.Respond(ctx, c.ID, StatusAcceptedComment, "Named."); err != nil {
				t.Fatal(err)
			}
		case "Eli Moreau":
			if err := s.Respond(ctx, c.ID, StatusNextYear, "Next year's first step."); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.Close(ctx)
	next, err := w.NextYear(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := w.Session(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close(ctx)
	if got := ns.Sections()[crdt.OutputProposedSteps].Body; got != "Map incident-response training needs." {
		t.Errorf("proposed steps carried: %q", got)
	}
	cover := ns.Meta().Cover
	if !strings.Contains(cover, "Dana Okafor (Civil society, on General): Add training.") || strings.Contains(cover, "Name the operators.") ||
		!strings.Contains(cover, "Eli Moreau (Academia, on 8.1): Measure it first.") {
		t.Errorf("the cover's open comments:\n%s", cover)
	}
}

// TestNextYearKeepsTheAuthors (issue 25, item 13): text next year's draft
// starts with is shown as its first authors', carried forward, not as
// written by whoever ran next-year; carried again a year on, it still
// names them.
func TestNextYearKeepsTheAuthors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := openWSWith(t, dir, Options{Poll: -1})
	withProfile(t, w, "Amina")
	id, err := w.Create(ctx, NewDraft{Template: crdt.TemplateOutput, Title: "BPF Trust 2026", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	s, err := w.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	steps := s.Sections()[crdt.OutputProposedSteps].ID
	if _, _, err := s.Write(ctx, steps, "Amina's step.", false); err != nil {
		t.Fatal(err)
	}
	// Bruno, on his own device, adds a step; his copy merges in.
	data, err := s.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wb := openWSWith(t, t.TempDir(), Options{Poll: -1})
	withProfileAs(t, wb, "Bruno", crdt.TechnicalCommunity, crdt.GRULAC)
	if _, _, err := wb.Import(ctx, data); err != nil {
		t.Fatal(err)
	}
	sb, err := wb.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := sb.Write(ctx, steps, "Amina's step.\n\nBruno's step.", false); err != nil {
		t.Fatal(err)
	}
	bdata, err := sb.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sb.Close(ctx)
	if _, _, err := w.Import(ctx, bdata); err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)
	next, err := w.NextYear(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := w.Session(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	sec := ns.Sections()[crdt.OutputProposedSteps]
	runs, err := ns.Authors(sec.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	body := []rune(sec.Body)
	for _, r := range runs {
		got = append(got, strings.TrimSpace(string(body[r.Start:r.End]))+" ← "+r.From)
	}
	want := "Amina's step. ← carried forward from the 2026 output, written by Amina (Civil society, African)|" +
		"Bruno's step. ← carried forward from the 2026 output, written by Bruno (Technical community, GRULAC)"
	if strings.Join(got, "|") != want {
		t.Errorf("authors:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.ReplaceAll(want, "|", "\n"))
	}
	ns.Close(ctx)
	// A year on, carried again: still Amina's and Bruno's.
	third, err := w.NextYear(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := w.Session(ctx, third)
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close(ctx)
	sec = ts.Sections()[crdt.OutputProposedSteps]
	runs, _ = ts.Authors(sec.ID)
	if len(runs) != 2 || !strings.HasSuffix(runs[1].From, "written by Bruno (Technical community, GRULAC)") {
		t.Errorf("carried twice: %+v", runs)
	}
}

func withProfileAs(t testing.TB, w *Workspace, name string, g crdt.Group, r crdt.Region) {
	t.Helper()
	if _, err := w.SetProfile(context.Background(), Profile{Name: name, Group: g, Region: r}); err != nil {
		t.Fatal(err)
	}
}
