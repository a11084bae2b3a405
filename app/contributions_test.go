package app

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// TestContributionsGroupBursts: a person's edits of one heading, each
// within Burst of the last, are one contribution even when a co-author's
// edits come between; a pause longer than Burst, another heading or
// another kind of change starts a new one.
func TestContributionsGroupBursts(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	at := func(min float64) time.Time { return t0.Add(time.Duration(min * float64(time.Minute))) }
	e := func(who, sec string, kind crdt.Kind, min float64) LogEntry {
		return LogEntry{Hash: who + sec + at(min).String(), Person: who, SectionID: sec, Kind: kind, Time: at(min), Added: 1}
	}
	entries := []LogEntry{
		e("amina", "s1", crdt.KindEdit, 0),
		e("amina", "s1", crdt.KindEdit, 1),
		e("bruno", "s1", crdt.KindEdit, 1.5), // between Amina's edits
		e("amina", "s1", crdt.KindEdit, 4),
		e("amina", "s2", crdt.KindEdit, 4.5),        // another heading
		e("amina", "s1", crdt.KindHeadRename, 4.6),  // another kind
		e("amina", "s1", crdt.KindEdit, 8.9),        // 4.9 minutes after her last edit of s1
		e("amina", "s1", crdt.KindEdit, 20),         // after a pause
		e("amina", "s1", crdt.KindHeadRename, 20.1), // renames stand alone
		e("amina", "s1", crdt.KindHeadRename, 20.2),
		e("amina", "", crdt.KindProfile, 0.5), // her second device
		e("amina", "", crdt.KindProfile, 30),  // and a third, later
	}
	got, hashes := group(entries)
	var shape []string
	for i, c := range got {
		shape = append(shape, c.Person+"/"+c.SectionID+"/"+string(c.Kind)+"×"+strconv.Itoa(c.Changes))
		if len(hashes[i]) != c.Changes || c.Added != c.Changes {
			t.Errorf("contribution %d: %d hashes, %d added, for %d changes", i, len(hashes[i]), c.Added, c.Changes)
		}
	}
	want := "amina/s1/e×4 bruno/s1/e×1 amina/s2/e×1 amina/s1/hr×1 amina/s1/e×1 amina/s1/hr×1 amina/s1/hr×1 amina//p×2"
	if strings.Join(shape, " ") != want {
		t.Errorf("grouped as\n%s\nwant\n%s", strings.Join(shape, " "), want)
	}
	if !got[0].Until.Equal(at(8.9)) {
		t.Errorf("the first contribution ends at %v", got[0].Until)
	}
}

// TestContributionsCarryTheirText: live typing (a change per key) is one
// contribution with the text it added and the co-author's text it
// removed; a typo typed and taken back shows nowhere.
func TestContributionsCarryTheirText(t *testing.T) {
	ctx := context.Background()
	wb := openWSWith(t, t.TempDir(), Options{Poll: -1, CommitEvery: 1})
	withProfile(t, wb, "Bruno")
	b := newDraft(t, wb, "Access")
	sec := b.Sections()[0].ID
	if err := b.Splice(ctx, sec, 0, 0, "Old text stays."); err != nil {
		t.Fatal(err)
	}
	saved, err := b.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wa := openWSWith(t, t.TempDir(), Options{Poll: -1, CommitEvery: 1})
	withProfile(t, wa, "Amina")
	if _, _, err := wa.Import(ctx, saved); err != nil {
		t.Fatal(err)
	}
	s, err := wa.Session(ctx, b.ID())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(ctx) })
	for i, r := range " New words." {
		if err := s.Splice(ctx, sec, 15+i, 0, string(r)); err != nil {
			t.Fatal(err)
		}
	}
	for _, step := range []struct {
		pos, del int
		ins      string
	}{{0, 0, "Tpyo"}, {0, 4, ""}, {3, 5, ""}} { // the typo, then " text" removed
		if err := s.Splice(ctx, sec, step.pos, step.del, step.ins); err != nil {
			t.Fatal(err)
		}
	}
	// Her name comes from the view, which must know her from her first
	// edit on (it said "unknown" until something else rebuilt it).
	cs, err := s.Contributions(LogFilter{Section: sec, Participant: "Amina"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 {
		t.Fatalf("%d contributions: %+v", len(cs), cs)
	}
	c := cs[0]
	if c.Changes != 14 || strings.Join(c.Inserted, "|") != " New words." || strings.Join(c.Deleted, "|") != " text" {
		t.Errorf("%d changes, inserted %q, deleted %q", c.Changes, c.Inserted, c.Deleted)
	}
	// Bruno's contribution is what he wrote, whatever Amina did to it.
	cs, err = s.Contributions(LogFilter{Section: sec, Participant: "Bruno"})
	if err != nil || len(cs) != 1 || strings.Join(cs[0].Inserted, "|") != "Old text stays." {
		t.Errorf("Bruno's: %+v (%v)", cs, err)
	}
}

// TestDraftTextIsBounded: a write or a paste that would take a draft past
// MaxDraftText is refused with the reason and changes nothing; writes
// within it, and writes that shrink a draft, go through (issue 15,
// defect 3).
func TestDraftTextIsBounded(t *testing.T) {
	ctx := context.Background()
	w := openWSWith(t, t.TempDir(), Options{Poll: -1})
	withProfile(t, w, "Amina")
	s := newDraft(t, w, "Bounded")
	secs := s.Sections()
	half := strings.Repeat("a", MaxDraftText/2)
	if _, _, err := s.Write(ctx, secs[0].ID, half, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Write(ctx, secs[1].ID, half+"too much", false); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "draft of its own") {
		t.Fatalf("a write past the limit: %v", err)
	}
	if err := s.Splice(ctx, secs[1].ID, 0, 0, half+"pasted"); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a paste past the limit: %v", err)
	}
	if got := s.Sections()[1].Body; got != "" {
		t.Errorf("a refused write left %d characters", len(got))
	}
	if _, _, err := s.Write(ctx, secs[1].ID, half, false); err != nil {
		t.Errorf("a write up to the limit: %v", err)
	}
	if _, _, err := s.Write(ctx, secs[0].ID, "short now", false); err != nil {
		t.Errorf("a write that shrinks the draft: %v", err)
	}
}
