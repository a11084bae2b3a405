package ui

import (
	"strings"

	"fyne.io/fyne/v2/lang"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// The stakeholder groups, regions, roles and templates are stored in
// English (they are data every co-author's machine must read alike) and
// shown in the window's language.

func groupLabel(g crdt.Group) string {
	switch g {
	case crdt.Government:
		return lang.L("Government")
	case crdt.CivilSociety:
		return lang.L("Civil society")
	case crdt.PrivateSector:
		return lang.L("Private sector")
	case crdt.TechnicalCommunity:
		return lang.L("Technical community")
	case crdt.Intergovernmental:
		return lang.L("Intergovernmental organisation")
	case crdt.Academia:
		return lang.L("Academia")
	}
	return string(g)
}

func regionLabel(r crdt.Region) string {
	switch r {
	case crdt.African:
		return lang.L("African")
	case crdt.AsiaPacific:
		return lang.L("Asia-Pacific")
	case crdt.EasternEuropean:
		return lang.L("Eastern European")
	case crdt.GRULAC:
		return lang.L("Latin American and Caribbean (GRULAC)")
	case crdt.WEOG:
		return lang.L("Western European and Others (WEOG)")
	}
	return string(r)
}

func roleLabel(r crdt.Role) string {
	switch r {
	case crdt.RoleParticipant:
		return lang.L("Participant")
	case crdt.RoleCoFacilitator:
		return lang.L("Co-facilitator")
	case crdt.RoleRapporteur:
		return lang.L("Rapporteur")
	case crdt.RoleRemoved:
		return lang.L("Removed from the draft")
	}
	return string(r)
}

func templateLabel(t crdt.Template) string {
	switch t {
	case crdt.TemplateOutput:
		return lang.L("BPF output (eight headings)")
	case crdt.TemplateProposal:
		return lang.L("Proposal for a new BPF")
	}
	return string(t)
}

// labels shows a list of values in the window's language.
func labels[T any](vs []T, label func(T) string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = label(v)
	}
	return out
}

// selectedValue maps a choice back to the value it shows.
func selectedValue[T any](vs []T, i int) (T, bool) {
	var zero T
	if i < 0 || i >= len(vs) {
		return zero, false
	}
	return vs[i], true
}

// languageName names a language in itself, as language menus do.
func languageName(l crdt.Language) string {
	switch l {
	case crdt.French:
		return "Français"
	case crdt.Spanish:
		return "Español"
	}
	return "English"
}

// windowLanguage is the language the window speaks (the system's, when
// BPF Draft has it), English otherwise.
func windowLanguage() crdt.Language {
	tag := lang.SystemLocale().LanguageString()
	code, _, _ := strings.Cut(tag, "-")
	if l, err := crdt.ParseLanguage(code); err == nil {
		return l
	}
	return crdt.English
}
