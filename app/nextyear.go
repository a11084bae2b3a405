package app

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// Next year's draft. A BPF that carries its work forward starts the new
// cycle from the old one: the same title and theme a year on, the same
// co-facilitators, the definition of the issue, the unresolved issues and
// the proposed steps as this year left them (to revise, not to start
// from nothing), and this year's carry-forward segment as the starting
// agenda. That agenda, the public comments left unanswered, and a
// reference to the version it comes from go in the new draft's cover
// summary, the one place every participant sees first and the rapporteur
// rewrites before publishing.

// seeded are the places of the headings whose text next year's draft
// starts with (crdt's template order, the same in every language).
var seeded = []int{crdt.OutputDefinition, crdt.OutputUnresolved, crdt.OutputProposedSteps}

var yearWord = regexp.MustCompile(`\b(19|20)\d\d\b`)

// NextYear creates next year's draft from a draft (its latest named
// version, or the draft as it stands when none was named) and returns
// the new draft's id. The draft itself is left unchanged.
func (w *Workspace) NextYear(ctx context.Context, id string) (string, error) {
	s, err := w.Session(ctx, id)
	if err != nil {
		return "", err
	}
	defer s.Close(ctx)
	ref, source := Current, "as it stood on "+w.opts.Now().Format("2 January 2006")
	if vs := s.Versions(); len(vs) > 0 {
		v := vs[len(vs)-1]
		ref, source = v.ID, fmt.Sprintf("version “%s” of %s", v.Name, v.At.Format("2 January 2006"))
	}
	snap, err := s.SnapshotOf(ref)
	if err != nil {
		return "", err
	}
	m := snap.Meta
	year := m.Year + 1
	title := m.Title
	if m.Year != 0 && strings.Contains(title, strconv.Itoa(m.Year)) {
		title = strings.ReplaceAll(title, strconv.Itoa(m.Year), strconv.Itoa(year))
	} else if !yearWord.MatchString(title) {
		title = fmt.Sprintf("%s %d", title, year)
	}
	lang, _ := crdt.ParseLanguage(m.Language) // English when unknown
	newID, err := w.Create(ctx, NewDraft{Template: m.Template, Language: lang, Title: title, Theme: m.Theme, Year: year})
	if err != nil {
		return "", err
	}
	ns, err := w.Session(ctx, newID)
	if err != nil {
		return "", err
	}
	defer ns.Close(ctx)
	// The template's headings, by their place; a heading renamed away
	// from the template's title is not seeded.
	byPlace := map[int]string{}
	for _, sec := range snap.Sections {
		if i := m.Template.Index(sec.Heading); i >= 0 {
			byPlace[i] = sec.Body
		}
	}
	newSecs := ns.Sections()
	for _, h := range seeded {
		body := strings.TrimSpace(byPlace[h])
		if body == "" || m.Template != crdt.TemplateOutput {
			continue
		}
		for _, sec := range newSecs {
			if m.Template.Index(sec.Heading) == h {
				if _, _, err := ns.Write(ctx, sec.ID, body, false); err != nil {
					return "", err
				}
			}
		}
	}
	cover := fmt.Sprintf("This draft continues “%s” (%d), %s (draft %s).", m.Title, m.Year, source, m.ID)
	if agenda := strings.TrimSpace(byPlace[crdt.OutputCarryForward]); m.Template == crdt.TemplateOutput && agenda != "" {
		cover += "\n\nStarting agenda, carried forward from " + strconv.Itoa(m.Year) + ":\n\n" + agenda
	}
	if open := openPublicComments(s); len(open) > 0 {
		cover += "\n\nPublic comments on the " + strconv.Itoa(m.Year) + " output left unanswered:\n\n" + strings.Join(open, "\n")
	}
	if err := ns.SetMetaText(ctx, crdt.FieldCover, cover); err != nil {
		return "", err
	}
	if strings.TrimSpace(m.CoFacilitators) != "" {
		if err := ns.SetMetaText(ctx, crdt.FieldCoFacilitators, m.CoFacilitators); err != nil {
			return "", err
		}
	}
	if strings.TrimSpace(m.Dissemination) != "" {
		if err := ns.SetMetaText(ctx, crdt.FieldDissemination, m.Dissemination); err != nil {
			return "", err
		}
	}
	w.log.Info("Created next year's draft", "from", m.ID, "draft", newID)
	return newID, nil
}

// openPublicComments lists, as Markdown list items, the public comments a
// draft's co-facilitators neither answered nor withdrew: next year starts
// from them.
func openPublicComments(s *Session) []string {
	cs, err := s.Comments()
	if err != nil {
		return nil
	}
	var out []string
	for _, c := range cs {
		if !c.Public || c.Response != nil {
			continue
		}
		who := c.Commenter.Name
		if who == "" {
			who = "anonymous"
		}
		out = append(out, fmt.Sprintf("- %s (%s, on %s): %s", who, orDash(string(c.Commenter.Group)), citedLabel(c), strings.Join(strings.Fields(c.Text), " ")))
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "no group given"
	}
	return s
}
