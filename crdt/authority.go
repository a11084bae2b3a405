package crdt

import "sort"

// Authority judges a decision, response or import by the role its author
// held when writing it, not by the role they hold now: withdrawing a role
// must not erase what its holder decided while they held it (their
// reverts stay in the text), and a role granted later must not bless
// what was written before. "When writing it" is the change's causal past
// (its dependencies and all they depend on), the only "then" every peer
// agrees on: clocks can be set to anything.
//
// Grants are read from the ledger, which keeps every op on the keys of
// roles/ and of each grant map in it (outline.go's noteProp), so the
// grants of any past state are Automerge's registers over the ops of
// that state: of the ops not overwritten there, the greatest op id
// wins, which every peer orders alike. Only ops written by a
// co-facilitator, as their change saw the draft, take part (the creator's
// devices always are; a co-facilitator's standing is judged the same way
// in the past of the change that wrote it): anyone can write into the
// document, so a participant's or rapporteur's grant, or their overwrite
// of a real one, is left out as if it had never been written (it neither
// gives a role nor hides one).
//
// Which device is whose comes from the participant registry as it is
// now, not as of the change: the ledger does not track the registry's
// history, and a device's person is not meant to change (a device
// registers once, at its first write; signed device links will replace
// the registry and cannot change at all). Reading it as of then would
// also lose the creator's new devices, each registered in the same
// change that first uses it.
//
// Several roles maps (two of the creator's devices each making one
// before they met) are read as one, as journals are: Automerge shows one
// of them, but a grant in the other was still given.

// isRolesMap reports whether an object is a map at the root under
// "roles".
func (l *Ledger) isRolesMap(obj elemID) bool {
	o := l.objects[obj]
	return o != nil && !o.text && o.key == "roles" && o.parent == (elemID{}) && obj != (elemID{})
}

// isGrantMap reports whether an object is one person's grant
// (roles/PERSON).
func (l *Ledger) isGrantMap(obj elemID) bool {
	o := l.objects[obj]
	return o != nil && !o.text && l.isRolesMap(o.parent)
}

// Authority answers which role an actor held as a given change saw the
// draft. It holds the grants the creator's devices wrote, a few, and
// memos of what it has worked out; make one per reading of the ledger
// (it does not see changes the ledger learns later). Not safe for
// concurrent use.
type Authority struct {
	l             *Ledger
	parts         map[string]Participant
	creatorPerson string
	grants        map[string][]prop    // by person: the creator's ops on roles/PERSON
	roleOps       map[elemID][]prop    // by grant map: the creator's ops on its "role"
	past          map[ChangeRef][]bool // by grant change: the changes descending from it
	valid         map[ChangeRef]bool   // by grant change: whether its author could grant
	memo          map[roleKey]Role
}

type roleKey struct {
	at     ChangeRef
	person string
}

// Authority returns the judge of roles for this ledger, given the
// draft's creator (Doc.Creator) and participant registry
// (Doc.Participants).
func (l *Ledger) Authority(creator string, parts map[string]Participant) *Authority {
	a := &Authority{
		l: l, parts: parts,
		grants:  map[string][]prop{},
		roleOps: map[elemID][]prop{},
		past:    map[ChangeRef][]bool{},
		valid:   map[ChangeRef]bool{},
		memo:    map[roleKey]Role{},
	}
	if creator != "" {
		a.creatorPerson = personOf(parts, creator)
	}
	for id, o := range l.objects {
		switch {
		case l.isRolesMap(id):
			for person, ops := range o.props {
				a.grants[person] = append(a.grants[person], ops...)
			}
		case l.isGrantMap(id):
			a.roleOps[id] = append(a.roleOps[id], o.props["role"]...)
		}
	}
	return a
}

// Authority returns the judge of roles for a ledger read from this
// draft, with the draft's creator and registry.
func (d *Doc) Authority(l *Ledger) *Authority {
	return l.Authority(d.Creator(), d.Participants())
}

// byCreator reports whether a change was written by one of the
// creator's devices, who is always a co-facilitator.
func (a *Authority) byCreator(c ChangeRef) bool {
	return a.creatorPerson != "" && personOf(a.parts, a.l.changes[c].Actor) == a.creatorPerson
}

// before reports whether change g is in change c's causal past. The
// same few grant changes are asked about for every entry, so each gets,
// once, the set of the changes that descend from it: one pass over the
// ledger's order, which puts every change after its dependencies, where
// a walk back from each entry (Precedes) would cost the history per
// entry.
func (a *Authority) before(g, c ChangeRef) bool {
	desc, ok := a.past[g]
	if !ok {
		desc = make([]bool, len(a.l.changes))
		for i := int(g) + 1; i < len(desc); i++ {
			for _, d := range a.l.changes[i].Deps {
				if d == g || desc[d] {
					desc[i] = true
					break
				}
			}
		}
		a.past[g] = desc
	}
	return c >= 0 && int(c) < len(desc) && desc[c]
}

// RoleAt returns the role actor's person held in the causal past of
// change c: from the grants c's dependencies had seen, not c itself
// (a change cannot grant its own author a role) and nothing written
// since or apart. The creator's person is always a co-facilitator.
func (a *Authority) RoleAt(c ChangeRef, actor string) Role {
	person := personOf(a.parts, actor)
	if a.creatorPerson != "" && person == a.creatorPerson {
		return RoleCoFacilitator
	}
	k := roleKey{at: c, person: person}
	if r, ok := a.memo[k]; ok {
		return r
	}
	r := a.granted(person, func(p *prop) bool { return a.before(p.by, c) })
	a.memo[k] = r
	return r
}

// granted is a person's role from the grant ops seen lets in that count:
// those written by someone who was a co-facilitator as their change saw
// the draft (the creator always is). Whether one counts asks the same of
// the grants before it, which are fewer: the question ends at the
// creator's.
func (a *Authority) granted(person string, seen func(*prop) bool) Role {
	counts := func(p *prop) bool { return seen(p) && a.grantCounts(p.by) }
	if g, ok := a.l.register(a.grants[person], counts); ok {
		if rp, ok := a.l.register(a.roleOps[g.id], counts); ok {
			if parsed, err := ParseGrant(rp.str); err == nil {
				return parsed
			}
		}
	}
	return RoleParticipant
}

// grantCounts reports whether change c's author was a co-facilitator as
// c saw the draft: whether the grants c wrote count.
func (a *Authority) grantCounts(c ChangeRef) bool {
	v, ok := a.valid[c]
	if !ok {
		v = a.byCreator(c) || a.AuthorRole(c) == RoleCoFacilitator
		a.valid[c] = v
	}
	return v
}

// RefusedGrant is a grant written by someone who could not give it.
type RefusedGrant struct {
	Person string // whom it names
	Role   Role
	By     string // the device whose change wrote it
}

// RefusedGrants returns the grants in the draft that count for nothing:
// written by a device whose person was no co-facilitator as that change
// saw the draft. Shown as such: a role claimed without a valid chain.
func (a *Authority) RefusedGrants() []RefusedGrant {
	var out []RefusedGrant
	for id, o := range a.l.objects {
		if !a.l.isGrantMap(id) {
			continue
		}
		for _, p := range o.props["role"] {
			if a.grantCounts(p.by) {
				continue
			}
			r, err := ParseGrant(p.str)
			if err != nil {
				continue
			}
			out = append(out, RefusedGrant{Person: a.l.objects[id].key, Role: r, By: a.l.changes[p.by].Actor})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Person != out[j].Person {
			return out[i].Person < out[j].Person
		}
		return out[i].By+string(out[i].Role) < out[j].By+string(out[j].Role)
	})
	return out
}

// RoleNow returns the role actor's person holds in the draft as the
// ledger has it: from every grant that counts.
func (a *Authority) RoleNow(actor string) Role {
	person := personOf(a.parts, actor)
	if a.creatorPerson != "" && person == a.creatorPerson {
		return RoleCoFacilitator
	}
	k := roleKey{at: -1, person: person}
	if r, ok := a.memo[k]; ok {
		return r
	}
	r := a.granted(person, func(*prop) bool { return true })
	a.memo[k] = r
	return r
}

// RolesNow returns RoleNow for every actor of the registry, and the
// creator's.
func (a *Authority) RolesNow(creator string) map[string]Role {
	out := make(map[string]Role, len(a.parts)+1)
	for actor := range a.parts {
		out[actor] = a.RoleNow(actor)
	}
	if creator != "" {
		out[creator] = RoleCoFacilitator
	}
	return out
}

// AuthorRole returns the role the author of change c held as c saw the
// draft: what decides whether the decision, response or import c wrote
// counts.
func (a *Authority) AuthorRole(c ChangeRef) Role {
	if c < 0 || int(c) >= len(a.l.changes) {
		return RoleParticipant
	}
	return a.RoleAt(c, a.l.changes[c].Actor)
}
