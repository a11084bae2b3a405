package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/export"
	"github.com/igf-bpf/bpfdraft/crdt"
)

func init() {
	commands = []*command{guiCmd, profileCmd, newCmd, listCmd, showCmd, writeCmd, headingCmd, detailsCmd, logCmd, exportCmd, importCmd, importTextCmd, deleteCmd, restoreCmd, repairCmd,
		versionCmd, versionsCmd, diffCmd, reviewCmd, acceptCmd, rejectCmd, commentCmd, commentsCmd, respondCmd, stanceCmd, settleCmd, consensusCmd, nextYearCmd, roleCmd, coverageCmd, inviteCmd, joinCmd, syncCmd, serveCmd,
		deviceCmd}
}

var profileCmd = &command{
	name:    "profile",
	usage:   "profile [--name N --group G --region R [--role ROLE]]",
	summary: "show or set who you are: your name, stakeholder group and UN regional group",
	details: `Every edit you make is attributed to this profile. Without flags, prints it:
name, group, region, stated role and the fingerprint of your key, which
signs everything you write. Co-authors see the same fingerprint beside
your name (the People list, ` + "`bpfdraft role DRAFT`" + `); read it to them
over the phone once, so that nobody can pass for you.
Groups: Government, Civil society, Private sector, Technical community,
Intergovernmental organisation, Academia.
Regions: African, Asia-Pacific, Eastern European, GRULAC, WEOG.
Roles: participant (default), co-facilitator, rapporteur.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		name := fs.String("name", "", "your name as co-authors should see it")
		group := fs.String("group", "", "stakeholder group")
		region := fs.String("region", "", "UN regional group")
		role := fs.String("role", "", "participant, co-facilitator or rapporteur")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 0, 0, ""); err != nil {
				return err
			}
			ws, err := e.workspace(ctx)
			if err != nil {
				return err
			}
			defer ws.Close()
			if *name == "" && *group == "" && *region == "" && *role == "" {
				p, ok, err := ws.Profile(ctx)
				if err != nil {
					return err
				}
				if !ok {
					return app.ErrNoProfile
				}
				fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.Group, p.Region, p.Role, crdt.FormatFingerprint(p.Fingerprint))
				return nil
			}
			cur, _, err := ws.Profile(ctx)
			if err != nil {
				return err
			}
			p := app.Profile{Name: pick(*name, cur.Name), Group: crdt.Group(pick(*group, string(cur.Group))),
				Region: crdt.Region(pick(*region, string(cur.Region))), Role: crdt.Role(pick(*role, string(cur.Role)))}
			if p.Name == "" || p.Group == "" || p.Region == "" {
				return usagef("the first profile needs --name, --group and --region")
			}
			p, err = ws.SetProfile(ctx, p)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.Group, p.Region, p.Role, crdt.FormatFingerprint(ws.Signer().PersonID()))
			return nil
		}
	},
}

func pick(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

var newCmd = &command{
	name:    "new",
	usage:   "new --template output|proposal --title T [--theme X] [--year Y] [--language en|fr|es]",
	summary: "create a draft from a template and print its id",
	details: `The output template has the eight recommended headings of a BPF output and a
final "carry forward" segment; the proposal template has Background,
Description, and Outreach plan and multistakeholder engagement. --language
writes the template's headings and hints in French (fr) or Spanish (es);
English is the default, the language the IGF publishes in.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		tmpl := fs.String("template", "output", "output or proposal")
		title := fs.String("title", "", "title of the draft")
		theme := fs.String("theme", "", "the BPF's theme")
		year := fs.Int("year", 0, "year of the output (default this year)")
		language := fs.String("language", "en", "language of the template's headings: en, fr or es")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 0, 0, ""); err != nil {
				return err
			}
			if strings.TrimSpace(*title) == "" {
				return usagef("--title is required")
			}
			t, err := crdt.ParseTemplate(*tmpl)
			if err != nil {
				return usagef("%v", err)
			}
			lang, err := crdt.ParseLanguage(*language)
			if err != nil {
				return usagef("%v", err)
			}
			ws, err := e.workspace(ctx)
			if err != nil {
				return err
			}
			defer ws.Close()
			id, err := ws.Create(ctx, app.NewDraft{Template: t, Language: lang, Title: *title, Theme: *theme, Year: *year})
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, id)
			return nil
		}
	},
}

var listCmd = &command{
	name:    "list",
	usage:   "list [--trash] [--json]",
	summary: "list the drafts in the data directory",
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		trash := fs.Bool("trash", false, "list deleted drafts instead")
		asJSON := fs.Bool("json", false, "print the drafts as JSON (README, \"For scripts\")")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 0, 0, ""); err != nil {
				return err
			}
			ws, err := e.workspace(ctx)
			if err != nil {
				return err
			}
			defer ws.Close()
			list := ws.Drafts
			if *trash {
				list = ws.Trash
			}
			ds, err := list(ctx)
			if err != nil {
				return err
			}
			if *asJSON {
				out := make([]jsonDraft, 0, len(ds))
				for _, d := range ds {
					out = append(out, draftJSON(d))
				}
				return writeJSON(e.stdout, out)
			}
			switch {
			case len(ds) == 0 && *trash:
				fmt.Fprintln(e.stdout, "the trash is empty")
				return nil
			case len(ds) == 0:
				// A first run: say how to start rather than print a bare header.
				if _, ok, err := ws.Profile(ctx); err == nil && !ok {
					fmt.Fprintln(e.stdout, "no drafts yet; say who you are first, with\n  bpfdraft profile --name NAME --group GROUP --region REGION\nthen start with one of")
				} else {
					fmt.Fprintln(e.stdout, "no drafts yet; start with one of")
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 3, ' ', 0)
				fmt.Fprintln(tw, "  bpfdraft new --title TITLE\ta new draft")
				fmt.Fprintln(tw, "  bpfdraft join CODE\ta co-author's draft, by the invite code they sent")
				fmt.Fprintln(tw, "  bpfdraft import FILE.automerge\ta draft from a file")
				return tw.Flush()
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTITLE\tTEMPLATE\tYEAR\tLAST CHANGE\tFILLED")
			for _, d := range ds {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d/%d\n", d.ID, d.Title, d.Template, d.Year,
					d.Updated.Local().Format("2006-01-02 15:04"), d.Filled, d.Sections)
			}
			return tw.Flush()
		}
	},
}

var showCmd = &command{
	name:    "show",
	usage:   "show DRAFT [--section N|ID] [--version V] [--json]",
	summary: "print a draft's headings and text",
	details: `Prints only the document's content, so two machines holding the same
version of a draft print the same bytes. --version prints the draft as a
named version had it (its name or id; "current", the default, is the draft
as it stands).`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		section := fs.String("section", "", "print only this section (number or id)")
		version := fs.String("version", app.Current, "a named version (`bpfdraft versions DRAFT` lists them), or current")
		asJSON := fs.Bool("json", false, "print the draft as JSON")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 1, 1, "DRAFT"); err != nil {
				return err
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			snap, err := s.SnapshotOf(*version)
			if err != nil {
				return err
			}
			if *asJSON {
				doc := jsonDocument{ID: snap.Meta.ID, Title: snap.Meta.Title, Theme: snap.Meta.Theme, Year: snap.Meta.Year,
					Language: snap.Meta.Language, Sections: []jsonSection{}}
				for i, sec := range snap.Sections {
					if *section == "" || sec.ID == *section || fmt.Sprint(i+1) == strings.TrimSpace(*section) {
						doc.Sections = append(doc.Sections, sectionJSON(i+1, sec))
					}
				}
				if *section != "" && len(doc.Sections) == 0 {
					return fmt.Errorf("%w: no section %q in that version; give a number from 1 to %d or a section id", app.ErrNotFound, *section, len(snap.Sections))
				}
				return writeJSON(e.stdout, doc)
			}
			if *section != "" {
				for i, sec := range snap.Sections {
					if sec.ID == *section || fmt.Sprint(i+1) == strings.TrimSpace(*section) {
						fmt.Fprint(e.stdout, formatSection(i+1, sec))
						return nil
					}
				}
				return fmt.Errorf("%w: no section %q in that version; give a number from 1 to %d or a section id", app.ErrNotFound, *section, len(snap.Sections))
			}
			fmt.Fprintf(e.stdout, "# %s\n", snap.Meta.Title)
			labels := crdt.HeadingLabels(snap.Sections)
			for i, sec := range snap.Sections {
				if sec.Annex {
					sec.Heading += " (annex " + labels[i] + ")"
				}
				fmt.Fprint(e.stdout, "\n"+formatSection(i+1, sec))
			}
			return nil
		}
	},
}

func formatSection(n int, sec crdt.Section) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## %d. %s\n", n, sec.Heading)
	if body := strings.TrimRight(sec.Body, "\n"); body != "" {
		b.WriteString("\n" + body + "\n")
	}
	return b.String()
}

var deleteCmd = &command{
	name:    "delete",
	usage:   "delete DRAFT",
	summary: "move a draft to the trash (restore brings it back)",
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
			if err := ws.Delete(ctx, id); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "moved %s to the trash; `bpfdraft restore %s` brings it back\n", id, id)
			return nil
		}
	},
}

var restoreCmd = &command{
	name:    "restore",
	usage:   "restore ID",
	summary: "take a deleted draft out of the trash",
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 1, 1, "ID (see `bpfdraft list --trash`)"); err != nil {
				return err
			}
			ws, err := e.workspace(ctx)
			if err != nil {
				return err
			}
			defer ws.Close()
			if err := ws.Restore(ctx, args[0]); err != nil {
				if errors.Is(err, app.ErrNotDeleted) {
					return err
				}
				return fmt.Errorf("%w; `bpfdraft list --trash` shows deleted drafts", err)
			}
			fmt.Fprintf(e.stdout, "restored %s\n", args[0])
			return nil
		}
	},
}

var repairCmd = &command{
	name:    "repair",
	usage:   "repair ID",
	summary: "set the damaged part of a draft aside so the rest opens again",
	details: `For a draft that cannot be read ("damaged"): the chunks that fail their
checks are moved to the data file's quarantine (kept, never deleted) and the
rest loads again. The edits they held come back with the next sync, from any
co-author or relay that has them; ` + "`bpfdraft import`" + ` of an .automerge export
brings them back too. When what is left does not make a draft, all of it is
set aside and the next sync fetches the draft whole, as a join does.
A change larger than any draft (one that inserts more than 200,000
characters, taken before peers refused such changes) is set aside too,
without loading it: such a change makes a draft take gigabytes to open.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 1, 1, "ID (the draft the error names)"); err != nil {
				return err
			}
			ws, err := e.workspace(ctx)
			if err != nil {
				return err
			}
			defer ws.Close()
			r, err := ws.Repair(ctx, args[0])
			if errors.Is(err, app.ErrNotDamaged) {
				fmt.Fprintf(e.stdout, "draft %s opens fine; nothing to repair\n", args[0])
				return nil
			}
			if err != nil {
				return err
			}
			if r.Refetch {
				fmt.Fprintf(e.stdout, "set all %d chunks of %s aside (none made a draft alone); `bpfdraft sync --once` fetches it whole from a co-author or relay, or `bpfdraft import` an export of it\n", r.SetAside, args[0])
				return nil
			}
			fmt.Fprintf(e.stdout, "set %d damaged chunk(s) of %s aside, kept %d; `bpfdraft sync --once` brings back the edits they held from co-authors who have them\n", r.SetAside, args[0], r.Kept)
			return nil
		}
	},
}

var exportCmd = &command{
	name:    "export",
	raw:     true,
	usage:   "export DRAFT [--version V] [--for-comment] --format pdf|docx|odt|html|md|comment-template|disposition-docx|disposition-html|disposition-md|disposition-csv|automerge -o FILE",
	summary: "publish a draft (a named version, or as it stands) as a document, or save it as .automerge",
	details: `Publishes the draft laid out as a BPF output: a title page, the summary, a
table of contents, the numbered headings with every paragraph numbered (the
same numbers in every format, for commenters to cite), the contributors by
stakeholder group, the co-facilitators and the dissemination list. --version
takes a version's name or id ("current", the default, is the draft as it
stands); --for-comment marks it a draft for public comment (a version whose
name says "public comment" is one anyway). The format comes from --format or
the file's extension; automerge saves the whole draft, history included, for
another machine. comment-template writes the CSV commenters fill in (one row
per paragraph); disposition-* writes the table of public comments and how
they were handled.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		format := fs.String("format", "", "pdf, docx, odt, html, md, comment-template, disposition-… or automerge (default: from the file name)")
		out := fs.String("o", "", "output file (- for standard output)")
		version := fs.String("version", app.Current, "the named version to publish")
		forComment := fs.Bool("for-comment", false, "mark it a draft for public comment")
		brackets := fs.Bool("brackets", false, "print contested paragraphs in square brackets, each with a note of the stakeholder groups that object (pdf, docx, odt, html, md, txt)")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 1, 1, "DRAFT"); err != nil {
				return err
			}
			if *out == "" {
				return usagef("-o FILE is required")
			}
			// An existing directory takes a file named after the draft.
			intoDir := false
			if fi, err := os.Stat(*out); err == nil && fi.IsDir() {
				if *format == "" {
					return usagef("-o %s is a directory: give --format too, and the file is named after the draft", *out)
				}
				intoDir = true
			}
			automerge := strings.EqualFold(*format, "automerge") || *format == "" && strings.EqualFold(filepath.Ext(*out), ".automerge")
			var f export.Format
			var disp *export.DispositionFormat
			for i, df := range export.DispositionFormats {
				if strings.EqualFold(*format, df.Name) {
					disp = &export.DispositionFormats[i]
				}
			}
			if !automerge && disp == nil {
				var err error
				if f, err = export.FormatNamed(*format, *out); err != nil {
					return usagef("%v; use pdf, docx, odt, html, md, comment-template, disposition-docx, disposition-html, disposition-md, disposition-csv or automerge", err)
				}
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			var data []byte
			switch {
			case disp != nil:
				d, err := s.Disposition()
				if err != nil {
					return err
				}
				if data, err = disp.Render(d); err != nil {
					return err
				}
			case automerge:
				if *version != app.Current && *version != "" {
					return usagef("an .automerge file holds the whole draft: --version does not apply")
				}
				if data, err = s.Save(ctx); err != nil {
					return err
				}
			default:
				ref := *version
				explicit := false
				fs.Visit(func(fl *flag.Flag) { explicit = explicit || fl.Name == "version" })
				if f.Name == "comment-template" && !explicit {
					// Comments are on a published version: its numbers,
					// and the template names it, so that the import
					// attaches them to it.
					if vs := s.Versions(); len(vs) > 0 {
						ref = vs[len(vs)-1].ID
					}
				}
				publication := s.Publication
				if *brackets {
					publication = s.BracketedPublication
				}
				p, err := publication(ref, *forComment)
				if err != nil {
					return err
				}
				if data, err = f.Render(p); err != nil {
					return err
				}
			}
			if *out == "-" {
				_, err := e.stdout.Write(data)
				return err
			}
			if intoDir {
				ext := ".automerge"
				switch {
				case disp != nil:
					ext = disp.Ext
				case !automerge:
					ext = f.Ext
				}
				*out = filepath.Join(*out, export.FileName(s.Meta().Title, ext))
			}
			if err := writeFileAtomic(*out, data); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "wrote %s (%d bytes)\n", *out, len(data))
			return nil
		}
	},
}

// writeFileAtomic writes through a temporary file and renames it, so a
// full disk or a crash never leaves a half-written export behind. Its
// errors name the file asked for, not the temporary one.
func writeFileAtomic(path string, data []byte) (err error) {
	defer func() {
		var pe *os.PathError
		var le *os.LinkError
		switch {
		case err == nil:
		case errors.As(err, &pe):
			err = fmt.Errorf("writing %s: %w", path, pe.Err)
		case errors.As(err, &le):
			err = fmt.Errorf("writing %s: %w", path, le.Err)
		}
	}()
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("writing %s: it is a directory", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	// A temporary file is private (0600); an export is a document to share.
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}

var importCmd = &command{
	name:    "import",
	usage:   "import FILE",
	summary: "add a draft from an .automerge file, or merge it into the draft with the same id",
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 1, 1, "FILE"); err != nil {
				return err
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			ws, err := e.workspace(ctx)
			if err != nil {
				return err
			}
			defer ws.Close()
			id, merged, err := ws.Import(ctx, data)
			if errors.Is(err, app.ErrTooLarge) { // says itself that nothing was changed
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if err != nil {
				return fmt.Errorf("%s: %w; nothing was changed", args[0], err)
			}
			if merged {
				fmt.Fprintf(e.stdout, "merged into %s\n", id)
			} else {
				fmt.Fprintf(e.stdout, "imported %s\n", id)
			}
			return nil
		}
	},
}

// parseSince accepts a date, an RFC 3339 time, or an age like 36h or 7d.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if strings.HasSuffix(s, "d") {
		var n int
		if _, err := fmt.Sscanf(s, "%dd", &n); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usagef("--since %q: give a date (2026-03-01), a time (2026-03-01T09:00) or an age (36h, 7d)", s)
}
