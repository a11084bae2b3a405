// Package textop holds edits of a text as operations over code points:
// runs that keep, delete or insert characters, covering the whole text.
// They are what moves between the window's editors and the draft's
// owner: an edit made against an older text is transformed through the
// edits it had not seen, and a caret or a selection is carried through
// each of them exactly, however many places they touch.
//
// Positions and lengths are Unicode code points, as in Automerge and in
// Fyne's entry.
package textop

import (
	"errors"
	"fmt"
	"slices"
)

// ErrMismatch is returned when an operation is applied to, composed with
// or transformed against a text of another length than it was made for.
var ErrMismatch = errors.New("operation does not fit the text")

type kind uint8

const (
	keep kind = iota
	insert
	remove
)

// part is one run of an operation.
type part struct {
	kind kind
	n    int    // code points kept or removed
	text []rune // inserted
}

func (p part) size() int {
	if p.kind == insert {
		return len(p.text)
	}
	return p.n
}

// Op is an edit of a text: its runs, in order, keep, remove or insert
// code points, and together cover the whole text it was made for. The
// zero Op is the identity on the empty text. Ops are values: no method
// changes its receiver.
type Op struct {
	parts []part
	base  int // length of the text it applies to
	after int // length of the text it makes
}

// Identity returns the operation that keeps a text of n code points.
func Identity(n int) Op {
	var o Op
	o.keep(n)
	return o
}

// Splice returns the operation that deletes del code points at pos of a
// text of n and inserts text there.
func Splice(n, pos, del int, text string) (Op, error) {
	if pos < 0 || del < 0 || pos > n || del > n-pos {
		return Op{}, fmt.Errorf("%w: splice at %d deleting %d in a text of %d", ErrMismatch, pos, del, n)
	}
	var o Op
	o.keep(pos)
	o.insert([]rune(text))
	o.remove(del)
	o.keep(n - pos - del)
	return o, nil
}

// BaseLen is the length of the text the operation applies to.
func (o Op) BaseLen() int { return o.base }

// TargetLen is the length of the text it makes.
func (o Op) TargetLen() int { return o.after }

// IsIdentity reports whether the operation changes nothing.
func (o Op) IsIdentity() bool {
	for _, p := range o.parts {
		if p.kind != keep {
			return false
		}
	}
	return true
}

// The builders merge runs of the same kind and put an insertion before a
// removal that touches it, so that equal edits have one form.

func (o *Op) keep(n int) {
	if n <= 0 {
		return
	}
	o.base += n
	o.after += n
	if k := len(o.parts); k > 0 && o.parts[k-1].kind == keep {
		o.parts[k-1].n += n
		return
	}
	o.parts = append(o.parts, part{kind: keep, n: n})
}

func (o *Op) insert(text []rune) {
	if len(text) == 0 {
		return
	}
	o.after += len(text)
	k := len(o.parts)
	switch {
	case k > 0 && o.parts[k-1].kind == insert:
		o.parts[k-1].text = slices.Concat(o.parts[k-1].text, text)
	case k > 0 && o.parts[k-1].kind == remove:
		// Insert before the removal it follows.
		if k > 1 && o.parts[k-2].kind == insert {
			o.parts[k-2].text = slices.Concat(o.parts[k-2].text, text)
			return
		}
		o.parts = slices.Insert(o.parts, k-1, part{kind: insert, text: slices.Clone(text)})
	default:
		o.parts = append(o.parts, part{kind: insert, text: slices.Clone(text)})
	}
}

func (o *Op) remove(n int) {
	if n <= 0 {
		return
	}
	o.base += n
	if k := len(o.parts); k > 0 && o.parts[k-1].kind == remove {
		o.parts[k-1].n += n
		return
	}
	o.parts = append(o.parts, part{kind: remove, n: n})
}

// Apply returns text with the operation applied.
func (o Op) Apply(text []rune) ([]rune, error) {
	if len(text) != o.base {
		return nil, fmt.Errorf("%w: made for %d code points, given %d", ErrMismatch, o.base, len(text))
	}
	out := make([]rune, 0, o.after)
	i := 0
	for _, p := range o.parts {
		switch p.kind {
		case keep:
			out = append(out, text[i:i+p.n]...)
			i += p.n
		case remove:
			i += p.n
		case insert:
			out = append(out, p.text...)
		}
	}
	return out, nil
}

// ApplyString is Apply on a string.
func (o Op) ApplyString(text string) (string, error) {
	r, err := o.Apply([]rune(text))
	return string(r), err
}

// SpliceAt is one place an operation touches: Del code points at Pos
// replaced by Insert, Pos counted in the text the splices before it made.
type SpliceAt struct {
	Pos    int
	Del    int
	Insert string
}

// Splices returns the operation as splices in ascending order, each
// positioned in the text the previous ones made: what Automerge applies.
func (o Op) Splices() []SpliceAt {
	var out []SpliceAt
	pos := 0
	for i := 0; i < len(o.parts); i++ {
		p := o.parts[i]
		if p.kind == keep {
			pos += p.n
			continue
		}
		s := SpliceAt{Pos: pos}
		for ; i < len(o.parts) && o.parts[i].kind != keep; i++ {
			if o.parts[i].kind == insert {
				s.Insert += string(o.parts[i].text)
			} else {
				s.Del += o.parts[i].n
			}
		}
		i--
		out = append(out, s)
		pos += len([]rune(s.Insert))
	}
	return out
}

// String shows the runs, for tests and logs: =keep -remove +"insert".
func (o Op) String() string {
	s := ""
	for _, p := range o.parts {
		switch p.kind {
		case keep:
			s += fmt.Sprintf("=%d", p.n)
		case remove:
			s += fmt.Sprintf("-%d", p.n)
		case insert:
			s += fmt.Sprintf("+%q", string(p.text))
		}
		s += " "
	}
	return s
}

// cursor walks an operation's runs, taking parts of them.
type cursor struct {
	parts []part
	i     int
	off   int // into parts[i]
}

func (c *cursor) done() bool { return c.i >= len(c.parts) }

func (c *cursor) peek() part {
	p := c.parts[c.i]
	if p.kind == insert {
		return part{kind: insert, text: p.text[c.off:]}
	}
	return part{kind: p.kind, n: p.n - c.off}
}

// take consumes up to n code points of the current run (all of an
// insertion's when n < 0) and returns them.
func (c *cursor) take(n int) part {
	p := c.peek()
	if n < 0 || n >= p.size() {
		c.i, c.off = c.i+1, 0
		return p
	}
	c.off += n
	if p.kind == insert {
		return part{kind: insert, text: p.text[:n]}
	}
	return part{kind: p.kind, n: n}
}

// Compose returns the operation that does a, then b.
func Compose(a, b Op) (Op, error) {
	if a.after != b.base {
		return Op{}, fmt.Errorf("%w: composing an op making %d code points with one for %d", ErrMismatch, a.after, b.base)
	}
	var out Op
	ca, cb := cursor{parts: a.parts}, cursor{parts: b.parts}
	for !ca.done() || !cb.done() {
		// What a removed never reached b; what b inserts needs nothing of a.
		if !ca.done() && ca.peek().kind == remove {
			out.remove(ca.take(-1).n)
			continue
		}
		if !cb.done() && cb.peek().kind == insert {
			out.insert(cb.take(-1).text)
			continue
		}
		if ca.done() || cb.done() {
			return Op{}, fmt.Errorf("%w: compose ran off the end", ErrMismatch)
		}
		pa, pb := ca.peek(), cb.peek()
		n := min(pa.size(), pb.size())
		x, y := ca.take(n), cb.take(n)
		switch {
		case x.kind == keep && y.kind == keep:
			out.keep(n)
		case x.kind == keep && y.kind == remove:
			out.remove(n)
		case x.kind == insert && y.kind == keep:
			out.insert(x.text)
		case x.kind == insert && y.kind == remove:
			// Inserted, then removed: nothing.
		}
	}
	return out, nil
}

// Transform takes two operations made on the same text and returns a2,
// which does a's edit after b, and b2, which does b's after a, so that a
// then b2 and b then a2 make the same text. Where both insert at the
// same place, a's text comes first; text both removed is removed once.
func Transform(a, b Op) (a2, b2 Op, err error) {
	if a.base != b.base {
		return Op{}, Op{}, fmt.Errorf("%w: transforming ops for %d and %d code points", ErrMismatch, a.base, b.base)
	}
	ca, cb := cursor{parts: a.parts}, cursor{parts: b.parts}
	for !ca.done() || !cb.done() {
		if !ca.done() && ca.peek().kind == insert {
			t := ca.take(-1).text
			a2.insert(t)
			b2.keep(len(t))
			continue
		}
		if !cb.done() && cb.peek().kind == insert {
			t := cb.take(-1).text
			a2.keep(len(t))
			b2.insert(t)
			continue
		}
		if ca.done() || cb.done() {
			return Op{}, Op{}, fmt.Errorf("%w: transform ran off the end", ErrMismatch)
		}
		n := min(ca.peek().size(), cb.peek().size())
		x, y := ca.take(n), cb.take(n)
		switch {
		case x.kind == keep && y.kind == keep:
			a2.keep(n)
			b2.keep(n)
		case x.kind == remove && y.kind == keep:
			a2.remove(n)
		case x.kind == keep && y.kind == remove:
			b2.remove(n)
		case x.kind == remove && y.kind == remove:
			// Both removed it.
		}
	}
	return a2, b2, nil
}

// Map carries a position in the old text to the new one. A position
// inside removed text goes to where the removal was; a position exactly
// where text is inserted stays before the insertion unless after is set
// (the end of one's own insertion, where typing continues).
func (o Op) Map(pos int, after bool) int {
	oldAt, newAt := 0, 0
	for _, p := range o.parts {
		switch p.kind {
		case keep:
			if pos < oldAt+p.n {
				return newAt + pos - oldAt
			}
			oldAt += p.n
			newAt += p.n
		case remove:
			if pos < oldAt+p.n {
				return newAt
			}
			oldAt += p.n
		case insert:
			if pos == oldAt && !after {
				return newAt
			}
			newAt += len(p.text)
		}
	}
	return newAt + max(pos-oldAt, 0)
}
