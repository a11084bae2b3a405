package export

import (
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/igf-bpf/bpfdraft/crdt"
)

func TestMarkdownParsesBack(t *testing.T) {
	snap := crdt.Snapshot{
		Meta: crdt.Meta{Title: "BPF Gender and Access 2026", Theme: "Gender", Year: 2026, Template: crdt.TemplateOutput,
			CoFacilitators: "Amina K.\nBruno L.\n", Cover: "A short summary.", Dissemination: "UN Women\nITU\n"},
		Sections: []crdt.Section{
			{ID: "a", Heading: "Definition of the issue(s)", Body: "First paragraph.\n\nSecond with مرحبا and 😀."},
			{ID: "b", Heading: "Regional\nspecificities", Body: ""},
		},
		Participants: []crdt.Participant{
			{Actor: "1", Person: "p1", Name: "Amina K.", Group: crdt.CivilSociety, Region: crdt.African},
			{Actor: "2", Person: "p1", Name: "Amina K.", Group: crdt.CivilSociety, Region: crdt.African},
			{Actor: "3", Person: "p2", Name: "Bruno L.", Group: crdt.Government, Region: crdt.GRULAC},
		},
	}
	md := Markdown(snap)
	doc := goldmark.New().Parser().Parse(text.NewReader(md))
	var headings []string
	var items []string
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			headings = append(headings, strings.Repeat("#", n.Level)+" "+string(n.Lines().Value(md)))
		case *ast.ListItem:
			items = append(items, string(n.FirstChild().Lines().Value(md)))
		}
		return ast.WalkContinue, nil
	})
	want := []string{"# BPF Gender and Access 2026", "## Summary", "## 1. Definition of the issue(s)",
		"## 2. Regional specificities", "## Contributors", "## Dissemination"}
	if strings.Join(headings, "|") != strings.Join(want, "|") {
		t.Errorf("headings %q\nwant %q", headings, want)
	}
	wantItems := []string{"Amina K. (Civil society, African)", "Bruno L. (Government, GRULAC)", "UN Women", "ITU"}
	if strings.Join(items, "|") != strings.Join(wantItems, "|") {
		t.Errorf("list items %q, want %q (one contributor per person)", items, wantItems)
	}
	if !strings.Contains(string(md), "Second with مرحبا and 😀.") || !strings.Contains(string(md), "**Co-facilitators:** Amina K., Bruno L.") {
		t.Errorf("markdown:\n%s", md)
	}
}
