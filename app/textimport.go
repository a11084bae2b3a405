package app

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/igf-bpf/bpfdraft/app/docimport"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// Importing a document into a draft (issue 25, part 12): co-facilitators
// often start from a Word or Google Docs document, and participants on
// poor links send text by e-mail. The file's headings are mapped onto the
// draft's, by title or by order; the plan says where everything goes
// before anything is written, and the import adds text only (after what
// each heading holds), so nothing already written is lost. The changes
// are the importer's, with the file's name in their messages.

// ImportBy says how a file's headings find the draft's.
type ImportBy string

// The ways of matching.
const (
	ImportByTitle ImportBy = "title" // the same title, numbers and case aside
	ImportByOrder ImportBy = "order" // the file's first heading to the draft's first
)

// ImportPlan is where each part of a document goes.
type ImportPlan struct {
	File  string // the file's name, as the log records it
	Steps []ImportStep
	Chars int // characters to be added, in all
	doc   docimport.Document
}

// ImportStep is one heading of the file (or the text before its first
// heading) and where it goes.
type ImportStep struct {
	From    string // the file's heading; "" for the text before the first
	Paras   int
	Chars   int
	Section string // the draft heading it goes under; "" for a new heading
	Heading string // that heading's title, or the new heading's
	New     bool   // a new heading is added for it
	Why     string // "title", "order", "under" (the chosen heading), "first" (text before any heading), "new"
	text    string // what is appended, labels renumbered
}

// PlanImport reads a file and plans where its text goes: by title or
// by order; a heading that matches none becomes a new heading, or, when
// under names one of the draft's headings, goes under it (its title a
// bold line). Text before the file's first heading goes under the
// draft's first heading (or under). Nothing is written.
func (s *Session) PlanImport(name string, data []byte, by ImportBy, under string) (ImportPlan, error) {
	doc, err := docimport.Read(name, data)
	if err != nil {
		return ImportPlan{}, err
	}
	secs := s.Sections()
	if len(secs) == 0 {
		return ImportPlan{}, fmt.Errorf("%w: the draft has no headings to import into; add one first", crdt.ErrInvalid)
	}
	var target *crdt.Section
	if under != "" {
		sec, err := findSection(secs, under)
		if err != nil {
			return ImportPlan{}, err
		}
		target = &sec
	}
	plan := ImportPlan{File: filepath.Base(name), doc: doc}
	relabel := noteRelabeller(secs)
	add := func(st ImportStep, paras []string) {
		var kept []string
		for _, p := range paras {
			if p = stripParaNumber(p); p != "" {
				kept = append(kept, relabel(p))
			}
		}
		if len(kept) == 0 && !st.New {
			return
		}
		st.Paras = len(kept)
		st.text = strings.Join(kept, "\n\n")
		st.Chars = utf8.RuneCountInString(st.text)
		plan.Chars += st.Chars
		plan.Steps = append(plan.Steps, st)
	}
	if len(doc.Intro) > 0 {
		to := secs[0]
		if target != nil {
			to = *target
		}
		add(ImportStep{Section: to.ID, Heading: to.Heading, Why: "first"}, doc.Intro)
	}
	used := map[string]bool{}
	k := 0 // the file's headings matched so far, for ImportByOrder
	for _, fs := range doc.Sections {
		title := stripHeadingNumber(fs.Heading)
		if isContents(title) {
			continue // the file's own table of contents
		}
		st := ImportStep{From: fs.Heading}
		switch by {
		case ImportByOrder:
			if k < len(secs) {
				st.Section, st.Heading, st.Why = secs[k].ID, secs[k].Heading, "order"
			}
			k++
		default:
			if sec, ok := matchHeading(secs, title, used); ok {
				st.Section, st.Heading, st.Why = sec.ID, sec.Heading, "title"
				used[sec.ID] = true
			}
		}
		paras := fs.Paras
		switch {
		case st.Section != "":
		case target != nil:
			st.Section, st.Heading, st.Why = target.ID, target.Heading, "under"
			paras = append([]string{"**" + strings.NewReplacer("*", `\*`).Replace(title) + "**"}, paras...)
		default:
			st.Heading, st.New, st.Why = title, true, "new"
		}
		add(st, paras)
	}
	if len(plan.Steps) == 0 {
		return plan, fmt.Errorf("%w: %s holds no text to import", docimport.ErrNotDocument, plan.File)
	}
	return plan, nil
}

// ApplyImport writes a plan: new headings at the end, then each step's
// text after what its heading holds, all as the importer's changes with
// the file's name in them. A draft it would take past MaxDraftText is
// left as it was.
func (s *Session) ApplyImport(ctx context.Context, plan ImportPlan) (added int, err error) {
	err = s.edit(ctx, func() error {
		v := s.View()
		was := textLength(v.Sections, v.Meta.Cover)
		if err := checkGrowth(was, was+plan.Chars); err != nil {
			return err
		}
		s.o.doc.SetSource("imported from " + plan.File)
		defer s.o.doc.SetSource("")
		added = 0
		for _, st := range plan.Steps {
			id := st.Section
			if st.New {
				var err error
				if id, err = s.o.doc.AddSection(st.Heading, "", len(s.o.doc.Sections())); err != nil {
					return err
				}
			}
			if st.text == "" {
				continue
			}
			body, err := s.o.doc.Body(id)
			if err != nil {
				return err
			}
			text := crdt.CleanBody(ParagraphAfter(body, st.text))
			if err := s.o.doc.AppendBody(id, text); err != nil {
				return err
			}
			added += utf8.RuneCountInString(text)
		}
		return nil
	})
	return added, err
}

// ParagraphAfter makes text a new paragraph after body: an empty line
// between them, unless body is empty or already ends in one.
func ParagraphAfter(body, text string) string {
	text = strings.TrimLeft(text, "\n")
	switch {
	case strings.TrimSpace(body) == "", strings.HasSuffix(body, "\n\n"):
		return text
	case strings.HasSuffix(body, "\n"):
		return "\n" + text
	}
	return "\n\n" + text
}

// headingNumber is a heading's numbering as documents write it: "3.",
// "3.2", "III.", "A)", "Annex B:", "Chapter 4 –".
var headingNumber = regexp.MustCompile(`(?i)^\s*(?:(?:annex|appendix|chapter|section|part)\s+)?(?:\d+(?:\.\d+)*|[ivxlc]+|[a-z])[.):\-–—]?\s+`)

func stripHeadingNumber(h string) string {
	if t := headingNumber.ReplaceAllString(h, ""); strings.TrimSpace(t) != "" {
		return strings.TrimSpace(t)
	}
	return strings.TrimSpace(h)
}

// paraNumber is the number BPF Draft's own exports put before a
// paragraph, in bold ("**3.2**", "**A.1**"), for a file that is one of
// them, edited. Only the bold kind: a paragraph that opens with "3.5
// million people" keeps its number.
var paraNumber = regexp.MustCompile(`^\*\*(?:\d+|[A-Z]{1,2})\.\d+\*\*(?:[ \t]+|$)`)

func stripParaNumber(p string) string {
	return strings.TrimSpace(paraNumber.ReplaceAllString(strings.TrimSpace(p), ""))
}

// isContents reports a heading over a document's table of contents.
func isContents(title string) bool {
	switch normTitle(title) {
	case "contents", "table of contents", "sommaire", "table des matieres", "table des matières", "indice", "índice":
		return true
	}
	return false
}

// normTitle is a title for matching: lower case, letters and digits
// only, words single-spaced, "(s)" dropped.
func normTitle(s string) string {
	s = strings.ToLower(strings.ReplaceAll(s, "(s)", ""))
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), " ")
}

// matchHeading finds the draft heading with a file heading's title: the
// same words, or one title the start of the other (a title shortened in
// the file, or with a few words added) when the shorter has at least
// three words. An unused heading is preferred.
func matchHeading(secs []crdt.Section, title string, used map[string]bool) (crdt.Section, bool) {
	want := normTitle(title)
	if want == "" {
		return crdt.Section{}, false
	}
	var found []crdt.Section
	for _, sec := range secs {
		if normTitle(stripHeadingNumber(sec.Heading)) == want {
			found = append(found, sec)
		}
	}
	if len(found) == 0 {
		for _, sec := range secs {
			have := normTitle(stripHeadingNumber(sec.Heading))
			short := min(len(strings.Fields(have)), len(strings.Fields(want)))
			if short >= 3 && (strings.HasPrefix(have, want+" ") || strings.HasPrefix(want, have+" ")) {
				found = append(found, sec)
			}
		}
	}
	for _, sec := range found {
		if !used[sec.ID] {
			return sec, true
		}
	}
	if len(found) > 0 {
		return found[0], true
	}
	return crdt.Section{}, false
}

// noteRelabeller renames a file's footnote labels that the draft already
// uses (files number their notes from 1, as drafts do), consistently
// across everything imported.
func noteRelabeller(secs []crdt.Section) func(string) string {
	taken := map[string]bool{}
	next := 1
	for _, sec := range secs {
		for _, p := range crdt.Paragraphs(sec.Body) {
			if l := crdt.NoteLabel(p.Text); l != "" {
				taken[l] = true
				if n, err := strconv.Atoi(l); err == nil && n >= next {
					next = n + 1
				}
			}
		}
		for _, m := range crdt.NoteRef.FindAllStringSubmatch(sec.Body, -1) {
			taken[m[1]] = true
		}
	}
	to := map[string]string{}
	return func(p string) string {
		return crdt.NoteRef.ReplaceAllStringFunc(p, func(m string) string {
			label := m[2 : len(m)-1]
			if l, ok := to[label]; ok {
				return "[^" + l + "]"
			}
			l := label
			if taken[l] {
				for taken[strconv.Itoa(next)] {
					next++
				}
				l = strconv.Itoa(next)
			}
			taken[l], to[label] = true, l
			return "[^" + l + "]"
		})
	}
}
