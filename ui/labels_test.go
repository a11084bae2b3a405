package ui

import (
	"testing"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// TestLabelsParseBack: every stakeholder group and regional group the
// window shows, in English, is accepted by the command line
// (`bpfdraft profile --group/--region`) as the same choice (issue 14: the
// window's "Latin American and Caribbean (GRULAC)" was refused there).
func TestLabelsParseBack(t *testing.T) {
	loadTranslations()
	for _, g := range crdt.Groups {
		if got, err := crdt.ParseGroup(groupLabel(g)); err != nil || got != g {
			t.Errorf("the window's %q parses as %q, %v", groupLabel(g), got, err)
		}
	}
	for _, r := range crdt.Regions {
		if got, err := crdt.ParseRegion(regionLabel(r)); err != nil || got != r {
			t.Errorf("the window's %q parses as %q, %v", regionLabel(r), got, err)
		}
	}
}
