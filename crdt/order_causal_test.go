package crdt

import (
	"testing"
	"time"
)

// TestLatestByCausalityNotClocks: an entry made knowing another
// decides over it whatever the clocks said; of two made apart, every
// peer picks the same one, whichever order it learnt them in.
func TestLatestByCausalityNotClocks(t *testing.T) {
	a := newDraft(t, TemplateOutput)
	sec := a.Sections()[0].ID
	b := fork(t, a)
	// b's clock is a day ahead: its change is "later" by time only.
	b.SetClock(func() time.Time { return time.Now().Add(24 * time.Hour) })
	if err := b.AppendBody(sec, "B wrote first."); err != nil {
		t.Fatal(err)
	}
	commit(t, b)
	mergeBoth(t, a, b)
	if err := a.AppendBody(sec, " A answered, knowing it."); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	c := fork(t, a) // apart from here on: a and c each write once
	if err := a.AppendBody(sec, " A again."); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	if err := c.AppendBody(sec, " C apart."); err != nil {
		t.Fatal(err)
	}
	commit(t, c)

	// Two peers learn the changes in different orders.
	one, two := fork(t, a), fork(t, c)
	mergeBoth(t, one, c)
	mergeBoth(t, two, a)
	refs := func(l *Ledger) (bRef, answer, again, apart ChangeRef) {
		for i, ch := range l.Changes() {
			r := ChangeRef(i)
			switch {
			case ch.Actor == b.Actor():
				bRef = r
			case ch.Actor == c.Actor():
				apart = r
			case ch.Actor == a.Actor() && ch.Seq == 2:
				answer = r
			case ch.Actor == a.Actor() && ch.Seq == 3:
				again = r
			}
		}
		return
	}
	var picks []string
	for _, d := range []*Doc{one, two} {
		l := ledgerOf(t, d)
		bRef, answer, again, apart := refs(l)
		if !l.Precedes(bRef, answer) || l.Precedes(answer, bRef) {
			t.Fatal("the answer does not follow what it answered")
		}
		if l.Latest([]ChangeRef{bRef, answer}) != 1 || l.Latest([]ChangeRef{answer, bRef}) != 0 {
			t.Error("the entry with the later clock decided over the one made knowing it")
		}
		if l.Precedes(again, apart) || l.Precedes(apart, again) {
			t.Fatal("changes made apart are ordered causally")
		}
		pair := []ChangeRef{again, apart}
		picked, reversed := pair[l.Latest(pair)], []ChangeRef{apart, again}[l.Latest([]ChangeRef{apart, again})]
		if picked != reversed {
			t.Error("of two entries made apart, the one that decides depends on their order")
		}
		picks = append(picks, l.changes[picked].Hash)
	}
	if picks[0] != picks[1] {
		t.Error("two peers holding the same changes pick different entries")
	}
}
