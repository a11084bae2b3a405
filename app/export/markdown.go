package export

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// Markdown writes a publication as CommonMark: the title block, the
// summary, a table of contents, the numbered headings with each
// paragraph's number in bold before it, and the people at the end.
func Markdown(p Publication) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n", oneLine(p.Title))
	kind := labelBPF
	if p.Proposal {
		kind = labelProposal
	}
	facts := []string{"**" + labelForum + " · " + kind + "**"}
	if p.Theme != "" {
		facts = append(facts, "**"+labelTheme+":** "+mdEscape(p.Theme))
	}
	if p.Year != 0 {
		facts = append(facts, fmt.Sprintf("**Year:** %d", p.Year))
	}
	if p.Version != "" {
		v := "**" + labelVersion + ":** " + mdEscape(p.Version)
		if !p.Date.IsZero() {
			v += " · " + p.Date.Format("2 January 2006")
		}
		facts = append(facts, v)
	}
	for _, l := range p.LeadLines() {
		k, v, _ := strings.Cut(l, ": ")
		facts = append(facts, "**"+k+":** "+mdEscape(v))
	}
	if p.ForComment {
		facts = append(facts, "**"+strings.ToUpper(labelForComment)+"**")
	}
	b.WriteString(strings.Join(facts, "  \n") + "\n\n")
	if len(p.Summary) > 0 {
		b.WriteString("## " + labelSummary + "\n\n")
		for _, para := range p.Summary {
			writeMarkdownPara(&b, para)
		}
	}
	b.WriteString("## " + labelContents + "\n\n")
	for _, part := range p.Parts {
		// "- 1. X" would read as a list inside the item: the dot is escaped.
		t := mdEscape(part.Title())
		if !part.Annex {
			t = part.Label + "\\" + strings.TrimPrefix(t, part.Label)
		}
		fmt.Fprintf(&b, "- %s\n", t)
	}
	b.WriteString("\n")
	for _, part := range p.Parts {
		fmt.Fprintf(&b, "## %s\n\n", mdEscape(part.Title()))
		if len(part.Paras) == 0 {
			b.WriteString("*" + labelNoText + "*\n\n")
		}
		for _, para := range part.Paras {
			writeMarkdownPara(&b, para)
		}
	}
	if p.Consultation != "" {
		b.WriteString("## " + labelConsultation + "\n\n" + mdEscape(p.Consultation) + "\n\n")
	}
	if len(p.Notes) > 0 {
		b.WriteString("## " + labelNotes + "\n\n")
		for _, n := range p.Notes {
			fmt.Fprintf(&b, "[^%d]: %s\n\n", n.Number, mdSpans(n.Spans))
		}
	}
	if len(p.Contributors) > 0 {
		b.WriteString("## " + labelContributors + "\n\n" + labelAckIntro + "\n\n")
		for _, g := range p.Contributors {
			b.WriteString("**" + g.Group + ":** " + mdEscape(strings.Join(g.Names, ", ")) + "\n\n")
		}
	}
	if len(p.Dissemination) > 0 {
		b.WriteString("## " + labelDissem + "\n\n")
		for _, l := range p.Dissemination {
			b.WriteString("- " + mdEscape(l) + "\n")
		}
		b.WriteString("\n")
	}
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n')
}

// writeMarkdownPara writes a paragraph with a blank line after each of
// its blocks: Markdown joins lines that have none between them.
func writeMarkdownPara(b *bytes.Buffer, para Para) {
	for _, run := range paraRuns(para, "**"+para.Number+"**", mdSpans, "-") {
		for _, line := range run {
			b.WriteString(line + "\n")
		}
		b.WriteString("\n")
	}
}

func mdSpans(ss []Span) string {
	var b strings.Builder
	for _, s := range ss {
		if s.Note > 0 {
			fmt.Fprintf(&b, "[^%d]", s.Note)
			continue
		}
		t := mdEscape(s.Text)
		t = strings.ReplaceAll(t, "\n", "  \n")
		switch {
		case s.Bold && s.Italic:
			t = "***" + t + "***"
		case s.Bold:
			t = "**" + t + "**"
		case s.Italic:
			t = "*" + t + "*"
		}
		if s.URL != "" {
			t = "[" + t + "](<" + strings.NewReplacer("<", "%3C", ">", "%3E").Replace(s.URL) + ">)"
		}
		b.WriteString(t)
	}
	return b.String()
}

// mdEscape keeps text literal where Markdown would read it as markup.
var mdEscaper = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `_`, `\_`, "`", "\\`", `[`, `\[`, `]`, `\]`, `<`, `\<`, `#`, `\#`)

func mdEscape(s string) string { return mdEscaper.Replace(s) }

// contributors returns one entry per person, however many devices they used.
func contributors(ps []crdt.Participant) []crdt.Participant {
	seen := map[string]bool{}
	var out []crdt.Participant
	for _, p := range ps {
		key := p.Person
		if key == "" {
			key = p.Actor
		}
		if seen[key] || p.Name == "" {
			continue
		}
		seen[key] = true
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
