package crdt

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"

	"github.com/automerge/automerge-go"
)

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signedDraft makes a draft with signatures, and a joiner's copy of it.
func signedDraft(t *testing.T) (owner, joiner *Doc, ownerKey, joinerKey ed25519.PrivateKey) {
	t.Helper()
	ownerKey, joinerKey = newKey(t), newKey(t)
	owner, err := NewSigned(NewSigner(ownerKey), TemplateOutput, English, "BPF Cybersecurity 2026", "Cybersecurity", 2026, t0)
	if err != nil {
		t.Fatal(err)
	}
	joiner = emptySigned(t, owner.DraftID(), NewSigner(joinerKey))
	send(t, owner, joiner)
	return owner, joiner, ownerKey, joinerKey
}

func emptySigned(t *testing.T, id string, s *Signer) *Doc {
	t.Helper()
	d, err := Empty(NewActor())
	if err != nil {
		t.Fatal(err)
	}
	d.SetDraftID(id)
	if err := d.SetSigner(s); err != nil {
		t.Fatal(err)
	}
	return d
}

// send gives to what from has that it lacks, as a push does: the
// changes and their seals, through the seal block's encoding.
func send(t *testing.T, from, to *Doc) {
	t.Helper()
	if err := trySend(from, to); err != nil {
		t.Fatal(err)
	}
}

func trySend(from, to *Doc) error {
	data, n, err := from.ChangesSince(to.Known(from.Heads()))
	if err != nil || n == 0 {
		return err
	}
	seals, withCert := from.SealsFor(data)
	batch, err := ChunkHashes(data)
	if err != nil {
		return err
	}
	block := EncodeSeals(seals, batch, withCert)
	got, err := to.DecodeSeals(block, batch, data)
	if err != nil {
		return err
	}
	return to.Admit(data, got)
}

func TestSignedDraftNamesItsCreator(t *testing.T) {
	owner, joiner, ownerKey, joinerKey := signedDraft(t)
	if !SignedID(owner.DraftID()) {
		t.Fatalf("id %q is not a signed draft's", owner.DraftID())
	}
	if owner.Creator() != owner.Actor() || joiner.Creator() != owner.Actor() {
		t.Fatalf("creator %q / %q, want %q", owner.Creator(), joiner.Creator(), owner.Actor())
	}
	if _, err := joiner.SetParticipant(Participant{Person: "forged", Name: "Ana"}); err != nil {
		t.Fatal(err)
	}
	commit(t, joiner)
	send(t, joiner, owner)
	p := owner.Participants()[joiner.Actor()]
	if !p.Verified || p.Person != Fingerprint(joinerKey.Public().(ed25519.PublicKey)) || p.Name != "Ana" {
		t.Fatalf("joiner's entry as the owner reads it: %+v", p)
	}
	if got := owner.Participants()[owner.Actor()].Person; got != Fingerprint(ownerKey.Public().(ed25519.PublicKey)) {
		t.Fatalf("owner's person %q", got)
	}
}

// A change under a fresh actor with no seal, made with the same crdt code
// a hostile build would use, is refused and nothing of it is merged.
func TestUnsealedChangeRefused(t *testing.T) {
	owner, joiner, _, _ := signedDraft(t)
	forger, err := Empty(NewActor())
	if err != nil {
		t.Fatal(err)
	}
	if err := forger.Merge(joiner); err != nil {
		t.Fatal(err)
	}
	sec := forger.Sections()[0].ID
	if err := forger.Splice(sec, 0, 0, "forged "); err != nil {
		t.Fatal(err)
	}
	commit(t, forger)
	before := owner.Heads()
	err = trySend(forger, owner)
	if !errors.Is(err, ErrUnsealed) {
		t.Fatalf("unsealed change: %v", err)
	}
	if len(owner.Known(forger.Heads())) != 0 || len(owner.Heads()) != len(before) {
		t.Fatal("the refused change was merged")
	}
}

// Attack 2: a participant writes meta.creator (and meta.id) in a change
// of their own, sealed: nobody takes it for the creator, the real one
// keeps the role.
func TestCreatorCannotBeRewritten(t *testing.T) {
	owner, joiner, _, _ := signedDraft(t)
	mm, err := mapAt(joiner.am.RootMap(), "meta")
	if err != nil {
		t.Fatal(err)
	}
	joiner.begin(KindMeta, "")
	if err := mm.Set("creator", joiner.Actor()); err != nil {
		t.Fatal(err)
	}
	if err := mm.Set("id", "aaaaaaaaaaaaaaaa"); err != nil {
		t.Fatal(err)
	}
	commit(t, joiner)
	send(t, joiner, owner)
	for _, d := range []*Doc{owner, joiner} {
		if d.Creator() != owner.Actor() {
			t.Errorf("creator %s after the forged meta.creator, want %s", short(d.Creator()), short(owner.Actor()))
		}
		if d.ID() != owner.DraftID() || d.Meta().ID != owner.DraftID() {
			t.Errorf("id %s / %s after the forged meta.id", d.ID(), d.Meta().ID)
		}
		roles := d.Authority(mustLedger(t, d)).RolesNow(d.Creator())
		if roles[owner.Actor()] != RoleCoFacilitator || roles[joiner.Actor()] == RoleCoFacilitator {
			t.Errorf("roles after the forged meta.creator: %v", roles)
		}
	}
}

// Attack 3: a change under another device's actor id, with no seal or
// with the forger's own, is refused; and a registry entry the forger
// writes for someone else's device neither renames them nor moves them
// to another group or region.
func TestImpersonationRefused(t *testing.T) {
	owner, joiner, _, joinerKey := signedDraft(t)
	if _, err := owner.SetParticipant(Participant{Name: "Amina", Group: "civil society", Region: "African"}); err != nil {
		t.Fatal(err)
	}
	commit(t, owner)
	send(t, owner, joiner)

	// A copy of the joiner's that writes as the owner's device.
	forger, err := Empty(NewActor())
	if err != nil {
		t.Fatal(err)
	}
	forger.SetDraftID(joiner.DraftID())
	if err := forger.Merge(joiner); err != nil {
		t.Fatal(err)
	}
	if err := forger.SetActor(owner.Actor()); err != nil {
		t.Fatal(err)
	}
	sec := forger.Sections()[0].ID
	if err := forger.Splice(sec, 0, 0, "The owner never wrote this. "); err != nil {
		t.Fatal(err)
	}
	commit(t, forger)
	data, _, err := forger.ChangesSince(joiner.Heads())
	if err != nil {
		t.Fatal(err)
	}
	// No seal at all, then the forger's own seal on the change.
	if err := joiner.Admit(data, nil); !errors.Is(err, ErrUnsealed) {
		t.Fatalf("a change under the owner's actor without a seal: %v", err)
	}
	forgerSigner := NewSigner(joinerKey)
	own, err := forgerSigner.seal(joiner.DraftID(), mustHashes(t, data)[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := joiner.Admit(data, []Seal{own}); !errors.Is(err, ErrUnsealed) {
		t.Fatalf("a change under the owner's actor with the forger's seal: %v", err)
	}
	if strings.Contains(joiner.Sections()[0].Body, "never wrote") {
		t.Fatal("the forged text was merged")
	}

	// A registry entry for the owner's device, written (and sealed) by
	// the joiner's.
	pm, err := mapAt(joiner.am.RootMap(), "participants")
	if err != nil {
		t.Fatal(err)
	}
	joiner.begin(KindProfile, "")
	if err := pm.Set(owner.Actor(), automerge.NewMap()); err != nil {
		t.Fatal(err)
	}
	m, _ := mapAt(pm, owner.Actor())
	for k, v := range map[string]string{"person": joiner.Participants()[joiner.Actor()].Person, "name": "Forged", "group": "private sector", "region": "WEOG"} {
		m.Set(k, v)
	}
	commit(t, joiner)
	send(t, joiner, owner)
	p := owner.Participants()[owner.Actor()]
	if p.Name == "Forged" || p.Group == "private sector" || p.Verified || p.Person != Fingerprint(owner.tr.signer.cert.Key) {
		t.Fatalf("the owner's entry after a forged one: %+v", p)
	}
}

func mustHashes(t *testing.T, data []byte) []string {
	t.Helper()
	h, err := ChunkHashes(data)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustLedger(t *testing.T, d *Doc) *Ledger {
	t.Helper()
	l := NewLedger()
	if _, err := l.Update(d); err != nil {
		t.Fatal(err)
	}
	return l
}
