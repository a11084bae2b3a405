package app

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/sync/blobwire"
)

// RelayProof is what a relay is given to keep a draft: the draft's first
// change and its device's certificate, which prove who created it, and
// the chain of relay statements from the creator's first (crdt's
// RelayStatement): who may register the draft, under which access key,
// with which relays. It holds no secret and nothing of the draft's text.
type RelayProof struct {
	DraftID string
	Genesis []byte
	Creator []byte   // crdt.EncodeCert
	Chain   [][]byte // crdt.RelayStatement.Encode, first to last
}

// Last returns the newest statement of the proof's chain.
func (p RelayProof) Last() (crdt.RelayStatement, error) {
	if len(p.Chain) == 0 {
		return crdt.RelayStatement{}, fmt.Errorf("%w: no relay statement", crdt.ErrStatement)
	}
	return crdt.DecodeStatement(p.Chain[len(p.Chain)-1])
}

// ErrUnsignedDraft is returned when a relay is asked to keep a draft made
// before signatures: nothing proves who may register it.
var ErrUnsignedDraft = fmt.Errorf("%w: this draft was made before signatures, and relays keep a draft only as its creator's chain of statements says; start its next version as a new draft (`bpfdraft next-year`) to use relays", ErrForbidden)

// StateRelays makes the draft say, signed by this co-facilitator, that it
// uses relays under access (the public half of its current secret's
// access key), with the co-facilitators now as those who may say so
// next, unless its newest statement says exactly that already; and
// returns the proof to give relays.
func (s *Session) StateRelays(ctx context.Context, relays []string, access ed25519.PublicKey) (RelayProof, error) {
	var proof RelayProof
	err := s.edit(ctx, func() error {
		doc := s.o.doc
		if !crdt.SignedID(s.id) {
			return ErrUnsignedDraft
		}
		if s.roleNow() != crdt.RoleCoFacilitator {
			return fmt.Errorf("%w: only a co-facilitator can register the draft with a relay or replace its code: relays keep a draft only as its co-facilitators say", ErrForbidden)
		}
		chain := doc.RelayChain()
		if n := len(chain); n > 0 && chain[n-1].Access.Equal(access) && sameSet(chain[n-1].Relays, relays) {
			return nil
		}
		st := crdt.RelayStatement{DraftID: s.id, Version: uint64(len(chain)) + 1, Access: access,
			Relays: slices.Clone(relays), Admins: s.coFacilitators()}
		if n := len(chain); n > 0 {
			st.Prev = chain[n-1].Hash()
		}
		return doc.AddRelayStatement(s.w.signer.SignStatement(st))
	})
	if err != nil {
		return proof, err
	}
	return s.RelayProof()
}

// RelayProof returns the proof a relay keeps the draft by (StateRelays).
func (s *Session) RelayProof() (RelayProof, error) {
	p := RelayProof{DraftID: s.id}
	err := s.do(func() error {
		doc := s.o.doc
		genesis, err := doc.Genesis()
		if err != nil {
			return err
		}
		cert, ok := doc.CreatorCert()
		if genesis == nil || !ok {
			return ErrUnsignedDraft
		}
		p.Genesis, p.Creator = genesis, crdt.EncodeCert(cert)
		for _, st := range doc.RelayChain() {
			p.Chain = append(p.Chain, st.Encode())
		}
		if len(p.Chain) == 0 {
			return fmt.Errorf("%w: the draft names no relay yet; a co-facilitator adds one with `bpfdraft invite DRAFT --relay ADDR`", crdt.ErrStatement)
		}
		return nil
	})
	return p, err
}

// coFacilitators lists the people who hold the co-facilitator role now,
// by fingerprint, the creator first. Owner only, after beginWrite.
func (s *Session) coFacilitators() []string {
	doc := s.o.doc
	parts := doc.Participants()
	out := []string{}
	if p, ok := parts[doc.Creator()]; ok && p.Person != "" {
		out = append(out, p.Person)
	}
	for actor, role := range s.roles() {
		if p, ok := parts[actor]; ok && role == crdt.RoleCoFacilitator && p.Person != "" && !slices.Contains(out, p.Person) {
			out = append(out, p.Person)
		}
	}
	slices.Sort(out[min(1, len(out)):])
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// ListedRelays returns the relays the draft's co-facilitators list (its
// newest relay statement), or nil when it has none: nothing of the draft
// is sent to any other relay.
func (s *Session) ListedRelays() []string {
	var out []string
	s.do(func() error {
		if chain := s.o.doc.RelayChain(); len(chain) > 0 {
			out = chain[len(chain)-1].Relays
		}
		return nil
	})
	return out
}

// ErrUnlistedRelay is returned for an invite code that names, for a draft
// already here, a relay its co-facilitators do not list.
var ErrUnlistedRelay = errors.New("the code names a relay this draft's co-facilitators do not list")

// unlistedRelays returns the relays of relays that a draft held here, with
// a statement of its relays, does not list.
func (w *Workspace) unlistedRelays(ctx context.Context, draftID string, relays []string) ([]string, error) {
	if len(relays) == 0 {
		return nil, nil
	}
	if _, err := w.store.Draft(ctx, draftID); err != nil {
		return nil, nil // not here yet: its statements come with it
	}
	s, err := w.Session(ctx, draftID)
	if err != nil {
		return nil, err
	}
	defer s.Close(ctx)
	listed := s.ListedRelays()
	if listed == nil {
		return nil, nil
	}
	var out []string
	for _, r := range relays {
		if !slices.ContainsFunc(listed, func(l string) bool { return samePeer(l, r) }) {
			out = append(out, r)
		}
	}
	return out, nil
}

// samePeer says whether two multiaddrs end in the same /p2p/ id.
func samePeer(a, b string) bool {
	id := func(s string) string {
		if i := strings.LastIndex(s, "/p2p/"); i >= 0 {
			return s[i+len("/p2p/"):]
		}
		return s
	}
	return id(a) == id(b)
}

// Registration is RelayProof as the sync engine hands it to a relay that
// missed the draft's newest statement.
func (s *Session) Registration() (blobwire.Registration, error) {
	p, err := s.RelayProof()
	return blobwire.Registration{DraftID: p.DraftID, Genesis: p.Genesis, Creator: p.Creator, Chain: p.Chain}, err
}
