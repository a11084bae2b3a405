package app

import (
	"errors"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// Contribution is what a reviewer reads as one piece of work: one
// person's edits under one heading (or of one document detail), each
// within Burst of the one before, with the text they added and removed.
// Typing live commits a change every second or twenty keys; one row per
// change made a few sentences into hundreds of rows.
type Contribution struct {
	LogEntry           // the first change's: who, where, what kind; Added and Removed summed
	Until    time.Time // the last change's time
	Changes  int
	Inserted []string // runs of text the burst added and kept, in text order
	Deleted  []string // runs of earlier text it removed, in text order
}

// Burst is how close one person's edits must follow each other to be one
// contribution.
const Burst = 5 * time.Minute

// Contributions returns the log grouped into contributions, oldest
// first, each edit with the text it added and removed.
func (s *Session) Contributions(f LogFilter) ([]Contribution, error) {
	entries, err := s.Log(f)
	if err != nil {
		return nil, err
	}
	out, hashes := group(entries)
	err = s.do(func() error {
		l, err := s.ledger()
		if err != nil {
			return err
		}
		n := len(l.Changes())
		for i := range out {
			c := &out[i]
			if c.Kind != crdt.KindEdit {
				continue
			}
			set := make(crdt.ChangeSet, n)
			for _, h := range hashes[i] {
				if ref, ok := l.Change(h); ok {
					set[ref] = true
				}
			}
			c.Inserted, c.Deleted, err = l.Wrote(c.SectionID, set)
			if errors.Is(err, crdt.ErrNotFound) {
				err = nil // a section the ledger cannot place: counts only
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// group gathers log entries (oldest first) into contributions, with the
// hashes of each one's changes. A person's edit of a heading joins the
// contribution still open for that person and heading, even when others'
// edits came between; any other kind of change stands alone.
func group(entries []LogEntry) ([]Contribution, [][]string) {
	type key struct {
		who, section string
		kind         crdt.Kind
	}
	var out []Contribution
	var hashes [][]string
	open := map[key]int{}
	for _, e := range entries {
		who := e.Person
		if who == "" {
			who = e.Actor
		}
		k := key{who, e.SectionID, e.Kind}
		joins := e.Kind == crdt.KindEdit || e.Kind == crdt.KindMeta
		// Each process that writes registers its device: a person joins
		// once, whatever the devices and commands that followed.
		again := e.Kind == crdt.KindProfile
		if i, ok := open[k]; ok && (again || joins && e.Time.Sub(out[i].Until) <= Burst) {
			c := &out[i]
			c.Until, c.Changes = e.Time, c.Changes+1
			c.Added += e.Added
			c.Removed += e.Removed
			hashes[i] = append(hashes[i], e.Hash)
			continue
		}
		out = append(out, Contribution{LogEntry: e, Until: e.Time, Changes: 1})
		hashes = append(hashes, []string{e.Hash})
		if joins || again {
			open[k] = len(out) - 1
		}
	}
	return out, hashes
}
