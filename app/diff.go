package app

import (
	"slices"
	"time"
	"unicode"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// HeadingDiff is what changed under one heading between two states of
// the draft.
type HeadingDiff struct {
	Section string
	Number  int    // in the later state; 0 when the heading is gone there
	Heading string // in the later state, or the earlier one if gone
	Was     string // the heading in the earlier state, when it differs ("" if new)
	Added   bool   // the heading is new in the later state
	Removed bool   // the heading is gone in the later state
	Pieces  []DiffPiece
}

// Changed reports whether anything under the heading changed.
func (h HeadingDiff) Changed() bool {
	if h.Added || h.Removed || h.Was != "" {
		return true
	}
	for _, p := range h.Pieces {
		if p.Kind != crdt.Same {
			return true
		}
	}
	return false
}

// DiffPiece is a run of text that fared alike, with who is behind it:
// the writer for inserted text, the one who deleted it for deleted text
// (see readable for how the ledger's pieces become these). Unchanged
// text carries no author.
type DiffPiece struct {
	Kind   crdt.PieceKind
	Text   string
	Actor  string    // the device of the latest change in the run
	Person string    // the person behind it (the actor when unknown)
	At     time.Time // when that change was made
}

// state is one side of a comparison: a set of changes and the draft's
// outline in it.
type state struct {
	in       crdt.ChangeSet
	sections []crdt.Section // visible, in order
	removed  []crdt.Section
}

// stateOf resolves a version reference (a name, an id, or "current") on
// the owner. The draft as it stands has its typing committed first.
func (s *Session) stateOf(l *crdt.Ledger, ref string) (state, error) {
	if ref == "" || ref == Current {
		v := s.View()
		return state{in: l.All(), sections: v.Sections, removed: v.Removed}, nil
	}
	if ref == Creation {
		in := make(crdt.ChangeSet, len(l.Changes()))
		visible, removed := l.Outline(in)
		return state{in: in, sections: visible, removed: removed}, nil
	}
	ver, err := s.Version(ref)
	if err != nil {
		return state{}, err
	}
	in, err := l.Upto(ver.Heads)
	if err != nil {
		return state{}, err
	}
	visible, removed := l.Outline(in)
	return state{in: in, sections: visible, removed: removed}, nil
}

// Diff compares two states of the draft (version names or ids, or
// "current"), heading by heading, in the later state's order followed by
// the headings it no longer has.
func (s *Session) Diff(from, to string) ([]HeadingDiff, error) {
	var out []HeadingDiff
	err := s.do(func() error {
		s.commitTyping() // o.committed and the view already hold the typed text
		l, err := s.ledger()
		if err != nil {
			return err
		}
		a, err := s.stateOf(l, from)
		if err != nil {
			return err
		}
		b, err := s.stateOf(l, to)
		if err != nil {
			return err
		}
		out, err = diffStates(l, a, b, personOf(s.View()))
		return err
	})
	return out, err
}

// personOf returns who is behind a device: their person id, or the
// device's own id when the registry does not know it.
func personOf(v *View) func(actor string) string {
	person := map[string]string{}
	for _, p := range v.Participants {
		if p.Person != "" {
			person[p.Actor] = p.Person
		}
	}
	return func(actor string) string {
		if p, ok := person[actor]; ok {
			return p
		}
		return actor
	}
}

func diffStates(l *crdt.Ledger, a, b state, person func(actor string) string) ([]HeadingDiff, error) {
	before := map[string]crdt.Section{}
	for _, sec := range a.sections {
		before[sec.ID] = sec
	}
	var out []HeadingDiff
	shown := map[string]bool{}
	add := func(sec crdt.Section, number int, gone bool) error {
		h := HeadingDiff{Section: sec.ID, Number: number, Heading: sec.Heading, Removed: gone}
		was, ok := before[sec.ID]
		switch {
		case !ok && !gone:
			h.Added = true
		case ok && was.Heading != sec.Heading:
			h.Was = was.Heading
		}
		pieces, err := l.Compare(sec.ID, a.in, b.in)
		if err != nil {
			return err
		}
		changes := l.Changes()
		raw := make([]DiffPiece, 0, len(pieces))
		for _, p := range pieces {
			c := changes[p.By]
			raw = append(raw, DiffPiece{Kind: p.Kind, Text: p.Text, Actor: c.Actor, Person: person(c.Actor), At: c.Time})
		}
		h.Pieces = readable(raw)
		shown[sec.ID] = true
		out = append(out, h)
		return nil
	}
	for i, sec := range b.sections {
		if err := add(sec, i+1, false); err != nil {
			return nil, err
		}
	}
	for _, sec := range a.sections {
		if !shown[sec.ID] {
			if err := add(sec, 0, true); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// readable turns the ledger's pieces of one text into what a reader
// compares. The ledger cuts a text wherever the change behind a
// character differs, and typing is committed every few edits, so one
// person's sentence comes in many pieces, often cut inside words: shown
// as they are, each with its author, a comparison read "blocked
// legitimate s [+Amina]ecurity research" (issue 22). So, between each
// two stretches of unchanged text:
//
//   - what reads the same before and after, at either end (text deleted
//     and put back: a rejected deletion, a cut pasted back), is
//     unchanged, as a comparison of the two texts would show it;
//   - a change that starts or ends inside a word takes in the whole
//     word: the word as it was is shown deleted and the word as it is
//     inserted. People read words, and "securit[-y][+ies]" shows
//     neither; widening to the word, as word processors' compare and
//     git's --word-diff do, keeps both readable and marks no more than
//     the words touched. Text added or removed between words is shown
//     as it is. Letters of scripts written without spaces (Chinese,
//     Japanese, Thai…) are each a word of their own, and a "word" longer
//     than maxWordWiden (a link, a code) is left as cut;
//   - what was deleted comes before what was inserted (the earlier text,
//     then the later), each as one piece per run of one person's
//     characters, whatever devices and changes they took: one tag per
//     run of one author. A word several people wrote (one typed it,
//     another corrected it since) is its main writer's, the one who
//     wrote most of its letters, so that no tag cuts a word either.
func readable(ps []DiffPiece) []DiffPiece {
	// same[i] is the unchanged text before changed[i]; the last one ends
	// the text.
	same := [][]rune{nil}
	var changed []stretch
	for i, p := range ps {
		if p.Kind == crdt.Same {
			if i > 0 && ps[i-1].Kind != crdt.Same {
				same = append(same, nil)
			}
			same[len(same)-1] = append(same[len(same)-1], []rune(p.Text)...)
			continue
		}
		if i == 0 || ps[i-1].Kind == crdt.Same {
			changed = append(changed, stretch{})
		}
		c := &changed[len(changed)-1]
		side := &c.ins
		if p.Kind == crdt.Deleted {
			side = &c.del
		}
		for _, r := range p.Text {
			*side = append(*side, char{r, i})
		}
	}
	if len(same) == len(changed) {
		same = append(same, nil)
	}
	merge := func(i int) { // changed[i+1] joins changed[i]; same[i+1] is empty
		changed[i].del = append(changed[i].del, changed[i+1].del...)
		changed[i].ins = append(changed[i].ins, changed[i+1].ins...)
		same = slices.Delete(same, i+1, i+2)
		changed = slices.Delete(changed, i+1, i+2)
	}

	// What reads the same at either end is unchanged.
	for i := 0; i < len(changed); i++ {
		c := &changed[i]
		n := 0
		for n < len(c.del) && n < len(c.ins) && c.del[n].r == c.ins[n].r {
			n++
		}
		m := 0
		for m < len(c.del)-n && m < len(c.ins)-n && c.del[len(c.del)-1-m].r == c.ins[len(c.ins)-1-m].r {
			m++
		}
		if n+m == 0 {
			continue
		}
		same[i] = append(same[i], runesOf(c.del[:n])...)
		same[i+1] = slices.Concat(runesOf(c.del[len(c.del)-m:]), same[i+1])
		c.del, c.ins = c.del[n:len(c.del)-m], c.ins[n:len(c.ins)-m]
		if len(c.del) == 0 && len(c.ins) == 0 {
			same[i] = append(same[i], same[i+1]...)
			same = slices.Delete(same, i+1, i+2)
			changed = slices.Delete(changed, i, i+1)
			i--
		}
	}

	// Changes inside words take in the words.
	for i := 0; i < len(changed); {
		c := &changed[i]
		l, r := same[i], same[i+1]
		if n := wordBefore(l); n > 0 && (wordRune(firstRune(c.del, r)) || wordRune(firstRune(c.ins, r))) {
			c.widen(l[len(l)-n:], nil)
			same[i] = l[:len(l)-n]
			if i > 0 && len(same[i]) == 0 {
				i--
				merge(i)
				continue
			}
		}
		l = same[i]
		if n := wordAfter(r); n > 0 && (wordRune(lastRune(l, c.del)) || wordRune(lastRune(l, c.ins))) {
			c.widen(nil, r[:n])
			same[i+1] = r[n:]
			if i+1 < len(changed) && len(same[i+1]) == 0 {
				merge(i)
				continue
			}
		}
		i++
	}

	out := make([]DiffPiece, 0, 2*len(changed)+1)
	for i, s := range same {
		if len(s) > 0 {
			out = append(out, DiffPiece{Kind: crdt.Same, Text: string(s)})
		}
		if i < len(changed) {
			out = append(out, changed[i].pieces(ps)...)
		}
	}
	return out
}

// maxWordWiden is the longest word a change inside it is widened to.
const maxWordWiden = 40

// char is a character of a change, with the piece it came from (an
// index into readable's pieces), or -1 for an unchanged one a change
// inside its word took in.
type char struct {
	r  rune
	by int
}

// stretch is what changed between two stretches of unchanged text: the
// characters deleted and the characters inserted, each in text order.
type stretch struct {
	del, ins []char
	widened  bool // unchanged characters were taken in at the start
}

// widen puts unchanged characters before and after both sides.
func (c *stretch) widen(before, after []rune) {
	c.widened = c.widened || len(before) > 0
	for _, side := range []*[]char{&c.del, &c.ins} {
		s := make([]char, 0, len(before)+len(*side)+len(after))
		for _, r := range before {
			s = append(s, char{r, -1})
		}
		s = append(s, *side...)
		for _, r := range after {
			s = append(s, char{r, -1})
		}
		*side = s
	}
}

// pieces returns what was deleted, then what was inserted, as runs of
// one person's characters. A side that holds only characters taken in
// (a word with letters inserted, or removed, and none put in their
// place) is the word's as the other side has it.
func (c *stretch) pieces(ps []DiffPiece) []DiffPiece {
	del, ins := owners(c.del, ps, -1), owners(c.ins, ps, -1)
	switch {
	case del == nil && len(ins) > 0:
		del = owners(c.del, ps, edge(ins, c.widened))
	case ins == nil && len(del) > 0:
		ins = owners(c.ins, ps, edge(del, c.widened))
	}
	return append(runs(c.del, del, ps, crdt.Deleted), runs(c.ins, ins, ps, crdt.Inserted)...)
}

// edge returns whose the first character is, when the stretch took in
// the start of a word, and otherwise whose the last is.
func edge(who []int, atStart bool) int {
	if atStart {
		return who[0]
	}
	return who[len(who)-1]
}

// owners returns, for each character of a side, the piece it is shown
// as part of: its own, except in a word several people wrote, which is
// the main writer's (most letters; the first of them on a tie), and a
// word of characters taken in only, which is its neighbours' (or
// fallback's when the side has no changed character: then nil if
// fallback is -1).
func owners(side []char, ps []DiffPiece, fallback int) []int {
	if len(side) == 0 {
		return []int{}
	}
	who := make([]int, len(side))
	for i := range side {
		who[i] = side[i].by
	}
	for i := 0; i < len(side); {
		if !wordRune(side[i].r) {
			i++
			continue
		}
		j := i
		votes := map[string]int{}
		best := -1
		for ; j < len(side) && wordRune(side[j].r); j++ {
			if by := side[j].by; by >= 0 {
				votes[ps[by].Person]++
				if best < 0 || votes[ps[by].Person] > votes[ps[best].Person] {
					best = by
				}
			}
		}
		if best >= 0 {
			// The main writer's first piece in the word stands for it.
			for k := i; k < j; k++ {
				if by := side[k].by; by >= 0 && ps[by].Person == ps[best].Person {
					best = by
					break
				}
			}
		}
		for k := i; k < j; k++ {
			who[k] = best
		}
		i = j
	}
	// Words of characters taken in only: the neighbours' (the one after,
	// or else the one before).
	next := -1
	for i := len(who) - 1; i >= 0; i-- {
		if who[i] < 0 {
			who[i] = next
		} else {
			next = who[i]
		}
	}
	prev := -1
	for i := range who {
		if who[i] < 0 {
			who[i] = prev
		} else {
			prev = who[i]
		}
	}
	if who[0] < 0 {
		if fallback < 0 {
			return nil
		}
		for i := range who {
			who[i] = fallback
		}
	}
	return who
}

// runs makes a side into pieces, one per run of one person's
// characters, dated by the latest change among them.
func runs(side []char, who []int, ps []DiffPiece, kind crdt.PieceKind) []DiffPiece {
	var out []DiffPiece
	var text []rune
	for i, ch := range side {
		p := ps[who[i]]
		if n := len(out); n > 0 && out[n-1].Person == p.Person {
			text = append(text, ch.r)
			if p.At.After(out[n-1].At) {
				out[n-1].At, out[n-1].Actor = p.At, p.Actor
			}
			continue
		}
		if n := len(out); n > 0 {
			out[n-1].Text = string(text)
		}
		text = append(text[:0], ch.r)
		out = append(out, DiffPiece{Kind: kind, Actor: p.Actor, Person: p.Person, At: p.At})
	}
	if n := len(out); n > 0 {
		out[n-1].Text = string(text)
	}
	return out
}

func runesOf(cs []char) []rune {
	out := make([]rune, len(cs))
	for i, c := range cs {
		out[i] = c.r
	}
	return out
}

// firstRune returns the first character of a side followed by then, or
// -1 if there is none.
func firstRune(side []char, then []rune) rune {
	switch {
	case len(side) > 0:
		return side[0].r
	case len(then) > 0:
		return then[0]
	}
	return -1
}

// lastRune returns the last character of before followed by a side, or
// -1 if there is none.
func lastRune(before []rune, side []char) rune {
	switch {
	case len(side) > 0:
		return side[len(side)-1].r
	case len(before) > 0:
		return before[len(before)-1]
	}
	return -1
}

// wordBefore returns how many characters at the end of s are the end
// of a word, or 0 when s does not end in one or the word is too long to
// widen to.
func wordBefore(s []rune) int {
	n := 0
	for n < len(s) && wordRune(s[len(s)-1-n]) {
		n++
	}
	if n > maxWordWiden {
		return 0
	}
	return n
}

// wordAfter returns how many characters at the start of s are the
// start of a word, as wordBefore does.
func wordAfter(s []rune) int {
	n := 0
	for n < len(s) && wordRune(s[n]) {
		n++
	}
	if n > maxWordWiden {
		return 0
	}
	return n
}

// wordRune reports whether r is part of a word that spaces or
// punctuation delimit: letters, digits, combining marks and apostrophes
// ("don't", "l'accès"), but not letters of scripts written without
// spaces, each of which stands alone.
func wordRune(r rune) bool {
	switch {
	case r == '\'' || r == '’':
		return true
	case !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r):
		return false
	}
	return !unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar, unicode.Tibetan)
}
