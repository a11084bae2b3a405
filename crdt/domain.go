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

// RoleRemoved is given, not stated: a co-facilitator removed the person
// from the draft (SetRole). Their changes written knowing it are refused
// by every peer (Doc.Admit with a ledger).
const RoleRemoved Role = "removed"

// ParseGrant parses a role a co-facilitator may give: one of Roles, or
// RoleRemoved.
func ParseGrant(s string) (Role, error) {
	if fold(s) == fold(string(RoleRemoved)) || fold(s) == "remove" {
		return RoleRemoved, nil
	}
	return ParseRole(s)
}

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

// Language is the language a draft's template headings and hints are
// written in. The IGF publishes its outputs in English, so English is the
// default; a BPF that drafts in French or Spanish can start there.
type Language string

// The languages of the templates (and of the window).
const (
	English Language = "en"
	French  Language = "fr"
	Spanish Language = "es"
)

// Languages lists the templates' languages, English first.
var Languages = []Language{English, French, Spanish}

// ParseLanguage accepts a language's code or its name in English or in
// itself ("fr", "French", "français").
func ParseLanguage(s string) (Language, error) {
	return parseChoice("language", s, Languages, map[string]Language{
		"english": English, "french": French, "francais": French, "français": French,
		"spanish": Spanish, "espanol": Spanish, "español": Spanish,
	})
}

// templates holds each template's headings in each language, in the same
// order: a heading's place says what it is, whatever the language. Titles
// are distinct across templates and languages, so a title alone finds its
// hint (TestTemplateTitlesAreDistinct).
var templates = map[Template]map[Language][]Heading{
	// The eight recommended headings of a BPF output, in the template's
	// order, followed by the final "carry forward" segment.
	TemplateOutput: {
		English: {
			{"Definition of the issue(s)", "What problem does this BPF address, and how does it define its terms?"},
			{"Regional specificities observed (e.g. Internet industry development)", "How the issue looks different from region to region, with examples."},
			{"Existing policy measures and private sector initiatives, impediments", "Laws, policies and industry initiatives already in place, and what stands in their way."},
			{"What worked well, identifying common effective practices", "Practices that succeeded, and what they have in common."},
			{"Unintended consequences of policy interventions, good and bad", "Side effects of interventions, including approaches that failed."},
			{"Unresolved issues where further multistakeholder cooperation is needed", "Open questions that need policy-makers' or stakeholders' attention."},
			{"Insights gained as a result of the experience", "What the BPF learned while doing this work."},
			{"Proposed steps for further multistakeholder dialogue", "Concrete next steps and who could take them."},
			{"Carrying the work forward", "Whether the BPF wishes to continue next year, and which new substantive areas it would explore."},
		},
		French: {
			{"Définition de la ou des questions", "Quel problème ce BPF aborde-t-il, et comment en définit-il les termes ?"},
			{"Spécificités régionales observées (par ex. développement du secteur de l’Internet)", "En quoi la question diffère d’une région à l’autre, exemples à l’appui."},
			{"Mesures politiques existantes et initiatives du secteur privé, obstacles", "Lois, politiques et initiatives du secteur déjà en place, et ce qui les freine."},
			{"Ce qui a bien fonctionné : pratiques efficaces communes", "Les pratiques qui ont réussi, et ce qu’elles ont en commun."},
			{"Conséquences involontaires des interventions politiques, bonnes et mauvaises", "Les effets secondaires des interventions, y compris les approches qui ont échoué."},
			{"Questions non résolues appelant davantage de coopération multipartite", "Les questions ouvertes qui demandent l’attention des décideurs ou des parties prenantes."},
			{"Enseignements tirés de l’expérience", "Ce que le BPF a appris en menant ce travail."},
			{"Prochaines étapes proposées pour le dialogue multipartite", "Des étapes concrètes, et qui pourrait les mener."},
			{"Poursuivre le travail", "Si le BPF souhaite continuer l’an prochain, et quels nouveaux domaines il explorerait."},
		},
		Spanish: {
			{"Definición del problema o los problemas", "¿Qué problema aborda este BPF y cómo define sus términos?"},
			{"Especificidades regionales observadas (p. ej., desarrollo de la industria de Internet)", "Cómo se presenta el problema de una región a otra, con ejemplos."},
			{"Medidas de política existentes e iniciativas del sector privado, obstáculos", "Leyes, políticas e iniciativas de la industria ya en marcha, y lo que las frena."},
			{"Lo que funcionó bien: prácticas eficaces comunes", "Prácticas que tuvieron éxito y lo que tienen en común."},
			{"Consecuencias no deseadas de las intervenciones de política, buenas y malas", "Efectos secundarios de las intervenciones, incluidos los enfoques que fracasaron."},
			{"Cuestiones sin resolver que requieren más cooperación entre múltiples partes interesadas", "Preguntas abiertas que necesitan la atención de los responsables políticos o de las partes interesadas."},
			{"Lecciones aprendidas a partir de la experiencia", "Lo que el BPF aprendió al realizar este trabajo."},
			{"Próximos pasos propuestos para el diálogo entre múltiples partes interesadas", "Pasos concretos y quién podría darlos."},
			{"Continuidad del trabajo", "Si el BPF desea continuar el próximo año y qué nuevas áreas sustantivas exploraría."},
		},
	},
	// The body of a proposal for a new BPF.
	TemplateProposal: {
		English: {
			{"Background", "Links to Internet governance discussions, and relevance for each stakeholder group."},
			{"Description", "Topics, objectives and focus of the proposed BPF."},
			{"Outreach plan and multistakeholder engagement", "Organisations that signalled interest, and the outreach planned."},
		},
		French: {
			{"Contexte", "Liens avec les discussions sur la gouvernance de l’Internet, et intérêt pour chaque groupe de parties prenantes."},
			{"Présentation", "Sujets, objectifs et orientation du BPF proposé."},
			{"Plan de sensibilisation et participation multipartite", "Organisations ayant manifesté leur intérêt, et actions de sensibilisation prévues."},
		},
		Spanish: {
			{"Antecedentes", "Vínculos con los debates sobre gobernanza de Internet y pertinencia para cada grupo de partes interesadas."},
			{"Descripción", "Temas, objetivos y enfoque del BPF propuesto."},
			{"Plan de divulgación y participación de múltiples partes interesadas", "Organizaciones que manifestaron interés y la divulgación prevista."},
		},
	},
}

// The places of the output template's headings that other parts of the
// app act on, whatever the draft's language.
const (
	OutputDefinition    = 0 // next year's draft starts with its text
	OutputUnresolved    = 5 // and with this one's
	OutputProposedSteps = 7 // and this one's: what next year starts from
	OutputCarryForward  = 8 // the last segment of a publication; next year's agenda
)

// Headings returns the English headings a new draft of template t starts
// with.
func (t Template) Headings() []Heading { return t.HeadingsIn(English) }

// HeadingsIn returns the headings of template t in a language (English
// when the template has none in it).
func (t Template) HeadingsIn(l Language) []Heading {
	byLang := templates[t]
	if byLang == nil {
		byLang = templates[TemplateOutput]
	}
	hs, ok := byLang[l]
	if !ok {
		hs = byLang[English]
	}
	return append([]Heading(nil), hs...)
}

// Index returns which heading of template t a title is, in any language,
// or -1.
func (t Template) Index(title string) int {
	for _, hs := range templates[t] {
		for i, h := range hs {
			if h.Title == title {
				return i
			}
		}
	}
	return -1
}

// templateHint returns the hint of a template heading with exactly this
// title (in whichever language it is), or "".
func templateHint(title string) string {
	for _, byLang := range templates {
		for _, hs := range byLang {
			for _, h := range hs {
				if h.Title == title {
					return h.Hint
				}
			}
		}
	}
	return ""
}
