package textop

import (
	"slices"
	"strings"
	"unicode"
)

// Automerge says nothing of where a merge changed a text, so the edit is
// found by comparing the texts before and after. A real diff (Myers'
// O(ND) algorithm) finds every place that changed, so that a caret
// between two of them stays on its text; one replaced range from the
// first to the last difference would swallow it.
//
// Its cost grows with the number of differences D, so it is bounded: up
// to maxEdits differences in code points, then lines (or, in one long
// paragraph, words) are compared instead and code points only inside
// each changed run, and past that a run is replaced whole. Every result is a correct edit; the
// bound only makes a huge one coarser.

// maxEdits bounds D for one comparison, and maxWork the product of the
// lengths and D (about a tenth of a second).
const (
	maxEdits = 1000
	maxWork  = 20_000_000
)

// Diff returns an operation that turns old into new.
func Diff(old, new []rune) Op {
	var o Op
	pre := 0
	for pre < len(old) && pre < len(new) && old[pre] == new[pre] {
		pre++
	}
	suf := 0
	for suf < len(old)-pre && suf < len(new)-pre && old[len(old)-1-suf] == new[len(new)-1-suf] {
		suf++
	}
	o.keep(pre)
	diffMiddle(&o, old[pre:len(old)-suf], new[pre:len(new)-suf])
	o.keep(suf)
	return slide(o, old)
}

// slide moves each insertion or removal that stands alone between kept
// text to where a person would put it: of the equally short edits that
// turn "work." into "work. More work." it picks the insertion of " More
// work." after the full stop, not of ". More work" before it. An edit can
// move as far as the text repeats; each place is scored by the kind of
// boundary at its two edges (text's end, blank line, line, sentence,
// space, punctuation, inside a word), and the best wins, the rightmost
// of equals. Reviews show edits where this puts them.
func slide(o Op, old []rune) Op {
	var out Op
	pending := 0 // kept code points not emitted yet: an edit may move into them
	carry := 0   // code points of the next keep already consumed (or, negative, given back)
	ps := o.parts
	at := func(i int) (rune, bool) {
		if i < 0 || i >= len(old) {
			return 0, false
		}
		return old[i], true
	}
	for i, p := range ps {
		alone := i+1 < len(ps) && ps[i+1].kind == keep && (i == 0 || ps[i-1].kind == keep)
		base := out.base + pending
		room := 0 // how far right it may go
		if alone {
			room = ps[i+1].n
		}
		switch p.kind {
		case keep:
			pending += p.n - carry
			carry = 0
		case remove:
			n := p.n
			s := 0
			for alone && s > -pending && old[base+s-1] == old[base+s-1+n] {
				s--
			}
			best, bestScore := s, -1
			for ; ; s++ {
				l, lok := at(base + s - 1)
				r, rok := at(base + s + n)
				if sc := edgeScore(l, old[base+s], lok, true) + edgeScore(old[base+s+n-1], r, true, rok); sc >= bestScore {
					best, bestScore = s, sc
				}
				if !alone || s >= room || old[base+s] != old[base+n+s] {
					break
				}
			}
			out.keep(pending + best)
			out.remove(n)
			pending, carry = 0, best
		case insert:
			n := len(p.text)
			rot := func(s int) rune { return p.text[((s%n)+n)%n] }
			s := 0
			for alone && s > -pending && old[base+s-1] == rot(s-1) {
				s--
			}
			best, bestScore := s, -1
			for ; ; s++ {
				l, lok := at(base + s - 1)
				r, rok := at(base + s)
				if sc := edgeScore(l, rot(s), lok, true) + edgeScore(rot(s+n-1), r, true, rok); sc >= bestScore {
					best, bestScore = s, sc
				}
				if !alone || s >= room || old[base+s] != rot(s) {
					break
				}
			}
			k := ((best % n) + n) % n
			out.keep(pending + best)
			out.insert(slices.Concat(p.text[k:], p.text[:k]))
			pending, carry = 0, best
		}
	}
	out.keep(pending)
	return out
}

// edgeScore rates the boundary between a and b as a place for an edit
// to begin or end (ok false: the text ends there).
func edgeScore(a, b rune, aok, bok bool) int {
	switch {
	case !aok || !bok:
		return 6
	case a == '\n' && b == '\n':
		return 5
	case a == '\n' || b == '\n':
		return 4
	case strings.ContainsRune(".!?;:", a) && unicode.IsSpace(b):
		return 3
	case unicode.IsSpace(a) || unicode.IsSpace(b):
		return 2
	case !unicode.IsLetter(a) && !unicode.IsDigit(a) || !unicode.IsLetter(b) && !unicode.IsDigit(b):
		return 1
	}
	return 0
}

// ChangedRange returns the one range where old and new differ: from pos,
// del code points of old became ins code points of new. It is what one
// keystroke changes, whose place the caret tells where repeated letters
// make this ambiguous; a change from elsewhere may touch several places,
// and goes through Diff.
func ChangedRange(old, new []rune) (pos, del, ins int) {
	for pos < len(old) && pos < len(new) && old[pos] == new[pos] {
		pos++
	}
	end := 0
	for end < len(old)-pos && end < len(new)-pos && old[len(old)-1-end] == new[len(new)-1-end] {
		end++
	}
	return pos, len(old) - pos - end, len(new) - pos - end
}

// DiffStrings is Diff on strings.
func DiffStrings(old, new string) Op { return Diff([]rune(old), []rune(new)) }

// diffMiddle appends to o the edit from a to b, which share no prefix
// or suffix.
func diffMiddle(o *Op, a, b []rune) {
	if len(a) == 0 || len(b) == 0 {
		o.insert(b)
		o.remove(len(a))
		return
	}
	if script, ok := myers(a, b, budget(len(a), len(b))); ok {
		emit(o, script, b)
		return
	}
	// Too many differences to compare code point by code point: compare
	// lines, or else words, then code points inside each changed run.
	if diffTokens(o, a, b, lines) || diffTokens(o, a, b, words) {
		return
	}
	o.insert(b)
	o.remove(len(a))
}

// diffTokens compares a and b as sequences of the tokens split makes,
// then each changed run of tokens code point by code point, and reports
// false (leaving o alone) unless some token is kept: a run as large as
// the whole would compare the same texts again, for ever (one long
// paragraph that co-authors appended to at many places did).
func diffTokens(o *Op, a, b []rune, split func([]rune) [][]rune) bool {
	ta, tb := split(a), split(b)
	ids := map[string]int{}
	id := func(ts [][]rune) []int {
		out := make([]int, len(ts))
		for i, t := range ts {
			k := string(t)
			if _, ok := ids[k]; !ok {
				ids[k] = len(ids)
			}
			out[i] = ids[k]
		}
		return out
	}
	ia, ib := id(ta), id(tb)
	script, ok := myers(ia, ib, budget(len(ia), len(ib)))
	if !ok || !slices.ContainsFunc(script, func(r run) bool { return r.kind == keep }) {
		return false
	}
	ai, bi := 0, 0
	for i := 0; i < len(script); {
		if script[i].kind == keep {
			for range script[i].n {
				o.keep(len(ta[ai]))
				ai++
				bi++
			}
			i++
			continue
		}
		var ra, rb []rune
		for ; i < len(script) && script[i].kind != keep; i++ {
			for range script[i].n {
				if script[i].kind == remove {
					ra = append(ra, ta[ai]...)
					ai++
				} else {
					rb = append(rb, tb[bi]...)
					bi++
				}
			}
		}
		sub := Diff(ra, rb)
		for _, p := range sub.parts {
			switch p.kind {
			case keep:
				o.keep(p.n)
			case remove:
				o.remove(p.n)
			case insert:
				o.insert(p.text)
			}
		}
	}
	return true
}

func budget(n, m int) int { return min(maxEdits, maxWork/max(n+m, 1)) }

// lines splits text after each newline, keeping it.
func lines(text []rune) [][]rune {
	var out [][]rune
	start := 0
	for i, r := range text {
		if r == '\n' {
			out = append(out, text[start:i+1])
			start = i + 1
		}
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// words splits text after each run of spaces, keeping them.
func words(text []rune) [][]rune {
	var out [][]rune
	start := 0
	for i := 1; i < len(text); i++ {
		if unicode.IsSpace(text[i-1]) && !unicode.IsSpace(text[i]) {
			out = append(out, text[start:i])
			start = i
		}
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// run is one step of an edit script over tokens.
type run struct {
	kind kind // keep, remove (of a's tokens) or insert (of b's)
	n    int
}

// emit appends a code-point script to o.
func emit(o *Op, script []run, b []rune) {
	bi := 0
	for _, r := range script {
		switch r.kind {
		case keep:
			o.keep(r.n)
			bi += r.n
		case remove:
			o.remove(r.n)
		case insert:
			o.insert(b[bi : bi+r.n])
			bi += r.n
		}
	}
}

// myers returns a shortest edit script from a to b, or ok=false when it
// needs more than maxD insertions and removals.
func myers[T comparable](a, b []T, maxD int) (script []run, ok bool) {
	n, m := len(a), len(b)
	// v[k+off] is the furthest x reached on diagonal k; trace[d] is v as
	// it was before step d, for diagonals -d-1..d+1.
	off := maxD + 1
	v := make([]int32, 2*maxD+3)
	var trace [][]int32
	for d := 0; d <= maxD; d++ {
		trace = append(trace, slices.Clone(v[off-d-1:off+d+2]))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = int(v[off+k+1]) // down: an insertion
			} else {
				x = int(v[off+k-1]) + 1 // right: a removal
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = int32(x)
			if x >= n && y >= m {
				return backtrack(trace, n, m), true
			}
		}
	}
	return nil, false
}

// backtrack walks the trace from the end to the start and returns the
// script in order.
func backtrack(trace [][]int32, n, m int) []run {
	var rev []run
	add := func(k kind, c int) {
		if c == 0 {
			return
		}
		if l := len(rev); l > 0 && rev[l-1].kind == k {
			rev[l-1].n += c
			return
		}
		rev = append(rev, run{kind: k, n: c})
	}
	x, y := n, m
	for d := len(trace) - 1; d > 0; d-- {
		v := trace[d] // diagonals -d-1..d+1, as step d found them
		at := func(k int) int { return int(v[k+d+1]) }
		k := x - y
		var prevK int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := at(prevK)
		prevY := prevX - prevK
		// The diagonal after the step: equal tokens.
		var snake int
		if prevK == k+1 {
			snake = x - prevX // down from (prevX, prevY) to (prevX, prevY+1)
		} else {
			snake = x - prevX - 1 // right from (prevX, prevY) to (prevX+1, prevY)
		}
		add(keep, snake)
		if prevK == k+1 {
			add(insert, 1)
		} else {
			add(remove, 1)
		}
		x, y = prevX, prevY
	}
	add(keep, x) // step 0 is all diagonal: x == y
	slices.Reverse(rev)
	// Reversing may leave an insertion after a removal; the Op builder
	// orders them, and merging equal neighbours happened above.
	return rev
}
