package crdt

import (
	"errors"
	"slices"
	"testing"
)

// waitingFixture: a third device made two changes, sealed on the
// second, which the owner holds; the joiner has neither.
func waitingFixture(t *testing.T) (owner, joiner, device *Doc, base, first []string) {
	t.Helper()
	owner, joiner, _, _ = signedDraft(t)
	device = emptySigned(t, owner.DraftID(), NewSigner(newKey(t)))
	send(t, owner, device)
	base = device.Heads()
	sec := owner.Sections()[0].ID
	for i := 0; i < 2; i++ {
		if err := device.Splice(sec, 0, 0, "d"); err != nil {
			t.Fatal(err)
		}
		commit(t, device)
		if i == 0 {
			first = device.Heads()
		}
	}
	send(t, device, owner)
	return owner, joiner, device, base, first
}

// deliverPart sends the changes between since and upto with the seals
// the sender gives them in a sync message (SyncSealBlock: certificates
// included), as Automerge's sync does when a Bloom filter false positive
// splits a device's changes.
func deliverPart(t *testing.T, from, to *Doc, since, upto []string) error {
	t.Helper()
	data, n, err := from.ChangesBetween(since, upto)
	if err != nil || n == 0 {
		t.Fatalf("no changes between: %v", err)
	}
	sent, _ := from.SealsFor(data)
	seals, err := to.OpenSealBlock(EncodeSeals(sent, nil, nil), data)
	if err != nil {
		return err
	}
	return to.Admit(data, seals)
}

// A device's second change arrives first (its first was a Bloom filter
// false positive), and waits; the first then comes alone with the only
// seal the sender holds, the second's, which covers it through the
// waiting change. Both are merged and sealed.
func TestAChangeSentAfterItsSuccessorIsCovered(t *testing.T) {
	owner, joiner, device, base, first := waitingFixture(t)
	if err := deliverPart(t, owner, joiner, first, owner.Heads()); err != nil {
		t.Fatalf("the second change, ahead of the first: %v", err)
	}
	if joiner.holds(device.Heads()[0]) {
		t.Fatal("the second change was applied without the first")
	}
	if err := deliverPart(t, owner, joiner, base, first); err != nil {
		t.Fatalf("the first change, after the second: %v", err)
	}
	if !slices.Equal(joiner.Heads(), owner.Heads()) {
		t.Fatal("the joiner does not hold both changes")
	}
	sealed, err := joiner.Sealed()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range append(first, device.Heads()...) {
		if !sealed[h] {
			t.Errorf("change %s shows as unsealed", short(h))
		}
	}
	if hs, ws := joiner.waitingChanges(); len(hs) != 0 || len(ws) != 0 {
		t.Errorf("%d changes and %d seals still waiting", len(hs), len(ws))
	}
}

// What waits vouches only for its own causal past: another change under
// the device's actor id, made without its key, is refused although a
// sealed change of that device waits.
func TestWaitingSealsCoverOnlyTheirPast(t *testing.T) {
	owner, joiner, device, base, first := waitingFixture(t)
	if err := deliverPart(t, owner, joiner, first, owner.Heads()); err != nil {
		t.Fatal(err)
	}
	forger, err := Empty(device.Actor())
	if err != nil {
		t.Fatal(err)
	}
	if err := forger.Merge(joiner); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(forger.Heads(), base) {
		t.Fatal("fixture: the forger should start from the base")
	}
	if err := forger.Splice(owner.Sections()[0].ID, 0, 0, "forged "); err != nil {
		t.Fatal(err)
	}
	commit(t, forger)
	data, _, err := forger.ChangesSince(base)
	if err != nil {
		t.Fatal(err)
	}
	if err := joiner.Admit(data, nil); !errors.Is(err, ErrUnsealed) {
		t.Fatalf("a forged change under a waiting device's actor: %v", err)
	}
	if slices.Contains(joiner.Heads(), forger.Heads()[0]) {
		t.Fatal("the forged change was merged")
	}
}
