package ui

import (
	"slices"
	"strings"
)

// A selection across headings: Shift+Down past the end of a heading's
// text goes on selecting in the next one, as in any word processor. Each
// text keeps its own part as its selection (its own undo history and
// subscription stay whole); the page remembers where the selection began,
// and the focused text holds the caret. Copying takes the parts with the
// headings between them, as the page shows them; deleting or typing over
// it removes the parts and keeps the headings, which are the draft's
// structure and are removed only by their own command.

// pageSpan is where a selection across texts began: a block and an
// offset in its text.
type pageSpan struct {
	from, anchor int
}

var _ spanner = (*page)(nil)

func (p *page) blockOf(a *textArea) int {
	return slices.IndexFunc(p.blocks, func(b *pageBlock) bool { return b.ed.area == a })
}

// extend carries the caret from a into the next text up or down, at x,
// selecting everything it passes.
func (p *page) extend(a *textArea, dir int, x float32) bool {
	i := p.blockOf(a)
	j := i + dir
	if i < 0 || j < 0 || j >= len(p.blocks) {
		return false
	}
	if p.span == nil {
		p.span = &pageSpan{from: i, anchor: a.anchor}
	}
	next := p.blocks[j].ed.area
	r := 0
	if dir < 0 {
		r = next.rows - 1
	}
	start, _, l, k := next.row(r)
	caret := next.offsetInRow(start, next.caretEnd(l, k), x)
	p.focus(next)
	next.shift = true // Shift is still down: its key went to the text before
	p.spread(j, caret)
	next.goal = x
	if j == p.span.from {
		p.span = nil // back in the text where it began: an ordinary selection
	}
	return true
}

// spread shows the selection from the span's start to the caret in block
// to: each text between selected whole, the others with none.
func (p *page) spread(to, caret int) {
	from := p.span.from
	lo, hi := min(from, to), max(from, to)
	for k, b := range p.blocks {
		a := b.ed.area
		n := len(a.text)
		anchor, at := a.caret, a.caret
		switch {
		case k == from && k == to:
			anchor, at = p.span.anchor, caret
		case k == from && from < to:
			anchor, at = p.span.anchor, n
		case k == from:
			anchor, at = p.span.anchor, 0
		case k == to && from < to:
			anchor, at = 0, caret
		case k == to:
			anchor, at = n, caret
		case k > lo && k < hi:
			anchor, at = 0, n
		}
		if anchor != a.anchor || at != a.caret {
			a.anchor, a.caret = min(max(anchor, 0), n), min(max(at, 0), n)
			if k == to {
				a.moved()
			} else {
				a.Refresh()
			}
		}
	}
}

func (p *page) spanning() bool { return p.span != nil }

// spanBlocks returns the first and last blocks the selection holds.
func (p *page) spanBlocks() (lo, hi int) {
	lo, hi = len(p.blocks), -1
	for k, b := range p.blocks {
		if s, e := b.ed.area.selection(); s != e {
			lo, hi = min(lo, k), max(hi, k)
		}
	}
	return lo, hi
}

func (p *page) spanText() string {
	lo, hi := p.spanBlocks()
	var parts []string
	for k := lo; k <= hi; k++ {
		part := p.blocks[k].ed.area.selected()
		if k > lo {
			part = p.blocks[k].heading.Text + "\n\n" + part
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, "\n\n")
}

// endSpan leaves the focused text's part selected and the others none.
func (p *page) endSpan() {
	p.span = nil
	for _, b := range p.blocks {
		a := b.ed.area
		if !a.focused && a.anchor != a.caret {
			a.anchor = a.caret
			a.Refresh()
		}
	}
}

func (p *page) removeSpan() *textArea {
	lo, _ := p.spanBlocks()
	p.span = nil
	var first *textArea
	for k, b := range p.blocks {
		a := b.ed.area
		s, e := a.selection()
		if s == e {
			continue
		}
		if k == lo {
			first = a
		}
		a.replace(s, e-s, nil)
	}
	if first != nil {
		p.focus(first)
		first.moved()
	}
	return first
}
