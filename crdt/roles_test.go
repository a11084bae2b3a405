package crdt

import "testing"

func TestGrantsCountOnlyFromTheCreator(t *testing.T) {
	a := newDraft(t, TemplateOutput)
	if _, err := a.SetParticipant(Participant{Person: "amina", Name: "Amina"}); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	b := fork(t, a)
	if _, err := b.SetParticipant(Participant{Person: "bruno", Name: "Bruno"}); err != nil {
		t.Fatal(err)
	}
	// Bruno writes himself a grant: readers ignore it.
	if err := b.SetRole("bruno", RoleCoFacilitator, t0); err != nil {
		t.Fatal(err)
	}
	commit(t, b)
	mergeBoth(t, a, b)
	if r := a.RoleOf(b.Actor()); r != RoleParticipant {
		t.Fatalf("a self-granted role counts: %q", r)
	}
	if r := a.RoleOf(a.Actor()); r != RoleCoFacilitator || a.Creator() != a.Actor() {
		t.Fatalf("creator %s has role %q", a.Creator(), r)
	}
	if err := a.SetRole("bruno", RoleRapporteur, t0); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	mergeBoth(t, a, b)
	if r := b.RoleOf(b.Actor()); r != RoleRapporteur {
		t.Fatalf("granted role reads %q", r)
	}
	// A second device of the creator's person grants too.
	c := fork(t, a)
	if _, err := c.SetParticipant(Participant{Person: "amina", Name: "Amina (laptop)"}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetRole("bruno", RoleParticipant, t0); err != nil {
		t.Fatal(err)
	}
	commit(t, c)
	mergeBoth(t, a, c)
	if r := a.RoleOf(b.Actor()); r != RoleParticipant {
		t.Fatalf("withdrawn from the creator's second device: %q", r)
	}
	if roles := a.Roles(); roles[c.Actor()] != RoleCoFacilitator || roles[b.Actor()] != RoleParticipant {
		t.Fatalf("roles: %v", roles)
	}
}
