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
	s.Applied() // the ledger's view of who wrote what includes all that was written
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
	// The text keeps its authors: each run is its own change, whose
	// message names who wrote it in the earlier output (the change is
	// still the carrier's, as it must be: only they sign it).
	idOf := map[int]string{}
	for _, sec := range snap.Sections {
		if i := m.Template.Index(sec.Heading); i >= 0 {
			idOf[i] = sec.ID
		}
	}
	names := participantsByActor(snap.Participants)
	newSecs := ns.Sections()
	for _, h := range seeded {
		body := byPlace[h]
		if strings.TrimSpace(body) == "" || m.Template != crdt.TemplateOutput {
			continue
		}
		runs, err := s.authorsAt(ref, idOf[h])
		if err != nil {
			return "", err
		}
		carried := carriedRuns(body, runs, m.Year, names)
		for _, sec := range newSecs {
			if m.Template.Index(sec.Heading) == h {
				if err := ns.carry(ctx, sec.ID, carried); err != nil {
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
		cover += "\n\nPublic comments on the " + strconv.Itoa(m.Year) + " output left unanswered or kept for next year:\n\n" + strings.Join(open, "\n")
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
// draft's co-facilitators left unanswered or kept for next year: next
// year starts from them.
func openPublicComments(s *Session) []string {
	cs, err := s.Comments()
	if err != nil {
		return nil
	}
	var out []string
	for _, c := range cs {
		if !c.Public || c.Response != nil && c.Response.Status != StatusNextYear {
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

// carriedRun is a run of text next year's draft starts with, and who
// wrote it in the earlier output.
type carriedRun struct {
	text string
	from string
}

// carriedRuns cuts a heading's text (trimmed) at its authors' runs.
func carriedRuns(body string, runs []AuthorRun, year int, names map[string]crdt.Participant) []carriedRun {
	text := []rune(body)
	lead := len(text) - len([]rune(strings.TrimLeft(body, " \t\r\n")))
	end := lead + len([]rune(strings.TrimSpace(body)))
	var out []carriedRun
	for _, r := range runs {
		a, b := max(r.Start, lead), min(r.End, end, len(text))
		if a >= b {
			continue
		}
		from := r.From
		if !strings.HasPrefix(from, "carried forward") {
			// Carried once more: the first author stays named.
			who := "an unknown device"
			if p, ok := names[r.Actor]; ok && p.Name != "" {
				who = p.Name
				if p.Group != "" || p.Region != "" {
					who += " (" + strings.Trim(string(p.Group)+", "+string(p.Region), ", ") + ")"
				}
			}
			from = fmt.Sprintf("carried forward from the %d output, written by %s", year, who)
		}
		if n := len(out); n > 0 && out[n-1].from == from {
			out[n-1].text += string(text[a:b])
			continue
		}
		out = append(out, carriedRun{string(text[a:b]), from})
	}
	if len(out) == 0 && strings.TrimSpace(body) != "" {
		out = append(out, carriedRun{strings.TrimSpace(body), fmt.Sprintf("carried forward from the %d output", year)})
	}
	return out
}

func participantsByActor(ps []crdt.Participant) map[string]crdt.Participant {
	out := map[string]crdt.Participant{}
	for _, p := range ps {
		out[p.Actor] = p
	}
	return out
}

// carry writes carried runs into an empty heading, each as a change whose
// message names its source.
func (s *Session) carry(ctx context.Context, section string, runs []carriedRun) error {
	return s.edit(ctx, func() error {
		defer s.o.doc.SetSource("")
		for _, r := range runs {
			s.o.doc.SetSource(r.from)
			if err := s.o.doc.AppendBody(section, crdt.CleanBody(r.text)); err != nil {
				return err
			}
		}
		return nil
	})
}
