package crdt

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestRepairPutsBackTheLayout is issue 13's fifth defect: a co-author's
// change that deletes the meta and sections maps merged without error,
// and the draft could not be read again anywhere.
func TestRepairPutsBackTheLayout(t *testing.T) {
	a := newDraft(t, TemplateOutput)
	if err := a.AppendBody(a.Sections()[1].ID, "Text that must survive."); err != nil {
		t.Fatal(err)
	}
	if err := a.RemoveSection(a.Sections()[3].ID); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	was, removed := a.SnapshotWithRemoved()
	peer := fork(t, a)
	hostile := fork(t, a)
	for _, key := range []string{"meta", "sections", "participants"} {
		if err := hostile.am.RootMap().Delete(key); err != nil {
			t.Fatal(err)
		}
	}
	commit(t, hostile)
	if err := a.Merge(hostile); err != nil {
		t.Fatal(err)
	}
	if a.Check() == nil {
		t.Fatal("the hostile change left the layout whole")
	}
	changed, err := a.Repair(was, removed)
	if err != nil || !changed {
		t.Fatalf("repair: %v %v", changed, err)
	}
	commit(t, a)
	back, err := Load(save(t, a))
	if err != nil {
		t.Fatalf("the repaired draft does not load: %v", err)
	}
	now, gone := back.SnapshotWithRemoved()
	if now.Meta.ID != was.Meta.ID || now.Meta.Title != was.Meta.Title || len(now.Sections) != len(was.Sections) || len(gone) != 1 {
		t.Fatalf("repaired: %+v, %d sections, %d removed", now.Meta, len(now.Sections), len(gone))
	}
	if now.Sections[1].Body != "Text that must survive." || now.Sections[1].Heading != was.Sections[1].Heading {
		t.Errorf("section 2 after the repair: %+v", now.Sections[1])
	}
	// A peer that takes the hostile change and the repair reads a whole draft.
	if err := peer.Merge(hostile); err != nil {
		t.Fatal(err)
	}
	if err := peer.Merge(a); err != nil {
		t.Fatal(err)
	}
	if peer.Check() != nil {
		t.Error("a peer with both changes cannot read the draft")
	}
}

// TestDisagreeingHistoriesAreNotDamage: two different changes under one
// actor and sequence number (what a restored backup used to commit) are
// refused as such, not reported as a damaged file.
func TestDisagreeingHistoriesAreNotDamage(t *testing.T) {
	a := newDraft(t, TemplateOutput)
	b := fork(t, a)
	if err := b.SetActor(a.Actor()); err != nil {
		t.Fatal(err)
	}
	if err := a.AppendBody(a.Sections()[0].ID, "one"); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	if err := b.AppendBody(b.Sections()[0].ID, "other"); err != nil {
		t.Fatal(err)
	}
	commit(t, b)
	changes, _, err := b.ChangesSince(a.Heads()[:0])
	if err != nil {
		t.Fatal(err)
	}
	err = a.LoadIncremental(changes)
	if !errors.Is(err, ErrRefused) || errors.Is(err, ErrCorrupt) {
		t.Errorf("a duplicate sequence number: %v", err)
	}
}

// TestHostileLayoutFixture keeps app/testdata/hostile-layout: a draft,
// and a change from a co-author that deletes its meta and sections maps,
// which app's tests push through the sync path (app may not build such a
// change: only crdt speaks to Automerge). BPF_WRITE_FIXTURES=1 writes
// the files again; otherwise the test checks they still show the attack.
func TestHostileLayoutFixture(t *testing.T) {
	dir := filepath.Join("..", "app", "testdata", "hostile-layout")
	if os.Getenv("BPF_WRITE_FIXTURES") != "" {
		d := newDraft(t, TemplateOutput)
		if err := d.AppendBody(d.Sections()[1].ID, "Text that must survive."); err != nil {
			t.Fatal(err)
		}
		commit(t, d)
		base := save(t, d)
		hostile := fork(t, d)
		for _, key := range []string{"meta", "sections"} {
			if err := hostile.am.RootMap().Delete(key); err != nil {
				t.Fatal(err)
			}
		}
		commit(t, hostile)
		changes, _, err := hostile.ChangesSince(d.Heads())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range map[string][]byte{"base.automerge": base, "hostile.changes": changes} {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	base, err := os.ReadFile(filepath.Join(dir, "base.automerge"))
	if err != nil {
		t.Fatalf("%v (BPF_WRITE_FIXTURES=1 go test ./crdt -run HostileLayoutFixture writes it)", err)
	}
	changes, err := os.ReadFile(filepath.Join(dir, "hostile.changes"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := Load(base)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.LoadIncremental(changes); err != nil {
		t.Fatal(err)
	}
	if d.Check() == nil {
		t.Error("the fixture's change no longer breaks the layout")
	}
}
