package main

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/igf-bpf/bpfdraft/crdt"
)

var roleCmd = &command{
	name:    "role",
	usage:   "role DRAFT [PARTICIPANT ROLE]",
	summary: "list who holds which role in a draft, or give or withdraw one",
	details: `Co-facilitators and the rapporteur accept and reject contributions and name
versions. The draft's creator is a co-facilitator and is the one who gives
those roles: ROLE is co-facilitator, rapporteur, or participant (which
withdraws a role). PARTICIPANT is a name, a person id or a device id. With
only DRAFT, lists the participants and their roles.`,
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
				role, err := crdt.ParseRole(args[2])
				if err != nil {
					return usagef("%v", err)
				}
				p, err := s.SetRole(ctx, args[1], role)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s is now %s in %q\n", p.Name, article(role), s.Meta().Title)
				return nil
			}
			v := s.View()
			type row struct{ name, group, region, role, device string }
			var rows []row
			for _, p := range v.Participants {
				rows = append(rows, row{p.Name, string(p.Group), string(p.Region), string(v.RoleOf(p.Actor)), p.Actor[:min(8, len(p.Actor))]})
			}
			sort.SliceStable(rows, func(i, j int) bool { return rows[i].name < rows[j].name })
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROLE\tGROUP\tREGION\tDEVICE")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.name, r.role, r.group, r.region, r.device)
			}
			return tw.Flush()
		}
	},
}

// article returns a role with its indefinite article.
func article(r crdt.Role) string {
	if r == crdt.RoleParticipant {
		return "a participant"
	}
	return "a " + string(r)
}
