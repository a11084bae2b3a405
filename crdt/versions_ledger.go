package crdt

import (
	"slices"
	"strings"
)

// The named versions that count. A version is a map under versions/ID
// whose fields (name, heads, actor, at) anyone holding the draft can
// write, a forged "actor" and an earlier "at" included. What counts is
// read from the history instead: a version is what the change that made
// its map wrote into it (later writes to its fields by others are not
// that version), by that change's author, who must have held the
// co-facilitator's or rapporteur's role as that change saw the draft
// (Authority). Versions are listed in the order of the history: one
// made knowing another comes after it, and of versions made apart the
// one whose change has the smaller hash comes first, alike on every peer
// and whatever anyone's clock says (a co-facilitator whose clock was set
// back would otherwise take a name from another's version made apart).
// A name then refers to the first that counts.

// isVersionMap reports whether an object is one version's map
// (versions/ID).
func (l *Ledger) isVersionMap(obj elemID) bool {
	o := l.objects[obj]
	if o == nil || o.text {
		return false
	}
	top := l.objects[o.parent]
	return top != nil && !top.text && top.key == "versions" && top.parent == (elemID{}) && o.parent != (elemID{})
}

// Versions returns the versions that count, in the order of the history.
func (a *Authority) Versions() []Version { return a.versions(true) }

// RefusedVersions returns the versions that count for nothing because
// whoever named them held no role to, in the order of the history:
// shown as such, so nobody takes one for the draft's.
func (a *Authority) RefusedVersions() []Version { return a.versions(false) }

func (a *Authority) versions(counted bool) []Version {
	l := a.l
	type made struct {
		v  Version
		by ChangeRef
	}
	var all []made
	seen := map[string]bool{}
	for id, o := range l.objects {
		if !l.isVersionMap(id) || o.by < 0 {
			continue
		}
		by := o.by
		mine := func(p *prop) bool { return p.by == by }
		name, ok1 := l.register(o.props["name"], mine)
		heads, ok2 := l.register(o.props["heads"], mine)
		if !ok1 || !ok2 || name.str == "" || heads.str == "" || seen[o.key] {
			continue
		}
		if a.AuthorRole(by).CanDecide() != counted {
			continue
		}
		hs := strings.Split(heads.str, ",")
		known := true
		for _, h := range hs {
			if _, ok := l.byHash[h]; !ok {
				known = false
			}
		}
		if !known {
			continue
		}
		seen[o.key] = true
		slices.Sort(hs)
		c := l.changes[by]
		all = append(all, made{v: Version{ID: o.key, Name: name.str, Heads: hs, Actor: c.Actor, At: c.Time.UTC()}, by: by})
	}
	// Kahn's order over "made knowing": of the versions whose
	// predecessors are placed, the smaller change hash.
	placed := make([]bool, len(all))
	out := make([]Version, 0, len(all))
	for len(out) < len(all) {
		best := -1
		for i := range all {
			if placed[i] {
				continue
			}
			ready := true
			for j := range all {
				if !placed[j] && j != i && a.before(all[j].by, all[i].by) {
					ready = false
					break
				}
			}
			if !ready {
				continue
			}
			if best < 0 || l.changes[all[i].by].Hash < l.changes[all[best].by].Hash {
				best = i
			}
		}
		if best < 0 {
			break // a cycle, which causality cannot make
		}
		placed[best] = true
		out = append(out, all[best].v)
	}
	return out
}
