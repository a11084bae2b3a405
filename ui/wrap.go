package ui

import (
	"fyne.io/fyne/v2"
)

// Wrapping is ours, not the entry's: Fyne's entry re-wraps a paragraph by
// measuring ever longer prefixes of it, so a keystroke in a paragraph of
// 5,000 characters cost hundreds of milliseconds. Here a line's width is
// the sum of its words' widths, each word measured once and kept, so
// re-wrapping a paragraph after a keystroke costs a lookup per word and
// one measurement (the word being typed).

// measurer measures text at one size and style, keeping the widths of
// the words it has seen.
type measurer struct {
	size  float32
	style fyne.TextStyle
	words map[string]float32
}

func newMeasurer(size float32, style fyne.TextStyle) *measurer {
	return &measurer{size: size, style: style, words: map[string]float32{}}
}

// maxWords bounds the cache; a draft's vocabulary is far smaller.
const maxWords = 100_000

// width is the width of a word or a run of spaces, from the cache.
func (m *measurer) width(s []rune) float32 {
	key := string(s)
	if w, ok := m.words[key]; ok {
		return w
	}
	w := m.measure(key)
	if len(m.words) >= maxWords {
		clear(m.words)
	}
	m.words[key] = w
	return w
}

// measure measures text without keeping it: prefixes of a line, for a
// caret or a click, would only crowd the cache.
func (m *measurer) measure(s string) float32 {
	if s == "" {
		return 0
	}
	return fyne.MeasureText(s, m.size, m.style).Width
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' }

// wrap returns where the display lines of one line of text (without line
// breaks) start, the first at 0, for a column wide units wide. A line
// breaks before a word that would cross the edge, leaving the spaces
// before it at the end of the line above (they may hang past the edge);
// a word wider than the column is broken between characters.
func wrap(line []rune, wide float32, m *measurer) []int {
	starts := []int{0}
	var x float32
	for i := 0; i < len(line); {
		j := i
		if isSpace(line[i]) {
			for j < len(line) && isSpace(line[j]) {
				j++
			}
			x += m.width(line[i:j])
			i = j
			continue
		}
		for j < len(line) && !isSpace(line[j]) {
			j++
		}
		w := m.width(line[i:j])
		if x > 0 && x+w > wide {
			starts = append(starts, i)
			x = 0
		}
		if w <= wide {
			x += w
			i = j
			continue
		}
		// A word longer than the line: as much of it as fits on each line.
		for k := i; k < j; {
			n := fit(line[k:j], wide-x, m)
			if n == 0 && x > 0 {
				starts = append(starts, k)
				x = 0
				continue
			}
			n = max(n, 1)
			if k+n < j {
				starts = append(starts, k+n)
				x = 0
			} else {
				x += m.measure(string(line[k : k+n]))
			}
			k += n
		}
		i = j
	}
	return starts
}

// fit returns how many of the first characters of r fit in avail.
func fit(r []rune, avail float32, m *measurer) int {
	lo, hi := 0, len(r) // r[:lo] fits; r[:hi+1] does not
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if m.measure(string(r[:mid])) <= avail {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}
