package export

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf16"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
)

// PDF writes a publication as a paged A4 document. Text is shaped with
// go-text/typesetting (HarfBuzz's algorithms in Go, which Fyne already
// uses): Arabic is joined and laid right to left, bidirectional lines
// are ordered by the Unicode algorithm, and every glyph comes from a
// font embedded as a subset (pdffont.go). Each glyph's text is recorded
// in the font's ToUnicode map, so copying or extracting the text
// (pdftotext) gives back the original characters. Paragraph numbers sit
// in the left margin (the right one for right-to-left paragraphs), page
// numbers in the footer, and the contents list gives each heading's page.
func PDF(p Publication) ([]byte, error) {
	l, err := newPDFLayout(p)
	if err != nil {
		return nil, err
	}
	// Two passes: the first finds the page of every heading, the second
	// prints them in the contents (which take the same room both times).
	l.run(p)
	pages := l.headingPages
	l.reset()
	l.headingPages = pages
	l.run(p)
	return l.write(p)
}

// Page geometry, in points.
const (
	pageW, pageH = 595.28, 841.89
	marginL      = 78.0
	marginR      = 64.0
	marginT      = 72.0
	marginB      = 72.0
	textW        = pageW - marginL - marginR
	bodySize     = 10.5
	leading      = 1.42
)

type colour [3]float64

var (
	black = colour{0.1, 0.1, 0.1}
	blue  = colour{0.04, 0.31, 0.54}
	grey  = colour{0.4, 0.4, 0.4}
	red   = colour{0.67, 0.07, 0.07}
)

// placedRun is a run of glyphs of one font at a place on a page.
type placedRun struct {
	font   *pdfFont
	size   float64
	x, y   float64
	colour colour
	glyphs []uint16  // subset glyph ids
	adv    []float64 // each glyph's advance, in points
	pdfAdv []float64 // what the PDF would advance without adjustment
	elem   int       // the structure element it belongs to; -1 for an artifact (page furniture)
	seq    int       // the line it is part of: one marked-content sequence
	actual string    // a right-to-left line's text in reading order (ActualText)
}

// The PDF is tagged (ISO 32000-1, 14.8): every piece of text belongs to
// an element of a structure tree (Document, H1, H2, P, L > LI > Lbl +
// LBody, TOC > TOCI, Note) in reading order, or is marked as an artifact
// (page numbers, the running mark, the notes' rule), so that a screen
// reader, text extraction and reflow read it as written. An element in
// another language than the document carries /Lang; a right-to-left
// line carries its text in reading order as /ActualText, so extraction
// gives the words as typed rather than the glyphs in the order drawn.

// pdfElem is an element of the structure tree.
type pdfElem struct {
	kind   string // a standard structure type: Document, H1, H2, P, L, LI, Lbl, LBody, TOC, TOCI, Note
	parent int    // -1 for the root
	lang   string
	kids   []int // its child elements, in reading order
}

// open starts an element inside the current one; what is placed until
// close belongs to it.
func (l *pdfLayout) open(kind, lang string) int {
	id := len(l.elems)
	l.elems = append(l.elems, pdfElem{kind: kind, parent: l.cur, lang: lang})
	if l.cur >= 0 {
		l.elems[l.cur].kids = append(l.elems[l.cur].kids, id)
	}
	l.cur = id
	return id
}

func (l *pdfLayout) close() {
	if l.cur >= 0 {
		l.cur = l.elems[l.cur].parent
	}
}

// tagged runs f with what it places in a new element of kind.
func (l *pdfLayout) tagged(kind, lang string, f func()) {
	l.open(kind, lang)
	f()
	l.close()
}

// within runs f with what it places in element e.
func (l *pdfLayout) within(e int, f func()) {
	saved := l.cur
	l.cur = e
	f()
	l.cur = saved
}

type pdfPage struct {
	runs   []placedRun
	number int // printed in the footer; 0 for none
	links  []pdfLink
	rules  [][3]float64 // horizontal rules: x0, y, x1
	notes  []int        // the footnotes printed at its foot, by number
	noteH  float64      // the height they take there
}

// pdfLink is a web link's area on a page.
type pdfLink struct {
	x0, y0, x1, y1 float64
	url            string
}

// spanRange is a stretch of a shaped line's text, in code points: a
// link's (url) or a footnote reference's (note).
type spanRange struct {
	a, b int
	url  string
	note int
}

type pdfLayout struct {
	fonts        [roleCount]*pdfFont
	shaper       shaping.HarfbuzzShaper
	seg          shaping.Segmenter
	wrap         shaping.LineWrapper
	pages        []*pdfPage
	y            float64 // the baseline of the next line on the current page
	headingPages map[int]int
	// Where each heading starts (page index from 1, and the top of its
	// line), for the bookmarks and the contents' links; and where each
	// contents entry is.
	headingTops map[int]pdfSpot
	tocEntries  []pdfTOCEntry
	notes       []Note       // the publication's footnotes
	noted       map[int]bool // the notes already given a page
	elems       []pdfElem    // the structure tree; elems[0] is the Document
	cur         int          // the element being placed into (-1: an artifact)
	seq         int          // lines placed, numbering marked-content sequences
}

// pdfSpot is a place on a page: its index (from 1) and a height.
type pdfSpot struct {
	page int
	y    float64
}

// pdfTOCEntry is a line of the contents, which links to its heading.
type pdfTOCEntry struct {
	at   pdfSpot
	part int
}

func newPDFLayout(p Publication) (*pdfLayout, error) {
	l := &pdfLayout{notes: p.Notes}
	needs := neededRoles(p)
	for role := fontRole(0); role < roleCount; role++ {
		f, err := loadFont(role)
		if err != nil {
			if needs[role] {
				return nil, err
			}
			continue
		}
		l.fonts[role] = f
	}
	l.reset()
	return l, nil
}

// neededRoles says which fonts the text needs: the serif faces always,
// the others when a script of theirs appears.
func neededRoles(p Publication) [roleCount]bool {
	var needs [roleCount]bool
	needs[serifRegular], needs[serifBold] = true, true
	scan := func(s string) {
		for _, r := range s {
			switch {
			case unicode.In(r, unicode.Arabic, unicode.Hebrew):
				needs[sansRegular] = true
			case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
				needs[cjk] = true
			}
		}
	}
	scan(p.Title)
	for _, part := range p.Parts {
		scan(part.Heading)
		for _, para := range part.Paras {
			scan(para.Plain())
			for _, b := range para.Blocks {
				for _, s := range b.Spans {
					if s.Italic {
						needs[serifItalic] = true
					}
				}
			}
		}
	}
	for _, para := range p.Summary {
		scan(para.Plain())
	}
	return needs
}

func (l *pdfLayout) reset() {
	for _, f := range l.fonts {
		if f != nil {
			f.used, f.texts, f.newGID, f.order = nil, nil, nil, nil
		}
	}
	l.pages = nil
	l.noted = map[int]bool{}
	l.elems, l.cur, l.seq = []pdfElem{{kind: "Document", parent: -1}}, 0, 0
	l.headingPages = map[int]int{}
	l.headingTops, l.tocEntries = map[int]pdfSpot{}, nil
}

// style is how a piece of text is set.
type style struct {
	size   float64
	bold   bool
	italic bool
	colour colour
	align  int // 0 start, 1 centre
}

// fontmap picks, per character, the first face of a style's list that
// has a glyph for it.
type fontmap []*pdfFont

func (m fontmap) ResolveFace(r rune) *font.Face {
	for _, f := range m {
		if _, ok := f.face.NominalGlyph(r); ok {
			return f.face
		}
	}
	return m[0].face
}

func (l *pdfLayout) faces(bold, italic bool) fontmap {
	first := l.fonts[serifRegular]
	switch {
	case bold && l.fonts[serifBold] != nil:
		first = l.fonts[serifBold]
	case italic && l.fonts[serifItalic] != nil:
		first = l.fonts[serifItalic]
	}
	m := fontmap{first}
	sans := l.fonts[sansRegular]
	if bold && l.fonts[sansBold] != nil {
		sans = l.fonts[sansBold]
	}
	for _, f := range []*pdfFont{sans, l.fonts[cjk], l.fonts[serifRegular]} {
		if f != nil {
			m = append(m, f)
		}
	}
	return m
}

func (l *pdfLayout) fontOf(face *font.Face) *pdfFont {
	for _, f := range l.fonts {
		if f != nil && f.face == face {
			return f
		}
	}
	return l.fonts[serifRegular]
}

// newPage starts a page; numbered pages print their number.
func (l *pdfLayout) newPage(numbered bool) {
	pg := &pdfPage{}
	if numbered {
		pg.number = len(l.pages) + 1
	}
	l.pages = append(l.pages, pg)
	l.y = pageH - marginT
}

func (l *pdfLayout) page() *pdfPage {
	if len(l.pages) == 0 {
		l.newPage(true)
	}
	return l.pages[len(l.pages)-1]
}

// room makes sure h points fit above the bottom margin and the page's
// footnotes.
func (l *pdfLayout) room(h float64) {
	if l.y-h < marginB+l.page().noteH {
		l.newPage(true)
	}
}

// Footnotes are set small at the foot of the page that first refers to
// them, under a short rule.
const (
	noteSize = 8.5
	noteRule = 10.0 // the room the rule takes above the first note
)

// noteLines shapes a footnote: its number, then its text.
func (l *pdfLayout) noteLines(n int) []shapedLine {
	note := l.notes[n-1]
	spans := append([]Span{{Text: fmt.Sprintf("%d ", n)}}, note.Spans...)
	return l.lines(spans, style{size: noteSize, colour: black}, rightToLeft(spansText(note.Spans)), textW)
}

// notesOf returns the notes a line refers to that no page prints yet.
func (l *pdfLayout) notesOf(line shapedLine) []int {
	var out []int
	for _, r := range line.ranges {
		if r.note > 0 && r.note <= len(l.notes) && !l.noted[r.note] && !slices.Contains(out, r.note) {
			out = append(out, r.note)
		}
	}
	return out
}

// notesHeight is the room notes take at a page's foot.
func (l *pdfLayout) notesHeight(pg *pdfPage, notes []int) float64 {
	h := 0.0
	if len(pg.notes) == 0 && len(notes) > 0 {
		h += noteRule
	}
	for _, n := range notes {
		h += float64(len(l.noteLines(n))) * noteSize * leading
	}
	return h
}

// shapedLine is one wrapped line, its runs in visual order.
type shapedLine struct {
	runs   []shaping.Output
	width  float64
	text   []rune
	ranges []spanRange // its links and footnote references, in text's offsets
}

// lines shapes and wraps a paragraph of styled spans to a width.
func (l *pdfLayout) lines(spans []Span, st style, rtl bool, width float64) []shapedLine {
	var out []shapedLine
	// A line break written inside a paragraph starts a new line.
	var pieces [][]Span
	cur := []Span{}
	for _, s := range spans {
		parts := strings.Split(s.Text, "\n")
		for i, part := range parts {
			if i > 0 {
				pieces = append(pieces, cur)
				cur = []Span{}
			}
			if part != "" {
				cur = append(cur, Span{Text: part, Bold: s.Bold, Italic: s.Italic, URL: s.URL, Note: s.Note})
			}
		}
	}
	pieces = append(pieces, cur)
	dir := di.DirectionLTR
	if rtl {
		dir = di.DirectionRTL
	}
	size := fixed.Int26_6(st.size * 64)
	for _, piece := range pieces {
		var text []rune
		type rng struct {
			a, b         int
			bold, italic bool
			note         bool
		}
		var ranges []rng
		var marked []spanRange
		for _, s := range piece {
			a := len(text)
			text = append(text, []rune(s.Text)...)
			ranges = append(ranges, rng{a, len(text), s.Bold || st.bold, s.Italic || st.italic, s.Note > 0})
			if s.URL != "" || s.Note > 0 {
				marked = append(marked, spanRange{a: a, b: len(text), url: s.URL, note: s.Note})
			}
		}
		if len(text) == 0 {
			out = append(out, shapedLine{})
			continue
		}
		var outs []shaping.Output
		for _, r := range ranges {
			sz := size
			if r.note {
				sz = size * 2 / 3 // a reference is a small raised number
			}
			in := shaping.Input{Text: text, RunStart: r.a, RunEnd: r.b, Direction: dir, Size: sz, Language: language.NewLanguage("en")}
			for _, run := range l.seg.Split(in, l.faces(r.bold, r.italic)) {
				outs = append(outs, l.shaper.Shape(run))
			}
		}
		wrapped, _ := l.wrap.WrapParagraph(shaping.WrapConfig{Direction: dir, BreakPolicy: shaping.WhenNecessary}, int(width), text, shaping.NewSliceIterator(outs))
		for _, line := range wrapped {
			runs := append([]shaping.Output(nil), line...)
			sort.Slice(runs, func(i, j int) bool { return runs[i].VisualIndex < runs[j].VisualIndex })
			w := 0.0
			for _, r := range runs {
				w += float64(r.Advance) / 64
			}
			out = append(out, shapedLine{runs: runs, width: w, text: text, ranges: marked})
		}
	}
	return out
}

// place draws a shaped line with its left edge at x on the baseline y.
func (l *pdfLayout) place(line shapedLine, x, y float64, st style) {
	pg := l.page()
	l.seq++
	actual := ""
	for _, run := range line.runs {
		if run.Direction.Progression() == di.TowardTopLeft {
			actual = lineText(line)
			break
		}
	}
	link := map[int][4]float64{} // a link range's area on this line
	for _, run := range line.runs {
		f := l.fontOf(run.Face)
		size := float64(run.Size) / 64
		if size <= 0 {
			size = st.size
		}
		ry, colour := y, st.colour
		if in := rangeAt(line.ranges, run.Runes.Offset); in >= 0 && line.ranges[in].note > 0 {
			ry += st.size * 0.35
		} else if in >= 0 && line.ranges[in].url != "" {
			colour = blue // a link reads as one, as on the web
		}
		pr := placedRun{font: f, size: size, x: x, y: ry, colour: colour, elem: l.cur, seq: l.seq, actual: actual}
		upem := float64(f.ttf.unitsPerEm)
		gx := x
		for _, g := range run.Glyphs {
			if in := rangeAt(line.ranges, g.ClusterIndex); in >= 0 && line.ranges[in].url != "" {
				r, ok := link[in]
				adv := float64(g.XAdvance) / 64
				if !ok {
					r = [4]float64{gx, y - size*0.25, gx + adv, y + size*0.85}
				}
				r[0], r[2] = min(r[0], gx), max(r[2], gx+adv)
				link[in] = r
			}
			gx += float64(g.XAdvance) / 64
		}
		for gi, g := range run.Glyphs {
			text := ""
			if gi == 0 || run.Glyphs[gi-1].ClusterIndex != g.ClusterIndex {
				// The first glyph of a cluster stands for the cluster's text.
				end := min(g.ClusterIndex+g.RuneCount, len(line.text))
				cluster := line.text[g.ClusterIndex:end]
				if run.Direction.Progression() == di.TowardTopLeft && len(cluster) > 1 {
					// Text extractors (poppler's pdftotext) put a right-to-left
					// line's glyphs back in reading order one glyph at a time and
					// reverse what each stands for: a joined lam-alef given as
					// "لا" would come out "ال". Given reversed, it comes out right.
					cluster = reversed(cluster)
				}
				text = string(cluster)
			}
			pr.glyphs = append(pr.glyphs, f.use(g.GlyphID, text))
			pr.adv = append(pr.adv, float64(g.XAdvance)/64)
			pr.pdfAdv = append(pr.pdfAdv, float64(f.ttf.advance(int(g.GlyphID)))/upem*size)
		}
		pg.runs = append(pg.runs, pr)
		x += float64(run.Advance) / 64
	}
	for in, r := range link {
		pg.links = append(pg.links, pdfLink{r[0], r[1], r[2], r[3], line.ranges[in].url})
	}
	// The same order on every run, for the same bytes.
	sort.Slice(pg.links, func(i, j int) bool {
		a, b := pg.links[i], pg.links[j]
		if a.y0 != b.y0 {
			return a.y0 > b.y0
		}
		return a.x0 < b.x0
	})
}

// lineText is a shaped line's text in reading (logical) order.
func lineText(line shapedLine) string {
	a, b := len(line.text), 0
	for _, r := range line.runs {
		a = min(a, r.Runes.Offset)
		b = max(b, r.Runes.Offset+r.Runes.Count)
	}
	if a >= b || b > len(line.text) {
		return ""
	}
	return string(line.text[a:b])
}

// rangeAt returns the range holding text offset i, or -1.
func rangeAt(rs []spanRange, i int) int {
	for k, r := range rs {
		if i >= r.a && i < r.b {
			return k
		}
	}
	return -1
}

func reversed(rs []rune) []rune {
	out := make([]rune, len(rs))
	for i, r := range rs {
		out[len(rs)-1-i] = r
	}
	return out
}

// block sets a paragraph of spans in the text column (indented by
// indent), each line aligned to its direction's start; first, if not
// nil, is called with the first line's baseline on that line's page (a
// paragraph number goes there, whichever page the rest falls on).
func (l *pdfLayout) block(spans []Span, st style, rtl bool, indent float64, first func(y float64)) {
	lh := st.size * leading
	lines := l.lines(spans, st, rtl, textW-indent)
	here, page := 0, len(l.pages) // lines of this block on the current page
	for i, line := range lines {
		// No orphan (a block's first line alone at a page's foot) and no
		// widow (its last line alone at the top of the next): the page
		// breaks a line earlier instead.
		fit := int((l.y - marginB - l.page().noteH) / lh)
		switch {
		case i == 0 && len(lines) > fit && (fit < 2 || len(lines)-fit == 1 && fit-1 < 2):
			// Either way a line would be alone: the whole block moves on.
			l.newPage(true)
		case len(lines)-i == 2 && fit == 1 && here >= 2:
			l.newPage(true)
		}
		l.room(lh)
		if len(l.pages) != page {
			here, page = 0, len(l.pages)
		}
		here++
		// The notes this line first refers to go at the foot of its page:
		// if they do not fit there with it, both go to the next.
		if notes := l.notesOf(line); len(notes) > 0 {
			if l.y-lh < marginB+l.page().noteH+l.notesHeight(l.page(), notes) {
				l.newPage(true)
			}
			pg := l.page()
			pg.noteH += l.notesHeight(pg, notes)
			pg.notes = append(pg.notes, notes...)
			for _, n := range notes {
				l.noted[n] = true
			}
		}
		l.y -= lh
		x := marginL + indent
		switch {
		case st.align == 1:
			x = marginL + (textW-line.width)/2
		case rtl:
			x = marginL + textW - indent - line.width
		}
		// A paragraph's number and a list item's mark come before its
		// text in reading order.
		if i == 0 && first != nil {
			first(l.y)
		}
		l.place(line, x, l.y, st)
	}
}

// label sets one short line at x (no wrapping).
func (l *pdfLayout) label(text string, st style, x, y float64, rtl bool) {
	lines := l.lines([]Span{{Text: text}}, st, rtl, textW)
	if len(lines) > 0 {
		l.place(lines[0], x, y, st)
	}
}

func (l *pdfLayout) gap(h float64) { l.y -= h }

func (l *pdfLayout) heading(text string, size float64, rtl bool) {
	st := style{size: size, bold: true, colour: blue}
	l.room(size*leading*2 + bodySize*leading*2) // keep it with two lines of what follows
	l.gap(size * 0.6)
	l.tagged("H2", "", func() { l.block([]Span{{Text: text}}, st, rtl, 0, nil) })
	l.gap(size * 0.3)
}

func (l *pdfLayout) para(para Para) {
	body := style{size: bodySize, colour: black}
	l.room(bodySize * leading * 2)
	numbered := para.Number == ""
	number := func(y float64) {
		if numbered {
			return
		}
		numbered = true
		num := style{size: bodySize * 0.85, colour: grey}
		if para.RTL {
			l.label(para.Number, num, marginL+textW+8, y, false)
		} else {
			l.label(para.Number, num, marginL-40, y, false)
		}
	}
	for _, b := range para.Blocks {
		if !b.List {
			l.tagged("P", para.Lang, func() { l.block(b.Spans, body, para.RTL, 0, number) })
			continue
		}
		l.open("L", para.Lang)
		for k, item := range b.Items {
			mark := "•"
			if b.Ordered {
				mark = fmt.Sprintf("%d.", k+1)
			}
			l.open("LI", "")
			lbl := l.open("Lbl", "")
			l.close()
			l.tagged("LBody", "", func() {
				l.block(item, body, para.RTL, 22, func(y float64) {
					l.within(lbl, func() {
						number(y)
						if para.RTL {
							l.label(mark, body, marginL+textW-14, y, false)
						} else {
							l.label(mark, body, marginL+8, y, false)
						}
					})
				})
			})
			l.close()
		}
		l.close()
	}
	l.gap(bodySize * 0.55)
}

// run lays the whole publication out.
func (l *pdfLayout) run(p Publication) {
	// Title page, unnumbered.
	l.newPage(false)
	l.y = pageH - 200
	kind := labelBPF
	if p.Proposal {
		kind = labelProposal
	}
	centre := func(text string, size float64, bold bool, c colour) {
		l.tagged("P", "", func() {
			l.block([]Span{{Text: text}}, style{size: size, bold: bold, colour: c, align: 1}, rightToLeft(text), 0, nil)
		})
	}
	centre(strings.ToUpper(labelForum), 13, false, blue)
	centre(kind, 12, false, blue)
	l.gap(40)
	l.tagged("H1", "", func() {
		l.block([]Span{{Text: p.Title}}, style{size: 24, bold: true, colour: black, align: 1}, rightToLeft(p.Title), 0, nil)
	})
	l.gap(16)
	if p.Theme != "" {
		centre(labelTheme+": "+p.Theme, 12, false, black)
	}
	if p.Year != 0 {
		centre(fmt.Sprint(p.Year), 12, false, black)
	}
	if line := editionLine(p); line != "" {
		centre(line, 11, false, grey)
	}
	if lead := p.LeadLines(); len(lead) > 0 {
		l.gap(12)
		for _, line := range lead {
			centre(line, 11, false, black)
		}
	}
	if p.ForComment {
		l.gap(30)
		centre(strings.ToUpper(labelForComment), 14, true, red)
	}
	// Summary and contents.
	l.newPage(true)
	if len(p.Summary) > 0 {
		l.heading(labelSummary, 15, false)
		for _, para := range p.Summary {
			l.para(para)
		}
	}
	l.heading(labelContents, 15, false)
	l.open("TOC", "")
	for i, part := range p.Parts {
		st := style{size: bodySize, colour: black}
		l.room(bodySize * leading)
		l.y -= bodySize * leading
		l.open("TOCI", "")
		l.label(part.Title(), st, marginL, l.y, false)
		l.tocEntries = append(l.tocEntries, pdfTOCEntry{at: pdfSpot{page: len(l.pages), y: l.y}, part: i})
		pg := l.headingPages[i]
		if pg == 0 {
			pg = 99 // the first pass: as wide as a real number will be
		}
		l.label(fmt.Sprint(pg), st, marginL+textW-16, l.y, false)
		l.close()
	}
	l.close()
	// The headings, from a new page.
	l.newPage(true)
	for i, part := range p.Parts {
		l.heading(part.Title(), 15, part.RTL)
		l.headingPages[i] = len(l.pages)
		l.headingTops[i] = pdfSpot{page: len(l.pages), y: min(pageH, l.y+15*leading*2)}
		if len(part.Paras) == 0 {
			l.tagged("P", "", func() {
				l.block([]Span{{Text: labelNoText, Italic: true}}, style{size: bodySize, colour: grey}, false, 0, nil)
			})
			l.gap(bodySize * 0.55)
		}
		for _, para := range part.Paras {
			l.para(para)
		}
	}
	list := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		l.heading(title, 15, false)
		l.open("L", "")
		for _, it := range items {
			l.tagged("LI", "", func() {
				l.block([]Span{{Text: "• " + it}}, style{size: bodySize, colour: black}, rightToLeft(it), 8, nil)
			})
		}
		l.close()
	}
	if p.Consultation != "" {
		l.heading(labelConsultation, 15, false)
		l.tagged("P", "", func() { l.block([]Span{{Text: p.Consultation}}, style{size: bodySize, colour: black}, false, 0, nil) })
	}
	if len(p.Contributors) > 0 {
		l.heading(labelContributors, 15, false)
		l.tagged("P", "", func() { l.block([]Span{{Text: labelAckIntro}}, style{size: bodySize, colour: black}, false, 0, nil) })
		l.gap(4)
		for _, g := range p.Contributors {
			l.tagged("P", "", func() {
				l.block([]Span{{Text: g.Group + ": ", Bold: true}, {Text: strings.Join(g.Names, ", ")}}, style{size: bodySize, colour: black}, false, 0, nil)
			})
			l.gap(4)
		}
	}
	list(labelDissem, p.Dissemination)
	// Page numbers, centred in the footer, under the running mark of a
	// draft for public comment.
	mark := p.RunningMark()
	for i, pg := range l.pages {
		if pg.number == 0 {
			continue
		}
		last := l.pages
		l.pages = l.pages[:i+1] // place draws on the last page
		if len(pg.notes) > 0 {
			y := marginB + pg.noteH - noteRule
			pg.rules = append(pg.rules, [3]float64{marginL, y + noteRule*0.6, marginL + 120})
			ns := style{size: noteSize, colour: black}
			l.cur = 0
			for _, n := range pg.notes {
				rtl := rightToLeft(spansText(l.notes[n-1].Spans))
				l.open("Note", scriptLanguage(spansText(l.notes[n-1].Spans)))
				for _, line := range l.noteLines(n) {
					y -= noteSize * leading
					x := marginL
					if rtl {
						x = marginL + textW - line.width
					}
					l.place(line, x, y+noteSize*0.3, ns)
				}
				l.close()
			}
		}
		l.cur = -1 // page numbers and the running mark are not the text
		st := style{size: 9, colour: grey}
		if lines := l.lines([]Span{{Text: fmt.Sprint(pg.number)}}, st, false, textW); len(lines) > 0 {
			l.place(lines[0], pageW/2-lines[0].width/2, marginB-30, st)
		}
		if mark != "" {
			ms := style{size: 8, colour: grey}
			if lines := l.lines([]Span{{Text: mark}}, ms, false, textW); len(lines) > 0 {
				l.place(lines[0], pageW/2-lines[0].width/2, marginB-18, ms)
			}
		}
		l.pages = last
	}
}

// pdfWriter numbers objects and keeps their offsets for the xref table.
type pdfWriter struct {
	b       bytes.Buffer
	offsets []int
}

func (w *pdfWriter) reserve() int {
	w.offsets = append(w.offsets, 0)
	return len(w.offsets)
}

func (w *pdfWriter) obj(id int, body string) {
	w.offsets[id-1] = w.b.Len()
	fmt.Fprintf(&w.b, "%d 0 obj\n%s\nendobj\n", id, body)
}

func (w *pdfWriter) stream(id int, dict string, data []byte) {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(data)
	zw.Close()
	w.offsets[id-1] = w.b.Len()
	fmt.Fprintf(&w.b, "%d 0 obj\n<< %s /Filter /FlateDecode /Length %d >>\nstream\n", id, dict, z.Len())
	w.b.Write(z.Bytes())
	w.b.WriteString("\nendstream\nendobj\n")
}

// writeStructure writes the structure tree: each element with its kids
// (elements, and marked sequences on pages, in reading order), the root,
// and the parent tree that takes a page's marked sequence back to its
// element. It returns the root's object number.
func (l *pdfLayout) writeStructure(w *pdfWriter, pageIDs []int, pageMCIDs [][]int) int {
	root := w.reserve()
	ids := make([]int, len(l.elems))
	for i := range ids {
		ids[i] = w.reserve()
	}
	type mcr struct{ page, mcid int }
	marked := make([][]mcr, len(l.elems))
	for pg, mcids := range pageMCIDs {
		for mcid, e := range mcids {
			marked[e] = append(marked[e], mcr{pg, mcid})
		}
	}
	for i, e := range l.elems {
		var kids []string
		for _, k := range e.kids {
			kids = append(kids, fmt.Sprintf("%d 0 R", ids[k]))
		}
		for _, m := range marked[i] {
			kids = append(kids, fmt.Sprintf("<< /Type /MCR /Pg %d 0 R /MCID %d >>", pageIDs[m.page], m.mcid))
		}
		parent := root
		if e.parent >= 0 {
			parent = ids[e.parent]
		}
		extra := ""
		if e.lang != "" {
			extra = " /Lang " + pdfString(e.lang)
		}
		w.obj(ids[i], fmt.Sprintf("<< /Type /StructElem /S /%s /P %d 0 R /K [%s]%s >>", e.kind, parent, strings.Join(kids, " "), extra))
	}
	var nums strings.Builder
	for pg, mcids := range pageMCIDs {
		fmt.Fprintf(&nums, "%d [", pg)
		for _, e := range mcids {
			fmt.Fprintf(&nums, "%d 0 R ", ids[e])
		}
		nums.WriteString("] ")
	}
	parentTree := w.reserve()
	w.obj(parentTree, "<< /Nums ["+nums.String()+"] >>")
	w.obj(root, fmt.Sprintf("<< /Type /StructTreeRoot /K [%d 0 R] /ParentTree %d 0 R /ParentTreeNextKey %d >>", ids[0], parentTree, len(pageMCIDs)))
	return root
}

// pdfASCII writes an address as a PDF string: a URI is ASCII, so any
// other byte is percent-escaped, and the string's delimiters are escaped.
func pdfASCII(s string) string {
	var b strings.Builder
	b.WriteString("(")
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' || c == '(' || c == ')':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteString(")")
	return b.String()
}

// pdfString writes text as a PDF text string (UTF-16BE with a BOM).
func pdfString(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

func (l *pdfLayout) write(p Publication) ([]byte, error) {
	w := &pdfWriter{}
	w.b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	catalog, pagesID, info := w.reserve(), w.reserve(), w.reserve()
	// Fonts: each used face as a Type 0 font over a CID TrueType font.
	var fontRes []string
	for i, f := range l.fonts {
		if f == nil || len(f.order) <= 1 {
			continue
		}
		t0, cid, desc, file, toUni := w.reserve(), w.reserve(), w.reserve(), w.reserve(), w.reserve()
		data := f.subset()
		sum := sha256.Sum256(data)
		tag := ""
		for _, c := range sum[:6] {
			tag += string(rune('A' + c%26))
		}
		base := tag + "+" + f.name
		fontRes = append(fontRes, fmt.Sprintf("/F%d %d 0 R", i, t0))
		w.obj(t0, fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", base, cid, toUni))
		var widths strings.Builder
		upem := float64(f.ttf.unitsPerEm)
		for gid, old := range f.order {
			fmt.Fprintf(&widths, "%d [%d] ", gid, int(float64(f.ttf.advance(int(old)))/upem*1000+0.5))
		}
		w.obj(cid, fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 /W [%s] /CIDToGIDMap /Identity >>", base, desc, widths.String()))
		ext := f.face.FontHExtents
		asc, descent := 800, -200
		if e, ok := ext(); ok {
			asc, descent = int(float64(e.Ascender)/upem*1000), int(float64(e.Descender)/upem*1000)
		}
		w.obj(desc, fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags 32 /FontBBox [-1000 -400 2000 1200] /ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %d 0 R >>", base, asc, descent, asc, file))
		w.stream(file, fmt.Sprintf("/Length1 %d", len(data)), data)
		w.stream(toUni, "", toUnicodeCMap(f))
	}
	// Pages, their ids first: a contents page links to later ones.
	pageIDs := make([]int, len(l.pages))
	for i := range l.pages {
		pageIDs[i] = w.reserve()
	}
	dest := func(s pdfSpot) string {
		if s.page < 1 || s.page > len(pageIDs) {
			return ""
		}
		return fmt.Sprintf("[%d 0 R /XYZ 0 %.2f null]", pageIDs[s.page-1], s.y)
	}
	var kids []string
	var pageMCIDs [][]int // by page, the element of each marked sequence
	for i, pg := range l.pages {
		contentID := w.reserve()
		kids = append(kids, fmt.Sprintf("%d 0 R", pageIDs[i]))
		var annots []string
		for _, e := range l.tocEntries {
			if d := dest(l.headingTops[e.part]); e.at.page == i+1 && d != "" {
				annots = append(annots, fmt.Sprintf("<< /Type /Annot /Subtype /Link /Rect [%.2f %.2f %.2f %.2f] /Border [0 0 0] /Dest %s >>",
					marginL, e.at.y-3, marginL+textW, e.at.y+bodySize, d))
			}
		}
		for _, k := range pg.links {
			annots = append(annots, fmt.Sprintf("<< /Type /Annot /Subtype /Link /Rect [%.2f %.2f %.2f %.2f] /Border [0 0 0] /A << /S /URI /URI %s >> >>",
				k.x0, k.y0, k.x1, k.y1, pdfASCII(k.url)))
		}
		links := ""
		if len(annots) > 0 {
			links = " /Annots [" + strings.Join(annots, " ") + "]"
		}
		w.obj(pageIDs[i], fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /Font << %s >> >> /Contents %d 0 R /StructParents %d /Tabs /S%s >>",
			pagesID, pageW, pageH, strings.Join(fontRes, " "), contentID, i, links))
		data, mcids := l.content(pg)
		w.stream(contentID, "", data)
		pageMCIDs = append(pageMCIDs, mcids)
	}
	// Bookmarks: one per heading, in order, opened beside the pages.
	outline := ""
	if n := len(p.Parts); n > 0 {
		outlinesID := w.reserve()
		items := make([]int, n)
		for i := range items {
			items[i] = w.reserve()
		}
		for i, part := range p.Parts {
			var links string
			if i > 0 {
				links += fmt.Sprintf(" /Prev %d 0 R", items[i-1])
			}
			if i < n-1 {
				links += fmt.Sprintf(" /Next %d 0 R", items[i+1])
			}
			if d := dest(l.headingTops[i]); d != "" {
				links += " /Dest " + d
			}
			w.obj(items[i], fmt.Sprintf("<< /Title %s /Parent %d 0 R%s >>", pdfString(part.Title()), outlinesID, links))
		}
		w.obj(outlinesID, fmt.Sprintf("<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>", items[0], items[n-1], n))
		outline = fmt.Sprintf(" /Outlines %d 0 R /PageMode /UseOutlines", outlinesID)
	}
	w.obj(pagesID, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids)))
	lang := p.Language
	if lang == "" {
		lang = "en"
	}
	tree := l.writeStructure(w, pageIDs, pageMCIDs)
	w.obj(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R /Lang %s /MarkInfo << /Marked true >> /StructTreeRoot %d 0 R /ViewerPreferences << /DisplayDocTitle true >>%s >>",
		pagesID, pdfString(lang), tree, outline))
	created := ""
	if !p.Date.IsZero() {
		created = fmt.Sprintf(" /CreationDate (D:%s)", p.Date.UTC().Format("20060102150405Z"))
	}
	w.obj(info, fmt.Sprintf("<< /Title %s /Producer (BPF Draft)%s >>", pdfString(p.Title), created))
	xref := w.b.Len()
	fmt.Fprintf(&w.b, "xref\n0 %d\n0000000000 65535 f \n", len(w.offsets)+1)
	for _, off := range w.offsets {
		fmt.Fprintf(&w.b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&w.b, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(w.offsets)+1, catalog, info, xref)
	return w.b.Bytes(), nil
}

// content is a page's drawing: each run as a TJ array of glyph ids, with
// an adjustment where the shaper's advance differs from the font's
// (kerning, joined Arabic), and the page number.
func (l *pdfLayout) content(pg *pdfPage) ([]byte, []int) {
	var b bytes.Buffer
	for _, r := range pg.rules {
		fmt.Fprintf(&b, "/Artifact BMC 0.4 0.4 0.4 RG 0.5 w %.2f %.2f m %.2f %.2f l S EMC\n", r[0], r[1], r[2], r[1])
	}
	// Each line of an element is one marked-content sequence, numbered
	// (MCID) in the page's order; mcids says whose each one is.
	var mcids []int
	for i := 0; i < len(pg.runs); {
		first := pg.runs[i]
		j := i
		for j < len(pg.runs) && pg.runs[j].seq == first.seq && pg.runs[j].elem == first.elem {
			j++
		}
		if first.elem < 0 || first.elem >= len(l.elems) {
			b.WriteString("/Artifact BMC\n")
		} else {
			fmt.Fprintf(&b, "/%s << /MCID %d >> BDC\n", l.elems[first.elem].kind, len(mcids))
			mcids = append(mcids, first.elem)
		}

		for _, r := range pg.runs[i:j] {
			// A font's resource name is its role, its place in l.fonts.
			fmt.Fprintf(&b, "%.3f %.3f %.3f rg BT /F%d %.2f Tf 1 0 0 1 %.2f %.2f Tm [", r.colour[0], r.colour[1], r.colour[2], r.font.role, r.size, r.x, r.y)
			for k, g := range r.glyphs {
				fmt.Fprintf(&b, "<%04X>", g)
				if d := r.adv[k] - r.pdfAdv[k]; d > 0.01 || d < -0.01 {
					fmt.Fprintf(&b, "%.1f", -d/r.size*1000)
				}
			}
			b.WriteString("] TJ ET\n")
		}
		b.WriteString("EMC\n")
		i = j
	}
	return b.Bytes(), mcids
}

// toUnicodeCMap maps each subset glyph to the text it was drawn for.
func toUnicodeCMap(f *pdfFont) []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	var entries []string
	for gid := range f.order {
		text := f.texts[gid]
		if text == "" {
			continue
		}
		var hex strings.Builder
		for _, u := range utf16.Encode([]rune(text)) {
			fmt.Fprintf(&hex, "%04X", u)
		}
		entries = append(entries, fmt.Sprintf("<%04X> <%s>", gid, hex.String()))
	}
	for len(entries) > 0 {
		n := min(100, len(entries))
		fmt.Fprintf(&b, "%d beginbfchar\n%s\nendbfchar\n", n, strings.Join(entries[:n], "\n"))
		entries = entries[n:]
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}
