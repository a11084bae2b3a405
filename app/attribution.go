package app

import (
	"sort"
	"strings"
	"unicode"

	"github.com/igf-bpf/bpfdraft/app/textop"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// Attribution: who wrote each character of the draft, read from the
// document's history by a crdt.Ledger that the owner keeps and feeds
// with the changes it has not seen (so after a remote change it costs
// that change). Typing not committed yet is the local participant's.

// AuthorRun is a run of a section's text, as the view has it, written
// by one device (actor).
type AuthorRun struct {
	Start, End int // code points
	Actor      string
	// From is where the change that wrote it says the text came from:
	// "carried forward from the 2026 output, written by …" for text
	// next year's draft started with, "imported from outline.docx".
	From string
}

// ledger returns the owner's ledger, brought up to date. Owner only.
func (s *Session) ledger() (*crdt.Ledger, error) {
	if s.o.ledger == nil {
		s.o.ledger = crdt.NewLedger()
	}
	if _, err := s.o.ledger.Update(s.o.doc); err != nil {
		// The ledger may have read part of the changes, or know heads
		// this document lacks (a backup restored under it): it starts
		// again from nothing.
		s.o.ledger = crdt.NewLedger()
		if _, err := s.o.ledger.Update(s.o.doc); err != nil {
			s.o.ledger = nil
			return nil, err
		}
	}
	return s.o.ledger, nil
}

// judgeLedger is the ledger crdt.Doc.AdmitJudged judges new changes
// with. Owner only.
func (s *Session) judgeLedger() (*crdt.Ledger, error) { return s.ledger() }

// authority returns the ledger, brought up to date, and the judge of
// roles for it. The judge works out, once per grant, which changes
// descend from it; publishing, a review, the comments and who wrote what
// each ask it, so it is kept until the ledger learns a change (a new
// participant or grant comes with one). Owner only.
func (s *Session) authority() (*crdt.Ledger, *crdt.Authority, error) {
	l, err := s.ledger()
	if err != nil {
		return nil, nil, err
	}
	if n := len(l.Changes()); s.o.auth == nil || s.o.authLedger != l || s.o.authChanges != n {
		s.o.auth, s.o.authLedger, s.o.authChanges = s.o.doc.Authority(l), l, n
	}
	return l, s.o.auth, nil
}

// Authors returns who wrote each run of a section's text as it stands,
// typing included.
func (s *Session) Authors(section string) ([]AuthorRun, error) {
	var runs []AuthorRun
	err := s.do(func() error {
		l, err := s.ledger()
		if err != nil {
			return err
		}
		runs, err = s.authors(l, section)
		return err
	})
	return runs, err
}

// authorsAt returns who wrote each run of a section's text as a named
// version has it (its id), or as it stands for "" or Current.
func (s *Session) authorsAt(ref, section string) ([]AuthorRun, error) {
	var runs []AuthorRun
	err := s.do(func() error {
		l, err := s.ledger()
		if err != nil {
			return err
		}
		var in crdt.ChangeSet
		if ref != "" && ref != Current {
			v, err := s.Version(ref)
			if err != nil {
				return err
			}
			if in, err = l.Upto(v.Heads); err != nil {
				return err
			}
		}
		runs, err = s.authorsIn(l, section, in)
		return err
	})
	return runs, err
}

// authors is Authors on the owner, from a ledger brought up to date.
func (s *Session) authors(l *crdt.Ledger, section string) ([]AuthorRun, error) {
	return s.authorsIn(l, section, nil)
}

// authorsIn is authors of the state in (nil: every change, typing too).
func (s *Session) authorsIn(l *crdt.Ledger, section string, in crdt.ChangeSet) ([]AuthorRun, error) {
	changes := l.Changes()
	// Text a review's decision put back is its original author's
	// (crdt.Ledger.Authored), when the decision's author could decide as
	// that decision saw the draft.
	var auth *crdt.Authority // asked for at the first decision met: most texts have none
	restores := func(c crdt.ChangeRef) bool {
		if changes[c].Info.Kind != crdt.KindDecision {
			return false
		}
		if auth == nil {
			if _, a, err := s.authority(); err == nil {
				auth = a
			}
		}
		return auth != nil && auth.AuthorRole(c).CanDecide()
	}
	pieces, err := l.Authored(section, in, restores)
	if err != nil {
		return nil, err
	}
	if in != nil || !(s.o.typing.active() && s.o.typing.section == section) {
		runs := make([]AuthorRun, 0, len(pieces))
		pos := 0
		for _, p := range pieces {
			n := p.Runes()
			runs = appendRun(runs, AuthorRun{Start: pos, End: pos + n, Actor: changes[p.By].Actor, From: changes[p.By].Info.From})
			pos += n
		}
		return runs, nil
	}
	// Carry the committed text's authors through the typing: one entry
	// per character, which a section's size makes cheap.
	var who []string
	for _, p := range pieces {
		key := changes[p.By].Actor + "\x00" + changes[p.By].Info.From
		for n := p.Runes(); n > 0; n-- {
			who = append(who, key)
		}
	}
	who = applyAuthors(who, s.o.typing.op, s.w.actor+"\x00")
	var runs []AuthorRun
	for i, k := range who {
		a, f, _ := strings.Cut(k, "\x00")
		runs = appendRun(runs, AuthorRun{Start: i, End: i + 1, Actor: a, From: f})
	}
	return runs, nil
}

// applyAuthors carries per-character authors through an edit: inserted
// characters are by's.
func applyAuthors(who []string, op textop.Op, by string) []string {
	for _, sp := range op.Splices() {
		ins := make([]string, len([]rune(sp.Insert)))
		for i := range ins {
			ins[i] = by
		}
		who = append(who[:sp.Pos], append(ins, who[sp.Pos+sp.Del:]...)...)
	}
	return who
}

func appendRun(runs []AuthorRun, r AuthorRun) []AuthorRun {
	if n := len(runs); n > 0 && runs[n-1].Actor == r.Actor && runs[n-1].From == r.From && runs[n-1].End == r.Start {
		runs[n-1].End = r.End
		return runs
	}
	return append(runs, r)
}

// Coverage is how much of the draft, and of each heading, each
// stakeholder group, UN regional group and person wrote.
type Coverage struct {
	Draft    CoverageOf
	Headings []CoverageOf // visible headings, in order
}

// CoverageOf is the coverage of one heading, or of the whole draft.
// Characters are counted without white space, which says nothing of
// whose view a text carries.
type CoverageOf struct {
	Section string // "" for the whole draft
	Number  int    // the heading's number, 0 for the whole draft
	Heading string
	Chars   int
	Groups  []Share  // every stakeholder group, in the IGF's order, then Unknown if any
	Regions []Share  // every regional group, then Unknown if any
	People  []Share  // people with text here, most first
	Silent  []string // names of participants with no text here
}

// Share is one group's, region's or person's part of a text.
type Share struct {
	Name    string
	Chars   int
	Percent int // rounded so that a list's shares add up to 100
}

// Unknown names the group and region of text by a device the
// participant registry does not know.
const Unknown = "Unknown"

// Coverage counts who wrote the draft as it stands.
func (s *Session) Coverage() (Coverage, error) {
	var c Coverage
	err := s.do(func() error {
		l, err := s.ledger() // once: every heading is read from the same state
		if err != nil {
			return err
		}
		v := s.View()
		byActor := map[string]crdt.Participant{}
		for _, p := range v.Participants {
			byActor[p.Actor] = p
		}
		people := map[string]string{} // person → name
		for _, p := range v.Participants {
			if _, ok := people[p.Person]; !ok && p.Person != "" {
				people[p.Person] = p.Name
			}
		}
		total := newTally()
		for i, sec := range v.Sections {
			runs, err := s.authors(l, sec.ID)
			if err != nil {
				return err
			}
			t := newTally()
			text := []rune(sec.Body)
			for _, r := range runs {
				n := 0
				for _, ch := range text[r.Start:min(r.End, len(text))] {
					if !unicode.IsSpace(ch) {
						n++
					}
				}
				p, ok := byActor[r.Actor]
				t.add(p, ok, r.Actor, n)
				total.add(p, ok, r.Actor, n)
			}
			c.Headings = append(c.Headings, t.result(sec.ID, i+1, sec.Heading, people))
		}
		c.Draft = total.result("", 0, v.Meta.Title, people)
		return nil
	})
	return c, err
}

// tally counts characters by group, region and person.
type tally struct {
	chars   int
	groups  map[string]int
	regions map[string]int
	people  map[string]int // person (or actor, when unknown) → chars
	names   map[string]string
}

func newTally() *tally {
	return &tally{groups: map[string]int{}, regions: map[string]int{}, people: map[string]int{}, names: map[string]string{}}
}

func (t *tally) add(p crdt.Participant, known bool, actor string, n int) {
	if n == 0 {
		return
	}
	t.chars += n
	g, r, who, name := string(p.Group), string(p.Region), p.Person, p.Name
	if !known || g == "" {
		g = Unknown
	}
	if !known || r == "" {
		r = Unknown
	}
	if who == "" {
		who, name = actor, "unknown device "+actor[:min(8, len(actor))]
	}
	t.groups[g] += n
	t.regions[r] += n
	t.people[who] += n
	t.names[who] = name
}

func (t *tally) result(section string, number int, heading string, people map[string]string) CoverageOf {
	c := CoverageOf{Section: section, Number: number, Heading: heading, Chars: t.chars}
	var groups, regions []Share
	for _, g := range crdt.Groups {
		groups = append(groups, Share{Name: string(g), Chars: t.groups[string(g)]})
	}
	for _, r := range crdt.Regions {
		regions = append(regions, Share{Name: string(r), Chars: t.regions[string(r)]})
	}
	if n := t.groups[Unknown]; n > 0 {
		groups = append(groups, Share{Name: Unknown, Chars: n})
	}
	if n := t.regions[Unknown]; n > 0 {
		regions = append(regions, Share{Name: Unknown, Chars: n})
	}
	var ps []Share
	for who, n := range t.people {
		ps = append(ps, Share{Name: t.names[who], Chars: n})
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Chars != ps[j].Chars {
			return ps[i].Chars > ps[j].Chars
		}
		return ps[i].Name < ps[j].Name
	})
	c.Groups, c.Regions, c.People = percentages(groups), percentages(regions), percentages(ps)
	for person, name := range people {
		if t.people[person] == 0 {
			c.Silent = append(c.Silent, name)
		}
	}
	sort.Strings(c.Silent)
	return c
}

// percentages rounds each share to a whole percent so that they add up
// to exactly 100 (largest remainder), or all stay 0 for an empty text.
func percentages(shares []Share) []Share {
	total := 0
	for _, s := range shares {
		total += s.Chars
	}
	if total == 0 {
		return shares
	}
	type rem struct{ i, r int }
	var rems []rem
	sum := 0
	for i := range shares {
		shares[i].Percent = shares[i].Chars * 100 / total
		sum += shares[i].Percent
		rems = append(rems, rem{i, shares[i].Chars * 100 % total})
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; sum < 100; k++ {
		shares[rems[k].i].Percent++
		sum++
	}
	return shares
}
