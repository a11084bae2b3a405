package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/igf-bpf/bpfdraft/app"
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
				body = paragraphAfter(sec.Body, body)
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
       bpfdraft heading DRAFT restore ID`,
	summary: "list, add, rename, move, remove or restore a draft's headings",
	details: `A removed heading keeps its text (and any text co-authors add to it offline);
"list" shows removed ones with their ids so that "restore" can bring them back.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		at := fs.Int("at", 0, "add: position of the new heading (default: at the end)")
		hint := fs.String("hint", "", "add: a one-line hint of what belongs there")
		to := fs.Int("to", 0, "move: the new position")
		asJSON := fs.Bool("json", false, "list: print the headings as JSON")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 2, -1, "DRAFT and an action (list, add, rename, move, remove, restore)"); err != nil {
				return err
			}
			action, rest := args[1], args[2:]
			need := map[string]int{"list": 0, "add": 1, "rename": 2, "move": 1, "remove": 1, "restore": 1}
			n, ok := need[action]
			if !ok {
				return usagef("unknown action %q; use list, add, rename, move, remove or restore", action)
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
				if *asJSON {
					out := []jsonHeading{}
					for i, sec := range s.Sections() {
						out = append(out, jsonHeading{Number: i + 1, ID: sec.ID, Heading: sec.Heading, Words: len(strings.Fields(sec.Body))})
					}
					for _, sec := range s.RemovedHeadings() {
						out = append(out, jsonHeading{ID: sec.ID, Heading: sec.Heading, Words: len(strings.Fields(sec.Body)), Removed: true})
					}
					return writeJSON(e.stdout, out)
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NO\tID\tWORDS\tHEADING")
				for i, sec := range s.Sections() {
					fmt.Fprintf(tw, "%d\t%s\t%d\t%s\n", i+1, sec.ID, len(strings.Fields(sec.Body)), sec.Heading)
				}
				for _, sec := range s.RemovedHeadings() {
					fmt.Fprintf(tw, "-\t%s\t%d\t%s (removed)\n", sec.ID, len(strings.Fields(sec.Body)), sec.Heading)
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

// paragraphAfter makes text a new paragraph after body: an empty line
// between them, unless body is empty or already ends with one.
func paragraphAfter(body, text string) string {
	text = strings.TrimLeft(text, "\n")
	switch {
	case strings.TrimSpace(body) == "":
		return text
	case strings.HasSuffix(body, "\n\n"):
		return text
	case strings.HasSuffix(body, "\n"):
		return "\n" + text
	}
	return "\n\n" + text
}
