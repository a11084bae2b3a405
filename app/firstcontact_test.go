package app

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// TestFirstContactBetweenSignedCopies: two copies of a draft made with
// signatures, each got by file and written apart, meet with no sync
// state, so Automerge's own exchange carries their changes (Bloom
// filters, not a push); every change arrives with its device's seal and
// both converge, nothing refused.
func TestFirstContactBetweenSignedCopies(t *testing.T) {
	ctx := context.Background()
	wa := openWSWith(t, t.TempDir(), Options{Poll: -1})
	wb := openWSWith(t, t.TempDir(), Options{Poll: -1})
	withProfile(t, wa, "Amina")
	withProfile(t, wb, "Bruno")
	sa := newDraft(t, wa, "First contact")
	file, err := sa.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := wa.Invite(ctx, sa.ID(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wb.Join(ctx, inv.Code()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := wb.Import(ctx, file); err != nil {
		t.Fatal(err)
	}
	sb, err := wb.Session(ctx, sa.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close(ctx)
	for i := range 200 {
		if _, _, err := sa.Write(ctx, "1", fmt.Sprintf(" a%d", i), true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := sb.Write(ctx, "2", fmt.Sprintf(" b%d", i), true); err != nil {
			t.Fatal(err)
		}
	}
	st1, st2 := syncPair(t, wa, wb)
	if len(st1.Failed)+len(st2.Failed) > 0 || !slices.Equal(sa.Heads(), sb.Heads()) {
		t.Fatalf("after first contact: refused %v / %v, same heads %v", st1.Failed, st2.Failed, slices.Equal(sa.Heads(), sb.Heads()))
	}
	for _, e := range mustLog(t, sb) {
		if !e.Verified {
			t.Fatalf("an unverified entry after first contact: %+v", e)
		}
	}
}
