package app

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// Tracked changes. The changes since a version, per heading, are the
// pieces of the ledger's comparison of that version with the draft as it
// stands; a hunk is a run of them that one person inserted, or deleted,
// with nothing unchanged between. Reverts made by decisions are left out
// of the comparison, so a rejected hunk still shows, as rejected, and the
// text a rejection put back is not a hunk of its own.
//
// A hunk's id is a hash of its kind and its first and last characters'
// op ids, which are the same on every peer, so two machines holding the
// same changes list the same ids and a decision made on one names the
// same hunk on the other. Typing at the edge of a decided hunk comes
// later, in changes of its own: the run of pieces is cut around the
// decided stretch (splitDecided) and only the new text is open.
//
// Decisions are entries of the decisions journal, "ID ROUND VERDICT",
// written by the change that also reverts a rejected hunk; who decided
// and when are that change's actor and time. A decision counts when its
// author may decide. The highest round wins; decisions in the same round
// that disagree (two co-facilitators offline) are a conflict, which
// stays until someone decides again, one round up. The text meanwhile is
// what the merge made of it: a rejection's revert applies everywhere.

// HunkStatus is where a hunk stands in review.
type HunkStatus string

// The statuses of a hunk.
const (
	StatusOpen     HunkStatus = "open"
	StatusAccepted HunkStatus = "accepted"
	StatusRejected HunkStatus = "rejected"
	StatusConflict HunkStatus = "conflict"
)

// Verdicts.
const (
	Accept = "accept"
	Reject = "reject"
)

// Hunk is one tracked change.
type Hunk struct {
	ID        string
	Kind      crdt.PieceKind // crdt.Inserted or crdt.Deleted
	Text      string
	Actor     string // the device that inserted or deleted it (its latest change)
	Person    string // the person behind it (the actor when unknown)
	At        time.Time
	Section   string
	Number    int    // the heading's number
	Heading   string // the heading's title
	Paragraph string // e.g. "3.2"
	Status    HunkStatus
	Decisions []Decision // those of the deciding round, the latest first
	// Refused are decisions on the hunk that count for nothing: their
	// authors held no deciding role as their change saw the draft.
	Refused  []Decision
	Reverted bool // the text is as a rejection left it
	Start    int  // where the hunk is in the heading's text as it stands:
	End      int  //   its text, or (Start == End) where it was

	first, last crdt.ElemID
	changes     map[crdt.ChangeRef]bool
}

// Decision is one co-facilitator's or rapporteur's verdict on a hunk.
type Decision struct {
	Hunk    string
	Round   int
	Verdict string
	Actor   string
	At      time.Time
	hash    string // of the change that made it: orders those of one second
}

// decisionsOf reads the decisions journal: per hunk, the decisions that
// count, by round. A decision counts when its author held a deciding
// role as its change saw the draft (crdt.Authority), not now: a role
// withdrawn later keeps what its holder decided meanwhile (their reverts
// are in the text), and a decision made knowing the withdrawal counts
// for nothing on every peer.
func decisionsOf(l *crdt.Ledger, auth *crdt.Authority) (counted, refused map[string][]Decision) {
	counted, refused = map[string][]Decision{}, map[string][]Decision{}
	changes := l.Changes()
	for _, r := range l.Journal(crdt.JournalDecisions) {
		f := strings.Fields(r.Value)
		if len(f) != 3 || (f[2] != Accept && f[2] != Reject) {
			continue
		}
		round, err := strconv.Atoi(f[1])
		if err != nil || round < 1 {
			continue
		}
		c := changes[r.By]
		d := Decision{Hunk: f[0], Round: round, Verdict: f[2], Actor: c.Actor, At: c.Time, hash: c.Hash}
		if !auth.AuthorRole(r.By).CanDecide() {
			// Shown as not counted: nobody may take it for a decision.
			refused[f[0]] = append(refused[f[0]], d)
			continue
		}
		counted[f[0]] = append(counted[f[0]], d)
	}
	return counted, refused
}

// settle sets a hunk's status from its decisions.
func (h *Hunk) settle(ds []Decision) {
	h.Status = StatusOpen
	top := 0
	for _, d := range ds {
		top = max(top, d.Round)
	}
	h.Decisions = nil
	for _, d := range ds {
		if d.Round == top {
			h.Decisions = append(h.Decisions, d)
		}
	}
	// Latest first; decisions of one second in an order every peer gives
	// alike (a journal lists entries in the order a peer learnt them).
	sort.SliceStable(h.Decisions, func(i, j int) bool {
		a, b := h.Decisions[i], h.Decisions[j]
		if !a.At.Equal(b.At) {
			return a.At.After(b.At)
		}
		return a.hash > b.hash
	})
	for i, d := range h.Decisions {
		v := StatusAccepted
		if d.Verdict == Reject {
			v = StatusRejected
		}
		if i == 0 {
			h.Status = v
		} else if h.Status != v {
			h.Status = StatusConflict
		}
	}
}

// round returns the round a new decision on the hunk belongs to.
func (h *Hunk) round() int {
	top := 0
	for _, d := range h.Decisions {
		top = max(top, d.Round)
	}
	return top + 1
}

// hunkID names a hunk by its kind and first and last characters.
func hunkID(kind crdt.PieceKind, first, last crdt.ElemID) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%d|%s|%s", kind, first, last)))
	return strings.ToLower(base32.StdEncoding.EncodeToString(sum[:5]))
}

// sinceState resolves where a review starts: a version, or the latest
// one when since is "", or the draft's creation (Creation, or "" when no
// version was named).
func (s *Session) sinceState(l *crdt.Ledger, since string) (crdt.ChangeSet, crdt.Version, error) {
	if since == "" {
		vs := s.View().Versions
		if len(vs) == 0 {
			since = Creation
		} else {
			since = vs[len(vs)-1].ID
		}
	}
	if since == Creation {
		return make(crdt.ChangeSet, len(l.Changes())), crdt.Version{}, nil
	}
	v, err := s.Version(since)
	if err != nil {
		return nil, crdt.Version{}, err
	}
	in, err := l.Upto(v.Heads)
	return in, v, err
}

// Review lists the hunks since a version (see sinceState), heading by
// heading in the draft's order.
func (s *Session) Review(since string) ([]Hunk, error) {
	var out []Hunk
	err := s.do(func() error {
		var err error
		out, err = s.review(since)
		return err
	})
	return out, err
}

func (s *Session) review(since string) ([]Hunk, error) {
	s.commitTyping() // o.committed and the view already hold the typed text
	l, auth, err := s.authority()
	if err != nil {
		return nil, err
	}
	from, _, err := s.sinceState(l, since)
	if err != nil {
		return nil, err
	}
	changes := l.Changes()
	all := l.All()
	to := l.All()
	for i, c := range changes {
		if c.Info.Kind == crdt.KindDecision {
			to[i] = false
		}
	}
	v := s.View()
	person := map[string]string{}
	for _, p := range v.Participants {
		if p.Person != "" {
			person[p.Actor] = p.Person
		}
	}
	personOf := func(actor string) string {
		if p, ok := person[actor]; ok {
			return p
		}
		return actor
	}
	decided, refused := decisionsOf(l, auth)
	var out []Hunk
	labels := crdt.HeadingLabels(v.Sections)
	for i, sec := range v.Sections {
		pieces, err := l.Compare(sec.ID, from, to)
		if err != nil {
			return nil, err
		}
		// Runs of pieces of one kind by one person, with where each
		// starts in the text of the later state.
		var text []rune
		var runs []run
		for _, p := range pieces {
			if p.Kind == crdt.Same {
				text = append(text, []rune(p.Text)...)
				if n := len(runs); n > 0 {
					runs[n-1].open = false // unchanged text ends a hunk
				}
				continue
			}
			who := personOf(changes[p.By].Actor)
			if n := len(runs); n > 0 && runs[n-1].open && runs[n-1].kind == p.Kind && runs[n-1].person == who {
				runs[n-1].pieces = append(runs[n-1].pieces, p)
			} else {
				runs = append(runs, run{kind: p.Kind, person: who, pieces: []crdt.Piece{p}, start: len(text), open: true})
			}
			if p.Kind == crdt.Inserted {
				text = append(text, []rune(p.Text)...)
			}
		}
		paras := crdt.Paragraphs(string(text))
		for _, r := range runs {
			for _, part := range splitDecided(r, decided) {
				h := part.hunk(changes)
				h.Section, h.Number, h.Heading = sec.ID, i+1, sec.Heading
				h.Paragraph = crdt.ParagraphNumber(labels[i], crdt.NumberAt(paras, part.start))
				h.settle(decided[h.ID])
				h.Refused = refused[h.ID]
				if err := s.place(l, &h, all); err != nil {
					return nil, err
				}
				out = append(out, h)
			}
		}
	}
	return out, nil
}

// run is a stretch of pieces of one kind by one person: a hunk, or
// several where decisions cut it.
type run struct {
	kind   crdt.PieceKind
	person string
	pieces []crdt.Piece
	start  int  // where it starts in the later state's text
	open   bool // pieces may still join it
}

// splitDecided cuts a run where a decided hunk lies inside it: text
// typed at the edge of a hunk after it was decided makes the run longer
// than the hunk, and only the new text is open. Decided hunks are looked
// for among the run's contiguous stretches of pieces (the longest first):
// all of them for a run of up to 16 pieces, and beyond that the ones at
// either end (typing went on after the hunk, or before it), which keeps
// the cost linear in a long run's pieces.
func splitDecided(r run, decided map[string][]Decision) []run {
	n := len(r.pieces)
	if n == 1 || len(decided) == 0 || len(decided[hunkID(r.kind, r.pieces[0].First, r.pieces[n-1].Last)]) > 0 {
		return []run{r}
	}
	for size := n - 1; size >= 1; size-- {
		for a := 0; a+size <= n; a++ {
			b := a + size
			if n > 16 && a != 0 && b != n {
				a = n - size - 1 // only the stretch that ends the run is left
				continue
			}
			if len(decided[hunkID(r.kind, r.pieces[a].First, r.pieces[b-1].Last)]) == 0 {
				continue
			}
			var out []run
			if a > 0 {
				out = append(out, splitDecided(r.sub(0, a), decided)...)
			}
			out = append(out, r.sub(a, b))
			if b < n {
				out = append(out, splitDecided(r.sub(b, n), decided)...)
			}
			return out
		}
	}
	return []run{r}
}

// sub is pieces a to b of a run, with where they start.
func (r run) sub(a, b int) run {
	start := r.start
	if r.kind == crdt.Inserted {
		for _, p := range r.pieces[:a] {
			start += p.Runes()
		}
	}
	return run{kind: r.kind, person: r.person, pieces: r.pieces[a:b], start: start}
}

// hunk makes a run into a hunk (its place and status are set after).
func (r run) hunk(changes []crdt.LedgerChange) Hunk {
	h := Hunk{Kind: r.kind, Person: r.person, first: r.pieces[0].First, last: r.pieces[len(r.pieces)-1].Last,
		changes: map[crdt.ChangeRef]bool{}}
	var text strings.Builder
	for _, p := range r.pieces {
		text.WriteString(p.Text)
		h.changes[p.By] = true
		if c := changes[p.By]; h.Actor == "" || c.Time.After(h.At) {
			h.At, h.Actor = c.Time, c.Actor
		}
	}
	h.Text = text.String()
	h.ID = hunkID(h.Kind, h.first, h.last)
	return h
}

// place finds a hunk in the draft as it stands (Start, End) and whether
// it shows the hunk undone (Reverted): an insertion's text gone from its
// place, or a deletion's text back in it. Text put back by a decision is
// made of new characters, so this looks at the text at the hunk's place,
// not only at its characters.
func (s *Session) place(l *crdt.Ledger, h *Hunk, now crdt.ChangeSet) error {
	ranges, at, err := l.Locate(h.Section, h.first, h.last, func(c crdt.ChangeRef) bool { return h.changes[c] }, now)
	if err != nil {
		return err
	}
	pos, there := placeOf([]rune(s.o.committed[h.Section]), at, h.Text)
	h.Start, h.End = at, at
	switch {
	case h.Kind == crdt.Inserted && len(ranges) > 0:
		h.Start, h.End = ranges[0].Pos, ranges[len(ranges)-1].Pos+ranges[len(ranges)-1].Len
	case h.Kind == crdt.Inserted:
		h.Reverted = !there
		if there {
			h.Start, h.End = pos, pos+len([]rune(h.Text))
		}
	case there:
		h.Reverted = true
		h.Start, h.End = pos, pos+len([]rune(h.Text))
	}
	return nil
}

// placeOf finds want in text right before or right after at (the place
// of a hunk's first character): text inserted there by a decision lands
// before the hunk's deleted characters, which keep their place.
func placeOf(text []rune, at int, want string) (int, bool) {
	n := len([]rune(want))
	if at-n >= 0 && at <= len(text) && string(text[at-n:at]) == want {
		return at - n, true
	}
	if at+n <= len(text) && string(text[at:at+n]) == want {
		return at, true
	}
	return 0, false
}

// Decide accepts or rejects hunks (by id, or all open hunks of one
// participant when who is not ""), since a version as in Review. A
// rejection reverts the hunk in the same change that records it; an
// acceptance of a hunk a rejection had reverted puts it back. It returns
// the hunks decided.
func (s *Session) Decide(ctx context.Context, verdict string, ids []string, who, since string) ([]Hunk, error) {
	return s.decide(ctx, verdict, ids, who, since, true)
}

// decide is Decide, its role check made only when check is set: every
// peer counts a decision only if its author held the role (decisionsOf),
// so a build without the check gains nothing, which tests show with it.
func (s *Session) decide(ctx context.Context, verdict string, ids []string, who, since string, check bool) ([]Hunk, error) {
	if verdict != Accept && verdict != Reject {
		return nil, fmt.Errorf("%w: verdict %q", crdt.ErrInvalid, verdict)
	}
	var done []Hunk
	err := s.edit(ctx, func() error {
		if check {
			if err := s.mayDecide(verdict + " contributions"); err != nil {
				return err
			}
		}
		hunks, err := s.review(since)
		if err != nil {
			return err
		}
		targets, err := pickHunks(hunks, ids, who, s.View().Participants)
		if err != nil {
			return err
		}
		l, err := s.ledger()
		if err != nil {
			return err
		}
		now := l.All()
		// Later hunks first (review lists them in text order), so that a
		// revert does not move the text of the ones still to come.
		order := map[*Hunk]int{}
		for i := range hunks {
			order[&hunks[i]] = i
		}
		sort.Slice(targets, func(i, j int) bool { return order[targets[i]] > order[targets[j]] })
		for _, h := range targets {
			if err := s.apply(l, h, verdict, now); err != nil {
				return err
			}
			entry := fmt.Sprintf("%s %d %s", h.ID, h.round(), verdict)
			if err := s.o.doc.Journaled(crdt.JournalDecisions, crdt.KindDecision, h.Section, entry); err != nil {
				return err
			}
			done = append(done, *h)
		}
		return nil
	})
	return done, err
}

// apply makes the text match a verdict on a hunk.
func (s *Session) apply(l *crdt.Ledger, h *Hunk, verdict string, now crdt.ChangeSet) error {
	undo := verdict == Reject && !h.Reverted
	redo := verdict == Accept && h.Reverted
	if !undo && !redo {
		return nil
	}
	mine := func(c crdt.ChangeRef) bool { return h.changes[c] }
	ranges, at, err := l.Locate(h.Section, h.first, h.last, mine, now)
	if err != nil {
		return err
	}
	doc := s.o.doc
	switch {
	case h.Kind == crdt.Inserted && undo:
		for i := len(ranges) - 1; i >= 0; i-- {
			if err := doc.SpliceAs(crdt.KindDecision, h.Section, ranges[i].Pos, ranges[i].Len, ""); err != nil {
				return err
			}
		}
	case h.Kind == crdt.Inserted && redo, h.Kind == crdt.Deleted && undo:
		return doc.SpliceAs(crdt.KindDecision, h.Section, at, 0, h.Text)
	case h.Kind == crdt.Deleted && redo:
		// The rejection put the text back at the deletion's place.
		if pos, ok := placeOf([]rune(s.o.committed[h.Section]), at, h.Text); ok {
			return doc.SpliceAs(crdt.KindDecision, h.Section, pos, len([]rune(h.Text)), "")
		}
	}
	return nil
}

// pickHunks finds the hunks named by ids (or unique starts of ids), or
// every open hunk of one participant.
func pickHunks(hunks []Hunk, ids []string, who string, parts []crdt.Participant) ([]*Hunk, error) {
	var out []*Hunk
	if who != "" {
		byActor := map[string]crdt.Participant{}
		for _, p := range parts {
			byActor[p.Actor] = p
		}
		p, err := findParticipant(byActor, who)
		if err != nil {
			return nil, err
		}
		for i := range hunks {
			if hunks[i].Person == p.Person && hunks[i].Status == StatusOpen {
				out = append(out, &hunks[i])
			}
		}
		return out, nil
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: name the hunks to decide (`bpfdraft review DRAFT` lists them) or a participant", crdt.ErrInvalid)
	}
	for _, id := range ids {
		var match []*Hunk
		for i := range hunks {
			if hunks[i].ID == id {
				match = []*Hunk{&hunks[i]}
				break
			}
			if len(id) >= 3 && strings.HasPrefix(hunks[i].ID, strings.ToLower(id)) {
				match = append(match, &hunks[i])
			}
		}
		switch len(match) {
		case 0:
			return nil, fmt.Errorf("%w: no hunk %q since that version; `bpfdraft review DRAFT` lists them", ErrNotFound, id)
		case 1:
			out = append(out, match[0])
		default:
			return nil, fmt.Errorf("%w: %q matches %d hunks; give more of the id", ErrAmbiguous, id, len(match))
		}
	}
	return out, nil
}
