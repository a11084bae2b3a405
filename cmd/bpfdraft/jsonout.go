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
	Number  int    `json:"number"` // 0 for a removed heading
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
}

func logJSON(e app.LogEntry) jsonLogEntry {
	kind := e.Kind.Describe()
	if e.Kind == crdt.KindEdit {
		kind = "edit"
	}
	return jsonLogEntry{Time: e.Time.UTC(), Change: e.Hash, Participant: e.Name, Person: e.Person, Group: string(e.Group),
		Region: string(e.Region), Kind: kind, Section: e.SectionID, SectionNumber: e.SectionNo, Heading: e.Heading,
		Was: e.Was, Added: e.Added, Removed: e.Removed}
}

// jsonVersion is a row of `versions --json`.
type jsonVersion struct {
	ID    string    `json:"id"`
	Name  string    `json:"name"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
	Heads []string  `json:"heads"`
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
}

func syncJSON(r online.Result) jsonSyncResult {
	j := jsonSyncResult{Peer: r.Peer, Drafts: r.Stats.Drafts, BytesUp: r.Stats.BytesOut, BytesDown: r.Stats.BytesIn,
		ChangesIn: r.Stats.ChangesIn, ChangesOut: r.Stats.ChangesOut, OK: r.Err == nil, Result: "synced", Failed: r.Stats.Failed}
	if j.Drafts == nil {
		j.Drafts = []string{}
	}
	if r.Err != nil {
		j.Result = endText(r.Err)
	}
	return j
}
