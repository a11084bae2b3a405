package export

import (
	"bytes"
	"fmt"
	"strings"
)

// Text writes a publication as plain text, for reading on screen (the
// window's view of a version): the title, each line of the title page on
// a line of its own, the summary, the numbered headings with each
// paragraph's number before it, and the people at the end. Nothing is
// escaped or marked up, since nothing reads it as markup; emphasis is
// dropped, lists keep their bullets and numbers, and there is no table
// of contents, which the headings just below make redundant on a screen.
func Text(p Publication) []byte {
	var b bytes.Buffer
	b.WriteString(oneLine(p.Title) + "\n")
	kind := labelBPF
	if p.Proposal {
		kind = labelProposal
	}
	b.WriteString(labelForum + " · " + kind + "\n")
	if p.Theme != "" {
		b.WriteString(labelTheme + ": " + oneLine(p.Theme) + "\n")
	}
	if p.Year != 0 {
		fmt.Fprintf(&b, "Year: %d\n", p.Year)
	}
	if p.Version != "" {
		v := labelVersion + ": " + oneLine(p.Version)
		if !p.Date.IsZero() {
			v += " · " + p.Date.Format("2 January 2006")
		}
		b.WriteString(v + "\n")
	}
	for _, l := range p.LeadLines() {
		b.WriteString(l + "\n")
	}
	if p.ForComment {
		b.WriteString(strings.ToUpper(labelForComment) + "\n")
	}
	// A heading has one blank line before it and one after.
	section := func(title string) {
		b.Truncate(len(bytes.TrimRight(b.Bytes(), "\n")))
		b.WriteString("\n\n" + title + "\n\n")
	}
	if len(p.Summary) > 0 {
		section(labelSummary)
		for _, para := range p.Summary {
			writeTextPara(&b, para)
		}
	}
	for _, part := range p.Parts {
		section(part.Title())
		if len(part.Paras) == 0 {
			b.WriteString(labelNoText + "\n\n")
		}
		for _, para := range part.Paras {
			writeTextPara(&b, para)
		}
	}
	if p.Consultation != "" {
		section(labelConsultation)
		b.WriteString(p.Consultation + "\n")
	}
	if len(p.Notes) > 0 {
		section(labelNotes)
		for _, n := range p.Notes {
			fmt.Fprintf(&b, "[%d] %s\n", n.Number, plainSpans(n.Spans))
		}
	}
	if len(p.Contributors) > 0 {
		section(labelContributors)
		b.WriteString(labelAckIntro + "\n\n")
		for _, g := range p.Contributors {
			b.WriteString(g.Group + ": " + strings.Join(g.Names, ", ") + "\n")
		}
	}
	if len(p.Dissemination) > 0 {
		section(labelDissem)
		b.WriteString(strings.Join(p.Dissemination, "\n") + "\n")
	}
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n')
}

// writeTextPara writes a paragraph, its number first, and a blank line.
func writeTextPara(b *bytes.Buffer, para Para) {
	for _, run := range paraRuns(para, para.Number, plainSpans, "•") {
		for _, line := range run {
			b.WriteString(line + "\n")
		}
	}
	b.WriteString("\n")
}

// paraRuns lays a paragraph out as lines for the formats written line by
// line, a run of lines a block, so that Text and Markdown place the
// number alike: before the first block's text, or on a line of its own
// when a list comes first, where it would otherwise read as a bullet's.
// number is the paragraph's number as the format marks it, spans writes a
// block's text and bullet marks an unordered list's items.
func paraRuns(para Para, number string, spans func([]Span) string, bullet string) [][]string {
	prefix := ""
	if para.Number != "" {
		prefix = number + " "
	}
	var runs [][]string
	for _, bl := range para.Blocks {
		if !bl.List {
			runs = append(runs, []string{prefix + spans(bl.Spans)})
			prefix = ""
			continue
		}
		if prefix != "" {
			runs = append(runs, []string{strings.TrimSpace(prefix)})
			prefix = ""
		}
		var items []string
		for i, item := range bl.Items {
			mark := bullet
			if bl.Ordered {
				mark = fmt.Sprintf("%d.", i+1)
			}
			items = append(items, mark+" "+spans(item))
		}
		runs = append(runs, items)
	}
	return runs
}

// plainSpans writes spans as plain text: a link's address after its text
// (unless the text is the address), a footnote reference as "[1]".
func plainSpans(ss []Span) string {
	var b strings.Builder
	for _, s := range ss {
		switch {
		case s.Note > 0:
			fmt.Fprintf(&b, "[%d]", s.Note)
		case s.URL != "" && s.Text != s.URL && "mailto:"+s.Text != s.URL:
			b.WriteString(s.Text + " (" + s.URL + ")")
		default:
			b.WriteString(s.Text)
		}
	}
	return b.String()
}
