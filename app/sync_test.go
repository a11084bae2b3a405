package app

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	docsync "github.com/igf-bpf/bpfdraft/sync"
)

// syncPair runs the sync engine between two workspaces over a pipe, with
// the real SQLite-backed library on both sides.
func syncPair(t *testing.T, a, b *Workspace) (docsync.Stats, docsync.Stats) {
	t.Helper()
	ea := docsync.New(a.SyncLibrary(), "peer-a", testLog(t))
	eb := docsync.New(b.SyncLibrary(), "peer-b", testLog(t))
	x, y := net.Pipe()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	type res struct {
		st  docsync.Stats
		err error
	}
	rc := make(chan res, 1)
	go func() { st, err := eb.Run(ctx, y, "peer-a", true); y.Close(); rc <- res{st, err} }()
	sa, err := ea.Run(ctx, x, "peer-b", true)
	x.Close()
	r := <-rc
	if err != nil || r.err != nil {
		t.Fatalf("sync: %v / %v", err, r.err)
	}
	return sa, r.st
}

// share invites b to a's draft and syncs the two once.
func share(t *testing.T, a, b *Workspace, id string) {
	t.Helper()
	ctx := context.Background()
	inv, err := a.Invite(ctx, id, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Join(ctx, inv.Code()); err != nil {
		t.Fatal(err)
	}
	syncPair(t, a, b)
}

func TestInviteJoinSync(t *testing.T) {
	ctx := context.Background()
	wa, wb := openWS(t, t.TempDir()), openWS(t, t.TempDir())
	withProfile(t, wa, "Amina")
	withProfile(t, wb, "Bruno")
	sa := newDraft(t, wa, "Joined over sync")
	sa.Write(ctx, "1", "Written before the invite.", false)

	inv, err := wa.Invite(ctx, sa.ID(), []string{"/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWExample"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	code := inv.Code()
	if strings.ContainsAny(code, " \n") || !strings.HasPrefix(code, "BPF1") {
		t.Errorf("code %q is not one copy-pasteable word", code)
	}
	for _, bad := range []string{"hello", code[:len(code)-3], strings.Replace(code, code[10:11], "Z", 1) + "A", "BPF1!!!!"} {
		if _, err := wb.Join(ctx, bad); !errors.Is(err, ErrBadInvite) {
			t.Errorf("Join(%.20q…) = %v, want ErrBadInvite", bad, err)
		}
	}
	// Mail programs wrap and quote long lines: still accepted.
	wrapped := "> " + code[:30] + "\n> " + code[30:]
	got, err := wb.Join(ctx, strings.ToLower(wrapped))
	if err != nil || got.DraftID != sa.ID() || len(got.Relays) != 1 {
		t.Fatalf("Join = %+v, %v", got, err)
	}
	if list, _ := wb.Drafts(ctx); len(list) != 0 {
		t.Errorf("a joined draft is listed before it arrived: %+v", list)
	}

	syncPair(t, wa, wb)
	list, _ := wb.Drafts(ctx)
	if len(list) != 1 || list[0].ID != sa.ID() || list[0].Title != "Joined over sync" {
		t.Fatalf("after sync b lists %+v", list)
	}
	sb, err := wb.Session(ctx, sa.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close(ctx)
	if sec, _ := sb.Section("1"); sec.Body != "Written before the invite." {
		t.Errorf("b has %q", sec.Body)
	}

	// Both edit offline, then sync: both edits on both sides, on disk.
	sa.Write(ctx, "2", "A's regions.", false)
	sb.Write(ctx, "3", "B's measures.", false)
	sb.RenameHeading(ctx, "2", "Regions (renamed by B)")
	st, _ := syncPair(t, wa, wb)
	if st.ChangesIn == 0 || st.ChangesOut == 0 {
		t.Errorf("second sync moved nothing: %+v", st)
	}
	w3 := openWS(t, wb.store.Path()[:len(wb.store.Path())-len(FileName)-1])
	s3, err := w3.Session(ctx, sa.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close(ctx)
	for _, s := range []*Session{sa, s3} {
		secs := s.Sections()
		if secs[1].Body != "A's regions." || secs[2].Body != "B's measures." || secs[1].Heading != "Regions (renamed by B)" {
			t.Errorf("after sync: %q %q %q", secs[1].Heading, secs[1].Body, secs[2].Body)
		}
	}
	// Rotation: b's secret is now outdated; a sends it nothing new.
	if _, err := wa.Invite(ctx, sa.ID(), nil, docsync.NewSecret()); err != nil {
		t.Fatal(err)
	}
	sa.Write(ctx, "4", "After rotation.", false)
	st, _ = syncPair(t, wa, wb)
	if len(st.Drafts) != 0 || st.ChangesOut != 0 {
		t.Errorf("after rotation a still synced %v (%d changes)", st.Drafts, st.ChangesOut)
	}
	if sec, _ := sb.Section("4"); sec.Body != "" {
		t.Errorf("b received %q after rotation", sec.Body)
	}
}
