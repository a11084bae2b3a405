package app

import (
	"time"

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
// the writer for kept and inserted text, the one who deleted it for
// deleted text.
type DiffPiece struct {
	Kind  crdt.PieceKind
	Text  string
	Actor string
	At    time.Time // when that change was made
	First crdt.ElemID
	Last  crdt.ElemID
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
		out, err = diffStates(l, a, b)
		return err
	})
	return out, err
}

func diffStates(l *crdt.Ledger, a, b state) ([]HeadingDiff, error) {
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
		for _, p := range pieces {
			c := changes[p.By]
			h.Pieces = append(h.Pieces, DiffPiece{Kind: p.Kind, Text: p.Text, Actor: c.Actor, At: c.Time, First: p.First, Last: p.Last})
		}
		h.Pieces = cancelMoves(h.Pieces)
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

// cancelMoves turns text deleted and the same text inserted at the same
// place (a rejected deletion put back, a cut pasted back) into unchanged
// text, as a comparison of the two texts would show it.
func cancelMoves(ps []DiffPiece) []DiffPiece {
	out := ps[:0]
	for i := 0; i < len(ps); i++ {
		if i+1 < len(ps) && ps[i].Text == ps[i+1].Text && ps[i].Kind != crdt.Same && ps[i+1].Kind != crdt.Same && ps[i].Kind != ps[i+1].Kind {
			same := ps[i]
			if same.Kind == crdt.Deleted {
				same = ps[i+1]
			}
			same.Kind = crdt.Same
			out = append(out, same)
			i++
			continue
		}
		out = append(out, ps[i])
	}
	return out
}
