package crdt

import (
	"fmt"
	"sort"
	"time"

	"github.com/automerge/automerge-go"
)

// Who may decide. The draft's creator is a co-facilitator for good;
// co-facilitators give or withdraw the co-facilitator and rapporteur
// roles; a grant is stored under roles/PERSON as {role, by, at}, where by
// is the actor that granted it. Doc.Grants and Roles count a grant only
// when by is one of the creator's devices (a draft without grants needs
// no more); where grants exist, the app reads roles from the history
// instead (Authority), which judges the change that wrote a grant, not
// its by: anyone can write into the document, so authority is read from
// who wrote, not from what was written. Without signatures a peer
// can still forge by (and claim the creator's person id); the change
// that carries a grant is what a later signature will cover, and by is
// the actor the signature will have to match.
//
// The role a person states in their profile is what they say they are;
// it confers nothing.

// Grant is a role given to a person in one draft.
type Grant struct {
	Person string
	Role   Role
	By     string // the granting actor
	At     time.Time
}

// KindRole is the kind of a commit that grants or withdraws a role.
const KindRole Kind = "r"

// Creator returns the actor that created the draft: the one recorded in
// meta/creator, or for drafts made before that was recorded, the actor
// of the change every other change descends from.
func (d *Doc) Creator() string {
	if d.Signed() {
		return d.genesisActor()
	}
	d.mu.Lock()
	c := d.creator
	d.mu.Unlock()
	if c != "" {
		return c
	}
	if mm, err := mapAt(d.am.RootMap(), "meta"); err == nil {
		c, _ = strAt(mm, "creator")
	}
	if c == "" {
		if cs, err := d.am.Changes(); err == nil {
			for _, ch := range cs {
				if len(ch.Dependencies()) == 0 {
					c = ch.ActorID()
					break
				}
			}
		}
	}
	d.mu.Lock()
	d.creator = c
	d.mu.Unlock()
	return c
}

// genesisActor returns the device that made a signed draft's first
// change, the one whose hash is the draft's id, if that device's
// certificate is known: nothing written into the document can change it.
func (d *Doc) genesisActor() string {
	d.mu.Lock()
	g, id := d.tr.genesis, d.tr.id
	d.mu.Unlock()
	if g == "" {
		cs, err := d.am.Changes()
		if err != nil {
			return ""
		}
		for _, c := range cs {
			if len(c.Dependencies()) == 0 && DraftIDOf(c.Hash().String()) == id {
				g = c.Hash().String()
				break
			}
		}
		if g == "" {
			return ""
		}
		d.mu.Lock()
		d.tr.genesis = g
		d.mu.Unlock()
	}
	h, err := automerge.NewChangeHash(g)
	if err != nil {
		return ""
	}
	c, err := d.am.Change(h)
	if err != nil {
		return ""
	}
	if _, ok := d.CertOf(c.ActorID()); !ok {
		return ""
	}
	return c.ActorID()
}

// personOf returns the person behind an actor (the actor itself when the
// registry does not name one).
func personOf(parts map[string]Participant, actor string) string {
	if p, ok := parts[actor]; ok && p.Person != "" {
		return p.Person
	}
	return actor
}

// SetRole grants a person a role in the draft, or withdraws it (role
// participant). Only a co-facilitator may; the caller checks that first
// to give a clear refusal, and readers ignore grants written by anyone
// else (Authority).
func (d *Doc) SetRole(person string, role Role, at time.Time) error {
	if _, err := ParseGrant(string(role)); err != nil {
		return err
	}
	if person == "" {
		return fmt.Errorf("%w: no person to grant a role to", ErrInvalid)
	}
	root := d.am.RootMap()
	rm, err := mapAt(root, "roles")
	d.begin(KindRole, "")
	if err != nil {
		if err := root.Set("roles", automerge.NewMap()); err != nil {
			return err
		}
		if rm, err = mapAt(root, "roles"); err != nil {
			return err
		}
	}
	if err := rm.Set(person, automerge.NewMap()); err != nil {
		return err
	}
	m, err := mapAt(rm, person)
	if err != nil {
		return err
	}
	for k, v := range map[string]any{"role": string(role), "by": d.Actor(), "at": at.UTC().Truncate(time.Millisecond)} {
		if err := m.Set(k, v); err != nil {
			return err
		}
	}
	return nil
}

// HasGrants reports whether the draft holds any grant at all, counted
// or not: whether its roles must be read from the history.
func (d *Doc) HasGrants() bool {
	rm, err := mapAt(d.am.RootMap(), "roles")
	if err != nil {
		return false
	}
	keys, err := rm.Keys()
	return err == nil && len(keys) > 0
}

// Grants returns the grants that count (made by one of the creator's
// devices), keyed by person.
func (d *Doc) Grants() map[string]Grant {
	return d.grants(d.Participants(), d.Creator())
}

func (d *Doc) grants(parts map[string]Participant, creator string) map[string]Grant {
	out := map[string]Grant{}
	rm, err := mapAt(d.am.RootMap(), "roles")
	if err != nil {
		return out
	}
	vals, err := rm.Values()
	if err != nil {
		return out
	}
	creatorPerson := personOf(parts, creator)
	for person, v := range vals {
		if v.Kind() != automerge.KindMap {
			continue
		}
		m := v.Map()
		g := Grant{Person: person}
		role, _ := strAt(m, "role")
		g.By, _ = strAt(m, "by")
		if r, err := ParseGrant(role); err == nil {
			g.Role = r
		}
		if at, err := m.Get("at"); err == nil && at.Kind() == automerge.KindTime {
			g.At = at.Time().UTC()
		}
		if g.Role == "" || g.By == "" || personOf(parts, g.By) != creatorPerson {
			continue
		}
		out[person] = g
	}
	return out
}

// Roles returns the role every actor of the registry holds in the
// draft, keyed by actor, the creator's included.
func (d *Doc) Roles() map[string]Role {
	parts := d.Participants()
	creator := d.Creator()
	grants := d.grants(parts, creator)
	out := map[string]Role{}
	actors := make([]string, 0, len(parts)+1)
	for a := range parts {
		actors = append(actors, a)
	}
	if _, ok := parts[creator]; !ok && creator != "" {
		actors = append(actors, creator)
	}
	sort.Strings(actors)
	for _, a := range actors {
		out[a] = roleOf(parts, grants, creator, a)
	}
	return out
}

// RoleOf returns the role an actor's person holds in the draft.
func (d *Doc) RoleOf(actor string) Role {
	parts := d.Participants()
	creator := d.Creator()
	return roleOf(parts, d.grants(parts, creator), creator, actor)
}

func roleOf(parts map[string]Participant, grants map[string]Grant, creator, actor string) Role {
	person := personOf(parts, actor)
	if person == personOf(parts, creator) {
		return RoleCoFacilitator
	}
	if g, ok := grants[person]; ok {
		return g.Role
	}
	return RoleParticipant
}

// CanDecide reports whether a role may accept or reject contributions
// and name versions.
func (r Role) CanDecide() bool { return r == RoleCoFacilitator || r == RoleRapporteur }
