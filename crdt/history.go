package crdt

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Kind says what a commit did. It travels in every change's message, so
// the contribution log is read from the history alone.
type Kind string

// The kinds of commit.
const (
	KindBegin       Kind = "b" // a signed draft's first change, empty: its hash is the draft's id
	KindCreate      Kind = "c" // draft created from a template
	KindEdit        Kind = "e" // section text edited
	KindHeadAdd     Kind = "ha"
	KindHeadRename  Kind = "hr"
	KindHeadMove    Kind = "hm"
	KindHeadRemove  Kind = "hx"
	KindHeadRestore Kind = "hu"
	KindHeadAnnex   Kind = "hn" // marked as an annex, or as a heading again
	KindMeta        Kind = "m"  // title, theme, year, cover data
	KindProfile     Kind = "p"  // participant registry entry
	KindVersion     Kind = "v"  // a named version (the section field holds its id)
)

// Describe returns a short English label for the kind.
func (k Kind) Describe() string {
	switch k {
	case KindCreate:
		return "created"
	case KindEdit:
		return "edit"
	case KindHeadAdd:
		return "heading added"
	case KindHeadRename:
		return "heading renamed"
	case KindHeadMove:
		return "heading moved"
	case KindHeadRemove:
		return "heading removed"
	case KindHeadRestore:
		return "heading restored"
	case KindHeadAnnex:
		return "annex marked"
	case KindMeta:
		return "cover data"
	case KindProfile:
		return "profile"
	case KindVersion:
		return "version named"
	case KindRole:
		return "role granted"
	case KindDecision:
		return "review decision"
	case KindComment:
		return "comment"
	case KindRepair:
		return "layout repaired"
	}
	return "other"
}

// ChangeInfo is the metadata of one commit: what kind of edit, in which
// section, and how many code points were added and removed. Who made it is
// the change's actor, resolved through the participant registry.
type ChangeInfo struct {
	Kind    Kind
	Section string
	Added   int
	Removed int
	// From names where the text came from when it was not typed: the
	// file an import read ("outline.docx"). It is its author's word, as
	// everything in a change is; who made the change is its actor.
	From string
}

// encode packs the kind and section into the change message ("e|sec").
// The counts are left out: History reads them from the change's own
// operations (changeops.go), and leaving them out keeps the messages of a
// run of typing identical, which Automerge's encoding stores almost for
// free.
func (ci ChangeInfo) encode() string {
	msg := string(ci.Kind)
	if ci.Section != "" {
		msg += "|" + ci.Section
	}
	if ci.From != "" {
		msg += "\nfrom " + ci.From
	}
	return msg
}

// decodeInfo reads a message; counts written by older versions
// ("e|sec|12|3") are taken as they are.
func decodeInfo(msg string) (ci ChangeInfo, hasCounts bool) {
	msg, from, _ := strings.Cut(msg, "\n")
	if f, ok := strings.CutPrefix(from, "from "); ok {
		ci.From = cleanLine(f)
	}
	parts := strings.Split(msg, "|")
	ci.Kind = Kind(parts[0])
	if len(parts) > 1 {
		ci.Section = parts[1]
	}
	if len(parts) > 3 {
		ci.Added, _ = strconv.Atoi(parts[2])
		ci.Removed, _ = strconv.Atoi(parts[3])
		return ci, true
	}
	return ci, false
}

// Contribution is one commit as the contribution log shows it.
type Contribution struct {
	Hash  string
	Actor string
	Seq   uint64
	Time  time.Time
	ChangeInfo
	// Sealed: a verified seal of the change's own device covers it
	// (always, in a draft made with signatures; never before them).
	Sealed bool
}

// History returns every commit of the draft in time order (ties broken by
// actor and sequence number, so two replicas list the same history
// identically and one device's commits keep their order).
func (d *Doc) History() ([]Contribution, error) {
	if _, err := d.Commit(); err != nil {
		return nil, err
	}
	cs, err := d.am.Changes()
	if err != nil {
		return nil, err
	}
	sealed, err := d.Sealed()
	if err != nil {
		return nil, err
	}
	out := make([]Contribution, 0, len(cs))
	for _, c := range cs {
		info, hasCounts := decodeInfo(c.Message())
		if info.Kind == KindBegin {
			continue // it writes nothing; its device is the creator
		}
		if !hasCounts && (info.Kind == KindEdit || info.Kind == KindMeta) {
			if info.Added, info.Removed, err = textCounts(c.Save()); err != nil {
				return nil, fmt.Errorf("change %s: %w", c.Hash(), err)
			}
		}
		out = append(out, Contribution{
			Hash:       c.Hash().String(),
			Actor:      c.ActorID(),
			Seq:        c.ActorSeq(),
			Time:       c.Timestamp().UTC(),
			ChangeInfo: info,
			Sealed:     sealed[c.Hash().String()],
		})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.Before(out[j].Time)
		}
		if out[i].Actor != out[j].Actor {
			return out[i].Actor < out[j].Actor
		}
		return out[i].Seq < out[j].Seq
	})
	return out, nil
}
