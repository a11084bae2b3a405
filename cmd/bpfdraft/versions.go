package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt"
)

var versionCmd = &command{
	name:    "version",
	usage:   "version DRAFT --name NAME",
	summary: "freeze the draft as it stands under a name every co-author sees",
	details: `A named version marks a state of the draft (for public comment, say) that
can be shown again later and that reviews and diffs start from. It is stored
in the draft and reaches co-authors with the next sync. Prints its id.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		name := fs.String("name", "", "the version's name, e.g. \"Draft for public comment\"")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 1, 1, "DRAFT"); err != nil {
				return err
			}
			if *name == "" {
				return usagef("--name is required")
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			v, err := s.NameVersion(ctx, *name)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s\t%s\n", v.ID, v.Name)
			return nil
		}
	},
}

var versionsCmd = &command{
	name:    "versions",
	usage:   "versions DRAFT [--json]",
	summary: "list a draft's named versions, oldest first",
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		asJSON := fs.Bool("json", false, "print the versions as JSON")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 1, 1, "DRAFT"); err != nil {
				return err
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			names := map[string]string{}
			for _, p := range s.Snapshot().Participants {
				names[p.Actor] = p.Name
			}
			by := func(v crdt.Version) string {
				if n := names[v.Actor]; n != "" {
					return n
				}
				return "unknown"
			}
			refused := s.Refused()
			if *asJSON {
				out := []jsonVersion{}
				for _, v := range s.Versions() {
					out = append(out, jsonVersion{ID: v.ID, Name: v.Name, By: by(v), At: v.At.UTC(), Heads: v.Heads})
				}
				for _, v := range refused.Versions {
					out = append(out, jsonVersion{ID: v.ID, Name: v.Name, By: by(v), At: v.At.UTC(), Heads: v.Heads, NotCounted: true})
				}
				return writeJSON(e.stdout, out)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tBY\tWHEN")
			for _, v := range s.Versions() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.ID, v.Name, by(v), v.At.Local().Format(time.DateTime))
			}
			// Named by someone without the role: listed, so that nobody
			// takes one for the draft's, and never what a name refers to.
			for _, v := range refused.Versions {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.ID, v.Name+" [not counted: named without the role]", by(v), v.At.Local().Format(time.DateTime))
			}
			return tw.Flush()
		}
	},
}
