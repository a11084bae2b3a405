package export

import (
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// Every published format (Markdown, HTML, DOCX, ODT, PDF) writes the same
// Publication: the layout a UN forum publishes, worked out once, so that
// the formats differ only in how they spell it. Above all, paragraph
// numbers come from crdt.Paragraphs in every format: "3.2" in the PDF is
// "3.2" in the DOCX, in the comment template and in the review.
//
// The text people write may use a little Markdown: **bold**, *italic*,
// and lists ("- item", "1. item"). Each numbered paragraph is parsed on
// its own with goldmark, so a stray asterisk in one paragraph cannot
// swallow the next.

// Publication is a draft laid out for publishing.
type Publication struct {
	Title      string
	Theme      string
	Year       int
	Proposal   bool      // a proposal for a new BPF, not an output
	Version    string    // the named version published, "" for the draft as it stands
	VersionID  string    // its id, which the comment template carries
	Date       time.Time // when the version was named, or when exported
	ForComment bool      // published for public comment
	Language   string    // BCP 47, e.g. "en"

	Summary        []Para // the cover summary, unnumbered
	Parts          []Part // the numbered headings, "carry forward" last
	CoFacilitators []string
	Contributors   []GroupNames // by stakeholder group, in the IGF's order
	Dissemination  []string
	Consultation   string // how the public comments were handled, when there were any
}

// Part is one numbered heading and its numbered paragraphs.
type Part struct {
	Number  int
	Heading string
	RTL     bool // the heading reads right to left
	Paras   []Para
}

// Para is one numbered paragraph ("3.2"); its text is one or more blocks
// (running text, or a list).
type Para struct {
	Number string // "" for the unnumbered (the summary)
	Blocks []Block
	RTL    bool // its first strong character is of a right-to-left script
}

// Block is running text (Spans) or a list (Items, each a line of spans).
type Block struct {
	List    bool
	Ordered bool
	Spans   []Span
	Items   [][]Span
}

// Span is a run of text with one emphasis.
type Span struct {
	Text   string
	Bold   bool
	Italic bool
}

// GroupNames is a stakeholder group and the contributors from it.
type GroupNames struct {
	Group string
	Names []string
}

// Edition says which state of a draft is published.
type Edition struct {
	Version      string    // the version's name ("" for the draft as it stands)
	VersionID    string    // its id
	Date         time.Time // the version's date, or the export's
	ForComment   bool      // a draft for public comment
	Consultation string    // the public-comment round's summary, for a final output
}

// carriesForward reports whether a heading is the output template's last
// segment (in any of its languages), which a publication always puts last.
func carriesForward(heading string) bool {
	return crdt.TemplateOutput.Index(heading) == crdt.OutputCarryForward
}

// Build lays out a snapshot of a draft as a publication.
func Build(s crdt.Snapshot, e Edition) Publication {
	m := s.Meta
	p := Publication{Title: strings.TrimSpace(m.Title), Theme: strings.TrimSpace(m.Theme), Year: m.Year,
		Proposal: m.Template == crdt.TemplateProposal, Version: e.Version, VersionID: e.VersionID, Date: e.Date,
		ForComment: e.ForComment || strings.Contains(strings.ToLower(e.Version), "public comment"),
		Language:   m.Language, Consultation: e.Consultation}
	if p.Language == "" {
		p.Language = "en"
	}
	for _, para := range crdt.Paragraphs(crdt.CleanBody(m.Cover)) {
		p.Summary = append(p.Summary, parsePara("", para.Text))
	}
	// The carry-forward segment goes last, wherever it stands in the draft.
	secs := append([]crdt.Section(nil), s.Sections...)
	sort.SliceStable(secs, func(i, j int) bool {
		return !carriesForward(secs[i].Heading) && carriesForward(secs[j].Heading)
	})
	for i, sec := range secs {
		part := Part{Number: i + 1, Heading: oneLine(sec.Heading), RTL: rightToLeft(sec.Heading)}
		// A co-author's control characters are not text: no format
		// carries them (a DOCX with one does not open).
		for k, para := range crdt.Paragraphs(crdt.CleanBody(sec.Body)) {
			part.Paras = append(part.Paras, parsePara(crdt.ParagraphNumber(i+1, k+1), para.Text))
		}
		p.Parts = append(p.Parts, part)
	}
	p.CoFacilitators = lines(m.CoFacilitators)
	p.Dissemination = lines(m.Dissemination)
	byGroup := map[string][]string{}
	for _, c := range contributors(s.Participants) {
		g := string(c.Group)
		if g == "" {
			g = "Other"
		}
		byGroup[g] = append(byGroup[g], oneLine(c.Name))
	}
	for _, g := range crdt.Groups {
		if names := byGroup[string(g)]; len(names) > 0 {
			p.Contributors = append(p.Contributors, GroupNames{Group: string(g), Names: names})
			delete(byGroup, string(g))
		}
	}
	var rest []string
	for g := range byGroup {
		rest = append(rest, g)
	}
	sort.Strings(rest)
	for _, g := range rest {
		p.Contributors = append(p.Contributors, GroupNames{Group: g, Names: byGroup[g]})
	}
	return p
}

// parsePara reads one paragraph's light Markdown into blocks.
func parsePara(number, src string) Para {
	para := Para{Number: number, RTL: rightToLeft(src)}
	source := []byte(src)
	doc := goldmark.New().Parser().Parse(text.NewReader(source))
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		switch n := n.(type) {
		case *ast.List:
			b := Block{List: true, Ordered: n.IsOrdered()}
			for item := n.FirstChild(); item != nil; item = item.NextSibling() {
				var spans []Span
				for c := item.FirstChild(); c != nil; c = c.NextSibling() {
					if len(spans) > 0 {
						spans = append(spans, Span{Text: " "})
					}
					spans = append(spans, inline(c, source, false, false)...)
				}
				b.Items = append(b.Items, spans)
			}
			para.Blocks = append(para.Blocks, b)
		default:
			spans := inline(n, source, false, false)
			if len(spans) == 0 {
				spans = []Span{{Text: strings.TrimSpace(string(n.Text(source)))}}
			}
			para.Blocks = append(para.Blocks, Block{Spans: spans})
		}
	}
	if len(para.Blocks) == 0 {
		para.Blocks = []Block{{Spans: []Span{{Text: src}}}}
	}
	return para
}

// inline flattens a block's inline nodes into spans; a line break inside
// a paragraph stays a line break.
func inline(n ast.Node, src []byte, bold, italic bool) []Span {
	var out []Span
	add := func(s string) {
		if s == "" {
			return
		}
		if k := len(out); k > 0 && out[k-1].Bold == bold && out[k-1].Italic == italic {
			out[k-1].Text += s
			return
		}
		out = append(out, Span{Text: s, Bold: bold, Italic: italic})
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			add(string(c.Segment.Value(src)))
			switch {
			case c.HardLineBreak(), c.SoftLineBreak():
				add("\n")
			}
		case *ast.String:
			add(string(c.Value))
		case *ast.Emphasis:
			for _, s := range inline(c, src, bold || c.Level >= 2, italic || c.Level == 1) {
				out = append(out, s)
			}
		case *ast.CodeSpan, *ast.Link, *ast.AutoLink:
			for _, s := range inline(c, src, bold, italic) {
				out = append(out, s)
			}
			if l, ok := c.(*ast.AutoLink); ok {
				add(string(l.URL(src)))
			}
		default:
			add(string(c.Text(src)))
		}
	}
	return out
}

// rightToLeft reports whether a text's first strong character is of a
// right-to-left script (the Unicode bidirectional algorithm's rule for a
// paragraph's direction).
func rightToLeft(s string) bool {
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Arabic, unicode.Hebrew, unicode.Syriac, unicode.Thaana, unicode.Nko):
			return true
		case unicode.IsLetter(r):
			return false
		}
	}
	return false
}

// Plain is a paragraph's text without emphasis, lists as lines.
func (p Para) Plain() string {
	var b strings.Builder
	for i, bl := range p.Blocks {
		if i > 0 {
			b.WriteString("\n")
		}
		if !bl.List {
			b.WriteString(spansText(bl.Spans))
			continue
		}
		for k, item := range bl.Items {
			if k > 0 {
				b.WriteString("\n")
			}
			b.WriteString(spansText(item))
		}
	}
	return b.String()
}

func spansText(ss []Span) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(s.Text)
	}
	return b.String()
}

// RunningMark is the line a draft for public comment carries on every
// page of a paged format (PDF, DOCX, ODT), not only on its cover: what it
// is and which version, for a page printed or forwarded on its own. It is
// "" for any other publication.
func (p Publication) RunningMark() string {
	if !p.ForComment {
		return ""
	}
	mark := labelForComment
	if p.Version != "" && !strings.EqualFold(p.Version, labelForComment) {
		mark += " — version " + p.Version
	}
	if !p.Date.IsZero() {
		mark += ", " + p.Date.Format("2 January 2006")
	}
	return mark
}
