package crdt

import (
	"crypto/ed25519"
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

// TestVersionsMadeApartOrderedByHash: two co-facilitators name a version
// with one name, apart, one of them with a clock set a day back; every
// peer lists them in one order, by change hash, so the name refers to
// the same one everywhere and no clock decides it (issue 23, item 3).
func TestVersionsMadeApartOrderedByHash(t *testing.T) {
	owner, other, _, otherKey := signedDraft(t)
	if err := owner.SetRole(Fingerprint(otherKey.Public().(ed25519.PublicKey)), RoleCoFacilitator, t0); err != nil {
		t.Fatal(err)
	}
	commit(t, owner)
	send(t, owner, other)
	early := t0.Add(-24 * time.Hour)
	other.SetClock(func() time.Time { return early })
	if _, err := other.AddVersion("Final output", nil, early); err != nil {
		t.Fatal(err)
	}
	commit(t, other)
	if _, err := owner.AddVersion("Final output", nil, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	commit(t, owner)
	send(t, owner, other)
	send(t, other, owner)
	var lists [2][]Version
	for i, d := range []*Doc{owner, other} {
		l := ledgerOf(t, d)
		lists[i] = d.Authority(l).Versions()
	}
	if len(lists[0]) != 2 || lists[0][0].ID != lists[1][0].ID || lists[0][1].ID != lists[1][1].ID {
		t.Fatalf("the two peers list %+v and %+v", lists[0], lists[1])
	}
	l := ledgerOf(t, owner)
	second := lists[0]
	hashOf := func(v Version) string {
		for _, c := range l.Changes() {
			if c.Info.Kind == KindVersion && c.Info.Section == v.ID {
				return c.Hash
			}
		}
		return ""
	}
	if hashOf(second[0]) > hashOf(second[1]) {
		t.Errorf("versions made apart listed by clock, not by hash: %s (%s) before %s (%s)",
			second[0].At, hashOf(second[0]), second[1].At, hashOf(second[1]))
	}
}
