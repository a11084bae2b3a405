package export

import (
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
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

	Summary        []Para // the executive summary (the draft's cover summary), unnumbered
	Parts          []Part // the numbered headings, "carry forward" last, then the annexes
	CoFacilitators []string
	Rapporteurs    []string
	Contributors   []GroupNames // by stakeholder group, in the IGF's order
	Dissemination  []string
	Consultation   string // how the public comments were handled, when there were any
	Notes          []Note // footnotes (endnotes in HTML and Markdown)
}

// Part is one numbered heading, or an annex, and its numbered paragraphs.
type Part struct {
	Label   string // "3", or "A" for an annex (crdt.HeadingLabels)
	Annex   bool
	Heading string
	RTL     bool // the heading reads right to left
	Paras   []Para
}

// Title is the heading as printed: "3. Access", "Annex A: Survey".
func (p Part) Title() string {
	if p.Annex {
		return labelAnnex + " " + p.Label + ": " + p.Heading
	}
	return p.Label + ". " + p.Heading
}

// Anchor names the heading for links within a document: "h3", "hA".
func (p Part) Anchor() string { return "h" + p.Label }

// Para is one numbered paragraph ("3.2"); its text is one or more blocks
// (running text, or a list).
type Para struct {
	Number string // "" for the unnumbered (the summary)
	Blocks []Block
	RTL    bool   // its first strong character is of a right-to-left script
	Lang   string // BCP 47, when its script says it is in another language than the document's ("ar", "zh")
}

// Block is running text (Spans) or a list (Items, each a line of spans).
type Block struct {
	List    bool
	Ordered bool
	Spans   []Span
	Items   [][]Span
}

// Span is a run of text with one emphasis, a link's text, or a footnote
// reference.
type Span struct {
	Text   string
	Bold   bool
	Italic bool
	URL    string // the link's target: http, https or mailto only
	Note   int    // a footnote reference: the note's number (Text is it, written out)
}

// Note is a footnote: numbered in the order the publication first refers
// to it, its text parsed as a paragraph's is.
type Note struct {
	Number int
	Spans  []Span
}

// GroupNames is a stakeholder group and the contributors from it, each
// with their regional group ("Ana Lima (GRULAC)"), by region then name.
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
	// Brackets are the contested paragraphs, by number ("3.2"), with the
	// note each gets: printed in square brackets, as negotiating texts
	// print text not yet agreed, with the note as a footnote.
	Brackets map[string]string
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
	nb := newNotebook(m.Cover, s.Sections)
	for _, para := range crdt.Paragraphs(crdt.CleanBody(m.Cover)) {
		if para.N > 0 {
			p.Summary = append(p.Summary, nb.parsePara("", para.Text))
		}
	}
	// The carry-forward segment goes last, wherever it stands in the
	// draft, and the annexes after it; the labels are the ones the window,
	// the review and the comment template use.
	labels := crdt.HeadingLabels(s.Sections)
	for _, i := range crdt.PublishOrder(s.Sections) {
		sec := s.Sections[i]
		part := Part{Label: labels[i], Annex: sec.Annex, Heading: oneLine(sec.Heading), RTL: rightToLeft(sec.Heading)}
		// A co-author's control characters are not text: no format
		// carries them (a DOCX with one does not open).
		for _, para := range crdt.Paragraphs(crdt.CleanBody(sec.Body)) {
			if para.N > 0 { // a footnote's text is printed as its note
				number := crdt.ParagraphNumber(labels[i], para.N)
				pp := nb.parsePara(number, para.Text)
				if note, ok := e.Brackets[number]; ok {
					pp.bracket(nb.add(note))
				}
				part.Paras = append(part.Paras, pp)
			}
		}
		p.Parts = append(p.Parts, part)
	}
	p.Notes = nb.finish()
	// Who led the work: as the details name them, or else whoever holds
	// the role in the draft (the role given, never the one an entry claims).
	p.CoFacilitators = lines(m.CoFacilitators)
	p.Rapporteurs = lines(m.Rapporteur)
	if len(p.CoFacilitators) == 0 {
		p.CoFacilitators = holding(s, crdt.RoleCoFacilitator)
	}
	if len(p.Rapporteurs) == 0 {
		p.Rapporteurs = holding(s, crdt.RoleRapporteur)
	}
	p.Dissemination = lines(m.Dissemination)
	byGroup := map[string][]string{}
	people := contributors(s.Participants)
	sort.SliceStable(people, func(i, j int) bool { return regionRank(people[i].Region) < regionRank(people[j].Region) })
	for _, c := range people {
		g := string(c.Group)
		if g == "" {
			g = "Other"
		}
		name := oneLine(c.Name)
		if c.Region != "" {
			name += " (" + oneLine(string(c.Region)) + ")"
		}
		byGroup[g] = append(byGroup[g], name)
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
	p.dropOwnLanguage()
	return p
}

// holding names the people who hold a role in a draft, one name each
// however many devices they use, by name.
func holding(s crdt.Snapshot, role crdt.Role) []string {
	var out []string
	for _, c := range contributors(s.Participants) {
		if s.Roles[c.Actor] == role {
			out = append(out, oneLine(c.Name))
		}
	}
	return out
}

// regionRank orders the UN regional groups as crdt.Regions lists them,
// any other after them.
func regionRank(r crdt.Region) int {
	if i := slices.Index(crdt.Regions, r); i >= 0 {
		return i
	}
	return len(crdt.Regions)
}

// notebook numbers a publication's footnotes. A note's text is a
// paragraph of its own anywhere in the draft ("[^survey]: Forty-two
// answers…", the first of a label counting), and a reference, "[^survey]",
// anywhere else; notes are numbered 1, 2, 3 in the order the publication
// first refers to them, whatever their labels. A reference to a note the
// draft does not give stays as it was typed, and a note nothing refers to
// is still printed, after the others, so that no text is lost.
type notebook struct {
	texts  map[string]string // label → the note's text
	labels []string          // in the order the draft gives them
	number map[string]int
	notes  []Note
}

func newNotebook(cover string, secs []crdt.Section) *notebook {
	nb := &notebook{texts: map[string]string{}, number: map[string]int{}}
	bodies := []string{cover}
	for _, i := range crdt.PublishOrder(secs) {
		bodies = append(bodies, secs[i].Body)
	}
	for _, body := range bodies {
		for _, para := range crdt.Paragraphs(crdt.CleanBody(body)) {
			label := crdt.NoteLabel(para.Text)
			if label == "" {
				continue
			}
			if _, seen := nb.texts[label]; !seen {
				nb.texts[label] = strings.TrimSpace(para.Text[len(label)+4:])
				nb.labels = append(nb.labels, label)
			}
		}
	}
	return nb
}

// ref returns a note's number, numbering it at its first reference; 0
// when the draft gives no note of that label.
func (nb *notebook) ref(label string) int {
	if _, ok := nb.texts[label]; !ok {
		return 0
	}
	if n, ok := nb.number[label]; ok {
		return n
	}
	n := len(nb.number) + 1
	nb.number[label] = n
	nb.notes = append(nb.notes, Note{Number: n})
	// A note's own text is parsed without references: a note in a note
	// reads as typed.
	nb.notes[n-1].Spans = noteSpans(nb.texts[label])
	return n
}

// add numbers a note the publication itself writes (not the draft's),
// in the order of reference like the others.
func (nb *notebook) add(text string) int {
	n := len(nb.number) + 1
	nb.number["\x00bracket"+strconv.Itoa(n)] = n
	nb.notes = append(nb.notes, Note{Number: n, Spans: []Span{{Text: text}}})
	return n
}

// bracket puts a paragraph in square brackets, the note's reference
// after the closing one.
func (p *Para) bracket(note int) {
	if len(p.Blocks) == 0 {
		return
	}
	first, last := &p.Blocks[0], &p.Blocks[len(p.Blocks)-1]
	open := Span{Text: "["}
	if first.List && len(first.Items) > 0 {
		first.Items[0] = append([]Span{open}, first.Items[0]...)
	} else {
		first.Spans = append([]Span{open}, first.Spans...)
	}
	close := []Span{{Text: "]"}, {Text: strconv.Itoa(note), Note: note}}
	if last.List && len(last.Items) > 0 {
		k := len(last.Items) - 1
		last.Items[k] = append(last.Items[k], close...)
	} else {
		last.Spans = append(last.Spans, close...)
	}
}

// finish returns the notes, those nothing referred to last.
func (nb *notebook) finish() []Note {
	for _, label := range nb.labels {
		if _, ok := nb.number[label]; !ok {
			n := len(nb.number) + 1
			nb.number[label] = n
			nb.notes = append(nb.notes, Note{Number: n, Spans: noteSpans(nb.texts[label])})
		}
	}
	return nb.notes
}

// noteSpans is a note's text as one line of spans (lists and line
// breaks run together).
func noteSpans(text string) []Span {
	para := (*notebook)(nil).parsePara("", text)
	var out []Span
	for i, b := range para.Blocks {
		if i > 0 {
			out = append(out, Span{Text: " "})
		}
		out = append(out, b.Spans...)
		for _, item := range b.Items {
			out = append(out, Span{Text: " "})
			out = append(out, item...)
		}
	}
	return out
}

// parsePara reads one paragraph's light Markdown into blocks; nb, when
// not nil, turns its footnote references into notes.
func (nb *notebook) parsePara(number, src string) Para {
	para := Para{Number: number, RTL: rightToLeft(src), Lang: scriptLanguage(src)}
	source := []byte(nb.marks(src))
	doc := markdown.Parser().Parse(text.NewReader(source))
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
					spans = append(spans, inline(c, source, Span{})...)
				}
				b.Items = append(b.Items, nb.refs(spans))
			}
			para.Blocks = append(para.Blocks, b)
		default:
			spans := inline(n, source, Span{})
			if len(spans) == 0 {
				spans = []Span{{Text: strings.TrimSpace(string(n.Text(source)))}}
			}
			para.Blocks = append(para.Blocks, Block{Spans: nb.refs(spans)})
		}
	}
	if len(para.Blocks) == 0 {
		para.Blocks = []Block{{Spans: []Span{{Text: src}}}}
	}
	return para
}

// markdown reads the light Markdown people write: CommonMark, and web
// addresses typed bare ("https://…") taken as links.
var markdown = goldmark.New(goldmark.WithExtensions(extension.Linkify))

// A reference to a note the draft gives is replaced, before the Markdown
// is parsed, by its number between two private-use characters, which no
// one types and which end a bare web address (else "…/report.[^1]" would
// be read as one address).
const noteOpen, noteClose = '\ue000', '\ue001'

// marks numbers the note references of a paragraph's source.
func (nb *notebook) marks(src string) string {
	if nb == nil || !strings.Contains(src, "[^") {
		return src
	}
	// The two characters typed by someone are not marks.
	src = strings.Map(func(r rune) rune {
		if r == noteOpen || r == noteClose {
			return -1
		}
		return r
	}, src)
	return crdt.NoteRef.ReplaceAllStringFunc(src, func(m string) string {
		n := nb.ref(m[2 : len(m)-1])
		if n == 0 {
			return m // no such note: as typed
		}
		return string(noteOpen) + strconv.Itoa(n) + string(noteClose)
	})
}

// refs splits the marked note references out of spans.
func (nb *notebook) refs(spans []Span) []Span {
	if nb == nil {
		return spans
	}
	var out []Span
	for _, s := range spans {
		rest := s.Text
		for {
			i := strings.IndexRune(rest, noteOpen)
			j := strings.IndexRune(rest, noteClose)
			if i < 0 || j < i {
				break
			}
			n, err := strconv.Atoi(rest[i+len(string(noteOpen)) : j])
			if err != nil || n < 1 || n > len(nb.notes) {
				break
			}
			if i > 0 {
				t := s
				t.Text = rest[:i]
				out = append(out, t)
			}
			out = append(out, Span{Text: strconv.Itoa(n), Note: n, Bold: s.Bold, Italic: s.Italic})
			rest = rest[j+len(string(noteClose)):]
		}
		if rest != "" {
			t := s
			t.Text = rest
			out = append(out, t)
		}
	}
	return out
}

// inline flattens a block's inline nodes into spans, each with the
// emphasis and link of at; a line break inside a paragraph stays a line
// break.
func inline(n ast.Node, src []byte, at Span) []Span {
	var out []Span
	add := func(s string) {
		if s == "" {
			return
		}
		if k := len(out); k > 0 && out[k-1].Bold == at.Bold && out[k-1].Italic == at.Italic && out[k-1].URL == at.URL {
			out[k-1].Text += s
			return
		}
		sp := at
		sp.Text = s
		out = append(out, sp)
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
			in := at
			in.Bold, in.Italic = at.Bold || c.Level >= 2, at.Italic || c.Level == 1
			out = appendSpans(out, inline(c, src, in))
		case *ast.Link:
			in := at
			if u := safeURL(string(c.Destination)); u != "" {
				in.URL = u
			}
			out = appendSpans(out, inline(c, src, in))
		case *ast.AutoLink:
			in := at
			u := string(c.URL(src))
			if c.AutoLinkType == ast.AutoLinkEmail && !strings.HasPrefix(strings.ToLower(u), "mailto:") {
				u = "mailto:" + u
			}
			in.URL = safeURL(u)
			sp := in
			sp.Text = string(c.Label(src))
			out = appendSpans(out, []Span{sp})
		case *ast.CodeSpan:
			out = appendSpans(out, inline(c, src, at))
		default:
			add(string(c.Text(src)))
		}
	}
	return out
}

// appendSpans appends spans, joining a span to the one before it when
// they are set alike.
func appendSpans(out, more []Span) []Span {
	for _, s := range more {
		if k := len(out); k > 0 && s.Note == 0 && out[k-1].Note == 0 && out[k-1].Bold == s.Bold && out[k-1].Italic == s.Italic && out[k-1].URL == s.URL {
			out[k-1].Text += s.Text
			continue
		}
		out = append(out, s)
	}
	return out
}

// safeURL returns a link's target when every format may carry it: an
// absolute http, https or mailto address without control characters.
// Anything else ("javascript:", a file path) is no link; its text stays.
func safeURL(u string) string {
	u = strings.TrimSpace(u)
	if len(u) > 2000 || strings.IndexFunc(u, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return ""
	}
	pu, err := url.Parse(u)
	if err != nil {
		return ""
	}
	switch strings.ToLower(pu.Scheme) {
	case "http", "https":
		if pu.Host == "" {
			return ""
		}
	case "mailto":
		if pu.Opaque == "" {
			return ""
		}
	default:
		return ""
	}
	return pu.String()
}

// scriptLanguage guesses a paragraph's language from its script, where
// the script all but names it: most of its letters Arabic ("ar"),
// Hebrew, Chinese characters without kana ("zh"), Japanese kana, Korean,
// Cyrillic ("ru"), Greek, Devanagari ("hi") or Thai. Latin text says
// nothing this way and gets "" (the document's language).
func scriptLanguage(s string) string {
	scripts := []struct {
		lang string
		tab  *unicode.RangeTable
	}{{"ar", unicode.Arabic}, {"he", unicode.Hebrew}, {"ja", unicode.Hiragana}, {"ja", unicode.Katakana}, {"zh", unicode.Han},
		{"ko", unicode.Hangul}, {"ru", unicode.Cyrillic}, {"el", unicode.Greek}, {"hi", unicode.Devanagari}, {"th", unicode.Thai}}
	count := map[string]int{}
	letters := 0
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		for _, sc := range scripts {
			if unicode.Is(sc.tab, r) {
				count[sc.lang]++
				break
			}
		}
	}
	if count["ja"] > 0 {
		count["ja"] += count["zh"] // kana among Chinese characters: Japanese
		count["zh"] = 0
	}
	best, n := "", 0
	for _, sc := range scripts {
		if count[sc.lang] > n {
			best, n = sc.lang, count[sc.lang]
		}
	}
	if letters == 0 || 2*n < letters {
		return ""
	}
	return best
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

// spansText is the text of spans as typed for reading, without the
// footnote references.
func spansText(ss []Span) string {
	var b strings.Builder
	for _, s := range ss {
		if s.Note == 0 {
			b.WriteString(s.Text)
		}
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

// LeadLines say on the title page who led the work: "Co-facilitators:
// A, B" and "Rapporteur: C".
func (p Publication) LeadLines() []string {
	var out []string
	if len(p.CoFacilitators) > 0 {
		out = append(out, labelCoFacils+": "+strings.Join(p.CoFacilitators, ", "))
	}
	if len(p.Rapporteurs) > 0 {
		out = append(out, labelRapporteur+": "+strings.Join(p.Rapporteurs, ", "))
	}
	return out
}

// dropOwnLanguage clears the language of paragraphs in the document's
// own: only a paragraph in another one says so.
func (p *Publication) dropOwnLanguage() {
	base, _, _ := strings.Cut(p.Language, "-")
	for i := range p.Summary {
		if p.Summary[i].Lang == base {
			p.Summary[i].Lang = ""
		}
	}
	for k := range p.Parts {
		for i := range p.Parts[k].Paras {
			if p.Parts[k].Paras[i].Lang == base {
				p.Parts[k].Paras[i].Lang = ""
			}
		}
	}
}
