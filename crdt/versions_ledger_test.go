package crdt

import (
	"testing"
	"time"
)

// TestForgedVersionsDoNotCount is issue 23's fourth attack: Bruno, a
// participant, names a version "Draft for public comment" claiming
// Amina named it, a day earlier, of an older state; and he rewrites the
// heads of Amina's own version. Every peer still finds Amina's version
// under that name, with the heads she froze, and lists no forged one;
// once Bruno is a co-facilitator, a version he names counts, after
// Amina's in the history's order.
func TestForgedVersionsDoNotCount(t *testing.T) {
	a := newDraft(t, TemplateOutput)
	participate(t, a, "amina", "Amina")
	sec := a.Sections()[0].ID
	if err := a.AppendBody(sec, "Before."); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	old := a.Heads()
	if err := a.AppendBody(sec, " Published text."); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	real, err := a.AddVersion("Draft for public comment", nil, t0)
	if err != nil {
		t.Fatal(err)
	}
	commit(t, a)

	b := fork(t, a)
	participate(t, b, "bruno", "Bruno")
	forged, err := b.AddVersion("Draft for public comment", old, t0)
	if err != nil {
		t.Fatal(err)
	}
	vm, _ := mapAt(b.am.RootMap(), "versions")
	for id, fields := range map[string]map[string]any{
		forged.ID: {"actor": a.Actor(), "at": t0.Add(-24 * time.Hour)},
		real.ID:   {"heads": old[0]},
	} {
		m, err := mapAt(vm, id)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range fields {
			if err := m.Set(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	commit(t, b)
	mergeBoth(t, a, b)

	for _, d := range []*Doc{a, b} {
		l := ledgerOf(t, d)
		vs := d.Authority(l).Versions()
		if len(vs) != 1 || vs[0].ID != real.ID || vs[0].Actor != a.Actor() || !sameHeads(vs[0].Heads, real.Heads) {
			t.Fatalf("%s's copy counts versions %+v; want only Amina's %s at %v", d.Actor()[:6], vs, real.ID, real.Heads)
		}
	}

	// Made a co-facilitator, Bruno names a version that counts.
	if err := a.SetRole("bruno", RoleCoFacilitator, t0); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	mergeBoth(t, a, b)
	second, err := b.AddVersion("Final", nil, t0)
	if err != nil {
		t.Fatal(err)
	}
	commit(t, b)
	mergeBoth(t, a, b)
	for _, d := range []*Doc{a, b} {
		vs := d.Authority(ledgerOf(t, d)).Versions()
		if len(vs) != 2 || vs[0].ID != real.ID || vs[1].ID != second.ID {
			t.Errorf("%s's copy lists %+v", d.Actor()[:6], vs)
		}
	}
}

func sameHeads(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
