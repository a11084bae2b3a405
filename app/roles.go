package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// ErrForbidden is returned when the local participant's role in a draft
// does not allow what was asked.
var ErrForbidden = errors.New("not allowed")

// Role returns the local participant's role in the draft as the view
// has it. A role is a person's, but each process writes as a device of
// its own, which the draft's registry learns at its first write (and the
// view's roles later still): until then the device holds the role of
// its person, as the draft will say once it writes. Otherwise a
// co-facilitator's window opened after the command line wrote would
// offer them no Accept and no Respond.
func (s *Session) Role() crdt.Role {
	v := s.View()
	if r, ok := v.Roles[s.w.actor]; ok {
		return r
	}
	person := ""
	for _, p := range v.Participants {
		if p.Actor == s.w.actor {
			person = p.Person
		}
	}
	if person == "" {
		person = s.Person()
	}
	for _, p := range v.Participants {
		if r, ok := v.Roles[p.Actor]; ok && person != "" && p.Person == person {
			return r
		}
	}
	return crdt.RoleParticipant
}

// Person returns who the local participant is in this draft: the
// fingerprint of the person key in a draft made with signatures (what
// the device's certificate proves), the profile's stored id in one made
// before (what its registry entries say).
func (s *Session) Person() string {
	if crdt.SignedID(s.id) {
		return s.w.signer.PersonID()
	}
	// Not registered yet: a setting read, once per question until the
	// first write.
	prof, _, err := s.w.Profile(context.Background())
	if err != nil {
		return ""
	}
	return prof.Person
}

// PersonRow is one person of a draft: the entry of theirs that says
// most (a signed one with a name, over one a device wrote without), and
// every device of theirs.
type PersonRow struct {
	crdt.Participant
	Devices []string // actor ids, in the registry's order
}

// People returns one row per person (a device whose entry names no
// person is one of its own), in the order their first device appears.
func (v *View) People() []PersonRow {
	var out []PersonRow
	at := map[string]int{}
	for _, p := range v.Participants {
		key := p.Person
		if key == "" {
			key = p.Actor
		}
		i, ok := at[key]
		if !ok {
			at[key] = len(out)
			out = append(out, PersonRow{Participant: p, Devices: []string{p.Actor}})
			continue
		}
		row := &out[i]
		row.Devices = append(row.Devices, p.Actor)
		if (p.Verified && !row.Verified) || (row.Name == "" && p.Name != "") {
			row.Participant = p
		}
	}
	return out
}

// RoleOf returns the role an actor holds in the draft in this view.
func (v *View) RoleOf(actor string) crdt.Role {
	if r, ok := v.Roles[actor]; ok {
		return r
	}
	return crdt.RoleParticipant
}

// CanGrant reports whether the local participant may give and withdraw
// roles: a co-facilitator may (the draft's creator always is one).
func (s *Session) CanGrant() bool { return s.Role() == crdt.RoleCoFacilitator }

// mayDecide refuses, with what to do about it, a decision the local
// participant's role does not allow. It runs on the owner after
// beginWrite, so the registry already names the local device.
func (s *Session) mayDecide(what string) error {
	doc := s.o.doc
	if s.roleNow().CanDecide() {
		return nil
	}
	creator := "the draft's creator"
	if p, ok := doc.Participants()[doc.Creator()]; ok && p.Name != "" {
		creator = p.Name + ", who created the draft,"
	}
	return fmt.Errorf("%w: only a co-facilitator or the rapporteur can %s; %s can give you that role with `bpfdraft role`", ErrForbidden, what, creator)
}

// roleNow is the local device's role as the draft stands, read as the
// view reads every role (roles). Owner only, after beginWrite.
func (s *Session) roleNow() crdt.Role {
	if r, ok := s.roles()[s.w.actor]; ok {
		return r
	}
	return crdt.RoleParticipant
}

// SetRole gives a participant (by name, person id or device id) a role
// in the draft, or withdraws it with crdt.RoleParticipant. Only a
// co-facilitator may.
func (s *Session) SetRole(ctx context.Context, who string, role crdt.Role) (crdt.Participant, error) {
	var target crdt.Participant
	err := s.edit(ctx, func() error {
		doc := s.o.doc
		parts := doc.Participants()
		creator := doc.Creator()
		if s.roleNow() != crdt.RoleCoFacilitator {
			return fmt.Errorf("%w: only a co-facilitator can give or withdraw roles", ErrForbidden)
		}
		var err error
		if target, err = findParticipant(parts, who); err != nil {
			return err
		}
		if target.Person == parts[creator].Person || target.Actor == creator {
			return fmt.Errorf("%w: the draft's creator is always a co-facilitator", crdt.ErrInvalid)
		}
		return doc.SetRole(target.Person, role, s.w.opts.Now())
	})
	return target, err
}

// findParticipant finds the one person a reference names: an exact name
// (ignoring case), a person id, or a device's actor id or a unique start
// of one. Several devices of one person are one match.
func findParticipant(parts map[string]crdt.Participant, ref string) (crdt.Participant, error) {
	ref = strings.TrimSpace(ref)
	byPerson := map[string]crdt.Participant{}
	for _, match := range []func(p crdt.Participant) bool{
		func(p crdt.Participant) bool {
			return strings.EqualFold(p.Name, ref) || p.Person == ref || p.Actor == ref
		},
		func(p crdt.Participant) bool {
			return len(ref) >= 4 && strings.HasPrefix(p.Actor, strings.ToLower(ref))
		},
	} {
		for _, p := range parts {
			if p.Person != "" && match(p) {
				byPerson[p.Person] = p
			}
		}
		if len(byPerson) > 0 {
			break
		}
	}
	switch len(byPerson) {
	case 1:
		for _, p := range byPerson {
			return p, nil
		}
	case 0:
		return crdt.Participant{}, fmt.Errorf("%w: no participant %q in this draft; `bpfdraft coverage DRAFT` lists who has written", ErrNotFound, ref)
	}
	return crdt.Participant{}, fmt.Errorf("%w: %q names %d people; use a person or device id", ErrAmbiguous, ref, len(byPerson))
}

// Refused lists what a draft holds that counts for nothing, because
// whoever wrote it held no role to: grants (a role claimed without a
// valid chain) and versions. Shown as such, so that nobody takes them for
// the draft's. A draft without grants or versions has none.
type Refused struct {
	Grants   []crdt.RefusedGrant
	Versions []crdt.Version
}

// Refused returns what counts for nothing in the draft (see Refused),
// as the view has it.
func (s *Session) Refused() Refused { return s.View().Refused }

// refused works Refused out for the view, from the history when the
// draft holds grants or versions at all (it builds the ledger then, as
// the roles and versions do). Owner only.
func (s *Session) refused() Refused {
	if !s.o.doc.HasGrants() && len(s.o.doc.Versions()) == 0 {
		return Refused{}
	}
	_, auth, err := s.authority()
	if err != nil {
		return Refused{}
	}
	return Refused{Grants: auth.RefusedGrants(), Versions: auth.RefusedVersions()}
}
