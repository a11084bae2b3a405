package crdt

import (
	"strconv"
	"strings"
)

// Paragraph numbers are what commenters cite ("see 3.2"), what the
// published output prints in its margin and what reviews and comments
// point at, so every one of those computes them here and nowhere else.
//
// A paragraph is a block of a section's text separated from the next by
// one or more empty lines. A line holding only spaces or tabs counts as
// empty: it looks empty on every screen and page, and a stray space must
// not merge two paragraphs a reader sees as two. A single line break
// stays inside its paragraph (a list, an address). Empty lines before the
// first paragraph and after the last belong to none.

// Paragraph is one paragraph of a section's text.
type Paragraph struct {
	// Start and End are code-point offsets into the section's text: the
	// paragraph is text[Start:End], from its first character to its last
	// (without the line break that ends it).
	Start, End int
	Text       string
}

// Paragraphs splits a section's text into its paragraphs, in order.
func Paragraphs(text string) []Paragraph {
	var out []Paragraph
	var cur *Paragraph
	pos := 0 // code points before the current line
	for line := range strings.SplitSeq(text, "\n") {
		n := len([]rune(line))
		if strings.Trim(line, " \t\r") == "" {
			if cur != nil {
				out = append(out, *cur)
				cur = nil
			}
		} else {
			if cur == nil {
				cur = &Paragraph{Start: pos}
			}
			cur.End = pos + n
		}
		pos += n + 1 // the line break
	}
	if cur != nil {
		out = append(out, *cur)
	}
	runes := []rune(text)
	for i := range out {
		out[i].Text = string(runes[out[i].Start:out[i].End])
	}
	return out
}

// ParagraphAt returns the index of the paragraph that holds the
// code-point offset pos, or of the one it is right after (a caret at a
// paragraph's end is in it); -1 when pos is before the first paragraph or
// in the empty lines between two.
func ParagraphAt(paras []Paragraph, pos int) int {
	for i, p := range paras {
		if pos >= p.Start && pos <= p.End {
			return i
		}
	}
	return -1
}

// ParagraphNumber names paragraph p (from 1) of the visible heading h
// (from 1): "3.2" is the second paragraph of the third heading.
func ParagraphNumber(h, p int) string {
	return strconv.Itoa(h) + "." + strconv.Itoa(p)
}
