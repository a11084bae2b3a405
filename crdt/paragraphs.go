package crdt

import (
	"regexp"
	"sort"
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
	// N is its number within the heading, from 1; 0 for a footnote's
	// text ("[^1]: …"), which is printed as a note, not as a paragraph,
	// and so takes no number.
	N int
}

// NoteLabel returns the label of the footnote a paragraph gives the text
// of ("[^1]: The survey…" gives "1"), or "" when it is not one.
func NoteLabel(para string) string {
	if !strings.HasPrefix(para, "[^") {
		return ""
	}
	end := strings.Index(para, "]:")
	if end < 3 {
		return ""
	}
	label := para[2:end]
	if strings.ContainsAny(label, " \t\n[]^") || len(label) > 32 {
		return ""
	}
	return label
}

// NoteRef finds footnote references in text, "[^label]" (the label is
// its first group).
var NoteRef = regexp.MustCompile(`\[\^([^\s\[\]^]{1,32})\]`)

// Numbered returns the paragraph numbered n (from 1), and whether there
// is one.
func Numbered(paras []Paragraph, n int) (Paragraph, bool) {
	for _, p := range paras {
		if p.N == n && n > 0 {
			return p, true
		}
	}
	return Paragraph{}, false
}

// NumberAt returns the number of the paragraph that holds the code-point
// offset pos: the one it is in, or the next after it when it falls
// between paragraphs (the last when past the end), and for a footnote's
// text the numbered paragraph before it (the one after when there is
// none), so that an edit or comment anywhere is cited by a paragraph
// number readers can find. It is 0 only when no paragraph is numbered.
func NumberAt(paras []Paragraph, pos int) int {
	i := ParagraphAt(paras, pos)
	if i < 0 {
		i = len(paras) - 1
		for k, p := range paras {
			if p.Start >= pos {
				i = k
				break
			}
		}
	}
	if i < 0 {
		return 0
	}
	for k := i; k >= 0; k-- {
		if paras[k].N > 0 {
			return paras[k].N
		}
	}
	for k := i; k < len(paras); k++ {
		if paras[k].N > 0 {
			return paras[k].N
		}
	}
	return 0
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
	n := 0
	for i := range out {
		out[i].Text = string(runes[out[i].Start:out[i].End])
		if NoteLabel(out[i].Text) == "" {
			n++
			out[i].N = n
		}
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

// ParagraphNumber names paragraph p (from 1) of the heading labelled h
// (HeadingLabels): "3.2" is the second paragraph of heading 3, "A.2" the
// second of annex A.
func ParagraphNumber(h string, p int) string {
	return h + "." + strconv.Itoa(p)
}

// HeadingLabels names the visible headings (in the draft's order) as the
// publication numbers them, one label each: the headings 1, 2, 3… and
// the annexes A, B, C…, each series in the draft's order, except that the
// template's "carry forward" heading is numbered after every other
// heading, since a publication prints it last. An annex stays where the
// draft puts it; only its label says it is one, and a publication prints
// the annexes after the headings.
func HeadingLabels(secs []Section) []string {
	out := make([]string, len(secs))
	n, annexes := 0, 0
	carry := -1
	for i, s := range secs {
		switch {
		case s.Annex:
			out[i] = annexLetter(annexes)
			annexes++
		case carry < 0 && TemplateOutput.Index(s.Heading) == OutputCarryForward:
			carry = i
		default:
			n++
			out[i] = strconv.Itoa(n)
		}
	}
	if carry >= 0 {
		out[carry] = strconv.Itoa(n + 1)
	}
	return out
}

// PublishOrder returns the indexes of the visible headings in the order a
// publication prints them: the numbered ones by number, then the annexes.
func PublishOrder(secs []Section) []int {
	labels := HeadingLabels(secs)
	order := make([]int, len(secs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return LabelLess(labels[order[a]], labels[order[b]])
	})
	return order
}

// LabelLess orders heading labels: numbers by value, then annex letters
// (A … Z, AA …).
func LabelLess(a, b string) bool {
	na, errA := strconv.Atoi(a)
	nb, errB := strconv.Atoi(b)
	switch {
	case errA == nil && errB == nil:
		return na < nb
	case errA == nil:
		return true
	case errB == nil:
		return false
	case len(a) != len(b):
		return len(a) < len(b)
	}
	return a < b
}

// annexLetter is the k-th annex's letter (from 0): A … Z, then AA, AB …
func annexLetter(k int) string {
	s := ""
	for k++; k > 0; k = (k - 1) / 26 {
		s = string(rune('A'+(k-1)%26)) + s
	}
	return s
}

// ParseCited reads a paragraph number or heading label as people cite
// it: "3.2", "A.2", or a whole heading, "3" or "A" (para 0). A "§", a
// trailing dot and lower-case annex letters are allowed.
func ParseCited(s string) (heading string, para int, ok bool) {
	s = strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "§")), ".")
	a, b, found := strings.Cut(s, ".")
	a = strings.ToUpper(strings.TrimSpace(a))
	if !validLabel(a) {
		return "", 0, false
	}
	if !found {
		return a, 0, true
	}
	p, err := strconv.Atoi(strings.TrimSpace(b))
	if err != nil || p < 1 {
		return "", 0, false
	}
	return a, p, true
}

func validLabel(a string) bool {
	if n, err := strconv.Atoi(a); err == nil {
		return n >= 1 && strconv.Itoa(n) == a
	}
	if a == "" || len(a) > 3 {
		return false
	}
	for _, r := range a {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
