package crdt

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/automerge/automerge-go"
)

// A Ledger answers "who wrote this character, and when did it come and
// go" for every text of a draft. Automerge keeps that knowledge (each
// character is an insert op of some change) but the binding offers only
// a text's current value, so the ledger rebuilds each text's sequence
// from the changes themselves: it decodes every change's ops and places
// each inserted character the way Automerge does (after the element it
// names, past any element with a greater id: a replicated growable
// array), keeping deleted characters as tombstones that remember which
// changes deleted them. Its texts come out equal to Automerge's
// (TestLedgerMatchesAutomerge), and the same on every peer, since op
// ids and their order are.
//
// The ledger is built once from the whole history and then fed only the
// changes it has not seen, so attribution after a remote change costs
// the change, not the draft.

// ChangeRef identifies a change in a ledger: its index in the order the
// ledger learnt them, which is causal (a change comes after its deps).
type ChangeRef int32

// LedgerChange is what the ledger keeps of a change.
type LedgerChange struct {
	Hash  string
	Actor string
	Seq   uint64
	Time  time.Time
	Info  ChangeInfo
	Deps  []ChangeRef
}

// elemID is an op id: counter, then the actor's number in the ledger.
type elemID struct {
	ctr   uint64
	actor int32
}

// element is one inserted string (one code point, as Automerge inserts
// text) with its place in its text's order. It holds no pointers: a
// draft's history has an element per character ever typed, and a slice
// of them is then neither scanned by the collector nor copied with write
// barriers as it grows.
type element struct {
	id   elemID
	next int32     // the next element of the text, -1 at the end
	ins  ChangeRef // the change that inserted it
	del  ChangeRef // the first change that deleted it, -1 while visible
	r    rune      // its text; noRune: a string other than one code point, in Ledger.strs
	more bool      // deleted by more than one change: the others are in Ledger.moreDel
}

// noRune marks an element whose text is not one code point (a peer may
// set any string).
const noRune = -1

// object is a map, list or text of the document, found by the op that
// made it.
type object struct {
	parent elemID // the object it sits in (zero for the root)
	key    string // its key there
	text   bool
	head   int32             // first element of a text, -1 when empty
	by     ChangeRef         // the change that made it
	props  map[string][]prop // a section map's fields (outline.go)
}

// Ledger is the rebuilt history of one draft. It is not safe for
// concurrent use; the draft's owner keeps it.
type Ledger struct {
	actors   []string // hex actor ids in the order first seen
	actorNum map[string]int32
	changes  []LedgerChange
	byHash   map[string]ChangeRef
	heads    []string
	objects  map[elemID]*object
	elems    []element
	strs     map[int32]string      // texts of elements that are not one code point
	moreDel  map[int32][]ChangeRef // the later deleters of elements deleted more than once
	elemAt   map[elemID]int32
	sections map[string]elemID // section id -> its body's text object
	journal  map[string][]Record
}

// Record is one entry of a journal (a list at the document's root that
// only grows, such as decisions or comments): its value and the change
// that added it, whose actor and time say who and when.
type Record struct {
	Value string
	By    ChangeRef
}

// NewLedger returns an empty ledger; Update fills it from a draft.
func NewLedger() *Ledger {
	return &Ledger{
		actorNum: map[string]int32{},
		byHash:   map[string]ChangeRef{},
		objects:  map[elemID]*object{},
		elemAt:   map[elemID]int32{},
		strs:     map[int32]string{},
		moreDel:  map[int32][]ChangeRef{},
		sections: map[string]elemID{},
		journal:  map[string][]Record{},
	}
}

// Update reads the changes of d the ledger has not seen yet and returns
// how many it added.
func (l *Ledger) Update(d *Doc) (int, error) {
	var cs []*automerge.Change
	var err error
	if len(l.heads) == 0 {
		if _, err = d.Commit(); err != nil {
			return 0, err
		}
		cs, err = d.am.Changes()
	} else {
		cs, err = d.changesSince(l.heads)
	}
	if err != nil {
		return 0, err
	}
	if len(cs) == 0 {
		return 0, nil
	}
	// Automerge lists changes causally; a change whose deps are not all
	// known yet waits for them all the same, so a different order can
	// only cost a second pass.
	pending := cs
	added := 0
	for len(pending) > 0 {
		var later []*automerge.Change
		for _, c := range pending {
			ok, err := l.add(c)
			if err != nil {
				return added, fmt.Errorf("change %s: %w", c.Hash(), err)
			}
			if !ok {
				later = append(later, c)
				continue
			}
			added++
		}
		if len(later) == len(pending) {
			return added, fmt.Errorf("%w: %d changes depend on changes the draft lacks", ErrCorrupt, len(later))
		}
		pending = later
	}
	l.heads = d.Heads()
	return added, nil
}

func (l *Ledger) actor(hex string) int32 {
	if n, ok := l.actorNum[hex]; ok {
		return n
	}
	n := int32(len(l.actors))
	l.actors = append(l.actors, hex)
	l.actorNum[hex] = n
	return n
}

// add applies one change; ok is false when one of its deps is unknown.
func (l *Ledger) add(c *automerge.Change) (ok bool, err error) {
	var deps []string
	for _, h := range c.Dependencies() {
		deps = append(deps, h.String())
	}
	return l.addRaw(c.Hash().String(), deps, c.Save())
}

// addRaw is add for a change given as its hash, its dependencies' and
// its chunk: what arrives from a peer before it is merged.
func (l *Ledger) addRaw(hash string, depHashes []string, raw []byte) (ok bool, err error) {
	if _, seen := l.byHash[hash]; seen {
		return true, nil
	}
	var deps []ChangeRef
	for _, h := range depHashes {
		ref, known := l.byHash[h]
		if !known {
			return false, nil
		}
		deps = append(deps, ref)
	}
	dc, err := decodeChange(raw)
	if err != nil {
		return false, err
	}
	actors := make([]int32, len(dc.actors))
	for i, a := range dc.actors {
		actors[i] = l.actor(fmt.Sprintf("%x", a))
	}
	ref := ChangeRef(len(l.changes))
	info, _ := decodeInfo(dc.message)
	l.changes = append(l.changes, LedgerChange{
		Hash: hash, Actor: l.actors[actors[0]], Seq: dc.seq,
		Time: time.UnixMilli(dc.time).UTC(), Info: info, Deps: deps,
	})
	l.byHash[hash] = ref
	id := func(actor int, ctr uint64) elemID {
		if actor < 0 {
			return elemID{}
		}
		return elemID{ctr: ctr, actor: actors[actor]}
	}
	for i := range dc.ops {
		op := &dc.ops[i]
		self := elemID{ctr: op.ctr, actor: actors[0]}
		obj := id(op.objActor, op.objCtr)
		switch {
		case op.action == actionMakeMap || op.action == actionMakeList || op.action == actionMakeTable || op.action == actionMakeText:
			o := &object{parent: obj, key: op.keyStr, text: op.action == actionMakeText, head: -1, by: ref}
			l.objects[self] = o
			l.noteProp(obj, op, self, ref, actors)
			if o.text && op.keyStr == "body" {
				l.noteSection(self, o)
			}
			if op.insert {
				// A nested object inside a list: the ledger does not
				// place it, as drafts keep no objects in sequences.
				continue
			}
		case op.action == actionDelete:
			o := l.objects[obj]
			if o != nil && !o.text && op.keyStr != "" {
				l.noteProp(obj, op, self, ref, actors)
			}
			if o == nil || !o.text {
				continue
			}
			if at, found := l.elemAt[id(op.keyActor, op.keyCtr)]; found {
				e := &l.elems[at]
				if e.del < 0 {
					e.del = ref
				} else {
					e.more = true
					l.moreDel[at] = append(l.moreDel[at], ref)
				}
			}
		case op.action == actionSet && op.insert:
			o := l.objects[obj]
			if o == nil {
				continue
			}
			if !o.text {
				if journals[o.key] && o.parent == (elemID{}) {
					l.journal[o.key] = append(l.journal[o.key], Record{Value: op.value, By: ref})
				}
				continue
			}
			l.insert(o, id(op.keyActor, op.keyCtr), self, op.value, ref)
		case op.action == actionSet && op.keyStr != "":
			l.noteProp(obj, op, self, ref, actors)
		case op.action == actionSet:
			// An overwrite of an element in place: the new value is the
			// overwriter's. Drafts never do this to text, but a peer could.
			if at, found := l.elemAt[id(op.keyActor, op.keyCtr)]; found && l.objects[obj] != nil && l.objects[obj].text {
				l.setText(at, op.value)
				l.elems[at].ins = ref
			}
		}
	}
	return true, nil
}

// journals are the lists at the root whose entries the ledger keeps with
// the change that added each. Every list object under such a key counts:
// two peers that each created the list before they met both keep their
// entries, though Automerge shows only one of the two lists.
var journals = map[string]bool{"decisions": true, "comments": true}

// Journal returns the entries of a journal in the order the ledger
// learnt them.
func (l *Ledger) Journal(name string) []Record { return l.journal[name] }

// noteSection records a text object made under the key "body" of a
// section's map (sections/ID/body).
func (l *Ledger) noteSection(self elemID, o *object) {
	sec := l.objects[o.parent]
	if sec == nil {
		return
	}
	if top := l.objects[sec.parent]; top != nil && top.key == "sections" && top.parent == (elemID{}) {
		l.sections[sec.key] = self
	}
}

// insert places a new element after ref (zero: at the start), past every
// element with a greater id: those were inserted at the same place by
// changes this one did not see, or after them, and Automerge orders the
// later-numbered first.
func (l *Ledger) insert(o *object, ref, self elemID, text string, by ChangeRef) {
	prev := int32(-1)
	if ref != (elemID{}) {
		at, found := l.elemAt[ref]
		if !found {
			return
		}
		prev = at
	}
	next := o.head
	if prev >= 0 {
		next = l.elems[prev].next
	}
	for next >= 0 && l.greater(l.elems[next].id, self) {
		prev, next = next, l.elems[next].next
	}
	at := int32(len(l.elems))
	l.elems = append(l.elems, element{id: self, next: next, ins: by, del: -1})
	l.setText(at, text)
	l.elemAt[self] = at
	if prev < 0 {
		o.head = at
	} else {
		l.elems[prev].next = at
	}
}

// setText gives element at its text.
func (l *Ledger) setText(at int32, text string) {
	r, n := utf8.DecodeRuneInString(text)
	if n == len(text) && n > 0 && (r != utf8.RuneError || n > 1) {
		l.elems[at].r = r
		delete(l.strs, at)
		return
	}
	l.elems[at].r = noRune
	l.strs[at] = text
}

// appendText appends the text of element at to buf.
func (l *Ledger) appendText(buf []byte, at int32) []byte {
	if r := l.elems[at].r; r != noRune {
		return utf8.AppendRune(buf, r)
	}
	return append(buf, l.strs[at]...)
}

// runes returns how many code points element at holds.
func (l *Ledger) runes(at int32) int {
	if l.elems[at].r != noRune {
		return 1
	}
	return utf8.RuneCountInString(l.strs[at])
}

// greater orders op ids as Automerge does: by counter, then by actor id.
func (l *Ledger) greater(a, b elemID) bool {
	if a.ctr != b.ctr {
		return a.ctr > b.ctr
	}
	return l.actors[a.actor] > l.actors[b.actor]
}

// Changes returns the changes the ledger knows, in its order.
func (l *Ledger) Changes() []LedgerChange { return l.changes }

// Change returns one change by hash.
func (l *Ledger) Change(hash string) (ChangeRef, bool) {
	ref, ok := l.byHash[hash]
	return ref, ok
}

// Heads returns the heads the ledger has read up to.
func (l *Ledger) Heads() []string { return l.heads }

// ChangeSet says which changes a state of the draft holds.
type ChangeSet []bool

// Has reports whether the set holds a change.
func (s ChangeSet) Has(c ChangeRef) bool { return c >= 0 && int(c) < len(s) && s[c] }

// All returns the set of every change the ledger knows.
func (l *Ledger) All() ChangeSet {
	s := make(ChangeSet, len(l.changes))
	for i := range s {
		s[i] = true
	}
	return s
}

// Upto returns the changes a state with the given heads holds: the heads
// and everything they depend on.
func (l *Ledger) Upto(heads []string) (ChangeSet, error) {
	s := make(ChangeSet, len(l.changes))
	var stack []ChangeRef
	for _, h := range heads {
		ref, ok := l.byHash[h]
		if !ok {
			return nil, fmt.Errorf("%w: head %.12s is not a change of this draft", ErrNotFound, h)
		}
		stack = append(stack, ref)
	}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if s[c] {
			continue
		}
		s[c] = true
		stack = append(stack, l.changes[c].Deps...)
	}
	return s, nil
}

// PieceKind says how a run of characters fared between two states.
type PieceKind int8

// The kinds of piece.
const (
	Same     PieceKind = iota // present in both states
	Inserted                  // present only in the later state
	Deleted                   // present only in the earlier state
)

// String names the kind: "same", "inserted" or "deleted".
func (k PieceKind) String() string {
	switch k {
	case Inserted:
		return "inserted"
	case Deleted:
		return "deleted"
	}
	return "same"
}

// MarshalText writes the kind's name, for JSON readers of reviews and diffs.
func (k PieceKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// ElemID names one character of a text on every peer: the counter and
// actor of the op that inserted it.
type ElemID struct {
	Ctr   uint64
	Actor string
}

func (e ElemID) String() string { return fmt.Sprintf("%d@%s", e.Ctr, e.Actor) }

// ParseElemID reads what ElemID.String wrote.
func ParseElemID(s string) (ElemID, error) {
	ctr, actor, ok := strings.Cut(s, "@")
	n, err := strconv.ParseUint(ctr, 10, 64)
	if !ok || err != nil || actor == "" || len(actor) > 64 {
		return ElemID{}, fmt.Errorf("%w: character id %q", ErrInvalid, s)
	}
	return ElemID{Ctr: n, Actor: actor}, nil
}

// Piece is a run of characters of one text that fared alike between two
// states and share who is behind them: the inserting change for Same
// and Inserted, the deleting change for Deleted.
type Piece struct {
	Kind        PieceKind
	Text        string
	By          ChangeRef
	First, Last ElemID
}

// Runes returns the number of code points of the piece.
func (p Piece) Runes() int { return utf8.RuneCountInString(p.Text) }

// deleter returns the change of the set that deleted element at, or -1.
func (l *Ledger) deleter(at int32, in ChangeSet) ChangeRef {
	e := &l.elems[at]
	if in.Has(e.del) {
		return e.del
	}
	if !e.more {
		return -1
	}
	for _, d := range l.moreDel[at] {
		if in.Has(d) {
			return d
		}
	}
	return -1
}

// Compare walks a section's text and returns, in text order, what
// changed between two states (from and to; nil stands for every change
// the ledger knows). Adjacent characters of the same kind and the same
// change are one piece.
func (l *Ledger) Compare(section string, from, to ChangeSet) ([]Piece, error) {
	oid, ok := l.sections[section]
	if !ok {
		return nil, fmt.Errorf("section %q: %w", section, ErrNotFound)
	}
	if from == nil {
		from = l.All()
	}
	if to == nil {
		to = from
	}
	var out []Piece
	var buf []byte
	flush := func() {
		if len(out) > 0 {
			out[len(out)-1].Text = string(buf)
		}
		buf = buf[:0]
	}
	for at := l.objects[oid].head; at >= 0; at = l.elems[at].next {
		e := &l.elems[at]
		was := from.Has(e.ins) && l.deleter(at, from) < 0
		now := to.Has(e.ins)
		var del ChangeRef = -1
		if now {
			del = l.deleter(at, to)
			now = del < 0
		}
		var p Piece
		switch {
		case was && now:
			p = Piece{Kind: Same, By: e.ins}
		case now:
			p = Piece{Kind: Inserted, By: e.ins}
		case was:
			p = Piece{Kind: Deleted, By: del}
		default:
			continue
		}
		id := ElemID{Ctr: e.id.ctr, Actor: l.actors[e.id.actor]}
		if n := len(out); n > 0 && out[n-1].Kind == p.Kind && out[n-1].By == p.By {
			out[n-1].Last = id
		} else {
			flush()
			p.First, p.Last = id, id
			out = append(out, p)
		}
		buf = l.appendText(buf, at)
	}
	flush()
	return out, nil
}

// Text returns a section's text in a state, from the ledger alone.
func (l *Ledger) Text(section string, in ChangeSet) (string, error) {
	pieces, err := l.Compare(section, in, in)
	if err != nil {
		return "", err
	}
	var b []byte
	for _, p := range pieces {
		b = append(b, p.Text...)
	}
	return string(b), nil
}

// Sections returns the ids of the sections whose text the ledger holds,
// sorted.
func (l *Ledger) Sections() []string {
	out := make([]string, 0, len(l.sections))
	for id := range l.sections {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Range is a run of a text's characters, in code points.
type Range struct{ Pos, Len int }

// Locate finds, in a section's text in a state, the characters from
// first to last (in text order, both included) that keep(inserting
// change) selects and that the state shows, as ranges; and at, the
// number of characters the state shows before first: where text
// deleted from there would go back.
func (l *Ledger) Locate(section string, first, last ElemID, keep func(ChangeRef) bool, in ChangeSet) (ranges []Range, at int, err error) {
	oid, ok := l.sections[section]
	if !ok {
		return nil, 0, fmt.Errorf("section %q: %w", section, ErrNotFound)
	}
	fa, fok := l.actorNum[first.Actor]
	la, lok := l.actorNum[last.Actor]
	if !fok || !lok {
		return nil, 0, fmt.Errorf("%w: characters this copy of the draft does not have", ErrNotFound)
	}
	fid, lid := elemID{ctr: first.Ctr, actor: fa}, elemID{ctr: last.Ctr, actor: la}
	pos, inside, found := 0, false, false
	for e := l.objects[oid].head; e >= 0; e = l.elems[e].next {
		el := &l.elems[e]
		if el.id == fid {
			inside, found, at = true, true, pos
		}
		shown := in.Has(el.ins) && l.deleter(e, in) < 0
		size := l.runes(e)
		if inside && shown && keep(el.ins) {
			if n := len(ranges); n > 0 && ranges[n-1].Pos+ranges[n-1].Len == pos {
				ranges[n-1].Len += size
			} else {
				ranges = append(ranges, Range{Pos: pos, Len: size})
			}
		}
		if shown {
			pos += size
		}
		if el.id == lid {
			break
		}
	}
	if !found {
		return nil, 0, fmt.Errorf("%w: the characters are not in section %q", ErrNotFound, section)
	}
	return ranges, at, nil
}

// Where is an index of a section's characters in one state, for many
// lookups at once (Locate walks the text for each).
type Where struct {
	l     *Ledger
	index map[elemID]int32 // → code points the state shows before it, negative (-1-n) when it is not shown
}

// Index walks a section's text once, in state in.
func (l *Ledger) Index(section string, in ChangeSet) (*Where, error) {
	oid, ok := l.sections[section]
	if !ok {
		return nil, fmt.Errorf("section %q: %w", section, ErrNotFound)
	}
	w := &Where{l: l, index: map[elemID]int32{}}
	pos := int32(0)
	for e := l.objects[oid].head; e >= 0; e = l.elems[e].next {
		el := &l.elems[e]
		if in.Has(el.ins) && l.deleter(e, in) < 0 {
			w.index[el.id] = pos
			pos += int32(l.runes(e))
		} else {
			w.index[el.id] = -1 - pos
		}
	}
	return w, nil
}

// Start returns where the stretch of text from first to last starts: the
// position of its first character the state shows, and false when it
// shows none of them (or the section never held them).
func (w *Where) Start(first, last ElemID) (int, bool) {
	at := func(id ElemID) (pos int32, shown, ok bool) {
		a, known := w.l.actorNum[id.Actor]
		if !known {
			return 0, false, false
		}
		v, ok := w.index[elemID{ctr: id.Ctr, actor: a}]
		if v < 0 {
			return -1 - v, false, ok
		}
		return v, true, ok
	}
	pf, _, ok1 := at(first)
	pl, shownLast, ok2 := at(last)
	if !ok1 || !ok2 {
		return 0, false
	}
	end := pl // code points shown before last, and last itself if shown
	if shownLast {
		end++
	}
	if end <= pf {
		return 0, false
	}
	return int(pf), true
}

// ElemsAt returns the characters at code points pos to pos+n-1 of a
// section's text in a state: the first and the last, whose ids name
// that stretch of text on every peer however it is edited around.
func (l *Ledger) ElemsAt(section string, pos, n int, in ChangeSet) (first, last ElemID, err error) {
	oid, ok := l.sections[section]
	if !ok {
		return first, last, fmt.Errorf("section %q: %w", section, ErrNotFound)
	}
	if pos < 0 || n < 1 {
		return first, last, fmt.Errorf("%w: %d characters at %d", ErrRange, n, pos)
	}
	at := 0
	for e := l.objects[oid].head; e >= 0; e = l.elems[e].next {
		el := &l.elems[e]
		if !in.Has(el.ins) || l.deleter(e, in) >= 0 {
			continue
		}
		id := ElemID{Ctr: el.id.ctr, Actor: l.actors[el.id.actor]}
		if at == pos {
			first = id
		}
		at += l.runes(e)
		if at == pos+n {
			return first, id, nil
		}
	}
	return first, last, fmt.Errorf("%w: %d characters at %d in a text of %d", ErrRange, n, pos, at)
}

// Wrote returns what a set of changes did to a section's text: the runs
// they inserted that they did not also delete (typos typed and taken back
// within the set leave nothing), and the runs they deleted that were
// there before them, each in text order. What later changes did to those
// runs does not matter: this is what the set's authors did.
func (l *Ledger) Wrote(section string, by ChangeSet) (inserted, deleted []string, err error) {
	oid, ok := l.sections[section]
	if !ok {
		return nil, nil, fmt.Errorf("section %q: %w", section, ErrNotFound)
	}
	const (
		none = iota
		ins
		del
	)
	kind := none
	var buf []byte
	flush := func() {
		switch kind {
		case ins:
			inserted = append(inserted, string(buf))
		case del:
			deleted = append(deleted, string(buf))
		}
		buf = buf[:0]
	}
	for at := l.objects[oid].head; at >= 0; at = l.elems[at].next {
		e := &l.elems[at]
		k := none
		switch mine, gone := by.Has(e.ins), l.deleter(at, by) >= 0; {
		case mine && !gone:
			k = ins
		case gone && !mine:
			k = del
		}
		if k != kind {
			flush()
			kind = k
		}
		if k != none {
			buf = l.appendText(buf, at)
		}
	}
	flush()
	return inserted, deleted, nil
}
