package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/docimport"
	"github.com/igf-bpf/bpfdraft/crdt"
)

var writeCmd = &command{
	name:    "write",
	usage:   "write DRAFT --section N|ID [--append [--inline]] [--file F | --text T | --clear]",
	summary: "replace or append to a section's text (from --file, --text or standard input)",
	details: `A replace stores only the difference from the current text, so edits others
made elsewhere in the section, offline, survive the merge. --append adds a
new paragraph (an empty line before it); with --inline it goes on the last
line. Empty input replaces nothing: --clear (or --text "") empties the
section. Reading from a terminal, type the text and end it with Ctrl+D.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		section := fs.String("section", "", "section number or id (required)")
		appendText := fs.Bool("append", false, "add to the end instead of replacing")
		file := fs.String("file", "", "read the text from this file")
		text := fs.String("text", "", "the text itself")
		clear := fs.Bool("clear", false, "empty the section")
		inline := fs.Bool("inline", false, "with --append: go on the last line instead of a new paragraph")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 1, 1, "DRAFT"); err != nil {
				return err
			}
			if *section == "" {
				return usagef("--section N|ID is required")
			}
			textSet := false
			fs.Visit(func(f *flag.Flag) { textSet = textSet || f.Name == "text" })
			if textSet && *file != "" || *clear && (textSet || *file != "" || *appendText) {
				return usagef("give one of --file, --text and --clear (--clear does not go with --append)")
			}
			if *inline && !*appendText {
				return usagef("--inline goes with --append")
			}
			var body string
			fromInput := false
			switch {
			case *clear:
			case textSet:
				body = *text
			case *file != "":
				b, err := os.ReadFile(*file)
				if err != nil {
					return err
				}
				body, fromInput = string(b), true
			default:
				if f, ok := e.stdin.(*os.File); ok {
					if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
						fmt.Fprintln(e.stderr, "Type the text, then press Ctrl+D at the start of a line to end it.")
					}
				}
				fromInput = true
				b, err := io.ReadAll(e.stdin)
				if err != nil {
					return fmt.Errorf("reading standard input: %w", err)
				}
				body = string(b)
			}
			if !utf8.ValidString(body) {
				return fmt.Errorf("the text is not valid UTF-8; save it as UTF-8 and try again (nothing was written)")
			}
			if fromInput && strings.TrimSpace(body) == "" {
				// An empty file or pipe is far more often a mistake than a
				// wish to erase a section.
				return fmt.Errorf("the input is empty, so nothing was written; to empty the section, use --clear")
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			sec, err := s.Section(*section)
			if err != nil {
				return err
			}
			if *appendText && !*inline {
				body = app.ParagraphAfter(sec.Body, body)
			}
			added, removed, err := s.Write(ctx, sec.ID, body, *appendText)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s: +%d -%d characters\n", sec.Heading, added, removed)
			return done()
		}
	},
}

var headingCmd = &command{
	name: "heading",
	usage: `heading DRAFT list [--json]
       bpfdraft heading DRAFT add TITLE [--at N] [--hint H]
       bpfdraft heading DRAFT rename N|ID TITLE
       bpfdraft heading DRAFT move N|ID --to N
       bpfdraft heading DRAFT remove N|ID
       bpfdraft heading DRAFT restore ID
       bpfdraft heading DRAFT annex N|ID [--off]`,
	summary: "list, add, rename, move, remove or restore a draft's headings, or mark one as an annex",
	details: `A removed heading keeps its text (and any text co-authors add to it offline);
"list" shows removed ones with their ids so that "restore" can bring them back.
An annex is published after the headings, lettered A, B, C in the draft's
order, its paragraphs numbered A.1, A.2; --off makes it a numbered heading again.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		at := fs.Int("at", 0, "add: position of the new heading (default: at the end)")
		hint := fs.String("hint", "", "add: a one-line hint of what belongs there")
		to := fs.Int("to", 0, "move: the new position")
		asJSON := fs.Bool("json", false, "list: print the headings as JSON")
		off := fs.Bool("off", false, "annex: make the annex a numbered heading again")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 2, -1, "DRAFT and an action (list, add, rename, move, remove, restore, annex)"); err != nil {
				return err
			}
			action, rest := args[1], args[2:]
			need := map[string]int{"list": 0, "add": 1, "rename": 2, "move": 1, "remove": 1, "restore": 1, "annex": 1}
			n, ok := need[action]
			if !ok {
				return usagef("unknown action %q; use list, add, rename, move, remove, restore or annex", action)
			}
			if action == "move" && *to == 0 && len(rest) == 2 {
				v, err := strconv.Atoi(rest[1])
				if err != nil {
					return usagef("move: position %q is not a number", rest[1])
				}
				*to, rest = v, rest[:1]
			}
			if len(rest) != n {
				return usagef("%s takes %d argument(s), got %d", action, n, len(rest))
			}
			if action == "move" && *to < 1 {
				return usagef("move needs --to N (1 is the first position)")
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			switch action {
			case "list":
				secs := s.Sections()
				labels := crdt.HeadingLabels(secs)
				if *asJSON {
					out := []jsonHeading{}
					for i, sec := range secs {
						out = append(out, jsonHeading{Number: i + 1, Label: labels[i], Annex: sec.Annex, ID: sec.ID, Heading: sec.Heading, Words: len(strings.Fields(sec.Body))})
					}
					for _, sec := range s.RemovedHeadings() {
						out = append(out, jsonHeading{ID: sec.ID, Heading: sec.Heading, Words: len(strings.Fields(sec.Body)), Removed: true})
					}
					return writeJSON(e.stdout, out)
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NO\tAS\tID\tWORDS\tHEADING")
				for i, sec := range secs {
					as := labels[i]
					if sec.Annex {
						as = "annex " + as
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\n", i+1, as, sec.ID, len(strings.Fields(sec.Body)), sec.Heading)
				}
				for _, sec := range s.RemovedHeadings() {
					fmt.Fprintf(tw, "-\t-\t%s\t%d\t%s (removed)\n", sec.ID, len(strings.Fields(sec.Body)), sec.Heading)
				}
				return tw.Flush()
			case "add":
				if n := len(s.Sections()); *at < 0 || *at > n+1 {
					return usagef("--at %d: this draft has %d headings; give 1 to %d (%d, or no --at, adds it at the end)", *at, n, n+1, n+1)
				}
				id, err := s.AddHeading(ctx, rest[0], *hint, *at)
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, id) // scripts read the new heading's id
			case "rename":
				var sec crdt.Section
				if sec, err = s.Section(rest[0]); err == nil {
					if err = s.RenameHeading(ctx, sec.ID, rest[1]); err == nil {
						fmt.Fprintf(e.stdout, "renamed “%s” to “%s”\n", sec.Heading, rest[1])
					}
				}
			case "move":
				var sec crdt.Section
				if sec, err = s.Section(rest[0]); err == nil {
					if n := len(s.Sections()); *to > n {
						return usagef("--to %d: this draft has %d headings; give 1 to %d", *to, n, n)
					}
					if err = s.MoveHeading(ctx, sec.ID, *to); err == nil {
						fmt.Fprintf(e.stdout, "moved “%s” to place %d\n", sec.Heading, *to)
					}
				}
			case "remove":
				var sec crdt.Section
				if sec, err = s.Section(rest[0]); err == nil {
					if err = s.RemoveHeading(ctx, sec.ID); err == nil {
						fmt.Fprintf(e.stdout, "removed “%s”; its text is kept: `bpfdraft heading DRAFT restore %s` brings it back\n", sec.Heading, sec.ID)
					}
				}
			case "annex":
				var sec crdt.Section
				if sec, err = s.Section(rest[0]); err == nil {
					if err = s.SetAnnex(ctx, sec.ID, !*off); err == nil {
						secs := s.Sections()
						label := crdt.HeadingLabels(secs)[slices.IndexFunc(secs, func(x crdt.Section) bool { return x.ID == sec.ID })]
						if *off {
							fmt.Fprintf(e.stdout, "“%s” is heading %s again\n", sec.Heading, label)
						} else {
							fmt.Fprintf(e.stdout, "“%s” is annex %s; its paragraphs are %s.1, %s.2…\n", sec.Heading, label, label, label)
						}
					}
				}
			case "restore":
				if err = s.RestoreHeading(ctx, rest[0]); err == nil {
					fmt.Fprintf(e.stdout, "restored heading %s\n", rest[0])
				}
			}
			if err != nil {
				return err
			}
			return done()
		}
	},
}

var logCmd = &command{
	name:    "log",
	usage:   "log DRAFT [--participant P] [--section N|ID] [--since T] [--json]",
	summary: "list who contributed what, where: time, participant, group, region, section, characters added and removed",
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		participant := fs.String("participant", "", "only this participant (part of a name)")
		section := fs.String("section", "", "only this section (number or id)")
		since := fs.String("since", "", "only since a date (2026-03-01), a time or an age (36h, 7d)")
		asJSON := fs.Bool("json", false, "print the entries as JSON")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 1, 1, "DRAFT"); err != nil {
				return err
			}
			from, err := parseSince(*since, time.Now())
			if err != nil {
				return err
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			entries, err := s.Log(app.LogFilter{Participant: *participant, Section: *section, Since: from})
			if err != nil {
				return err
			}
			if *asJSON {
				out := make([]jsonLogEntry, 0, len(entries))
				for _, en := range entries {
					out = append(out, logJSON(en))
				}
				return writeJSON(e.stdout, out)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tPARTICIPANT\tGROUP\tREGION\tSECTION\tADDED\tREMOVED\tSIGNED")
			for _, en := range entries {
				where := en.Heading
				if en.SectionNo > 0 {
					where = fmt.Sprintf("%d. %s", en.SectionNo, en.Heading)
				}
				if en.Was != "" && en.Was != en.Heading {
					where = fmt.Sprintf("%d. %s → %s", en.SectionNo, shorten(en.Was, 30), shorten(en.Heading, 30))
				}
				if en.Kind != "e" {
					where = strings.TrimSpace(en.Kind.Describe() + " " + where)
				}
				if en.From != "" {
					where += " (" + en.From + ")"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t+%d\t-%d\t%s\n", en.Time.Local().Format("2006-01-02 15:04:05"),
					en.Name, en.Group, en.Region, shorten(where, 72), en.Added, en.Removed, signedMark(en))
			}
			return tw.Flush()
		}
	},
}

// signedMark says whether a log entry's author is proven: by their
// device's signature, or not at all in a draft made before signatures.
func signedMark(en app.LogEntry) string {
	switch {
	case en.Verified:
		return "verified"
	case en.BeforeSignatures:
		return "unverified (before signatures)"
	}
	return "UNVERIFIED"
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// lineList is a flag given once per line ("--co-facilitators A
// --co-facilitators B"); a value may hold several lines itself, and an
// empty one clears the field.
type lineList struct {
	lines []string
	set   bool
}

func (l *lineList) String() string { return strings.Join(l.lines, "; ") }

func (l *lineList) Set(v string) error {
	l.set = true
	if strings.TrimSpace(v) != "" {
		l.lines = append(l.lines, strings.TrimSpace(v))
	}
	return nil
}

func (l *lineList) text() string { return strings.Join(l.lines, "\n") }

var detailsCmd = &command{
	name: "details",
	usage: `details DRAFT [--json]
       bpfdraft details DRAFT [--title T] [--theme T] [--year Y] [--co-facilitators NAME]...
              [--rapporteur NAME]... [--summary TEXT | --summary-file F] [--dissemination INSTITUTION]...`,
	summary: "show or set what the title page and the end of the output say",
	details: `Without flags, prints the draft's details. --co-facilitators, --rapporteur and
--dissemination take one name or institution each and may be given again
for the next; each replaces the whole list, and an empty value ("") clears
it. When no co-facilitator or rapporteur is named, the published output
names the people who hold those roles in the draft. --summary-file reads the
executive summary from a file ("-" for standard input). Only the details
given change: a co-author's edit of another, arrived meanwhile, stays.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		title := fs.String("title", "", "the draft's title")
		theme := fs.String("theme", "", "the BPF's theme")
		year := fs.Int("year", 0, "the year of the output")
		var cofac, rapp, dissem lineList
		fs.Var(&cofac, "co-facilitators", "a co-facilitator's name (again for each)")
		fs.Var(&rapp, "rapporteur", "the rapporteur's name (again for a second)")
		fs.Var(&dissem, "dissemination", "an institution the output is sent to (again for each)")
		summary := fs.String("summary", "", "the executive summary")
		summaryFile := fs.String("summary-file", "", `read the executive summary from this file ("-": standard input)`)
		asJSON := fs.Bool("json", false, "print the details as JSON")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 1, 1, "DRAFT"); err != nil {
				return err
			}
			given := map[string]bool{}
			fs.Visit(func(f *flag.Flag) { given[f.Name] = f.Name != "json" })
			if given["summary"] && given["summary-file"] {
				return usagef("give --summary or --summary-file, not both")
			}
			if given["year"] && (*year < 1000 || *year > 9999) {
				return usagef("--year %d: write the year in four digits, for example 2026", *year)
			}
			if given["title"] && strings.TrimSpace(*title) == "" {
				return usagef("--title cannot be empty")
			}
			cover, coverGiven := *summary, given["summary"]
			if name := *summaryFile; name != "" {
				var b []byte
				var err error
				if name == "-" {
					b, err = io.ReadAll(io.LimitReader(e.stdin, maxSummaryBytes+1))
				} else {
					b, err = readLimited(name)
				}
				if err != nil {
					return fmt.Errorf("reading the summary: %w (nothing was changed)", err)
				}
				if len(b) > maxSummaryBytes {
					return fmt.Errorf("the summary is longer than %d bytes; an executive summary is a page or two (nothing was changed)", maxSummaryBytes)
				}
				cover, coverGiven = string(b), true
			}
			if !utf8.ValidString(cover) {
				return fmt.Errorf("the summary is not valid UTF-8; save it as UTF-8 and try again (nothing was changed)")
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			changed := false
			for _, g := range given {
				changed = changed || g
			}
			if !changed {
				m := s.Meta()
				if *asJSON {
					return writeJSON(e.stdout, jsonDetails{Title: m.Title, Theme: m.Theme, Year: m.Year,
						CoFacilitators: nonNil(splitLines(m.CoFacilitators)), Rapporteur: nonNil(splitLines(m.Rapporteur)),
						Summary: m.Cover, Dissemination: nonNil(splitLines(m.Dissemination))})
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintf(tw, "title\t%s\ntheme\t%s\nyear\t%d\n", m.Title, m.Theme, m.Year)
				fmt.Fprintf(tw, "co-facilitators\t%s\n", strings.Join(splitLines(m.CoFacilitators), "; "))
				fmt.Fprintf(tw, "rapporteur\t%s\n", strings.Join(splitLines(m.Rapporteur), "; "))
				fmt.Fprintf(tw, "dissemination\t%s\n", strings.Join(splitLines(m.Dissemination), "; "))
				if err := tw.Flush(); err != nil {
					return err
				}
				if strings.TrimSpace(m.Cover) != "" {
					fmt.Fprintf(e.stdout, "\nexecutive summary:\n%s\n", strings.TrimRight(m.Cover, "\n"))
				}
				return nil
			}
			if given["title"] {
				if err := s.SetTitle(ctx, *title); err != nil {
					return err
				}
			}
			if given["theme"] {
				if err := s.SetTheme(ctx, *theme); err != nil {
					return err
				}
			}
			if given["year"] {
				if err := s.SetYear(ctx, *year); err != nil {
					return err
				}
			}
			for _, f := range []struct {
				field crdt.MetaField
				set   bool
				text  string
			}{
				{crdt.FieldCoFacilitators, cofac.set, cofac.text()},
				{crdt.FieldRapporteur, rapp.set, rapp.text()},
				{crdt.FieldCover, coverGiven, cover},
				{crdt.FieldDissemination, dissem.set, dissem.text()},
			} {
				if f.set {
					if err := s.SetMetaText(ctx, f.field, f.text); err != nil {
						return err
					}
				}
			}
			var what []string
			for _, name := range []string{"title", "theme", "year", "co-facilitators", "rapporteur", "summary", "dissemination"} {
				if given[name] || name == "summary" && coverGiven {
					what = append(what, name)
				}
			}
			fmt.Fprintf(e.stdout, "set %s\n", strings.Join(what, ", "))
			return done()
		}
	},
}

// splitLines is a field's lines, blank ones left out.
func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// maxSummaryBytes bounds an executive summary read from a file: a page or
// two is a few kilobytes, and a wrong file (a PDF, a log) is refused
// before it is read whole.
const maxSummaryBytes = 64 << 10

// readLimited reads at most maxSummaryBytes+1 bytes of a file.
func readLimited(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxSummaryBytes+1))
}

var importTextCmd = &command{
	name:    "import-text",
	usage:   "import-text DRAFT FILE [--by title|order] [--under N|ID] [--dry-run]",
	summary: "add the text of a Word (.docx), OpenDocument (.odt) or Markdown file to a draft",
	details: `The file's headings are matched with the draft's, by title (numbers, case
and punctuation aside; the default) or by order. Text under a heading that
matches none goes under a new heading at the end, or, with --under, under
that heading with its title as a bold line. Text before the file's first
heading goes under the draft's first heading. Paragraphs, lists, bold and
italic, links and footnotes are kept. The text is added after what each
heading holds; nothing already written changes. The plan is printed first;
--dry-run prints only the plan. The changes are yours, with the file's name
in the log.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		by := fs.String("by", "title", "match the file's headings to the draft's by title or by order")
		under := fs.String("under", "", "put text under headings that match none under this heading (number or id)")
		dry := fs.Bool("dry-run", false, "print where the text would go, and change nothing")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 2, 2, "DRAFT and FILE"); err != nil {
				return err
			}
			if *by != string(app.ImportByTitle) && *by != string(app.ImportByOrder) {
				return usagef("--by %q: give title or order", *by)
			}
			f, err := os.Open(args[1])
			if err != nil {
				return err
			}
			data, err := io.ReadAll(io.LimitReader(f, docimport.MaxFileBytes+1))
			f.Close()
			if err != nil {
				return fmt.Errorf("reading %s: %w", args[1], err)
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			plan, err := s.PlanImport(args[1], data, app.ImportBy(*by), *under)
			if err != nil {
				return fmt.Errorf("%w; nothing was changed", err)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "FROM THE FILE\tPARAGRAPHS\tGOES UNDER")
			for _, st := range plan.Steps {
				from := st.From
				if from == "" {
					from = "(before its first heading)"
				}
				to := st.Heading
				switch st.Why {
				case "new":
					to = "a new heading “" + st.Heading + "”"
				case "title":
					to += " (same title)"
				case "order":
					to += " (same place)"
				case "under":
					to += " (--under)"
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\n", shorten(from, 48), st.Paras, shorten(to, 100))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if *dry {
				fmt.Fprintf(e.stdout, "%d characters would be added; nothing was changed (--dry-run)\n", plan.Chars)
				return nil
			}
			added, err := s.ApplyImport(ctx, plan)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "added %d characters from %s\n", added, plan.File)
			return done()
		}
	},
}
