package main

import (
	"strings"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/online"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// The documents --json prints, one per command, for scripts. Field names
// and meanings are stable across releases (TestJSONSchemas pins them):
// new fields may come, none goes or changes meaning. Times are RFC 3339
// in UTC; text is as the draft holds it (JSON escapes what a terminal
// would act on).

// jsonDraft is a row of `list --json`.
type jsonDraft struct {
	ID       string     `json:"id"`
	Title    string     `json:"title"`
	Template string     `json:"template"`
	Year     int        `json:"year"`
	Sections int        `json:"sections"` // headings
	Filled   int        `json:"filled"`   // headings with text
	Created  time.Time  `json:"created"`
	Updated  time.Time  `json:"updated"`
	Deleted  *time.Time `json:"deleted,omitempty"` // with --trash
}

func draftJSON(d app.DraftInfo) jsonDraft {
	j := jsonDraft{ID: d.ID, Title: d.Title, Template: d.Template, Year: d.Year, Sections: d.Sections,
		Filled: d.Filled, Created: d.Created.UTC(), Updated: d.Updated.UTC()}
	if !d.Deleted.IsZero() {
		t := d.Deleted.UTC()
		j.Deleted = &t
	}
	return j
}

// jsonDocument is `show --json`: the draft, or one of its versions.
type jsonDocument struct {
	ID       string        `json:"id"`
	Title    string        `json:"title"`
	Theme    string        `json:"theme"`
	Year     int           `json:"year"`
	Language string        `json:"language"`
	Sections []jsonSection `json:"sections"`
}

// jsonSection is one heading with its text.
type jsonSection struct {
	Number  int    `json:"number"` // 1-based, as headings are numbered
	ID      string `json:"id"`
	Heading string `json:"heading"`
	Hint    string `json:"hint"`
	Text    string `json:"text"`
	Words   int    `json:"words"`
}

func sectionJSON(n int, s crdt.Section) jsonSection {
	return jsonSection{Number: n, ID: s.ID, Heading: s.Heading, Hint: s.Hint, Text: s.Body, Words: len(strings.Fields(s.Body))}
}

// jsonHeading is a row of `heading list --json`.
type jsonHeading struct {
	Number  int    `json:"number"`          // its place in the draft; 0 for a removed heading
	Label   string `json:"label,omitempty"` // as published: "3", or "A" for an annex
	Annex   bool   `json:"annex"`
	ID      string `json:"id"`
	Heading string `json:"heading"`
	Words   int    `json:"words"`
	Removed bool   `json:"removed"`
}

// jsonLogEntry is a row of `log --json`.
type jsonLogEntry struct {
	Time          time.Time `json:"time"`
	Change        string    `json:"change"` // the change's hash
	Participant   string    `json:"participant"`
	Person        string    `json:"person"`
	Group         string    `json:"group"`
	Region        string    `json:"region"`
	Kind          string    `json:"kind"` // edit, created, profile, heading renamed, …
	Section       string    `json:"section"`
	SectionNumber int       `json:"section_number"` // 0 when none or removed
	Heading       string    `json:"heading"`
	Was           string    `json:"was,omitempty"` // a rename's name before it
	Added         int       `json:"added"`
	Removed       int       `json:"removed"`
	From          string    `json:"from,omitempty"` // the file an import read the text from
	// Verified: the change is signed by a device of Person, whose key
	// signed what the participant says of themselves.
	Verified bool `json:"verified"`
	// BeforeSignatures: the draft was made before signatures; nothing
	// in it is verified.
	BeforeSignatures bool `json:"before_signatures,omitempty"`
}

func logJSON(e app.LogEntry) jsonLogEntry {
	kind := e.Kind.Describe()
	if e.Kind == crdt.KindEdit {
		kind = "edit"
	}
	return jsonLogEntry{Time: e.Time.UTC(), Change: e.Hash, Participant: e.Name, Person: e.Person, Group: string(e.Group),
		Region: string(e.Region), Kind: kind, Section: e.SectionID, SectionNumber: e.SectionNo, Heading: e.Heading,
		Was: e.Was, Added: e.Added, Removed: e.Removed, From: e.From, Verified: e.Verified, BeforeSignatures: e.BeforeSignatures}
}

// jsonVersion is a row of `versions --json`.
type jsonVersion struct {
	ID    string    `json:"id"`
	Name  string    `json:"name"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
	Heads []string  `json:"heads"`
	// NotCounted: named by someone who held no role to; no name refers
	// to it.
	NotCounted bool `json:"not_counted,omitempty"`
}

// jsonSyncResult is a row of `sync --once --json`: one peer.
type jsonSyncResult struct {
	Peer       string            `json:"peer"`
	Drafts     []string          `json:"drafts"`
	BytesUp    int64             `json:"bytes_up"`
	BytesDown  int64             `json:"bytes_down"`
	ChangesIn  int               `json:"changes_in"`
	ChangesOut int               `json:"changes_out"`
	OK         bool              `json:"ok"`
	Result     string            `json:"result"`           // "synced", or why not
	Failed     map[string]string `json:"failed,omitempty"` // drafts stopped, and why
	// On the link (the connection's bytes, handshakes and framing
	// included): this session's, and everything this machine's syncing
	// carried today, the same in every entry.
	LinkUp        int64 `json:"link_up"`
	LinkDown      int64 `json:"link_down"`
	TodayLinkUp   int64 `json:"today_link_up"`
	TodayLinkDown int64 `json:"today_link_down"`
}

func syncJSON(r online.Result) jsonSyncResult {
	j := jsonSyncResult{Peer: r.Peer, Drafts: r.Stats.Drafts, BytesUp: r.Stats.BytesOut, BytesDown: r.Stats.BytesIn,
		ChangesIn: r.Stats.ChangesIn, ChangesOut: r.Stats.ChangesOut, OK: r.Err == nil, Result: "synced", Failed: r.Stats.Failed,
		LinkUp: r.Link.Sent, LinkDown: r.Link.Received}
	if j.Drafts == nil {
		j.Drafts = []string{}
	}
	if r.Err != nil {
		j.Result = endText(r.Err)
	}
	return j
}

// byline names the person behind a device for --json: their name
// ("unknown" for a device the draft's registry does not know) and their
// person id (the device's when unknown).
func byline(v *app.View) func(actor string) (name, person string) {
	known := map[string]crdt.Participant{}
	for _, p := range v.Participants {
		known[p.Actor] = p
	}
	return func(actor string) (string, string) {
		p, ok := known[actor]
		if !ok || p.Name == "" {
			return "unknown", actor
		}
		if p.Person == "" {
			return p.Name, actor
		}
		return p.Name, p.Person
	}
}

// jsonComment is a row of `comments --json`.
type jsonComment struct {
	ID            string      `json:"id"`
	Section       string      `json:"section"`
	SectionNumber int         `json:"section_number"` // 0 when the heading was removed
	Heading       string      `json:"heading"`
	Paragraph     string      `json:"paragraph"` // where the passage starts, e.g. "3.2"; "" if deleted
	Quote         string      `json:"quote"`     // the passage when the comment was made
	Prefix        string      `json:"prefix"`
	Suffix        string      `json:"suffix"`
	Text          string      `json:"text"`
	By            string      `json:"by"` // who commented (for a public comment, who imported it)
	Person        string      `json:"person"`
	At            time.Time   `json:"at"`
	Resolved      bool        `json:"resolved"`
	StatusBy      string      `json:"status_by,omitempty"` // who last resolved or reopened it
	Replies       []jsonReply `json:"replies"`
	Start         int         `json:"start"` // the passage now, in code points of the heading's text
	End           int         `json:"end"`   //   (both -1 when all of it is deleted)
	Anchor        string      `json:"anchor"`
	Public        bool        `json:"public"`
	// A public comment's commenter, the published version and paragraph
	// it cites, and the response to it.
	Commenter *jsonCommenter `json:"commenter,omitempty"`
	Version   string         `json:"version,omitempty"`
	Cited     string         `json:"cited,omitempty"`
	Response  *jsonResponse  `json:"response,omitempty"`
}

type jsonReply struct {
	ID     string    `json:"id"`
	Text   string    `json:"text"`
	By     string    `json:"by"`
	Person string    `json:"person"`
	At     time.Time `json:"at"`
}

type jsonCommenter struct {
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
	Group        string `json:"group"`
	Region       string `json:"region"`
}

type jsonResponse struct {
	Status string    `json:"status"`
	Text   string    `json:"text"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

func commentJSON(c app.Comment, who func(string) (string, string)) jsonComment {
	j := jsonComment{ID: c.ID, Section: c.Section, SectionNumber: c.Number, Heading: c.Heading, Paragraph: c.Paragraph,
		Quote: c.Quote, Prefix: c.Prefix, Suffix: c.Suffix, Text: c.Text, At: c.At.UTC(), Resolved: c.Resolved,
		Replies: []jsonReply{}, Start: c.Start, End: c.End, Anchor: string(c.Anchor), Public: c.Public}
	j.By, j.Person = who(c.Actor)
	if c.StatusBy != "" {
		j.StatusBy, _ = who(c.StatusBy)
	}
	for _, r := range c.Replies {
		jr := jsonReply{ID: r.ID, Text: r.Text, At: r.At.UTC()}
		jr.By, jr.Person = who(r.Actor)
		j.Replies = append(j.Replies, jr)
	}
	if c.Public {
		j.Commenter = &jsonCommenter{Name: c.Commenter.Name, Organisation: c.Commenter.Organisation,
			Group: string(c.Commenter.Group), Region: string(c.Commenter.Region)}
		j.Version, j.Cited = c.Version, c.Cited
	}
	if r := c.Response; r != nil {
		j.Response = &jsonResponse{Status: string(r.Status), Text: r.Text, At: r.At.UTC()}
		j.Response.By, _ = who(r.Actor)
	}
	return j
}

// jsonCoverage is `coverage --json`.
type jsonCoverage struct {
	Draft    jsonCoverageOf   `json:"draft"`
	Headings []jsonCoverageOf `json:"headings"`
}

// jsonCoverageOf is the coverage of one heading, or of the whole draft.
type jsonCoverageOf struct {
	Section string      `json:"section"` // "" for the whole draft
	Number  int         `json:"number"`  // 0 for the whole draft
	Heading string      `json:"heading"`
	Chars   int         `json:"chars"` // not counting white space
	Groups  []jsonShare `json:"groups"`
	Regions []jsonShare `json:"regions"`
	People  []jsonShare `json:"people"`
	Silent  []string    `json:"silent"` // participants with no text there
}

type jsonShare struct {
	Name    string `json:"name"`
	Chars   int    `json:"chars"`
	Percent int    `json:"percent"` // rounded so that a list adds up to 100
}

func coverageJSON(c app.Coverage) jsonCoverage {
	of := func(c app.CoverageOf) jsonCoverageOf {
		shares := func(ss []app.Share) []jsonShare {
			out := make([]jsonShare, 0, len(ss))
			for _, s := range ss {
				out = append(out, jsonShare{Name: s.Name, Chars: s.Chars, Percent: s.Percent})
			}
			return out
		}
		silent := c.Silent
		if silent == nil {
			silent = []string{}
		}
		return jsonCoverageOf{Section: c.Section, Number: c.Number, Heading: c.Heading, Chars: c.Chars,
			Groups: shares(c.Groups), Regions: shares(c.Regions), People: shares(c.People), Silent: silent}
	}
	j := jsonCoverage{Draft: of(c.Draft), Headings: []jsonCoverageOf{}}
	for _, h := range c.Headings {
		j.Headings = append(j.Headings, of(h))
	}
	return j
}

// jsonHunk is a row of `review --json`.
type jsonHunk struct {
	ID            string         `json:"id"`
	Kind          string         `json:"kind"` // inserted or deleted
	Text          string         `json:"text"`
	By            string         `json:"by"`
	Person        string         `json:"person"`
	At            time.Time      `json:"at"`
	Section       string         `json:"section"`
	SectionNumber int            `json:"section_number"`
	Heading       string         `json:"heading"`
	Paragraph     string         `json:"paragraph"`
	Status        string         `json:"status"`    // open, accepted, rejected or conflict
	Decisions     []jsonDecision `json:"decisions"` // of the deciding round, the latest first
	// Refused: decisions that count for nothing, their authors having
	// held no deciding role as their change saw the draft.
	Refused  []jsonDecision `json:"refused_decisions,omitempty"`
	Reverted bool           `json:"reverted"` // the text is as a rejection left it
	Start    int            `json:"start"`    // where it is in the heading's text, in code points
	End      int            `json:"end"`
}

type jsonDecision struct {
	Verdict string    `json:"verdict"`
	Round   int       `json:"round"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

func hunkJSON(h app.Hunk, who func(string) (string, string)) jsonHunk {
	j := jsonHunk{ID: h.ID, Kind: h.Kind.String(), Text: h.Text, At: h.At.UTC(), Section: h.Section, SectionNumber: h.Number,
		Heading: h.Heading, Paragraph: h.Paragraph, Status: string(h.Status), Decisions: []jsonDecision{},
		Reverted: h.Reverted, Start: h.Start, End: h.End}
	j.By, j.Person = who(h.Actor)
	for _, d := range h.Decisions {
		jd := jsonDecision{Verdict: d.Verdict, Round: d.Round, At: d.At.UTC()}
		jd.By, _ = who(d.Actor)
		j.Decisions = append(j.Decisions, jd)
	}
	for _, d := range h.Refused {
		jd := jsonDecision{Verdict: d.Verdict, Round: d.Round, At: d.At.UTC()}
		jd.By, _ = who(d.Actor)
		j.Refused = append(j.Refused, jd)
	}
	return j
}

// jsonHeadingDiff is a row of `diff --json`: one heading.
type jsonHeadingDiff struct {
	Section        string          `json:"section"`
	SectionNumber  int             `json:"section_number"` // in the later state; 0 when the heading is gone there
	Heading        string          `json:"heading"`
	Was            string          `json:"was,omitempty"` // the heading in the earlier state, when renamed
	HeadingAdded   bool            `json:"heading_added"`
	HeadingRemoved bool            `json:"heading_removed"`
	Pieces         []jsonDiffPiece `json:"pieces"`
}

// jsonDiffPiece is a run of the heading's text: unchanged, or inserted
// or deleted by one person.
type jsonDiffPiece struct {
	Kind   string     `json:"kind"` // same, inserted or deleted
	Text   string     `json:"text"`
	By     string     `json:"by,omitempty"` // not for unchanged text
	Person string     `json:"person,omitempty"`
	At     *time.Time `json:"at,omitempty"`
}

func diffJSON(h app.HeadingDiff, who func(string) (string, string)) jsonHeadingDiff {
	j := jsonHeadingDiff{Section: h.Section, SectionNumber: h.Number, Heading: h.Heading, Was: h.Was,
		HeadingAdded: h.Added, HeadingRemoved: h.Removed, Pieces: []jsonDiffPiece{}}
	for _, p := range h.Pieces {
		jp := jsonDiffPiece{Kind: p.Kind.String(), Text: p.Text}
		if p.Kind != crdt.Same {
			at := p.At.UTC()
			jp.At = &at
			jp.By, jp.Person = who(p.Actor)
		}
		j.Pieces = append(j.Pieces, jp)
	}
	return j
}

// jsonDetails is `details --json`: what the title page and the end of
// the output say.
type jsonDetails struct {
	Title          string   `json:"title"`
	Theme          string   `json:"theme"`
	Year           int      `json:"year"`
	CoFacilitators []string `json:"co_facilitators"`
	Rapporteur     []string `json:"rapporteur"`
	Summary        string   `json:"summary"`
	Dissemination  []string `json:"dissemination"`
}
