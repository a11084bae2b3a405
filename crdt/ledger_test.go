package crdt

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"
)

// ledgerOf builds a ledger from d and checks every section's text
// against Automerge's.
func ledgerOf(t *testing.T, d *Doc) *Ledger {
	t.Helper()
	l := NewLedger()
	if _, err := l.Update(d); err != nil {
		t.Fatal(err)
	}
	checkLedger(t, l, d)
	return l
}

func checkLedger(t *testing.T, l *Ledger, d *Doc) {
	t.Helper()
	all := l.All()
	secs := append(d.Sections(), d.RemovedSections()...)
	for _, s := range secs {
		got, err := l.Text(s.ID, all)
		if err != nil {
			t.Fatal(err)
		}
		if got != s.Body {
			t.Fatalf("section %q: ledger has\n%q\nAutomerge has\n%q", s.Heading, got, s.Body)
		}
	}
	if len(l.Sections()) != len(secs) {
		t.Fatalf("ledger knows %d sections, draft has %d", len(l.Sections()), len(secs))
	}
}

// authorsOf returns, per present character, the actor that inserted it.
func authorsOf(t *testing.T, l *Ledger, section string) []string {
	t.Helper()
	pieces, err := l.Compare(section, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range pieces {
		if p.Kind != Same {
			t.Fatalf("a state compared with itself has a piece of kind %d", p.Kind)
		}
		for range p.Text {
			out = append(out, l.Changes()[p.By].Actor)
		}
	}
	return out
}

func TestLedgerThreePeersIntoOneParagraph(t *testing.T) {
	a := newDraft(t, TemplateOutput)
	sec := a.Sections()[0].ID
	if err := a.AppendBody(sec, "Access matters."); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	b, c := fork(t, a), fork(t, a)
	// All three insert at the same place (after "Access"), and one of
	// them also deletes a word the others keep.
	for _, p := range []struct {
		d    *Doc
		text string
	}{{a, " AAA"}, {b, " BBB"}, {c, " CCC"}} {
		if err := p.d.Splice(sec, 6, 0, p.text); err != nil {
			t.Fatal(err)
		}
		commit(t, p.d)
	}
	if err := b.Splice(sec, 10, 8, ""); err != nil { // " matters"
		t.Fatal(err)
	}
	commit(t, b)
	mergeBoth(t, a, b)
	mergeBoth(t, a, c)
	mergeBoth(t, b, c)
	for _, d := range []*Doc{a, b, c} {
		l := ledgerOf(t, d)
		body, _ := d.Body(sec)
		authors := authorsOf(t, l, sec)
		for i, r := range []rune(body) {
			want := a.Actor()
			switch r {
			case 'B':
				want = b.Actor()
			case 'C':
				want = c.Actor()
			}
			if r == 'A' && i > 0 || r == 'B' || r == 'C' {
				if authors[i] != want {
					t.Fatalf("character %d %q of %q: author %s, want %s", i, r, body, authors[i], want)
				}
			}
		}
	}
}

func TestLedgerAfterHeadingMoveAndRemoval(t *testing.T) {
	a := newDraft(t, TemplateOutput)
	secs := a.Sections()
	if err := a.AppendBody(secs[2].ID, "Third heading's text."); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	b := fork(t, a)
	if err := b.MoveSection(secs[2].ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := b.Splice(secs[2].ID, 0, 0, "Moved: "); err != nil {
		t.Fatal(err)
	}
	if err := b.RemoveSection(secs[4].ID); err != nil {
		t.Fatal(err)
	}
	commit(t, b)
	if err := a.AppendBody(secs[4].ID, "Typed into a heading removed elsewhere."); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	mergeBoth(t, a, b)
	l := ledgerOf(t, a)
	authors := authorsOf(t, l, secs[2].ID)
	if authors[0] != b.Actor() || authors[len(authors)-1] != a.Actor() {
		t.Fatalf("authors of the moved heading's text: first %s, last %s", authors[0], authors[len(authors)-1])
	}
	if got := authorsOf(t, l, secs[4].ID); len(got) == 0 || got[0] != a.Actor() {
		t.Fatalf("text of the removed heading not attributed: %v", got)
	}
}

// TestLedgerMatchesAutomerge runs random concurrent edits on three peers
// with random merges and checks the ledger, built at random points and
// then fed incrementally, against Automerge's texts.
func TestLedgerMatchesAutomerge(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	a := newDraft(t, TemplateOutput)
	peers := []*Doc{a, fork(t, a), fork(t, a)}
	ledgers := []*Ledger{NewLedger(), NewLedger(), NewLedger()}
	secs := a.Sections()
	var midHeads []string
	midTexts := map[string]string{}
	words := []string{"multistakeholder ", "policy ", "é ", "Internet ", "😀", "\n\n", "GRULAC "}
	for round := 0; round < 60; round++ {
		for _, d := range peers {
			for k := rng.Intn(4); k >= 0; k-- {
				sec := secs[rng.Intn(3)].ID
				n, err := d.BodyLen(sec)
				if err != nil {
					t.Fatal(err)
				}
				pos := rng.Intn(n + 1)
				del := 0
				if n > pos && rng.Intn(3) == 0 {
					del = rng.Intn(min(n-pos, 12)) + 1
				}
				if err := d.Splice(sec, pos, del, words[rng.Intn(len(words))]); err != nil {
					t.Fatal(err)
				}
				if rng.Intn(2) == 0 {
					commit(t, d)
				}
			}
		}
		if round == 20 {
			midHeads = peers[0].Heads()
			for _, sec := range secs[:3] {
				midTexts[sec.ID], _ = peers[0].Body(sec.ID)
			}
		}
		i, j := rng.Intn(3), rng.Intn(3)
		if i != j {
			if err := peers[i].Merge(peers[j]); err != nil {
				t.Fatal(err)
			}
		}
		k := rng.Intn(3)
		if _, err := ledgers[k].Update(peers[k]); err != nil {
			t.Fatal(err)
		}
		checkLedger(t, ledgers[k], peers[k])
	}
	for i := range peers {
		for j := range peers {
			if i != j {
				if err := peers[i].Merge(peers[j]); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for k := range peers {
		if _, err := ledgers[k].Update(peers[k]); err != nil {
			t.Fatal(err)
		}
		checkLedger(t, ledgers[k], peers[k])
		fresh := ledgerOf(t, peers[k])
		for _, s := range secs[:3] {
			x, y := authorsOf(t, fresh, s.ID), authorsOf(t, ledgers[k], s.ID)
			if strings.Join(x, ",") != strings.Join(y, ",") {
				t.Fatalf("incremental and fresh ledgers disagree on section %q", s.Heading)
			}
		}
	}
	// The diff of two states is their texts' difference.
	l := ledgerOf(t, peers[1])
	mid, err := l.Upto(midHeads)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secs[:3] {
		pieces, err := l.Compare(s.ID, mid, l.All())
		if err != nil {
			t.Fatal(err)
		}
		var before, after strings.Builder
		for _, p := range pieces {
			if p.Kind != Inserted {
				before.WriteString(p.Text)
			}
			if p.Kind != Deleted {
				after.WriteString(p.Text)
			}
		}
		now, _ := peers[1].Body(s.ID)
		if before.String() != midTexts[s.ID] || after.String() != now {
			t.Fatalf("section %q: diff gives %q → %q, want %q → %q", s.Heading, before.String(), after.String(), midTexts[s.ID], now)
		}
	}
}

func TestLedgerVersionsSeeTheirOwnText(t *testing.T) {
	a := newDraft(t, TemplateOutput)
	sec := a.Sections()[0].ID
	if err := a.AppendBody(sec, "First words."); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	v1 := a.Heads()
	if err := a.Splice(sec, 0, 6, "Later"); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	l := ledgerOf(t, a)
	in, err := l.Upto(v1)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := l.Text(sec, in); got != "First words." {
		t.Fatalf("text at the first state: %q", got)
	}
	if _, err := l.Upto([]string{strings.Repeat("ab", 32)}); err == nil {
		t.Fatal("unknown head accepted")
	}
}

// OutlineAt reads the outline at heads from a fork of the document: the
// oracle Ledger.Outline is checked against (it replaced this in Diff,
// where a fork cost about 50 ms).
func (d *Doc) OutlineAt(heads []string) (visible, removed []Section, err error) {
	old, err := d.at(heads)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range old.allSections(false) {
		if s.Removed {
			removed = append(removed, s)
		} else {
			visible = append(visible, s)
		}
	}
	return visible, removed, nil
}

// checkOutline compares the ledger's outline of a state with Automerge's.
func checkOutline(t *testing.T, l *Ledger, d *Doc, heads []string) {
	t.Helper()
	in, err := l.Upto(heads)
	if err != nil {
		t.Fatal(err)
	}
	lv, lr := l.Outline(in)
	dv, dr, err := d.OutlineAt(heads)
	if err != nil {
		t.Fatal(err)
	}
	name := func(ss []Section) string {
		var b strings.Builder
		for _, s := range ss {
			b.WriteString(s.ID + "=" + s.Heading + "/" + s.Hint + fmt.Sprintf("/annex=%v", s.Annex) + "|")
		}
		return b.String()
	}
	if name(lv) != name(dv) || name(lr) != name(dr) {
		t.Fatalf("outline:\nledger    %s / %s\nautomerge %s / %s", name(lv), name(lr), name(dv), name(dr))
	}
}

func TestLedgerOutlineUnderConcurrentHeadingEdits(t *testing.T) {
	a := newDraft(t, TemplateOutput)
	b := fork(t, a)
	start := a.Heads()
	secs := a.Sections()
	if err := a.RenameSection(secs[1].ID, "Regions (Amina)"); err != nil {
		t.Fatal(err)
	}
	if err := a.MoveSection(secs[6].ID, 0); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	if err := b.RenameSection(secs[1].ID, "Regions (Bruno)"); err != nil {
		t.Fatal(err)
	}
	if err := b.RemoveSection(secs[3].ID); err != nil {
		t.Fatal(err)
	}
	if err := b.SetAnnex(secs[1].ID, true); err != nil { // beside Amina's rename
		t.Fatal(err)
	}
	if _, err := b.AddSection("A new heading", "", 2); err != nil {
		t.Fatal(err)
	}
	commit(t, b)
	mid := b.Heads()
	mergeBoth(t, a, b)
	if err := a.RestoreSection(secs[3].ID); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	l := ledgerOf(t, a)
	for _, h := range [][]string{start, mid, a.Heads()} {
		checkOutline(t, l, a, h)
	}
}

// TestLedgerWrote: what a burst of changes wrote is the text it added and
// kept, and the earlier text it took away; a typo typed and deleted
// within the burst leaves nothing, and a co-author's later edits do not
// change what the burst did.
func TestLedgerWrote(t *testing.T) {
	a := newDraft(t, TemplateOutput)
	sec := a.Sections()[0].ID
	if err := a.AppendBody(sec, "Access matters to everyone."); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	l := ledgerOf(t, a)
	before := len(l.Changes())
	b := fork(t, a)
	// The burst: insert " a lot", a typo typed and taken back, and
	// "to everyone" replaced.
	steps := []func() error{
		func() error { return b.Splice(sec, 14, 0, " a lot") },
		func() error { return b.Splice(sec, 0, 0, "Tpyo ") },
		func() error { return b.Splice(sec, 0, 5, "") },
		func() error { return b.Splice(sec, 21, 11, "for all") },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
		commit(t, b)
	}
	// Later, someone else deletes part of what the burst added.
	if err := b.Splice(sec, 15, 4, ""); err != nil {
		t.Fatal(err)
	}
	commit(t, b)
	l = ledgerOf(t, b)
	burst := make(ChangeSet, len(l.Changes()))
	for i := before; i < before+len(steps); i++ {
		burst[i] = true
	}
	ins, del, err := l.Wrote(sec, burst)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ins, "|") != " a lot|for all" || strings.Join(del, "|") != "to everyone" {
		t.Errorf("inserted %q, deleted %q", ins, del)
	}
	if _, _, err := l.Wrote("nosuch", burst); err == nil {
		t.Error("an unknown section gave no error")
	}
}

// TestElementTexts: an element's text is kept as one code point, or, for
// a string a peer set that is not one (none of ours), whole beside it.
func TestElementTexts(t *testing.T) {
	l := NewLedger()
	for _, text := range []string{"a", "é", "😀", "\uFFFD", "", "ab", "\xff", "e\u0301"} {
		at := int32(len(l.elems))
		l.elems = append(l.elems, element{next: -1, del: -1})
		l.setText(at, text)
		if got := string(l.appendText(nil, at)); got != text {
			t.Errorf("%q kept as %q", text, got)
		}
		if got := l.runes(at); got != utf8.RuneCountInString(text) {
			t.Errorf("%q counts %d code points", text, got)
		}
	}
	if len(l.strs) != 4 {
		t.Errorf("%d texts kept beside their elements, want 4 (\"\", \"ab\", \"\\xff\", \"e\\u0301\")", len(l.strs))
	}
}
