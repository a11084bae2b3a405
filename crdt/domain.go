package crdt

import (
	"fmt"
	"strings"
)

// Group is an IGF stakeholder group.
type Group string

// The stakeholder groups the IGF uses, plus Academia, which it often lists apart.
const (
	Government         Group = "Government"
	CivilSociety       Group = "Civil society"
	PrivateSector      Group = "Private sector"
	TechnicalCommunity Group = "Technical community"
	Intergovernmental  Group = "Intergovernmental organisation"
	Academia           Group = "Academia"
)

// Groups lists the stakeholder groups in the order the IGF names them.
var Groups = []Group{Government, CivilSociety, PrivateSector, TechnicalCommunity, Intergovernmental, Academia}

// Region is a UN regional group.
type Region string

// The UN regional groups the IGF uses when it counts submissions.
const (
	African         Region = "African"
	AsiaPacific     Region = "Asia-Pacific"
	EasternEuropean Region = "Eastern European"
	GRULAC          Region = "GRULAC"
	WEOG            Region = "WEOG"
)

// Regions lists the UN regional groups.
var Regions = []Region{African, AsiaPacific, EasternEuropean, GRULAC, WEOG}

// Role is what a participant does in a BPF.
type Role string

// The roles of BPF.md.
const (
	RoleParticipant   Role = "participant"
	RoleCoFacilitator Role = "co-facilitator"
	RoleRapporteur    Role = "rapporteur"
)

// Roles lists the roles.
var Roles = []Role{RoleParticipant, RoleCoFacilitator, RoleRapporteur}

// fold lowers s and drops everything but letters and digits, so that
// "civil-society", "Civil Society" and "CIVIL_SOCIETY" all match.
func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func parseChoice[T ~string](what, s string, choices []T, aliases map[string]T) (T, error) {
	// A name with its abbreviation, as the window shows them ("Latin
	// American and Caribbean (GRULAC)"), is tried whole, then each part.
	tries := []string{s}
	if open, end := strings.Index(s, "("), strings.LastIndex(s, ")"); open >= 0 && end > open {
		tries = append(tries, s[open+1:end], s[:open]+s[end+1:])
	}
	for _, try := range tries {
		f := fold(try)
		for _, c := range choices {
			if fold(string(c)) == f {
				return c, nil
			}
		}
		if c, ok := aliases[f]; ok {
			return c, nil
		}
	}
	names := make([]string, len(choices))
	for i, c := range choices {
		names[i] = fmt.Sprintf("%q", string(c))
	}
	return "", fmt.Errorf("%w: %s %q; choose one of %s", ErrInvalid, what, s, strings.Join(names, ", "))
}

// ParseGroup accepts a stakeholder group by name, ignoring case and punctuation.
func ParseGroup(s string) (Group, error) {
	return parseChoice("stakeholder group", s, Groups, map[string]Group{
		"gov": Government, "civil": CivilSociety, "cso": CivilSociety, "private": PrivateSector,
		"business": PrivateSector, "technical": TechnicalCommunity, "tech": TechnicalCommunity,
		"igo": Intergovernmental, "intergovernmental": Intergovernmental,
		"intergovernmentalorganization": Intergovernmental, "intergovernmentalorganisation": Intergovernmental, "academic": Academia,
	})
}

// ParseRegion accepts a UN regional group by name or usual abbreviation.
func ParseRegion(s string) (Region, error) {
	return parseChoice("regional group", s, Regions, map[string]Region{
		"africa": African, "africangroup": African, "asiapacificgroup": AsiaPacific, "apac": AsiaPacific,
		"asia": AsiaPacific, "eeg": EasternEuropean, "easterneuropeangroup": EasternEuropean,
		"latinamericaandcaribbean": GRULAC, "latinamericanandcaribbeangroup": GRULAC,
		"westerneuropeanandothers": WEOG, "westerneuropeanandothersgroup": WEOG,
	})
}

// ParseRole accepts a role by name.
func ParseRole(s string) (Role, error) {
	return parseChoice("role", s, Roles, map[string]Role{"cofacilitator": RoleCoFacilitator, "facilitator": RoleCoFacilitator})
}

// Template is the kind of document a draft starts from.
type Template string

// The two templates of BPF.md.
const (
	TemplateOutput   Template = "output"
	TemplateProposal Template = "proposal"
)

// ParseTemplate accepts "output" or "proposal".
func ParseTemplate(s string) (Template, error) {
	return parseChoice("template", s, []Template{TemplateOutput, TemplateProposal}, nil)
}

// Heading is a template heading with its one-line hint.
type Heading struct {
	Title string
	Hint  string
}

// outputHeadings are the eight recommended headings of a BPF output, in the
// template's order, followed by the final "carry forward" segment.
var outputHeadings = []Heading{
	{"Definition of the issue(s)", "What problem does this BPF address, and how does it define its terms?"},
	{"Regional specificities observed (e.g. Internet industry development)", "How the issue looks different from region to region, with examples."},
	{"Existing policy measures and private sector initiatives, impediments", "Laws, policies and industry initiatives already in place, and what stands in their way."},
	{"What worked well, identifying common effective practices", "Practices that succeeded, and what they have in common."},
	{"Unintended consequences of policy interventions, good and bad", "Side effects of interventions, including approaches that failed."},
	{"Unresolved issues where further multistakeholder cooperation is needed", "Open questions that need policy-makers' or stakeholders' attention."},
	{"Insights gained as a result of the experience", "What the BPF learned while doing this work."},
	{"Proposed steps for further multistakeholder dialogue", "Concrete next steps and who could take them."},
	{"Carrying the work forward", "Whether the BPF wishes to continue next year, and which new substantive areas it would explore."},
}

// proposalHeadings are the body of a proposal for a new BPF.
var proposalHeadings = []Heading{
	{"Background", "Links to Internet governance discussions, and relevance for each stakeholder group."},
	{"Description", "Topics, objectives and focus of the proposed BPF."},
	{"Outreach plan and multistakeholder engagement", "Organisations that signalled interest, and the outreach planned."},
}

// Headings returns the headings a new draft of template t starts with.
func (t Template) Headings() []Heading {
	switch t {
	case TemplateProposal:
		return append([]Heading(nil), proposalHeadings...)
	default:
		return append([]Heading(nil), outputHeadings...)
	}
}

// templateHint returns the hint of a template heading with exactly this
// title, or "".
func templateHint(title string) string {
	for _, hs := range [][]Heading{outputHeadings, proposalHeadings} {
		for _, h := range hs {
			if h.Title == title {
				return h.Hint
			}
		}
	}
	return ""
}
