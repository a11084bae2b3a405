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
