package crdt

import (
	"fmt"

	"github.com/automerge/automerge-go"
)

// Decisions and comments are journals: lists at the document's root that
// only grow. An entry is a short string; who wrote it and when are the
// actor and time of the change that added it (Ledger.Journal), which is
// what a signature over that change will later vouch for, so entries do
// not repeat them. Appending never conflicts: entries two peers add
// while apart are both kept. Their meaning (the latest decision of a
// hunk, a comment's replies) is worked out by reading them all.

// The kinds of commit that write to journals.
const (
	KindDecision Kind = "d"  // a hunk accepted or rejected (and reverted)
	KindComment  Kind = "cm" // a comment, reply, resolve or reopen
)

// The journals.
const (
	JournalDecisions = "decisions"
	JournalComments  = "comments"
)

// Journaled appends an entry to a journal as part of a commit of kind
// (about section, which may be ""); a commit of that kind already
// pending takes the entry along with its other edits.
func (d *Doc) Journaled(journal string, kind Kind, section, entry string) error {
	if !journals[journal] {
		return fmt.Errorf("%w: no journal %q", ErrInvalid, journal)
	}
	root := d.am.RootMap()
	d.begin(kind, section)
	v, err := root.Get(journal)
	if err != nil {
		return err
	}
	if v.Kind() != automerge.KindList {
		if err := root.Set(journal, automerge.NewList()); err != nil {
			return err
		}
		if v, err = root.Get(journal); err != nil {
			return err
		}
	}
	return v.List().Append(entry)
}

// JournalLen returns how many entries the document shows in a journal:
// a cheap sign, for the window, that decisions or comments changed.
func (d *Doc) JournalLen(journal string) int {
	v, err := d.am.RootMap().Get(journal)
	if err != nil || v.Kind() != automerge.KindList {
		return 0
	}
	return v.List().Len()
}
