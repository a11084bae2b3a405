package app

import (
	"context"
	"errors"
	"testing"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// sharedPair returns one draft open on two machines: Amina created it,
// Bruno imported it.
func sharedPair(t *testing.T) (sa, sb *Session) {
	t.Helper()
	ctx := context.Background()
	wa, wb := openWS(t, t.TempDir()), openWS(t, t.TempDir())
	withProfile(t, wa, "Amina")
	withProfile(t, wb, "Bruno")
	sa = newDraft(t, wa, "Reviewed")
	file, err := sa.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := wb.Import(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	if sb, err = wb.Session(ctx, id); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close(ctx) })
	return sa, sb
}

// exchange merges two sessions' drafts both ways through exported files.
func exchange(t *testing.T, a, b *Session) {
	t.Helper()
	ctx := context.Background()
	fa, err := a.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := b.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.w.Import(ctx, fa); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.w.Import(ctx, fb); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Session{a, b} {
		if _, err := s.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRolesGateDecisions(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, _, err := sb.Write(ctx, "1", "Bruno's paragraph.", false); err != nil {
		t.Fatal(err)
	}
	if sa.Role() != crdt.RoleCoFacilitator {
		t.Fatalf("the creator's role is %q", sa.Role())
	}
	_, err := sb.NameVersion(ctx, "Bruno's own version")
	if !errors.Is(err, ErrForbidden) {
		t.Fatalf("a participant named a version: %v", err)
	}
	if _, err := sb.SetRole(ctx, "Bruno", crdt.RoleCoFacilitator); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a participant gave himself a role: %v", err)
	}
	exchange(t, sa, sb)
	if _, err := sa.SetRole(ctx, "Amina", crdt.RoleRapporteur); !errors.Is(err, crdt.ErrInvalid) {
		t.Errorf("the creator withdrew her own role: %v", err)
	}
	if _, err := sa.SetRole(ctx, "nobody", crdt.RoleRapporteur); !errors.Is(err, ErrNotFound) {
		t.Errorf("a role for nobody: %v", err)
	}
	p, err := sa.SetRole(ctx, "bruno", crdt.RoleRapporteur)
	if err != nil || p.Name != "Bruno" {
		t.Fatalf("granting: %+v %v", p, err)
	}
	exchange(t, sa, sb)
	if sb.Role() != crdt.RoleRapporteur {
		t.Fatalf("after sync Bruno is %q", sb.Role())
	}
	if _, err := sb.NameVersion(ctx, "Rapporteur's version"); err != nil {
		t.Fatalf("the rapporteur could not name a version: %v", err)
	}
	if _, err := sb.SetRole(ctx, "Amina", crdt.RoleParticipant); !errors.Is(err, ErrForbidden) {
		t.Errorf("the rapporteur changed roles: %v", err)
	}
	if _, err := sa.SetRole(ctx, "Bruno", crdt.RoleParticipant); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	if _, err := sb.NameVersion(ctx, "Too late"); !errors.Is(err, ErrForbidden) {
		t.Errorf("a withdrawn role still names versions: %v", err)
	}
}
