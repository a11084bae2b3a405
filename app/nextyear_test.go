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
	cs, _ := s.Comments()
	for _, c := range cs {
		if c.Commenter.Name == "Chen Wei" {
			if err := s.Respond(ctx, c.ID, StatusAcceptedComment, "Named."); err != nil {
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
	if !strings.Contains(cover, "Dana Okafor (Civil society, on General): Add training.") || strings.Contains(cover, "Name the operators.") {
		t.Errorf("the cover's open comments:\n%s", cover)
	}
}
