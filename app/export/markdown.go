package export

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// Markdown renders a draft as CommonMark: title, cover data, the numbered
// sections in order, then contributors and the dissemination list.
func Markdown(s crdt.Snapshot) []byte {
	var b bytes.Buffer
	m := s.Meta
	fmt.Fprintf(&b, "# %s\n\n", oneLine(m.Title))
	var facts []string
	if m.Theme != "" {
		facts = append(facts, "**Theme:** "+oneLine(m.Theme))
	}
	if m.Year != 0 {
		facts = append(facts, fmt.Sprintf("**Year:** %d", m.Year))
	}
	if m.Template == crdt.TemplateProposal {
		facts = append(facts, "**Document:** proposal for a new Best Practice Forum")
	} else {
		facts = append(facts, "**Document:** Best Practice Forum output")
	}
	b.WriteString(strings.Join(facts, "  \n") + "\n\n")
	if names := lines(m.CoFacilitators); len(names) > 0 {
		b.WriteString("**Co-facilitators:** " + strings.Join(names, ", ") + "\n\n")
	}
	if c := strings.TrimSpace(m.Cover); c != "" {
		b.WriteString("## Summary\n\n" + c + "\n\n")
	}
	for i, sec := range s.Sections {
		fmt.Fprintf(&b, "## %d. %s\n\n", i+1, oneLine(sec.Heading))
		if body := strings.TrimSpace(sec.Body); body != "" {
			b.WriteString(body + "\n\n")
		}
	}
	if people := contributors(s.Participants); len(people) > 0 {
		b.WriteString("## Contributors\n\n")
		for _, p := range people {
			fmt.Fprintf(&b, "- %s (%s, %s)\n", oneLine(p.Name), p.Group, p.Region)
		}
		b.WriteString("\n")
	}
	if to := lines(m.Dissemination); len(to) > 0 {
		b.WriteString("## Dissemination\n\n")
		for _, l := range to {
			b.WriteString("- " + l + "\n")
		}
		b.WriteString("\n")
	}
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n')
}

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
