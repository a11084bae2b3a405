package docimport

import (
	"strings"
)

// readMarkdown splits Markdown at its headings ("# Title" and the
// underlined kind); the text between is kept as written, since drafts
// are written in Markdown, split into paragraphs at blank lines. Fenced
// code is text like any other (a "#" in it is no heading).
func readMarkdown(src string) (Document, error) {
	b := &builder{doc: Document{Format: "md"}}
	src = strings.TrimPrefix(strings.ReplaceAll(src, "\r\n", "\n"), "\ufeff")
	lines := strings.Split(src, "\n")
	var para []string
	flush := func() {
		if len(para) > 0 {
			b.para(strings.Join(para, "\n"))
			para = para[:0]
		}
	}
	fence := ""
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trim := strings.TrimSpace(line)
		if fence != "" {
			para = append(para, line)
			if strings.HasPrefix(trim, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(trim, "```") || strings.HasPrefix(trim, "~~~") {
			fence = trim[:3]
			para = append(para, line)
			continue
		}
		if level, text, ok := atxHeading(line); ok {
			flush()
			b.heading(level, strings.TrimSpace(text))
			continue
		}
		// "Title" over "=====" or "-----": a heading, when it is one line
		// of text of its own (else "---" is a rule, or a list follows).
		if len(para) == 1 && i > 0 && trim != "" && (strings.Trim(trim, "=") == "" || strings.Trim(trim, "-") == "" && len(trim) >= 3) &&
			!strings.HasPrefix(strings.TrimSpace(para[0]), "- ") {
			level := 1
			if trim[0] == '-' {
				level = 2
			}
			text := strings.TrimSpace(para[0])
			para = para[:0]
			b.heading(level, text)
			continue
		}
		if trim == "" {
			flush()
			continue
		}
		para = append(para, line)
	}
	flush()
	return b.doc, b.err
}

// atxHeading reads "## Title ##" (up to three spaces before it).
func atxHeading(line string) (level int, text string, ok bool) {
	s := line
	if t := strings.TrimLeft(s, " "); len(s)-len(t) <= 3 {
		s = t
	} else {
		return 0, "", false
	}
	for level < len(s) && s[level] == '#' {
		level++
	}
	if level == 0 || level > 6 || level < len(s) && s[level] != ' ' && s[level] != '\t' {
		return 0, "", false
	}
	text = strings.TrimSpace(s[level:])
	text = strings.TrimSpace(strings.TrimRight(text, "#"))
	return level, text, true
}
