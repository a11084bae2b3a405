package crdt

import (
	"fmt"
	"unicode/utf8"
)

// Automerge measures text in Unicode code points. Go strings are UTF-8
// bytes and Fyne's entry counts runes too, but other toolkits count UTF-16
// units; the helpers here are the only place offsets change unit, so a
// byte offset can never reach the document by accident.

// RuneOffset converts a byte offset into s to a code-point offset. It
// fails when the offset is outside s or falls inside a multi-byte character.
func RuneOffset(s string, byteOff int) (int, error) {
	if byteOff < 0 || byteOff > len(s) {
		return 0, fmt.Errorf("%w: byte offset %d in a %d-byte text", ErrRange, byteOff, len(s))
	}
	if byteOff < len(s) && !utf8.RuneStart(s[byteOff]) {
		return 0, fmt.Errorf("%w: byte offset %d splits a character", ErrRange, byteOff)
	}
	return utf8.RuneCountInString(s[:byteOff]), nil
}

// ByteOffset converts a code-point offset into s to a byte offset.
func ByteOffset(s string, runeOff int) (int, error) {
	if runeOff < 0 {
		return 0, fmt.Errorf("%w: negative position %d", ErrRange, runeOff)
	}
	n := 0
	for i := range s {
		if n == runeOff {
			return i, nil
		}
		n++
	}
	if n == runeOff {
		return len(s), nil
	}
	return 0, fmt.Errorf("%w: position %d in a text of %d characters", ErrRange, runeOff, n)
}

// UTF16Offset converts a code-point offset into s to UTF-16 units, for
// toolkits that count that way.
func UTF16Offset(s string, runeOff int) (int, error) {
	b, err := ByteOffset(s, runeOff)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range s[:b] {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n, nil
}

// Splice is one text edit in code points: delete Del characters at Pos,
// then insert Insert there.
type Splice struct {
	Pos    int
	Del    int
	Insert string
}

// Diff returns the splices that turn old into new, in ascending order of
// position, each position valid after the previous splices were applied.
// It diffs lines first and then trims characters inside each changed run
// of lines, so an edit in one paragraph never touches text in another;
// that is what lets concurrent edits elsewhere in a section survive a
// whole-section replace.
func Diff(old, new string) []Splice {
	if old == new {
		return nil
	}
	a, b := splitLines(old), splitLines(new)
	var out []Splice
	pos := 0 // code-point position in the text as rewritten so far
	for _, h := range diffLines(a, b) {
		for _, l := range a[h.aStart-h.skipA : h.aStart] {
			pos += utf8.RuneCountInString(l)
		}
		oldRun := join(a[h.aStart:h.aEnd])
		newRun := join(b[h.bStart:h.bEnd])
		s := trimSplice(oldRun, newRun)
		s.Pos += pos
		out = append(out, s)
		pos += utf8.RuneCountInString(newRun)
	}
	return out
}

func join(ls []string) string {
	n := 0
	for _, l := range ls {
		n += len(l)
	}
	b := make([]byte, 0, n)
	for _, l := range ls {
		b = append(b, l...)
	}
	return string(b)
}

// trimSplice turns old→new into one splice by dropping the common prefix and suffix.
func trimSplice(old, new string) Splice {
	or, nr := []rune(old), []rune(new)
	p := 0
	for p < len(or) && p < len(nr) && or[p] == nr[p] {
		p++
	}
	s := 0
	for s < len(or)-p && s < len(nr)-p && or[len(or)-1-s] == nr[len(nr)-1-s] {
		s++
	}
	return Splice{Pos: p, Del: len(or) - p - s, Insert: string(nr[p : len(nr)-s])}
}

// splitLines splits s after every newline, keeping the newlines, so that
// joining the parts gives s back.
func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// hunk is a run of lines a[aStart:aEnd] replaced by b[bStart:bEnd];
// skipA is the number of unchanged lines between it and the previous hunk.
type hunk struct {
	aStart, aEnd, bStart, bEnd, skipA int
}

// maxDiffCells bounds the LCS table; beyond it the changed middle is
// replaced as one hunk, which is still correct, only less fine-grained.
const maxDiffCells = 4 << 20

// diffLines returns the changed hunks between two line lists: a common
// prefix and suffix are trimmed, and the middle is aligned by a longest
// common subsequence of lines.
func diffLines(a, b []string) []hunk {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(ma) == 0 && len(mb) == 0 {
		return nil
	}
	var pairs [][2]int
	if len(ma)*len(mb) <= maxDiffCells {
		pairs = lcs(ma, mb)
	}
	// The gaps between matched pairs are the hunks.
	var hs []hunk
	ai, bi, last := 0, 0, 0
	pairs = append(pairs, [2]int{len(ma), len(mb)})
	for _, p := range pairs {
		if p[0] > ai || p[1] > bi {
			hs = append(hs, hunk{aStart: pre + ai, aEnd: pre + p[0], bStart: pre + bi, bEnd: pre + p[1], skipA: ai - last})
			last = p[0]
		}
		ai, bi = p[0]+1, p[1]+1
	}
	if len(hs) > 0 {
		hs[0].skipA += pre
	}
	return hs
}

// lcs returns the index pairs of a longest common subsequence of a and b,
// in ascending order.
func lcs(a, b []string) [][2]int {
	n, m := len(a), len(b)
	w := m + 1
	t := make([]int32, (n+1)*w) // t[i*w+j]: LCS length of a[i:] and b[j:]
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			switch {
			case a[i] == b[j]:
				t[i*w+j] = t[(i+1)*w+j+1] + 1
			case t[(i+1)*w+j] >= t[i*w+j+1]:
				t[i*w+j] = t[(i+1)*w+j]
			default:
				t[i*w+j] = t[i*w+j+1]
			}
		}
	}
	var pairs [][2]int
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case a[i] == b[j]:
			pairs = append(pairs, [2]int{i, j})
			i++
			j++
		case t[(i+1)*w+j] >= t[i*w+j+1]:
			i++
		default:
			j++
		}
	}
	return pairs
}
