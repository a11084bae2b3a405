package app

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// hostileDecide is Decide as a build without the role check would run
// it: the verdict on every hunk since the draft's creation.
func hostileDecide(t *testing.T, s *Session, verdict string) {
	t.Helper()
	hunks, err := s.Review("creation")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(hunks))
	for i, h := range hunks {
		ids[i] = h.ID
	}
	if len(ids) == 0 {
		return
	}
	if _, err := s.decide(context.Background(), verdict, ids, "", "creation", false); err != nil {
		t.Fatal(err)
	}
}

// TestForgedPersonIDGivesNoRole is issue 23's first attack: a
// participant copies the creator's person id into their own profile row
// (as `sqlite3 … UPDATE settings` would) and rejects the creator's text.
// With signatures the person is what the device's key proves: the copy
// names nobody, the rejection counts for nothing on the creator's
// machine, what it deleted is the participant's own tracked deletion,
// and the creator can still withdraw roles from them.
func TestForgedPersonIDGivesNoRole(t *testing.T) {
	ctx := context.Background()
	wa, wb, sa := invitedPair(t, Options{Poll: -1})
	if _, _, err := sa.Write(ctx, "1", "The owner's paragraph stays.", false); err != nil {
		t.Fatal(err)
	}
	syncPair(t, wa, wb)
	ownerPerson := sa.Person()
	if ownerPerson == "" || ownerPerson != wa.Signer().PersonID() {
		t.Fatalf("owner's person %q", ownerPerson)
	}
	// The row a participant can edit: their own profile.
	if err := wb.store.SetSettings(ctx, map[string]string{"profile.person": ownerPerson}); err != nil {
		t.Fatal(err)
	}
	sb, err := wb.Session(ctx, sa.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close(ctx)
	if r := sb.Role(); r != crdt.RoleParticipant {
		t.Fatalf("with the creator's id in its profile, the participant's role is %s", r)
	}
	if _, err := sb.Decide(ctx, Reject, nil, "", "creation"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("the participant's own client let it reject: %v", err)
	}
	hostileDecide(t, sb, Reject)
	// And, as the same build would, a grant to itself and a version.
	err = sb.edit(ctx, func() error {
		if err := sb.o.doc.SetRole(sb.Person(), crdt.RoleCoFacilitator, sb.w.opts.Now()); err != nil {
			return err
		}
		_, err := sb.o.doc.AddVersion("Final output", nil, sb.w.opts.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := sb.Sections()[0].Body; strings.Contains(got, "owner's paragraph") {
		t.Fatalf("the hostile rejection did not revert: %q", got)
	}
	syncPair(t, wa, wb)

	v := sa.View()
	if v.Roles[wb.Actor()] != crdt.RoleParticipant {
		t.Errorf("the creator's copy gives the forger %s", v.Roles[wb.Actor()])
	}
	for _, p := range v.Participants {
		if p.Actor == wb.Actor() && p.Person == ownerPerson {
			t.Errorf("the forger's device is shown as the creator's person")
		}
	}
	hunks, err := sa.Review("creation")
	if err != nil {
		t.Fatal(err)
	}
	// The rejection counts for nothing: the hunk is open, its text as the
	// forger's revert left it, and the creator's acceptance puts it back.
	var open *Hunk
	for i, h := range hunks {
		if h.Kind == crdt.Inserted && strings.Contains(h.Text, "owner's paragraph") {
			open = &hunks[i]
		}
	}
	if open == nil || open.Status != StatusOpen || !open.Reverted || len(open.Decisions) != 0 {
		t.Fatalf("the owner's text after a participant's rejection: %+v", hunks)
	}
	// It is shown, as not counted, so nobody takes the revert for a decision.
	if len(open.Refused) != 1 || open.Refused[0].Actor != wb.Actor() || open.Refused[0].Verdict != Reject {
		t.Errorf("the forger's rejection is not shown as not counted: %+v", open.Refused)
	}
	if _, err := sa.Decide(ctx, Accept, []string{open.ID}, "", "creation"); err != nil {
		t.Fatal(err)
	}
	if got := sa.Sections()[0].Body; !strings.Contains(got, "The owner's paragraph stays.") {
		t.Errorf("after accepting the owner's text again: %q", got)
	}
	// The forged grant and version are shown as not counting.
	refused := sa.Refused()
	if len(refused.Grants) != 1 || refused.Grants[0].By != wb.Actor() || refused.Grants[0].Role != crdt.RoleCoFacilitator ||
		len(refused.Versions) != 1 || refused.Versions[0].Name != "Final output" || len(sa.Versions()) != 0 {
		t.Errorf("what counts for nothing: %+v; versions that count: %+v", refused, sa.Versions())
	}
	// And the creator can still withdraw roles from the forger (refused
	// before: the forger counted as the creator).
	if _, err := sa.SetRole(ctx, wb.Actor(), crdt.RoleParticipant); err != nil {
		t.Errorf("the creator withdrawing the forger's role: %v", err)
	}
}

// TestUnsealedChangesRefusedBySync: a hostile peer's copy holds a change
// no seal covers (written under a fresh actor, as a build that skips
// signing would); the peer it syncs with refuses it, stores nothing of
// it, says why, and the sender's session reports that reason.
func TestUnsealedChangesRefusedBySync(t *testing.T) {
	ctx := context.Background()
	wa, wb, sa := invitedPair(t, Options{Poll: -1})
	syncPair(t, wa, wb)
	sb, err := wb.Session(ctx, sa.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close(ctx)
	err = sb.do(func() error {
		doc := sb.o.doc
		if err := doc.SetActor(crdt.NewActor()); err != nil { // no seal, no certificate
			return err
		}
		if err := doc.Splice(doc.Sections()[0].ID, 0, 0, "Unsigned words. "); err != nil {
			return err
		}
		if _, err := doc.Commit(); err != nil {
			return err
		}
		return sb.persist()
	})
	if err != nil {
		t.Fatal(err)
	}
	before := sa.Heads()
	_, stb := syncPair(t, wa, wb)
	if !strings.Contains(stb.Failed[sa.ID()], "without a valid signature") {
		t.Errorf("the sender was not told why: %v", stb.Failed)
	}
	if strings.Contains(sa.Sections()[0].Body, "Unsigned") || strings.Join(sa.Heads(), ",") != strings.Join(before, ",") {
		t.Errorf("the unsigned change was taken: %q", sa.Sections()[0].Body)
	}
	// A newcomer's first copy from the hostile peer is refused whole, and
	// the newcomer then takes the draft from an honest one.
	wc := joinedBy(t, wa, sa, "Chen")
	if _, st := syncPair(t, wb, wc); !strings.Contains(st.Failed[sa.ID()], "without a valid signature") {
		t.Errorf("the newcomer took a first copy with an unsigned change: %v", st.Failed)
	}
	syncPair(t, wa, wc)
	sc, err := wc.Session(ctx, sa.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close(ctx)
	if got := sc.Sections()[0].Body; got != sa.Sections()[0].Body || strings.Contains(got, "Unsigned") {
		t.Errorf("the newcomer's copy after the honest peer's: %q", got)
	}
	// Nor is it in the data file: another process reads it afresh.
	wa2 := openWSWith(t, filepath.Dir(wa.Path()), Options{Poll: -1})
	sa2, err := wa2.Session(ctx, sa.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer sa2.Close(ctx)
	if strings.Contains(sa2.Sections()[0].Body, "Unsigned") {
		t.Error("the unsigned change is in the data file")
	}
}

// A peer refuses a change inserting more than crdt.MaxInsertPerChange;
// no write of this app may make one.
func TestNoWriteExceedsWhatPeersTake(t *testing.T) {
	if crdt.MaxInsertPerChange < MaxDraftText {
		t.Fatalf("peers refuse changes inserting over %d characters, and a draft may hold %d", crdt.MaxInsertPerChange, MaxDraftText)
	}
}
