package crdt

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"

	"github.com/automerge/automerge-go"
)

func newKey(t testing.TB) ed25519.PrivateKey {
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

func emptySigned(t testing.TB, id string, s *Signer) *Doc {
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

func trySend(from, to *Doc) error { return deliver(from, to, false) }

// deliver is a push from one copy to another, through the seal block's
// encoding; judged, the receiver also judges authors' roles, as a
// session admits.
func deliver(from, to *Doc, judge bool) error {
	data, n, err := from.ChangesSince(to.Known(from.Heads()))
	if err != nil || n == 0 {
		return err
	}
	block, _ := from.SealBlock(data)
	batch, err := ChunkHashes(data)
	if err != nil {
		return err
	}
	got, err := to.DecodeSeals(block, batch, data)
	if err != nil {
		return err
	}
	if judge {
		return to.AdmitJudged(data, got, judged(to))
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
	// A device that has written nothing is nobody's entry yet (each
	// process that opened the draft showed as a person without a name).
	if _, ok := joiner.Participants()[joiner.Actor()]; ok {
		t.Error("the joiner's device is a participant before it wrote")
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

func judged(d *Doc) func() (*Ledger, error) {
	return func() (*Ledger, error) {
		l := NewLedger()
		_, err := l.Update(d)
		return l, err
	}
}

// trySendJudged is trySend as a session admits: judging roles.
func trySendJudged(from, to *Doc) error { return deliver(from, to, true) }

// Issue 23, attack 9: once a co-facilitator removes a participant, every
// peer refuses what the removed person writes knowing it, whoever
// carries it (a co-author who holds the removal, or one who gets the
// removal and the later change together); what they wrote before, or
// apart from the removal, stays, and stays theirs.
func TestRemovedParticipantRefused(t *testing.T) {
	owner, removed, _, removedKey := signedDraft(t)
	carrier := emptySigned(t, owner.DraftID(), NewSigner(newKey(t)))
	late := emptySigned(t, owner.DraftID(), NewSigner(newKey(t)))
	send(t, owner, carrier)
	send(t, owner, late)
	sec := owner.Sections()[0].ID
	write := func(d *Doc, text string) {
		t.Helper()
		if err := d.Splice(sec, 0, 0, text); err != nil {
			t.Fatal(err)
		}
		commit(t, d)
	}
	write(removed, "Before the removal. ")
	for _, d := range []*Doc{owner, carrier, late} {
		send(t, removed, d)
	}
	person := Fingerprint(removedKey.Public().(ed25519.PublicKey))
	if err := owner.SetRole(person, RoleRemoved, t0); err != nil {
		t.Fatal(err)
	}
	commit(t, owner)
	send(t, owner, carrier)

	// Written apart from the removal: taken.
	write(removed, "Apart from it. ")
	if err := trySendJudged(removed, carrier); err != nil {
		t.Fatalf("a change made apart from the removal: %v", err)
	}
	// The removed person learns of it (from a co-author on the old code)
	// and writes on.
	send(t, carrier, removed)
	write(removed, "After the removal. ")
	if err := trySendJudged(removed, carrier); !errors.Is(err, ErrRemoved) {
		t.Fatalf("the carrier, which holds the removal: %v", err)
	}
	// A peer that lacks the removal gets it with the later change.
	if err := trySendJudged(removed, late); !errors.Is(err, ErrRemoved) {
		t.Fatalf("a peer given the removal and the later change together: %v", err)
	}
	for name, d := range map[string]*Doc{"carrier": carrier, "late": late} {
		body := d.Sections()[0].Body
		if strings.Contains(body, "After the removal") {
			t.Errorf("%s took the removed person's later change: %q", name, body)
		}
	}
	if !strings.Contains(carrier.Sections()[0].Body, "Before the removal") || !strings.Contains(carrier.Sections()[0].Body, "Apart from it") {
		t.Errorf("the removed person's earlier text is gone: %q", carrier.Sections()[0].Body)
	}
	// The earlier text is still theirs.
	l := mustLedger(t, carrier)
	auth := carrier.Authority(l)
	if r := auth.RoleNow(removed.Actor()); r != RoleRemoved {
		t.Errorf("the removed person's role now: %s", r)
	}
	found := false
	for _, p := range carrier.Participants() {
		if p.Actor == removed.Actor() && p.Person == person {
			found = true
		}
	}
	if !found {
		t.Error("the removed person's device is no longer theirs")
	}
	// Nor can anyone else remove the creator, or a participant remove anyone.
	forgeGrant(t, carrier, Fingerprint(owner.tr.signer.cert.Key), RoleRemoved, carrier.Actor())
	commit(t, carrier)
	send(t, carrier, owner)
	write(owner, "The creator writes on. ")
	if err := trySendJudged(owner, carrier); err != nil {
		t.Errorf("the creator after a participant's removal of them: %v", err)
	}
}

// FuzzSealBlock: a seal block, or a draft file's seals, from a hostile
// peer never panics, and decodes to at most one seal per 66 bytes.
func FuzzSealBlock(f *testing.F) {
	owner, err := NewSigned(NewSigner(newKey(f)), TemplateOutput, English, "Fuzz", "", 2026, t0)
	if err != nil {
		f.Fatal(err)
	}
	joiner := emptySigned(f, owner.DraftID(), NewSigner(newKey(f)))
	data, _, err := owner.ChangesSince(nil)
	if err != nil {
		f.Fatal(err)
	}
	seals, withCert := owner.SealsFor(data)
	batch, _ := ChunkHashes(data)
	f.Add(EncodeSeals(seals, batch, withCert), data)
	f.Add(EncodeSeals(owner.Seals(), nil, nil), []byte(nil))
	file, err := owner.Save()
	if err != nil {
		f.Fatal(err)
	}
	withSeals, err := WithSeals(file, owner.Seals())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(withSeals[len(file):], file)
	f.Fuzz(func(t *testing.T, block, data []byte) {
		batch, _ := ChunkHashes(data)
		if got, err := joiner.DecodeSeals(block, batch, data); err == nil && len(got) > len(block)/66 {
			t.Fatalf("%d seals from %d bytes", len(got), len(block))
		}
		BlockActors(block)
		SplitFile(append(append([]byte(nil), data...), block...))
		if seals, err := joiner.OpenSealBlock(block, data); err == nil {
			joiner.Admit(data, seals) // may refuse, must not panic
		}
	})
}

// Issue 24, finding 6, at a peer: one change inserting far more than a
// draft may hold (a million characters fit in about 1.3 KB on the wire),
// or deleting more than a draft holds, is refused before Automerge loads
// it; its seal does not help. (The deletion is legitimate text, a
// draft's worth and more typed in two sittings, then deleted at once.)
func TestOversizedChangeRefused(t *testing.T) {
	owner, joiner, _, _ := signedDraft(t)
	sec := joiner.Sections()[0].ID
	if err := joiner.Splice(sec, 0, 0, strings.Repeat("x", MaxInsertPerChange+1)); err != nil {
		t.Fatal(err)
	}
	commit(t, joiner)
	before := len(owner.Sections()[0].Body)
	if err := trySend(joiner, owner); !errors.Is(err, ErrOversized) {
		t.Fatalf("a change inserting %d characters: %v", MaxInsertPerChange+1, err)
	}
	if len(owner.Sections()[0].Body) != before {
		t.Fatal("the oversized change was merged")
	}

	owner, joiner, _, _ = signedDraft(t)
	sec = joiner.Sections()[0].ID
	half := strings.Repeat("y", MaxInsertPerChange/2+1)
	for range 2 {
		if err := joiner.Splice(sec, 0, 0, half); err != nil {
			t.Fatal(err)
		}
		commit(t, joiner)
	}
	send(t, joiner, owner) // each within what a change may insert
	if err := joiner.Splice(sec, 0, 2*len(half), ""); err != nil {
		t.Fatal(err)
	}
	commit(t, joiner)
	if err := trySend(joiner, owner); !errors.Is(err, ErrOversized) || !strings.Contains(err.Error(), "deletes") {
		t.Fatalf("a change deleting %d characters: %v", 2*len(half), err)
	}
	if len(owner.Sections()[0].Body) != 2*len(half) {
		t.Fatal("the oversized deletion was merged")
	}
}

// A small edit's seal block is its signature after a zero byte (the one
// seal of the last change, by a device the peer knows): 65 bytes, and a
// signature altered in it is refused like any other.
func TestShortSealBlock(t *testing.T) {
	owner, joiner, _, _ := signedDraft(t)
	sec := joiner.Sections()[0].ID
	for _, text := range []string{"A first edit. ", "twenty characters!! "} {
		send(t, joiner, owner) // the second time, the owner holds the joiner's device
		if err := joiner.Splice(sec, 0, 0, text); err != nil {
			t.Fatal(err)
		}
		commit(t, joiner)
	}
	data, _, err := joiner.ChangesSince(owner.Heads())
	if err != nil {
		t.Fatal(err)
	}
	block, _ := joiner.SealBlock(data)
	if len(block) != 65 || block[0] != 0 {
		t.Fatalf("a small edit's seal block: %d bytes", len(block))
	}
	batch, err := ChunkHashes(data)
	if err != nil {
		t.Fatal(err)
	}
	forged := bytes.Clone(block)
	forged[10] ^= 1
	seals, err := owner.DecodeSeals(forged, batch, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := owner.Admit(data, seals); !errors.Is(err, ErrUnsealed) {
		t.Fatalf("an altered short seal: %v", err)
	}
	if seals, err = owner.DecodeSeals(block, batch, data); err != nil {
		t.Fatal(err)
	}
	if err := owner.Admit(data, seals); err != nil {
		t.Fatalf("the short seal: %v", err)
	}
}
