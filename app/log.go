package app

import (
	"slices"
	"strings"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// LogEntry is one row of the contribution log: who changed what, where.
type LogEntry struct {
	Hash      string // the change's
	Time      time.Time
	Actor     string
	Person    string
	Name      string // "unknown" when the actor never registered
	Group     crdt.Group
	Region    crdt.Region
	Role      crdt.Role
	Kind      crdt.Kind
	SectionID string
	Heading   string // the section's current heading, or the meta field; for a rename, the name it gave
	Was       string // for a rename, the heading's name just before it
	SectionNo int    // 1-based number among visible sections; 0 if none or removed
	Added     int
	Removed   int
	From      string // the file the text came from, for an import
	// Verified: a seal of the change's device covers it and the device's
	// certificate ties it to Person. False for every change of a draft
	// made before signatures (BeforeSignatures), whose authors are what
	// its registry claims.
	Verified         bool
	BeforeSignatures bool
}

// LogFilter narrows the contribution log. Zero fields match everything.
type LogFilter struct {
	Participant string    // name (case-insensitive substring), person id or actor id prefix
	Section     string    // section number or id
	Since       time.Time // entries at or after this time
	EditsOnly   bool      // leave out creation, profile and structural entries
}

// Log returns the draft's contributions, oldest first, read from the
// document's history alone.
func (s *Session) Log(f LogFilter) ([]LogEntry, error) {
	hist, err := s.history()
	if err != nil {
		return nil, err
	}
	v := s.View()
	parts := map[string]crdt.Participant{}
	for _, p := range v.Participants {
		parts[p.Actor] = p
	}
	all := v.Sections
	number := map[string]int{}
	for i, sec := range all {
		number[sec.ID] = i + 1
	}
	headings := map[string]string{}
	for _, sec := range append(slices.Clone(all), v.Removed...) {
		headings[sec.ID] = sec.Heading
	}
	versions := map[string]string{} // version id → its name
	for _, ver := range v.Versions {
		versions[ver.ID] = ver.Name
	}
	wantSection := ""
	if f.Section != "" {
		sec, err := s.Section(f.Section)
		if err != nil {
			return nil, err
		}
		wantSection = sec.ID
	}
	needle := strings.ToLower(strings.TrimSpace(f.Participant))
	var out []LogEntry
	for _, c := range hist {
		if c.Time.Before(f.Since) {
			continue
		}
		if wantSection != "" && c.Section != wantSection {
			continue
		}
		if f.EditsOnly && c.Kind != crdt.KindEdit && c.Kind != crdt.KindMeta {
			continue
		}
		p, ok := parts[c.Actor]
		e := LogEntry{Hash: c.Hash, Time: c.Time, Actor: c.Actor, Kind: c.Kind, SectionID: c.Section,
			SectionNo: number[c.Section], Added: c.Added, Removed: c.Removed, From: c.From, Name: "unknown",
			BeforeSignatures: !crdt.SignedID(s.id)}
		if ok {
			e.Person, e.Name, e.Group, e.Region, e.Role = p.Person, p.Name, p.Group, p.Region, p.Role
			e.Verified = c.Sealed && p.Verified && !e.BeforeSignatures
		}
		if h, ok := headings[c.Section]; ok {
			e.Heading = h
		} else if h, ok := versions[c.Section]; ok && c.Kind == crdt.KindVersion {
			e.Heading = h
		} else {
			e.Heading = c.Section
		}
		if needle != "" && !strings.Contains(strings.ToLower(e.Name), needle) &&
			e.Person != f.Participant && !strings.HasPrefix(e.Actor, needle) {
			continue
		}
		out = append(out, e)
	}
	return out, s.renames(out)
}

// renames gives each rename entry what that change did, from the name
// before it to the one it gave, read from the ledger: two people who
// renamed a heading differently each did their own rename, whichever name
// won the merge.
func (s *Session) renames(entries []LogEntry) error {
	if !slices.ContainsFunc(entries, func(e LogEntry) bool { return e.Kind == crdt.KindHeadRename }) {
		return nil
	}
	return s.do(func() error {
		l, err := s.ledger()
		if err != nil {
			return err
		}
		name := func(in crdt.ChangeSet, id string) string {
			vis, removed := l.Outline(in)
			for _, sec := range append(vis, removed...) {
				if sec.ID == id {
					return sec.Heading
				}
			}
			return ""
		}
		for i := range entries {
			e := &entries[i]
			if e.Kind != crdt.KindHeadRename {
				continue
			}
			ref, ok := l.Change(e.Hash)
			if !ok {
				continue
			}
			after, err := l.Upto([]string{e.Hash})
			if err != nil {
				return err
			}
			before := slices.Clone(after)
			before[ref] = false
			if to := name(after, e.SectionID); to != "" {
				e.Was, e.Heading = name(before, e.SectionID), to
			}
		}
		return nil
	})
}
