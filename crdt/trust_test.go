package crdt

import (
	"crypto/ed25519"
	"errors"
	"testing"
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
