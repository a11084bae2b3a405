package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
)

var stanceCmd = &command{
	name:    "stance",
	usage:   "stance DRAFT PARAGRAPH support|object|none [--reason TEXT]",
	summary: "say whether you support or object to a paragraph (none withdraws it)",
	details: `PARAGRAPH is its number, as 3.2 (A.1 in an annex). The stance belongs to
the paragraph: it follows it through edits and renumbering, and shows as
made on an earlier text once the paragraph changes. Taking another stance
on the same paragraph replaces yours.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		reason := fs.String("reason", "", "why, in a sentence (500 characters at most)")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 3, 3, "DRAFT, PARAGRAPH and support, object or none"); err != nil {
				return err
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			return s.SetStance(ctx, args[1], args[2], *reason)
		}
	},
}

var settleCmd = &command{
	name:    "settle",
	usage:   "settle DRAFT PARAGRAPH agreed|contested|open [--note TEXT]",
	summary: "mark a paragraph agreed, contested or open again (co-facilitators)",
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		note := fs.String("note", "", "a note on the call (500 characters at most)")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 3, 3, "DRAFT, PARAGRAPH and agreed, contested or open"); err != nil {
				return err
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			return s.Settle(ctx, args[1], args[2], *note)
		}
	},
}

var consensusCmd = &command{
	name:    "consensus",
	usage:   "consensus DRAFT [--json]",
	summary: "where the community stands on each paragraph: status, support and objections by group",
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		asJSON := fs.Bool("json", false, "print it as JSON")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 1, 1, "DRAFT"); err != nil {
				return err
			}
			s, done, err := e.session(ctx, args[0])
			if err != nil {
				return err
			}
			defer done()
			c, err := s.Consensus()
			if err != nil {
				return err
			}
			if *asJSON {
				return writeJSON(e.stdout, consensusJSON(c))
			}
			printConsensus(e, c)
			return nil
		}
	},
}

// groupLine writes counts as "Civil society 2, Government 1".
func groupLine(gs []app.GroupCount) string {
	return app.JoinCounts(gs, func(name string) string { return name })
}

func printConsensus(e *env, c app.Consensus) {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PARAGRAPH\tSTATUS\tSUPPORT\tOBJECT\tBY GROUP")
	var none []string
	heading := ""
	for _, p := range c.Paragraphs {
		if p.Status == nil && len(p.Support) == 0 && len(p.Object) == 0 {
			none = append(none, p.Paragraph)
			continue
		}
		if p.Heading != heading {
			heading = p.Heading
			// The title as the last cell: it widens no column.
			fmt.Fprintf(tw, "%s\t\t\t\t%s\n", p.Label, heading)
		}
		status := app.OpenStatus
		if p.Status != nil {
			status = p.Status.Status
			if p.Status.Earlier {
				status += " (text changed since)"
			}
		}
		var by []string
		if len(p.Support) > 0 {
			line := "support: " + groupLine(app.Groups(p.Support)) + "; " + groupLine(app.Regions(p.Support))
			if app.OneGroup(p.Support) && len(p.Support) > 1 {
				line += " (one stakeholder group only)"
			}
			by = append(by, line)
		}
		if len(p.Object) > 0 {
			by = append(by, "object: "+groupLine(app.Groups(p.Object))+"; "+groupLine(app.Regions(p.Object)))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", p.Paragraph, status, len(p.Support), len(p.Object), strings.Join(by, " · "))
		if p.Status != nil && p.Status.Note != "" {
			fmt.Fprintf(tw, "\t\t\t\t  note by %s: %s\n", orUnknown(p.Status.Name), p.Status.Note)
		}
		for _, st := range append(append([]app.Stance{}, p.Object...), p.Support...) {
			if st.Reason == "" && !st.Earlier {
				continue
			}
			line := fmt.Sprintf("\t\t\t\t  %s %s (%s, %s)", st.Value, orUnknown(st.Name), st.Group, st.Region)
			if st.Reason != "" {
				line += ": " + st.Reason
			}
			if st.Earlier {
				line += " [on an earlier text]"
			}
			fmt.Fprintln(tw, line)
		}
	}
	tw.Flush()
	if len(none) > 0 {
		fmt.Fprintf(e.stdout, "no stance or status yet: %s\n", strings.Join(none, ", "))
	}
	if c.NotCounted > 0 {
		fmt.Fprintf(e.stdout, "%d settled statuses count for nothing: written by someone who was no co-facilitator\n", c.NotCounted)
	}
}

func orUnknown(name string) string {
	if name == "" {
		return "unknown"
	}
	return name
}

type jsonStance struct {
	Name    string    `json:"name"`
	Person  string    `json:"person"`
	Group   string    `json:"group"`
	Region  string    `json:"region"`
	Reason  string    `json:"reason,omitempty"`
	At      time.Time `json:"at"`
	Earlier bool      `json:"on_earlier_text"`
}

type jsonGroupCount struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

type jsonParagraphStand struct {
	Paragraph       string           `json:"paragraph"`
	Heading         string           `json:"heading"`
	Status          string           `json:"status"` // open when never settled
	StatusNote      string           `json:"status_note,omitempty"`
	StatusBy        string           `json:"status_by,omitempty"`
	StatusEarlier   bool             `json:"status_on_earlier_text"`
	Support         []jsonStance     `json:"support"`
	Object          []jsonStance     `json:"object"`
	SupportByGroup  []jsonGroupCount `json:"support_by_group"`
	SupportByRegion []jsonGroupCount `json:"support_by_region"`
	ObjectByGroup   []jsonGroupCount `json:"object_by_group"`
	ObjectByRegion  []jsonGroupCount `json:"object_by_region"`
}

type jsonConsensus struct {
	Paragraphs []jsonParagraphStand `json:"paragraphs"`
	NoStance   []string             `json:"no_stance"` // paragraphs nobody has taken a stance on
	NotCounted int                  `json:"statuses_not_counted"`
}

func consensusJSON(c app.Consensus) jsonConsensus {
	stances := func(st []app.Stance) []jsonStance {
		out := []jsonStance{}
		for _, s := range st {
			out = append(out, jsonStance{Name: s.Name, Person: s.Person, Group: string(s.Group), Region: string(s.Region), Reason: s.Reason, At: s.At, Earlier: s.Earlier})
		}
		return out
	}
	counts := func(gs []app.GroupCount) []jsonGroupCount {
		out := []jsonGroupCount{}
		for _, g := range gs {
			out = append(out, jsonGroupCount{g.Name, g.N})
		}
		return out
	}
	out := jsonConsensus{Paragraphs: []jsonParagraphStand{}, NoStance: []string{}, NotCounted: c.NotCounted}
	for _, p := range c.Paragraphs {
		j := jsonParagraphStand{Paragraph: p.Paragraph, Heading: p.Heading, Status: app.OpenStatus,
			Support: stances(p.Support), Object: stances(p.Object),
			SupportByGroup: counts(app.Groups(p.Support)), SupportByRegion: counts(app.Regions(p.Support)),
			ObjectByGroup: counts(app.Groups(p.Object)), ObjectByRegion: counts(app.Regions(p.Object))}
		if p.Status != nil {
			j.Status, j.StatusNote, j.StatusBy, j.StatusEarlier = p.Status.Status, p.Status.Note, p.Status.Name, p.Status.Earlier
		}
		if len(p.Support) == 0 && len(p.Object) == 0 {
			out.NoStance = append(out.NoStance, p.Paragraph)
		}
		out.Paragraphs = append(out.Paragraphs, j)
	}
	return out
}
