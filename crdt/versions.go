package crdt

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/automerge/automerge-go"
)

// A named version freezes a draft's state for review or for public
// comment: its heads, stored in the document under versions/ID with the
// name, the actor who named it and when, so that every peer holding the
// draft sees the same versions. Two peers may name versions alike while
// offline; both are kept, and a name then refers to the earliest.

// Version is one named version.
type Version struct {
	ID    string
	Name  string
	Heads []string // the state it names, sorted
	Actor string   // who named it (resolved through the participant registry)
	At    time.Time
}

// maxVersionName bounds a version's name, which is printed in lists and
// on the exported output's title page.
const maxVersionName = 120

// ErrVersionName is returned for a name that cannot name a version.
var ErrVersionName = errors.New("a version's name must be one line of 1 to 120 characters, and neither \"current\" nor \"creation\"")

// AddVersion names the document's state at heads (its current heads when
// heads is nil) and returns the version.
func (d *Doc) AddVersion(name string, heads []string, at time.Time) (Version, error) {
	name = strings.TrimSpace(name)
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxVersionName ||
		strings.EqualFold(name, "current") || strings.EqualFold(name, "creation") || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return Version{}, ErrVersionName
	}
	if heads == nil {
		heads = d.Heads()
	}
	if len(d.Known(heads)) != len(heads) {
		return Version{}, fmt.Errorf("%w: a version's heads must be changes of this draft", ErrInvalid)
	}
	root := d.am.RootMap()
	vm, err := mapAt(root, "versions")
	if err != nil {
		if err := root.Set("versions", automerge.NewMap()); err != nil {
			return Version{}, err
		}
		if vm, err = mapAt(root, "versions"); err != nil {
			return Version{}, err
		}
	}
	v := Version{ID: NewID(5), Name: name, Heads: sortedCopy(heads), Actor: d.Actor(), At: at.UTC().Truncate(time.Second)}
	d.begin(KindVersion, v.ID)
	if err := vm.Set(v.ID, automerge.NewMap()); err != nil {
		return Version{}, err
	}
	m, err := mapAt(vm, v.ID)
	if err != nil {
		return Version{}, err
	}
	for k, val := range map[string]any{"name": v.Name, "heads": strings.Join(v.Heads, ","), "actor": v.Actor, "at": v.At} {
		if err := m.Set(k, val); err != nil {
			return Version{}, err
		}
	}
	return v, nil
}

// Versions lists the named versions, oldest first.
func (d *Doc) Versions() []Version {
	vm, err := mapAt(d.am.RootMap(), "versions")
	if err != nil {
		return nil
	}
	vals, err := vm.Values()
	if err != nil {
		return nil
	}
	var out []Version
	for id, val := range vals {
		if val.Kind() != automerge.KindMap {
			continue
		}
		m := val.Map()
		v := Version{ID: id}
		v.Name, _ = strAt(m, "name")
		v.Actor, _ = strAt(m, "actor")
		hs, _ := strAt(m, "heads")
		if hs != "" {
			v.Heads = strings.Split(hs, ",")
		}
		if at, err := m.Get("at"); err == nil && at.Kind() == automerge.KindTime {
			v.At = at.Time().UTC()
		}
		if v.Name == "" || len(v.Heads) == 0 {
			continue // not a version this code wrote: leave it alone
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// SnapshotAt returns the document as it was at heads.
func (d *Doc) SnapshotAt(heads []string) (Snapshot, error) {
	old, err := d.at(heads)
	if err != nil {
		return Snapshot{}, err
	}
	return old.Snapshot(), nil
}

// at returns a read-only copy of the document as it was at heads.
func (d *Doc) at(heads []string) (*Doc, error) {
	hs := make([]automerge.ChangeHash, 0, len(heads))
	for _, h := range heads {
		ch, err := automerge.NewChangeHash(h)
		if err != nil {
			return nil, fmt.Errorf("%w: head %q", ErrInvalid, h)
		}
		hs = append(hs, ch)
	}
	if len(d.Known(heads)) != len(heads) {
		return nil, fmt.Errorf("%w: this copy of the draft does not hold that version's changes yet; sync first", ErrNotFound)
	}
	if _, err := d.Commit(); err != nil {
		return nil, err
	}
	am, err := d.am.Fork(hs...)
	if err != nil {
		return nil, err
	}
	return &Doc{am: am, now: time.Now, tr: d.trustFor()}, nil
}

func sortedCopy(xs []string) []string {
	out := append([]string(nil), xs...)
	sort.Strings(out)
	return out
}
