package app

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// Where the community stands on each paragraph (issue 27). A stance
// (support, object, or none to withdraw one) and a settled status
// (agreed, contested, open) are entries of the comments journal, which
// every draft has held since it was made: a new list made by two peers
// at once would hide one's entries (journal.go). Older versions skip the
// entry types they do not know. Who took a stance is the author of the
// change that wrote it, and their stakeholder and regional groups are
// their registry entry's; a settled status counts only when its author
// was a co-facilitator as that change saw the draft (crdt.Authority), so
// a participant's, written by a build without the check, counts on no
// peer. Of one person's stances on a paragraph, and of the statuses of a
// paragraph, the one made knowing the others counts (crdt.Ledger.Latest),
// never the latest clock.
//
// A stance belongs to a paragraph as a comment belongs to its passage:
// it is anchored to the paragraph's first and last characters by their
// op ids, and read where those characters are now, so it follows its
// paragraph through edits, renumbering and merges. It keeps a digest of
// the paragraph's text: when the text changes after it, the stance is
// shown as made on an earlier text.

// Stance values.
const (
	Support = "support"
	Object  = "object"
	NoStand = "none" // withdraws one's stance
)

// Settled statuses.
const (
	Agreed     = "agreed"
	Contested  = "contested"
	OpenStatus = "open"
)

// maxStanceReason bounds a stance's reason and a status's note.
const maxStanceReason = 500

// stanceEntry is a stance (type sn) or a settled status (type se) in the
// comments journal.
type stanceEntry struct {
	Type    string `json:"t"`
	Section string `json:"s"`
	First   string `json:"a"`
	Last    string `json:"b"`
	Sum     string `json:"qs"` // SHA-256 (hex) of the paragraph's text then
	Value   string `json:"v"`
	Reason  string `json:"m,omitempty"`
}

// Stance is one person's stance on a paragraph.
type Stance struct {
	Actor   string // the device that wrote it
	Person  string
	Name    string
	Group   crdt.Group
	Region  crdt.Region
	Value   string // Support or Object
	Reason  string
	At      time.Time
	Earlier bool // the paragraph's text changed after it
}

// Settlement is a paragraph's settled status.
type Settlement struct {
	Status  string // Agreed, Contested or OpenStatus
	Note    string
	Actor   string
	Name    string
	At      time.Time
	Earlier bool // the paragraph's text changed after it was settled
}

// ParagraphStand is where the community stands on one paragraph.
type ParagraphStand struct {
	Section   string
	Heading   string
	Paragraph string // its number now, e.g. "3.2"
	Label     string // its heading's label, "3" (crdt.HeadingLabels)
	N         int    // its number within the heading, 2
	Text      string
	Status    *Settlement // nil: never settled (open)
	Support   []Stance
	Object    []Stance
}

// Consensus is where the community stands on the draft.
type Consensus struct {
	Paragraphs []ParagraphStand // every numbered paragraph, in the draft's order
	// NotCounted is how many settled statuses count for nothing: written
	// by someone who was no co-facilitator (a build without the check).
	NotCounted int
}

// paragraphRef finds the paragraph a number such as "3.2" or "A.1" names
// in the view, with its section.
func paragraphRef(v *View, ref string) (crdt.Section, crdt.Paragraph, error) {
	label, n, ok := crdt.ParseCited(ref)
	if !ok || n == 0 {
		return crdt.Section{}, crdt.Paragraph{}, fmt.Errorf("%w: %q is not a paragraph number (write it as 3.2, or A.1 in an annex)", crdt.ErrInvalid, ref)
	}
	labels := crdt.HeadingLabels(v.Sections)
	for i, sec := range v.Sections {
		if labels[i] != label {
			continue
		}
		if p, ok := crdt.Numbered(crdt.Paragraphs(sec.Body), n); ok {
			return sec, p, nil
		}
		return crdt.Section{}, crdt.Paragraph{}, fmt.Errorf("%w: heading %s has no paragraph %d", ErrNotFound, label, n)
	}
	return crdt.Section{}, crdt.Paragraph{}, fmt.Errorf("%w: no heading %s", ErrNotFound, label)
}

// textSum is a short digest of a paragraph's text: enough to tell that
// it changed (64 bits), and a stance is small on a costly link.
func textSum(s string) string {
	d := sha256.Sum256([]byte(s))
	return hex.EncodeToString(d[:8])
}

// anchorText writes a character's id for a stance entry, shortened: a
// character of the entry's author as "N@", and the last character, when
// the same device wrote it as the first, as "N" (each actor id is 32
// characters, most of a stance's bytes).
func anchorText(e crdt.ElemID, author, prev string) string {
	switch e.Actor {
	case author:
		return strconv.FormatUint(e.Ctr, 10) + "@"
	case prev:
		return strconv.FormatUint(e.Ctr, 10)
	}
	return e.String()
}

// parseAnchor reads what anchorText wrote.
func parseAnchor(s, author, prev string) (crdt.ElemID, error) {
	switch {
	case strings.HasSuffix(s, "@"):
		s += author
	case !strings.Contains(s, "@"):
		s += "@" + prev
	}
	return crdt.ParseElemID(s)
}

func stanceReason(r string) error {
	if !utf8.ValidString(r) {
		return crdt.ErrInvalidText
	}
	if utf8.RuneCountInString(r) > maxStanceReason {
		return fmt.Errorf("%w: a reason is at most %d characters", crdt.ErrInvalid, maxStanceReason)
	}
	return nil
}

// anchored writes a stance or status entry on paragraph ref; on the owner.
func (s *Session) anchored(ref string, e stanceEntry) error {
	sec, p, err := paragraphRef(s.View(), ref)
	if err != nil {
		return err
	}
	l, err := s.ledger()
	if err != nil {
		return err
	}
	first, last, err := l.ElemsAt(sec.ID, p.Start, p.End-p.Start, l.All())
	if err != nil {
		return err
	}
	e.Section, e.Sum = sec.ID, textSum(p.Text)
	e.First, e.Last = anchorText(first, s.w.actor, ""), anchorText(last, s.w.actor, first.Actor)
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return s.o.doc.Journaled(crdt.JournalComments, crdt.KindComment, sec.ID, string(b))
}

// SetStance records the local participant's stance on a paragraph
// (Support, Object, or NoStand to withdraw it), with an optional reason.
func (s *Session) SetStance(ctx context.Context, ref, value, reason string) error {
	if value != Support && value != Object && value != NoStand {
		return fmt.Errorf("%w: a stance is %s, %s or %s", crdt.ErrInvalid, Support, Object, NoStand)
	}
	if err := stanceReason(reason); err != nil {
		return err
	}
	return s.edit(ctx, func() error {
		return s.anchored(ref, stanceEntry{Type: "sn", Value: value, Reason: strings.TrimSpace(reason)})
	})
}

// Settle marks a paragraph agreed, contested or open again, with an
// optional note: a co-facilitator's call.
func (s *Session) Settle(ctx context.Context, ref, status, note string) error {
	if status != Agreed && status != Contested && status != OpenStatus {
		return fmt.Errorf("%w: a paragraph is settled as %s, %s or %s", crdt.ErrInvalid, Agreed, Contested, OpenStatus)
	}
	if err := stanceReason(note); err != nil {
		return err
	}
	return s.edit(ctx, func() error {
		if s.roleNow() != crdt.RoleCoFacilitator {
			return fmt.Errorf("%w: only a co-facilitator can settle a paragraph; take a stance on it instead (`bpfdraft stance`)", ErrForbidden)
		}
		return s.anchored(ref, stanceEntry{Type: "se", Value: status, Reason: strings.TrimSpace(note)})
	})
}

// Consensus reads every stance and settled status and says where the
// community stands on each numbered paragraph. The answer is kept, with
// the heads it was worked out at: a command that only reads a draft
// (ReadSession, still showing its stored view) is answered from it when
// the heads are the same, without loading the document (0.6 s for a
// draft of 200,000 characters). The same heads are the same document,
// so the kept answer is the one working it out again would give.
func (s *Session) Consensus() (Consensus, error) {
	if len(s.viewHeads) > 0 && !s.docLoaded.Load() {
		if c, ok := s.keptConsensus(s.viewHeads); ok {
			return c, nil
		}
	}
	var out Consensus
	var heads []string
	err := s.do(func() error {
		var err error
		out, err = s.consensus()
		if !s.o.unsaved { // kept only for heads on disk, which a stored view shows
			heads = s.o.doc.Heads()
		}
		return err
	})
	if err == nil && !s.w.store.ReadOnly() && heads != nil {
		s.keepConsensus(heads, out)
	}
	return out, err
}

// ConsensusLive is Consensus for a window that reads it again at every
// change (the page's margin): worked out, never kept.
func (s *Session) ConsensusLive() (Consensus, error) {
	var out Consensus
	err := s.do(func() error {
		var err error
		out, err = s.consensus()
		return err
	})
	return out, err
}

// consensusKey is where the last answer is kept: in the sync state under
// no draft (a state under the draft would read as a peer's, and its time
// as when the draft last synced). Derived data, never synced.
func consensusKey(id string) string { return "consensus:" + id }

// keptConsensus is the answer kept, deflated JSON, with its heads.
type keptConsensus struct {
	Heads []string  `json:"heads"`
	Of    Consensus `json:"consensus"`
}

func (s *Session) keptConsensus(heads []string) (Consensus, bool) {
	raw, err := s.w.store.SyncState(context.Background(), consensusKey(s.ID()), "")
	if err != nil || len(raw) == 0 {
		return Consensus{}, false
	}
	r := flate.NewReader(bytes.NewReader(raw))
	defer r.Close()
	var k keptConsensus
	// Bounded: a damaged or foreign copy is worked out again instead.
	if json.NewDecoder(io.LimitReader(r, maxViewBytes)).Decode(&k) != nil || !slices.Equal(k.Heads, heads) {
		return Consensus{}, false
	}
	return k.Of, true
}

func (s *Session) keepConsensus(heads []string, c Consensus) {
	if len(heads) == 0 {
		return
	}
	at := strings.Join(heads, ",")
	if last := s.consensusKept.Load(); last != nil && *last == at {
		return // this session kept it for these heads already
	}
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestSpeed)
	if json.NewEncoder(w).Encode(keptConsensus{Heads: heads, Of: c}) != nil || w.Close() != nil {
		return
	}
	if err := s.w.store.SetSyncState(context.Background(), consensusKey(s.ID()), "", b.Bytes()); err != nil {
		s.w.log.Debug("Could not keep the consensus", "draft", s.ID(), "err", err)
		return
	}
	s.consensusKept.Store(&at)
}

func (s *Session) consensus() (Consensus, error) {
	// The committed text, which the ledger's positions are of: typing
	// not yet committed would shift every paragraph after it.
	secs := slices.Clone(s.View().Sections)
	for i := range secs {
		if body, ok := s.o.committed[secs[i].ID]; ok {
			secs[i].Body = body
		}
	}
	return s.consensusOn(secs, nil)
}

// consensusOn reads the stances on the paragraphs of secs, the text of
// the state in (nil: as the draft stands), as every stance and status
// stands now.
func (s *Session) consensusOn(secs []crdt.Section, in crdt.ChangeSet) (Consensus, error) {
	var out Consensus
	v := s.View()
	labels := crdt.HeadingLabels(secs)
	bodies := map[string]string{}
	type at struct {
		sec string
		n   int // the paragraph's number
	}
	index := map[at]int{}
	for i, sec := range secs {
		bodies[sec.ID] = sec.Body
		for _, p := range crdt.Paragraphs(sec.Body) {
			if p.N == 0 {
				continue
			}
			index[at{sec.ID, p.N}] = len(out.Paragraphs)
			out.Paragraphs = append(out.Paragraphs, ParagraphStand{Section: sec.ID, Heading: sec.Heading,
				Paragraph: crdt.ParagraphNumber(labels[i], p.N), Label: labels[i], N: p.N, Text: p.Text})
		}
	}
	if v.Comments == 0 {
		return out, nil // no journal entry at all: spares a load
	}
	l, auth, err := s.authority()
	if err != nil {
		return out, err
	}
	changes := l.Changes()
	people := map[string]crdt.Participant{}
	for _, p := range v.Participants {
		people[p.Actor] = p
	}
	all := l.All()
	if in == nil {
		in = all
	}
	type cand struct {
		ref   crdt.ChangeRef
		e     stanceEntry
		where int
	}
	parasOf := map[string][]crdt.Paragraph{} // by section, split once
	where := map[string]*crdt.Where{}        // by section, indexed once
	stances := map[[2]string][]cand{}        // by paragraph index and person
	settles := map[int][]cand{}
	for _, r := range l.Journal(crdt.JournalComments) {
		if len(r.Value) > 4*(maxStanceReason+512) || !strings.HasPrefix(r.Value, `{"t":"s`) {
			continue // not a stance or status (comments are read elsewhere)
		}
		var e stanceEntry
		if json.Unmarshal([]byte(r.Value), &e) != nil || e.Type != "sn" && e.Type != "se" || stanceReason(e.Reason) != nil {
			continue
		}
		author := changes[r.By].Actor
		first, err1 := parseAnchor(e.First, author, "")
		last, err2 := parseAnchor(e.Last, author, first.Actor)
		if err1 != nil || err2 != nil {
			continue
		}
		w, ok := where[e.Section]
		if !ok {
			w, _ = l.Index(e.Section, in) // nil for a section the ledger lacks
			where[e.Section] = w
		}
		if w == nil {
			continue
		}
		start, shown := w.Start(first, last)
		if !shown {
			continue // its paragraph's text is all deleted
		}
		paras, ok := parasOf[e.Section]
		if !ok {
			paras = crdt.Paragraphs(bodies[e.Section])
			parasOf[e.Section] = paras
		}
		n := crdt.NumberAt(paras, start)
		where, ok := index[at{e.Section, n}]
		if !ok {
			continue
		}
		c := cand{r.By, e, where}
		switch e.Type {
		case "sn":
			if e.Value != Support && e.Value != Object && e.Value != NoStand {
				continue
			}
			actor := changes[r.By].Actor
			person := people[actor].Person
			if person == "" {
				person = actor
			}
			k := [2]string{fmt.Sprint(where), person}
			stances[k] = append(stances[k], c)
		case "se":
			if e.Value != Agreed && e.Value != Contested && e.Value != OpenStatus {
				continue
			}
			if auth.AuthorRole(r.By) != crdt.RoleCoFacilitator {
				out.NotCounted++
				continue
			}
			settles[where] = append(settles[where], c)
		}
	}
	for _, cands := range stances {
		k := latest(l, cands, func(c cand) crdt.ChangeRef { return c.ref })
		if k < 0 || cands[k].e.Value == NoStand {
			continue
		}
		c := cands[k]
		ch := changes[c.ref]
		who := people[ch.Actor]
		p := &out.Paragraphs[c.where]
		st := Stance{Actor: ch.Actor, Person: who.Person, Name: who.Name, Group: who.Group, Region: who.Region,
			Value: c.e.Value, Reason: c.e.Reason, At: ch.Time, Earlier: c.e.Sum != textSum(p.Text)}
		if st.Value == Support {
			p.Support = append(p.Support, st)
		} else {
			p.Object = append(p.Object, st)
		}
	}
	for where, cands := range settles {
		k := latest(l, cands, func(c cand) crdt.ChangeRef { return c.ref })
		if k < 0 {
			continue
		}
		c := cands[k]
		ch := changes[c.ref]
		p := &out.Paragraphs[where]
		p.Status = &Settlement{Status: c.e.Value, Note: c.e.Reason, Actor: ch.Actor, Name: people[ch.Actor].Name, At: ch.Time,
			Earlier: c.e.Sum != textSum(p.Text)}
	}
	for i := range out.Paragraphs {
		for _, list := range []*[]Stance{&out.Paragraphs[i].Support, &out.Paragraphs[i].Object} {
			// An order every peer gives alike.
			sort.Slice(*list, func(a, b int) bool {
				x, y := (*list)[a], (*list)[b]
				if x.Name != y.Name {
					return x.Name < y.Name
				}
				return x.Actor < y.Actor
			})
		}
	}
	return out, nil
}

// Groups counts stances by stakeholder group, in crdt.Groups' order.
func Groups(st []Stance) []GroupCount {
	return countBy(crdt.Groups, st, func(s Stance) crdt.Group { return s.Group })
}

// Regions counts stances by regional group, in crdt.Regions' order.
func Regions(st []Stance) []GroupCount {
	return countBy(crdt.Regions, st, func(s Stance) crdt.Region { return s.Region })
}

// countBy counts stances by the group key gives, in order's order, the
// groups with none left out.
func countBy[T ~string](order []T, st []Stance, key func(Stance) T) []GroupCount {
	var out []GroupCount
	for _, g := range order {
		n := 0
		for _, s := range st {
			if key(s) == g {
				n++
			}
		}
		if n > 0 {
			out = append(out, GroupCount{Name: string(g), N: n})
		}
	}
	return out
}

// JoinCounts writes counts as "Civil society 2, Government 1", each
// group's name as label gives it.
func JoinCounts(gs []GroupCount, label func(string) string) string {
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = fmt.Sprintf("%s %d", label(g.Name), g.N)
	}
	return strings.Join(parts, ", ")
}

// GroupCount is how many stances came from one group.
type GroupCount struct {
	Name string
	N    int
}

// OneGroup says whether every stance of a list came from one stakeholder
// group: a paragraph supported only by one group shows it.
func OneGroup(st []Stance) bool {
	return len(st) > 0 && len(Groups(st)) == 1
}

// Brackets returns, for a named version (or "" for the draft as it
// stands), its contested paragraphs by number, each with the note a
// publication prints for it: which stakeholder groups object. The
// statuses are the ones of now, read on the version's text.
func (s *Session) Brackets(ref string) (map[string]string, error) {
	out := map[string]string{}
	secs := s.View().Sections
	var v crdt.Version
	if ref != "" && ref != Current {
		var err error
		if v, err = s.Version(ref); err != nil {
			return nil, err
		}
		snap, err := s.SnapshotAt(v) // on the owner itself
		if err != nil {
			return nil, err
		}
		secs = snap.Sections
	}
	err := s.do(func() error {
		var in crdt.ChangeSet
		if len(v.Heads) > 0 {
			l, err := s.ledger()
			if err != nil {
				return err
			}
			if in, err = l.Upto(v.Heads); err != nil {
				return err
			}
		}
		c, err := s.consensusOn(secs, in)
		if err != nil {
			return err
		}
		for _, p := range c.Paragraphs {
			if p.Status == nil || p.Status.Status != Contested {
				continue
			}
			note := "Contested."
			if gs := Groups(p.Object); len(gs) > 0 {
				names := make([]string, len(gs))
				for i, g := range gs {
					names[i] = g.Name
				}
				note = "Contested: objections from " + strings.Join(names, ", ") + "."
			}
			out[p.Paragraph] = note
		}
		return nil
	})
	return out, err
}
