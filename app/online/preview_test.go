package online

import (
	"context"
	"testing"
)

// TestPreviewsBetweenWindows: on two real libp2p hosts on loopback, what
// one window types and has not committed reaches the other as a preview
// it can place, from that window's peer id; what a peer sends that is not
// a preview is left out; a cleared preview goes.
func TestPreviewsBetweenWindows(t *testing.T) {
	ctx := context.Background()
	a, oa, b, dirB, id := sharedDraft(t)
	ob, err := Start(b, dirB, Config{Listen: loopback, Peers: []string{oa.Addrs()[0]}})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	waitFor(t, "B to agree with A", func() bool { return ob.Status(id).State == Synced })
	sa, err := a.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer sa.Close(ctx)
	sb, err := b.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close(ctx)
	sec := sa.Sections()[0].ID
	ch, stop := ob.WatchPreviews()
	defer stop()

	// Junk under A's id first: B holds it and shows nothing of it.
	oa.eng.SetPreview(id, []byte("not a preview"))
	waitFor(t, "the junk at B", func() bool { return len(ob.eng.Previews(id)) == 1 })
	if got := ob.Previews(id); len(got) != 0 {
		t.Errorf("an undecodable preview was given: %+v", got)
	}
	if err := sa.Splice(ctx, sec, 0, 0, "Typed"); err != nil {
		t.Fatal(err)
	}
	p, ok := sa.Preview()
	if !ok {
		t.Fatal("no preview of what A typed")
	}
	if err := oa.SetPreview(id, p); err != nil {
		t.Fatal(err)
	}
	<-ch
	waitFor(t, "A's preview at B", func() bool {
		got := ob.Previews(id)
		return len(got) == 1 && got[0].Origin == oa.ID() && len(got[0].Preview.Runs) == 1 && got[0].Preview.Runs[0].Insert == "Typed"
	})
	if sec2, ghosts, ok := sb.PlacePreview(ob.Previews(id)[0].Preview); ok && (sec2 != sec || len(ghosts) != 1 || ghosts[0].Text != "Typed") {
		t.Errorf("placed in %q: %+v", sec2, ghosts)
	}
	oa.ClearPreview(id)
	waitFor(t, "the cleared preview gone at B", func() bool { return len(ob.Previews(id)) == 0 })
}
