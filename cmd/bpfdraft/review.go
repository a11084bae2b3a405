package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/online"
	"github.com/igf-bpf/bpfdraft/crdt"
)

var roleCmd = &command{
	name:    "role",
	usage:   "role DRAFT [PARTICIPANT ROLE|removed]",
	summary: "list who holds which role in a draft, or give or withdraw one",
	details: `Co-facilitators and the rapporteur accept and reject contributions and name
versions. The draft's creator is a co-facilitator and is the one who gives
those roles: ROLE is co-facilitator, rapporteur, or participant (which
withdraws a role). PARTICIPANT is a name, a person id or a device id. With
removed takes a participant out of the draft: every co-author's copy
refuses what they write once they know it, what they wrote before stays
theirs, and the draft's secret is replaced at once (with its relays), so
the new code printed must go to everyone else; until a co-author takes
it, they still sync with the old one. With
only DRAFT, lists the participants and their roles, each with the
fingerprint of their key: compare it by phone with the one their
` + "`bpfdraft profile`" + ` prints before trusting a name.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		return func(ctx context.Context, e *env, args []string) error {
			if len(args) == 2 {
				return usagef("give both PARTICIPANT and ROLE, or neither")
			}
			if err := wantArgs(args, 1, 3, "DRAFT"); err != nil {
				return err
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			if len(args) == 3 {
				role, err := crdt.ParseGrant(args[2])
				if err != nil {
					return usagef("%v", err)
				}
				if role == crdt.RoleRemoved {
					done()
					return e.remove(ctx, args[0], args[1])
				}
				p, err := s.SetRole(ctx, args[1], role)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s is now %s in %q\n", p.Name, article(role), s.Meta().Title)
				return nil
			}
			// One row per person: every process of the command line, and
			// every machine, is a device of its own.
			v := s.View()
			signed := crdt.SignedID(s.ID())
			rows := v.People()
			sort.SliceStable(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROLE\tGROUP\tREGION\tFINGERPRINT\tDEVICES")
			for _, r := range rows {
				// The fingerprint is what people compare by phone; what a
				// person says of themselves counts once their key signed it.
				key := "unverified (before signatures)"
				switch {
				case signed && r.Verified:
					key = crdt.FormatFingerprint(r.Person)
				case signed:
					key = crdt.FormatFingerprint(r.Person) + " (name not signed)"
				}
				devices := make([]string, len(r.Devices))
				for i, d := range r.Devices {
					devices[i] = d[:min(8, len(d))]
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, v.RoleOf(r.Actor), r.Group, r.Region, key, strings.Join(devices, ", "))
			}
			refused := s.Refused()
			names := map[string]string{}
			for _, p := range v.Participants {
				if p.Name != "" {
					names[p.Person], names[p.Actor] = p.Name, p.Name
				}
			}
			name := func(id string) string {
				if n, ok := names[id]; ok {
					return n
				}
				return crdt.FormatFingerprint(id)
			}
			for _, g := range refused.Grants {
				// A role claimed without a valid chain: shown, never given.
				fmt.Fprintf(tw, "not counted: %s given %s by %s, who could not give it\n", name(g.Person), g.Role, name(g.By))
			}
			return tw.Flush()
		}
	},
}

// remove takes a participant out of a draft and replaces its secret.
func (e *env) remove(ctx context.Context, ref, who string) error {
	ws, err := e.workspace(ctx)
	if err != nil {
		return err
	}
	defer ws.Close()
	id, err := ws.Resolve(ctx, ref)
	if err != nil {
		return err
	}
	s, err := ws.Session(ctx, id)
	if err != nil {
		return err
	}
	p, err := s.SetRole(ctx, who, crdt.RoleRemoved)
	if err := errors.Join(err, s.Close(ctx)); err != nil {
		return err
	}
	name := p.Name
	if name == "" {
		name = crdt.FormatFingerprint(p.Person)
	}
	fmt.Fprintf(e.stdout, "%s is removed from %q: co-authors refuse what they write from now on.\n", name, s.Meta().Title)
	if secret, err := ws.DraftSecret(ctx, id); err != nil || secret == nil {
		return err // never shared: no secret to replace
	}
	inv, err := e.invite(ctx, ws, id, nil, true)
	var behind *online.RelaysBehind
	if err != nil && !errors.As(err, &behind) {
		return fmt.Errorf("the removal is saved, but the draft's secret could not be replaced (%w); run `bpfdraft invite %s --rotate` once its relays can be reached", err, id)
	}
	fmt.Fprintf(e.stdout, "The draft's secret is replaced. Send this new code to everyone who keeps access:\n%s\n", inv.Code())
	return err
}

// article returns a role with its indefinite article.
func article(r crdt.Role) string {
	if r == crdt.RoleParticipant {
		return "a participant"
	}
	return "a " + string(r)
}

var coverageCmd = &command{
	name:    "coverage",
	usage:   "coverage DRAFT [--json]",
	summary: "show how much of the draft each stakeholder group, region and person wrote",
	details: `For the whole draft and for each heading: the share of the current text
written by each stakeholder group, each UN regional group and each person
(characters other than white space, by who typed them), and the participants
with no text there. Percentages are rounded so that each list adds up to 100.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		asJSON := fs.Bool("json", false, "print the figures as JSON")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 1, 1, "DRAFT"); err != nil {
				return err
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			cov, err := s.Coverage()
			if err != nil {
				return err
			}
			if *asJSON {
				return writeJSON(e.stdout, coverageJSON(cov))
			}
			for _, c := range append([]app.CoverageOf{cov.Draft}, cov.Headings...) {
				title := "Whole draft"
				if c.Number > 0 {
					title = fmt.Sprintf("%d. %s", c.Number, c.Heading)
				}
				fmt.Fprintf(e.stdout, "%s (%d characters)\n", title, c.Chars)
				if c.Chars > 0 {
					fmt.Fprintf(e.stdout, "  groups:  %s\n", shares(c.Groups))
					fmt.Fprintf(e.stdout, "  regions: %s\n", shares(c.Regions))
					fmt.Fprintf(e.stdout, "  people:  %s\n", shares(c.People))
				}
				if len(c.Silent) > 0 {
					fmt.Fprintf(e.stdout, "  no text: %s\n", strings.Join(c.Silent, ", "))
				}
			}
			return nil
		}
	},
}

// shares prints a list of shares, biggest first, with the ones at zero
// named last so that gaps show.
func shares(ss []app.Share) string {
	var some, none []string
	sorted := slices.Clone(ss)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Chars > sorted[j].Chars })
	for _, s := range sorted {
		if s.Chars > 0 {
			some = append(some, fmt.Sprintf("%s %d%%", s.Name, s.Percent))
		} else {
			none = append(none, s.Name)
		}
	}
	out := strings.Join(some, ", ")
	if len(none) > 0 {
		out += "; none from " + strings.Join(none, ", ")
	}
	return out
}

var diffCmd = &command{
	name:    "diff",
	usage:   "diff DRAFT V1 V2 [--json]",
	summary: "show what was inserted and deleted between two versions, and by whom",
	details: `V1 and V2 are versions' names or ids (see ` + "`bpfdraft versions`" + `), "current"
for the draft as it stands, or "creation" for the empty draft it started as.
Prints, heading by heading, each insertion (+) and deletion (-) with who
made it and when; headings added, renamed or removed are said so. Headings
where nothing changed are left out.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		asJSON := fs.Bool("json", false, "print the differences as JSON")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 3, 3, "DRAFT, V1 and V2"); err != nil {
				return err
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			diffs, err := s.Diff(args[1], args[2])
			if err != nil {
				return err
			}
			if *asJSON {
				who := byline(s.View())
				out := make([]jsonHeadingDiff, 0, len(diffs))
				for _, h := range diffs {
					out = append(out, diffJSON(h, who))
				}
				return writeJSON(e.stdout, out)
			}
			who := people(s.View())
			changed := 0
			for _, h := range diffs {
				if !h.Changed() {
					continue
				}
				changed++
				title := h.Heading
				if h.Number > 0 {
					title = fmt.Sprintf("%d. %s", h.Number, h.Heading)
				}
				switch {
				case h.Added:
					title += " (heading added)"
				case h.Removed:
					title += " (heading removed; its text is kept and can be restored)"
				case h.Was != "":
					title += fmt.Sprintf(" (renamed from %q)", h.Was)
				}
				fmt.Fprintln(e.stdout, title)
				for _, p := range h.Pieces {
					sign := map[crdt.PieceKind]string{crdt.Inserted: "+", crdt.Deleted: "-"}[p.Kind]
					if sign == "" {
						continue
					}
					fmt.Fprintf(e.stdout, "  %s %s, %s: %q\n", sign, who(p.Actor), p.At.Local().Format(time.DateTime), p.Text)
				}
			}
			if changed == 0 {
				fmt.Fprintf(e.stdout, "no differences between %s and %s\n", args[1], args[2])
			}
			return nil
		}
	},
}

// people returns a function naming a device's person with their group
// and region.
func people(v *app.View) func(actor string) string {
	byActor := map[string]crdt.Participant{}
	for _, p := range v.Participants {
		byActor[p.Actor] = p
	}
	return func(actor string) string {
		p, ok := byActor[actor]
		if !ok {
			return "unknown device " + actor[:min(8, len(actor))]
		}
		return fmt.Sprintf("%s (%s, %s)", p.Name, p.Group, p.Region)
	}
}

var reviewCmd = &command{
	name:    "review",
	usage:   "review DRAFT [--since V] [--json]",
	summary: "list the tracked changes since a version, one hunk per line",
	details: `A hunk is a run of text one participant inserted (+) or deleted (-) since a
version (the latest named version by default, or the draft's creation if it
has none; "--since V" takes a version's name or id, or "creation"). Each line gives the
hunk's id, its status (open, accepted, rejected, or conflict when two
reviewers decided differently while apart), who made it, the paragraph and
heading, and the text. Ids are the same on every co-author's machine: pass
them to ` + "`bpfdraft accept`" + ` or ` + "`bpfdraft reject`" + `.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		since := fs.String("since", "", "the version to review from (default: the latest)")
		asJSON := fs.Bool("json", false, "print the hunks as JSON")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 1, 1, "DRAFT"); err != nil {
				return err
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			hunks, err := s.Review(*since)
			if err != nil {
				return err
			}
			if *asJSON {
				who := byline(s.View())
				out := make([]jsonHunk, 0, len(hunks))
				for _, h := range hunks {
					out = append(out, hunkJSON(h, who))
				}
				return writeJSON(e.stdout, out)
			}
			printHunks(e, s.View(), hunks)
			return nil
		}
	},
}

func printHunks(e *env, v *app.View, hunks []app.Hunk) {
	who := people(v)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	for _, h := range hunks {
		sign := "+"
		if h.Kind == crdt.Deleted {
			sign = "-"
		}
		status := string(h.Status)
		if h.Status == app.StatusConflict {
			var vs []string
			for _, d := range h.Decisions {
				vs = append(vs, fmt.Sprintf("%s %sed", who(d.Actor), d.Verdict))
			}
			status += " (" + strings.Join(vs, ", ") + ")"
		}
		for _, d := range h.Refused {
			status += fmt.Sprintf(" [not counted: %s %sed without a deciding role]", who(d.Actor), d.Verdict)
		}
		heading := h.Heading
		if r := []rune(heading); len(r) > 32 {
			heading = string(r[:31]) + "…"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%s %q\n", h.ID, status, who(h.Actor), h.Paragraph, heading, sign, h.Text)
	}
	tw.Flush()
	if len(hunks) == 0 {
		fmt.Fprintln(e.stdout, "no changes since that version")
	}
}

func decideCmd(verdict string) *command {
	return &command{
		name:    verdict,
		usage:   verdict + " DRAFT HUNK... | " + verdict + " DRAFT --participant P",
		summary: verdict + " tracked changes (co-facilitators and the rapporteur)",
		details: `HUNK is an id from ` + "`bpfdraft review`" + ` (or a unique start of one); with
--participant, every open hunk of that participant. Accepting keeps the text
and records the decision; rejecting reverts the hunk (inserted text goes,
deleted text comes back) and records it. Decisions reach co-authors with the
next sync; deciding a hunk again settles a conflict.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			since := fs.String("since", "", "the version the hunks were listed since (default: the latest)")
			who := fs.String("participant", "", "decide every open hunk of this participant")
			return func(ctx context.Context, e *env, args []string) error {
				if err := wantArgs(args, 1, 1<<20, "DRAFT"); err != nil {
					return err
				}
				if (*who == "") == (len(args) == 1) {
					return usagef("give hunk ids or --participant, not both")
				}
				s, done, err := e.session(ctx, args[0])
				if err != nil {
					return err
				}
				defer done()
				hunks, err := s.Decide(ctx, verdict, args[1:], *who, *since)
				if err != nil {
					return err
				}
				for _, h := range hunks {
					fmt.Fprintf(e.stdout, "%sed %s\n", verdict, h.ID)
				}
				if len(hunks) == 0 {
					fmt.Fprintln(e.stdout, "no open hunks to decide")
				}
				return nil
			}
		},
	}
}

var acceptCmd, rejectCmd = decideCmd(app.Accept), decideCmd(app.Reject)

var commentCmd = &command{
	name:    "comment",
	usage:   "comment DRAFT --section N --quote TEXT --text COMMENT | --reply ID --text REPLY | --resolve ID | --reopen ID",
	summary: "comment on a passage, reply to a comment, or resolve or reopen one",
	details: `A comment is anchored to the quoted passage, which must occur exactly once in
the heading's text, and follows it through later edits and merges; if the
passage is deleted the comment says so and keeps the quote. Prints the id of
a new comment or reply.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		section := fs.String("section", "", "the heading (number or id) of the passage")
		quote := fs.String("quote", "", "the passage, exactly as it reads")
		text := fs.String("text", "", "the comment or reply")
		reply := fs.String("reply", "", "reply to this comment")
		resolve := fs.String("resolve", "", "mark this comment resolved")
		reopen := fs.String("reopen", "", "open this comment again")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 1, 1, "DRAFT"); err != nil {
				return err
			}
			modes := 0
			for _, m := range []string{*quote, *reply, *resolve, *reopen} {
				if m != "" {
					modes++
				}
			}
			if modes != 1 {
				return usagef("give one of --quote (with --section and --text), --reply, --resolve or --reopen")
			}
			if (*quote != "" || *reply != "") && *text == "" {
				return usagef("--text is required")
			}
			if *quote != "" && *section == "" {
				return usagef("--section is required with --quote")
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			switch {
			case *quote != "":
				id, err := s.CommentOn(ctx, *section, *quote, *text)
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, id)
			case *reply != "":
				id, err := s.Reply(ctx, *reply, *text)
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, id)
			case *resolve != "":
				return s.Resolve(ctx, *resolve, true)
			default:
				return s.Resolve(ctx, *reopen, false)
			}
			return nil
		}
	},
}

var commentsCmd = &command{
	name:    "comments",
	usage:   "comments DRAFT [--open] [--public] [--section N] [--json] | comments import DRAFT FILE.csv [--version V]",
	summary: "list the comments with their paragraph numbers and replies, or import public comments",
	details: `comments import reads the public comments of a round from a CSV file as Excel
and LibreOffice write it, with the columns paragraph, name, organisation,
stakeholder_group, region, comment and version in any order (UTF-8, with or
without a byte order mark; commas, or semicolons as Excel writes "CSV" in
many languages). Each comment goes on the paragraph it cites in the version
the file names (the comment template names it in every row), or --version,
which a file naming none needs when the draft has several named versions,
and stays there as the text changes. A row citing no paragraph is a
comment on the whole output; one citing a heading's number, on that
heading. Rows that cannot be used are reported with their spreadsheet row
numbers and skipped; importing the same file again, even after a later
version, adds nothing.
` + "`bpfdraft export DRAFT --format comment-template -o FILE.csv`" + ` writes the file to fill in (for the newest named
version unless --version says another).`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		open := fs.Bool("open", false, "only comments not resolved")
		public := fs.Bool("public", false, "only public comments")
		section := fs.String("section", "", "only comments on this heading (number or id)")
		asJSON := fs.Bool("json", false, "print the comments as JSON")
		version := fs.String("version", "", "with import: the published version the comments cite, when the file does not name it")
		return func(ctx context.Context, e *env, args []string) error {
			if len(args) > 0 && args[0] == "import" {
				return importComments(ctx, e, args[1:], *version)
			}
			if err := wantArgs(args, 1, 1, "DRAFT"); err != nil {
				return err
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			secID := ""
			if *section != "" {
				sec, err := s.Section(*section)
				if err != nil {
					return err
				}
				secID = sec.ID
			}
			all, err := s.Comments()
			if err != nil {
				return err
			}
			var cs []app.Comment
			for _, c := range all {
				if (*open && c.Resolved) || (secID != "" && c.Section != secID) || (*public && !c.Public) {
					continue
				}
				cs = append(cs, c)
			}
			if *asJSON {
				who := byline(s.View())
				out := make([]jsonComment, 0, len(cs))
				for _, c := range cs {
					out = append(out, commentJSON(c, who))
				}
				return writeJSON(e.stdout, out)
			}
			who := people(s.View())
			for _, c := range cs {
				where := c.Paragraph
				switch {
				case c.Anchor == app.AnchorWhole && c.Section == "":
					where = "the whole output"
				case c.Anchor == app.AnchorWhole && c.Number > 0:
					where = fmt.Sprintf("heading %d, as a whole", c.Number)
				case c.Number == 0:
					where = "heading removed"
				case c.Anchor == app.AnchorDeleted:
					where = fmt.Sprintf("%d (passage deleted)", c.Number)
				case c.Anchor == app.AnchorEdited:
					where += " (passage edited since)"
				}
				state := "open"
				if c.Resolved {
					state = "resolved"
				}
				author := who(c.Actor)
				if c.Public {
					author = "public comment by " + publicCommenter(c.Commenter) + " on " + c.Cited + " as published"
				}
				fmt.Fprintf(e.stdout, "%s  %s  %s  %s, %s\n  on %q\n  %s\n", c.ID, where, state, author, c.At.Local().Format(time.DateTime), oneLineQuote(c.Quote), c.Text)
				if c.Response != nil {
					fmt.Fprintf(e.stdout, "    response (%s, by %s): %s\n", c.Response.Status, who(c.Response.Actor), c.Response.Text)
				}
				for _, r := range c.Replies {
					fmt.Fprintf(e.stdout, "    ↳ %s, %s: %s\n", who(r.Actor), r.At.Local().Format(time.DateTime), r.Text)
				}
			}
			if len(cs) == 0 {
				fmt.Fprintln(e.stdout, "no comments")
			}
			// Written without the role to: never listed as the draft's.
			if nc, nr, err := s.NotCounted(); err != nil {
				return err
			} else if nc+nr > 0 {
				fmt.Fprintf(e.stdout, "not counted: %d public comments and %d responses written by someone without the role to\n", nc, nr)
			}
			return nil
		}
	},
}

// oneLineQuote shortens a quote to one line for a listing.
func oneLineQuote(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if r := []rune(q); len(r) > 80 {
		q = string(r[:79]) + "…"
	}
	return q
}

func publicCommenter(c app.Commenter) string {
	out := c.Name
	if out == "" {
		out = "anonymous"
	}
	if c.Organisation != "" {
		out += ", " + c.Organisation
	}
	var gr []string
	if c.Group != "" {
		gr = append(gr, string(c.Group))
	}
	if c.Region != "" {
		gr = append(gr, string(c.Region))
	}
	if len(gr) > 0 {
		out += " (" + strings.Join(gr, ", ") + ")"
	}
	return out
}

// importComments is comments import DRAFT FILE.
func importComments(ctx context.Context, e *env, args []string, version string) error {
	if err := wantArgs(args, 2, 2, "DRAFT and FILE.csv"); err != nil {
		return err
	}
	data, err := os.ReadFile(args[1])
	if err != nil {
		return err
	}
	s, done, err := e.session(ctx, args[0])
	if err != nil {
		return err
	}
	defer done()
	rep, err := s.ImportComments(ctx, data, version)
	if err != nil {
		return err
	}
	for _, b := range rep.Bad {
		fmt.Fprintf(e.stderr, "%s: row %d skipped: %s\n", args[1], b.Row, b.Reason)
	}
	fmt.Fprintf(e.stdout, "imported %d comments", rep.Added)
	if rep.Corrected > 0 {
		fmt.Fprintf(e.stdout, "; %d corrected (the same commenter's row on the same paragraph, changed)", rep.Corrected)
	}
	if rep.Duplicates > 0 {
		fmt.Fprintf(e.stdout, "; %d were imported before", rep.Duplicates)
	}
	if len(rep.Bad) > 0 {
		fmt.Fprintf(e.stdout, "; %d rows skipped", len(rep.Bad))
	}
	fmt.Fprintln(e.stdout)
	return nil
}

var respondCmd = &command{
	name:    "respond",
	usage:   "respond DRAFT COMMENT --status accepted|partly-accepted|not-accepted|noted|withdrawn --text RESPONSE",
	summary: "answer a public comment for the disposition table (co-facilitators and the rapporteur)",
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		status := fs.String("status", "", "accepted, partly-accepted, not-accepted, noted, or withdrawn (a duplicate or mistaken comment: kept in the draft, out of the disposition table)")
		text := fs.String("text", "", "the response")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 2, 2, "DRAFT and COMMENT"); err != nil {
				return err
			}
			st, err := app.ParseDispositionStatus(*status)
			if err != nil {
				return usagef("%v", err)
			}
			if strings.TrimSpace(*text) == "" {
				return usagef("--text is required")
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			return s.Respond(ctx, args[1], st, *text)
		}
	},
}

var nextYearCmd = &command{
	name:    "next-year",
	usage:   "next-year DRAFT",
	summary: "start next year's draft from this one (prints the new draft's id last)",
	details: `Creates a new draft with the same title and theme a year on, the same
co-facilitators and dissemination list, "Definition of the issue(s)" and
"Unresolved issues" as this year's latest named version has them, and this
year's "Carrying the work forward" segment as the starting agenda, with a
reference to that version, in the cover summary. This year's draft is not
changed.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 1, 1, "DRAFT"); err != nil {
				return err
			}
			ws, err := e.workspace(ctx)
			if err != nil {
				return err
			}
			defer ws.Close()
			id, err := ws.Resolve(ctx, args[0])
			if err != nil {
				return err
			}
			newID, err := ws.NextYear(ctx, id)
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, newID)
			return nil
		}
	},
}

// writeJSON prints v as indented JSON, for scripts (--json).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
