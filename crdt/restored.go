package crdt

import "slices"

// Text put back keeps its author. A rejected insertion, once accepted,
// and a rejected deletion come back as new characters, inserted by the
// reviewer's change: Automerge cannot bring a deleted character back.
// Read naively, the reviewer would then have written them. But a
// restoring change inserts them at the place of the originals: after
// the visible character before them, so right before the originals'
// tombstones, which are older. Authored reads that from the history
// alone, with no claim anyone wrote: a run of characters a restoring
// change inserted, followed (past any other tombstones) by deleted
// characters of the very same text, stands for those characters, and
// each is credited to whoever inserted its original. Nobody gains by it:
// at most it credits someone with a text they did write, at that place.

// Authored returns a section's text in a state as pieces of one author
// each, like Compare(section, in, in), except that a run of characters
// inserted by a change restores accepts (a review's decision) which puts
// deleted text back where it was is credited to the original's authors.
func (l *Ledger) Authored(section string, in ChangeSet, restores func(ChangeRef) bool) ([]Piece, error) {
	oid, ok := l.sections[section]
	if !ok {
		return nil, ErrNotFound
	}
	if in == nil {
		in = l.All()
	}
	visible := func(at int32) bool {
		e := &l.elems[at]
		return in.Has(e.ins) && l.deleter(at, in) < 0
	}
	// The text's elements in order, the visible ones with their author.
	type vis struct {
		at int32
		by ChangeRef
	}
	var seq []int32 // every element of the state, visible or deleted in it
	for at := l.objects[oid].head; at >= 0; at = l.elems[at].next {
		if in.Has(l.elems[at].ins) {
			seq = append(seq, at)
		}
	}
	var shown []vis
	for i := 0; i < len(seq); {
		at := seq[i]
		if !visible(at) {
			i++
			continue
		}
		by := l.elems[at].ins
		if !restores(by) {
			shown = append(shown, vis{at, by})
			i++
			continue
		}
		// A restoring change's run, and the deleted characters after it.
		j := i
		for j < len(seq) && visible(seq[j]) && l.elems[seq[j]].ins == by {
			j++
		}
		// Its originals' tombstones stand right after it, or right
		// before it, as Automerge placed the insertion among them; text
		// typed there since (by changes that did not know the run) may
		// stand between, as nothing visible when the run was made can.
		var after, before []int32
		for k := j; k < min(len(seq), j+maxRestoreScan); k++ {
			if a := seq[k]; !visible(a) {
				after = append(after, a)
			} else if ins := l.elems[a].ins; ins != by && l.Precedes(ins, by) {
				break
			}
		}
		for k := i - 1; k >= max(0, i-maxRestoreScan); k-- {
			if a := seq[k]; !visible(a) {
				before = append(before, a)
			} else if ins := l.elems[a].ins; ins != by && l.Precedes(ins, by) {
				break
			}
		}
		slices.Reverse(before)
		orig := l.matchTombstones(seq[i:j], after)
		if orig == nil {
			orig = l.matchTombstones(seq[i:j], before)
		}
		for n, a := range seq[i:j] {
			if orig != nil {
				shown = append(shown, vis{a, l.elems[orig[n]].ins})
			} else {
				shown = append(shown, vis{a, by})
			}
		}
		i = j
	}
	var out []Piece
	var buf []byte
	for _, v := range shown {
		e := &l.elems[v.at]
		id := ElemID{Ctr: e.id.ctr, Actor: l.actors[e.id.actor]}
		if n := len(out); n > 0 && out[n-1].By == v.by {
			out[n-1].Last = id
		} else {
			if n > 0 {
				out[n-1].Text = string(buf)
				buf = buf[:0]
			}
			out = append(out, Piece{Kind: Same, By: v.by, First: id, Last: id})
		}
		buf = l.appendText(buf, v.at)
	}
	if n := len(out); n > 0 {
		out[n-1].Text = string(buf)
	}
	return out, nil
}

// maxRestoreScan bounds the elements looked at beside a restoring run:
// its originals stand next to it, past at most what was typed there
// since.
const maxRestoreScan = 8192

// matchTombstones finds, among the deleted elements after a run, a
// contiguous stretch with the run's text, character for character, and
// returns it; nil when there is none.
func (l *Ledger) matchTombstones(run, tombs []int32) []int32 {
	for s := 0; s+len(run) <= len(tombs); s++ {
		same := true
		for n := range run {
			if l.elemText(run[n]) != l.elemText(tombs[s+n]) {
				same = false
				break
			}
		}
		if same {
			return tombs[s : s+len(run)]
		}
	}
	return nil
}

// elemText is one element's text.
func (l *Ledger) elemText(at int32) string { return string(l.appendText(nil, at)) }
