package ui

import (
	"slices"
	"time"
	"unicode/utf8"

	"github.com/igf-bpf/bpfdraft/app/textop"
)

// The entry's own undo history is lost each time remote text replaces
// its content, so each section editor keeps one of its own: the person's
// edits only, never a co-author's. Undo takes back what this person did,
// where it now sits in the text, and leaves co-authors' edits alone.
//
// The history is linear, as in any editor: each step is in the
// coordinates of the text right after it, which undoing the steps after
// it restores exactly. Only a co-author's splice changes that text
// underneath; it is carried down the stack, from the newest step to the
// oldest, each step moving past it and it moving back past each step. A
// co-author's splice that cuts into a step's own text makes that step,
// and the ones before it, impossible to take back cleanly, so they are
// forgotten rather than guessed at.

// step is one undoable edit: applying it replaces ins, at pos, by del.
// On the undo stack that takes back what the person did; on the redo
// stack, it puts back what undo took.
type step struct {
	pos int       // where ins sits (code points)
	del []rune    // what applying the step puts back
	ins []rune    // what it takes away
	at  time.Time // when it was last extended
}

// apply returns text with the step applied: ins at pos replaced by del.
func (s step) apply(text []rune) []rune {
	return slices.Concat(text[:s.pos], s.del, text[s.pos+len(s.ins):])
}

// groupWithin is how close keystrokes must follow each other to be
// undone together, as a word processor undoes a burst of typing.
const groupWithin = time.Second

// history is a section's undo and redo stacks, newest last.
type history struct {
	undo, redo []step
}

// typed records an edit the person made: del (removed at pos) became ins.
func (h *history) typed(pos int, del, ins []rune, now time.Time) {
	h.redo = nil
	if n := len(h.undo); n > 0 {
		last := &h.undo[n-1]
		end := last.pos + len(last.ins)
		if now.Sub(last.at) < groupWithin {
			switch {
			case len(del) == 0 && pos == end && !slices.Contains(ins, '\n'):
				// Typing on.
				last.ins = append(last.ins, ins...)
				last.at = now
				return
			case len(ins) == 0 && pos >= last.pos && pos+len(del) == end:
				// Backspacing over what was just typed.
				last.ins = last.ins[:len(last.ins)-len(del)]
				last.at = now
				if len(last.ins) == 0 && len(last.del) == 0 {
					h.undo = h.undo[:n-1]
				}
				return
			}
		}
	}
	h.undo = append(h.undo, step{pos: pos, del: slices.Clone(del), ins: slices.Clone(ins), at: now})
}

// remote carries both stacks through a co-author's splice of the text
// as it is now: del code points at pos replaced by ins.
func (h *history) remote(pos, del, ins int) {
	h.undo = carrySteps(h.undo, pos, del, ins)
	h.redo = carrySteps(h.redo, pos, del, ins)
}

// remoteOp carries both stacks through a co-author's edit of the text as
// it is now, one place it touches at a time.
func (h *history) remoteOp(op textop.Op) {
	for _, sp := range op.Splices() {
		h.remote(sp.Pos, sp.Del, utf8.RuneCountInString(sp.Insert))
	}
}

// carrySteps moves the steps, newest first, past a splice of the text as
// it is after the newest one. Past each step, the splice is moved to
// where it falls in the text before that step; a step the splice cuts
// into is dropped with all older ones, which depend on it.
//
// Text inserted exactly where a step would put deleted text back may go
// on either side of it. Both are tried, and the side that lets more
// steps be kept wins.
func carrySteps(steps []step, pos, del, ins int) []step {
	before, after := slices.Clone(steps), slices.Clone(steps)
	b := carryWith(before, pos, del, ins, false)
	if b == 0 {
		return before
	}
	if a := carryWith(after, pos, del, ins, true); a < b {
		return after[a:]
	}
	return before[b:]
}

// carryWith carries the splice down steps in place and returns how many
// of the oldest must be dropped. goesAfter says where an insertion at a
// step's put-back point goes.
func carryWith(steps []step, pos, del, ins int, goesAfter bool) int {
	for i := len(steps) - 1; i >= 0; i-- {
		s := &steps[i]
		start, end := s.pos, s.pos+len(s.ins)
		switch {
		case goesAfter && del == 0 && pos == start && start == end:
			pos += len(s.del)
		case pos+del <= start: // wholly before (an insertion at the start too)
			s.pos += ins - del
		case pos >= end: // wholly after
			pos += len(s.del) - len(s.ins)
		default:
			return i + 1
		}
	}
	return 0
}

// next returns the newest step of from, to be applied to text. ok is
// false when there is none, or text does not hold what the step would
// take away.
func (h *history) next(from []step, text []rune) (s step, ok bool) {
	if len(from) == 0 {
		return step{}, false
	}
	s = from[len(from)-1]
	if s.pos+len(s.ins) > len(text) || !slices.Equal(text[s.pos:s.pos+len(s.ins)], s.ins) {
		// Cannot happen while every splice of the text is recorded or
		// carried; if it did, guessing would damage the text.
		h.undo, h.redo = nil, nil
		return step{}, false
	}
	return s, true
}

// took moves the newest step of from, once applied, onto to as its
// reverse. Typing after an undo or a redo starts a step of its own.
func (h *history) took(from, to *[]step) {
	n := len(*from)
	s := (*from)[n-1]
	*from = (*from)[:n-1]
	if n > 1 {
		(*from)[n-2].at = time.Time{}
	}
	*to = append(*to, step{pos: s.pos, del: s.ins, ins: s.del})
}

// takeBack is next and took together, for text the caller holds.
func (h *history) takeBack(from, to *[]step, text []rune) (step, bool) {
	s, ok := h.next(*from, text)
	if ok {
		h.took(from, to)
	}
	return s, ok
}
