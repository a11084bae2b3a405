package online

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

var loopback = []string{"/ip4/127.0.0.1/tcp/0"}

func openWS(t *testing.T, name string) (*app.Workspace, string) {
	t.Helper()
	dir := t.TempDir()
	ws, err := app.Open(context.Background(), dir, app.Options{Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if _, err := ws.SetProfile(context.Background(), app.Profile{Name: name, Group: crdt.CivilSociety, Region: crdt.WEOG}); err != nil {
		t.Fatal(err)
	}
	return ws, dir
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sharedDraft gives Amina a draft and Bruno an invitation to it, and
// puts Amina online on loopback (until the test ends) with no peer
// known, so that a test starts from two co-authors of one draft who have
// not yet met.
func sharedDraft(t *testing.T) (a *app.Workspace, oa *Online, b *app.Workspace, dirB string, id string) {
	t.Helper()
	ctx := context.Background()
	a, dirA := openWS(t, "Amina")
	b, dirB = openWS(t, "Bruno")
	id, err := a.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Shared", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := a.Invite(ctx, id, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Join(ctx, inv.Code()); err != nil {
		t.Fatal(err)
	}
	oa, err = Start(a, dirA, Config{Listen: loopback})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { oa.Close() })
	return a, oa, b, dirB, id
}

func body(t *testing.T, ws *app.Workspace, id string) string {
	s, err := ws.Session(context.Background(), id)
	if err != nil {
		return ""
	}
	defer s.Close(context.Background())
	return s.Sections()[0].Body
}

// TestOfflineThenMerge is the whole story on two real libp2p hosts on
// loopback: invite, join, live edits, both sides offline, reconnect.
func TestOfflineThenMerge(t *testing.T) {
	ctx := context.Background()
	a, oa, b, dirB, id := sharedDraft(t)
	if st := oa.Status(""); st.State != Offline {
		t.Errorf("with no peer known, state %v", st.State)
	}
	ob, err := Start(b, dirB, Config{Listen: loopback})
	if err != nil {
		t.Fatal(err)
	}
	addrA := oa.Addrs()[0]
	if err := ob.AddPeer(addrA); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "B to fetch the draft", func() bool {
		ds, _ := b.Drafts(ctx)
		return len(ds) == 1
	})
	waitFor(t, "both to agree", func() bool { return oa.Status("").State == Synced && ob.Status("").State == Synced })
	if st := ob.Status(""); st.Peers != 1 || st.LastSync.IsZero() {
		t.Errorf("B's status %+v", st)
	}

	// Live: A types, B sees it while connected.
	sa, err := a.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer sa.Close(ctx)
	sec := sa.Sections()[0].ID
	if err := sa.Splice(ctx, sec, 0, 0, "Live from A. "); err != nil {
		t.Fatal(err)
	}
	sa.Flush(ctx)
	waitFor(t, "A's live edit at B", func() bool { return body(t, b, id) == "Live from A. " })

	// Both go offline and edit, then B comes back.
	ob.Close()
	if err := sa.Splice(ctx, sec, len([]rune("Live from A. ")), 0, "A offline."); err != nil {
		t.Fatal(err)
	}
	sa.Flush(ctx)
	sb, err := b.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Splice(ctx, sec, 0, 0, "B offline. "); err != nil {
		t.Fatal(err)
	}
	sb.Flush(ctx)
	// Two changes wait: B's first edit of this draft also enters B in its
	// participant registry.
	if n, _, known, err := sb.Unsynced(ctx); err != nil || !known || n != 2 {
		t.Errorf("B's unsynced changes: %d (known %v, %v), want 2", n, known, err)
	}
	sb.Close(ctx)
	ob2, err := Start(b, dirB, Config{Listen: loopback, Peers: []string{addrA}})
	if err != nil {
		t.Fatal(err)
	}
	defer ob2.Close()
	want := "B offline. Live from A. A offline."
	waitFor(t, "both offline edits on both sides", func() bool { return body(t, a, id) == want && body(t, b, id) == want })
	ob2.SyncNow() // harmless when connected
	waitFor(t, "agreement after reconnecting", func() bool { return ob2.Status("").State == Synced })
}

func TestUnreachablePeer(t *testing.T) {
	a, dir := openWS(t, "Amina")
	o, err := Start(a, dir, Config{Listen: loopback})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if err := o.AddPeer("not an address"); err == nil {
		t.Error("a malformed address was accepted")
	}
	// A port nobody listens on, with a made-up peer id.
	if err := o.AddPeer("/ip4/127.0.0.1/tcp/9/p2p/12D3KooWGzh8sWJeXzNwcWd5PjpK7XWZ9sPZJQx1GQ8d5Vn1hS7K"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failed dial to be reported", func() bool {
		st := o.Status("")
		return st.State == Connecting && st.LastErr != nil
	})
	if msg := o.Status("").LastErr.Error(); !strings.Contains(msg, "dial") && !strings.Contains(msg, "connect") {
		t.Logf("last error: %s", msg)
	}
}

// TestStatusIsWhatPeersConfirmed is issue 10's fifth defect at the
// service: a stranger on the local network that shares no draft is not a
// peer ("Connecting to 7 peers…"); the count is per open draft; Sync now
// dials again at once and says so until the peer has answered; and the
// joined side holds a draft that is shared, confirmed, with nothing
// waiting.
func TestStatusIsWhatPeersConfirmed(t *testing.T) {
	ctx := context.Background()
	a, dirA := openWS(t, "Amina")
	b, dirB := openWS(t, "Bruno")
	stranger, dirS := openWS(t, "Someone else")
	id, err := a.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Shared", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Not shared with B", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Invite(ctx, a, nil, other, nil, false); err != nil {
		t.Fatal(err)
	}
	oa, err := Start(a, dirA, Config{Listen: loopback})
	if err != nil {
		t.Fatal(err)
	}
	defer oa.Close()
	oStranger, err := Start(stranger, dirS, Config{Listen: loopback})
	if err != nil {
		t.Fatal(err)
	}
	defer oStranger.Close()
	// The stranger announces itself on the LAN (as mDNS would tell).
	oa.keep(oStranger.Addrs()[0], true)
	time.Sleep(300 * time.Millisecond)
	if st := oa.Status(""); st.Known != 0 || st.Peers != 0 || st.State != Offline {
		t.Errorf("with only a stranger around: %+v", st)
	}
	inv, err := oa.Invite(ctx, id, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := Start(b, dirB, Config{Listen: loopback, Peers: []string{oa.Addrs()[0]}})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	if _, err := ob.Join(ctx, inv.Code(), false, false); err != nil {
		t.Fatal(err)
	}
	ob.SyncNow() // the join happened after B dialed A
	waitFor(t, "B to agree with A", func() bool {
		st := ob.Status(id)
		return st.State == Synced && st.Peers == 1
	})
	if st := oa.Status(other); st.Peers != 0 {
		t.Errorf("A's status for a draft B does not share counts %d peers", st.Peers)
	}
	// A sees B's session end and start again with B's Sync now: wait for it.
	waitFor(t, "A to count B for the shared draft", func() bool { return oa.Status(id).Peers == 1 })
	sb, err := b.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close(ctx)
	if n, _, known, err := sb.Unsynced(ctx); err != nil || !known || n != 0 {
		t.Errorf("the joined draft: %d waiting, confirmed %v (%v)", n, known, err)
	}
	// Sync now: under way at once, then in agreement again.
	ob.SyncNow()
	if st := ob.Status(id); !st.Kicked || st.State == Synced {
		t.Errorf("right after Sync now: %+v", st)
	}
	kicked := time.Now()
	waitFor(t, "agreement after Sync now", func() bool {
		st := ob.Status(id)
		return st.State == Synced && !st.Kicked && st.LastSync.After(kicked)
	})
}

// TestReconnectAfterAPeerRestarts: a co-author (or relay) that restarts
// on the same address is in session again within seconds (issue 10: the
// window took ~23 s after a relay restart). The time is logged, not
// asserted; the backoff's schedule is tested in sync/p2p.
func TestReconnectAfterAPeerRestarts(t *testing.T) {
	ctx := context.Background()
	a, dirA := openWS(t, "Amina")
	b, dirB := openWS(t, "Bruno")
	id, err := a.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Restart", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := Invite(ctx, a, nil, id, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Join(ctx, inv.Code()); err != nil {
		t.Fatal(err)
	}
	ob, err := Start(b, dirB, Config{Listen: loopback})
	if err != nil {
		t.Fatal(err)
	}
	addrB := ob.Addrs()[0]
	oa, err := Start(a, dirA, Config{Listen: loopback, Peers: []string{addrB}})
	if err != nil {
		t.Fatal(err)
	}
	defer oa.Close()
	waitFor(t, "A and B in session", func() bool { return oa.Status(id).State == Synced })
	ob.Close()
	waitFor(t, "A to see B gone", func() bool { return oa.Status(id).Peers == 0 })
	time.Sleep(3 * time.Second) // B is down for a while, as a restarting relay is
	listen := strings.TrimSuffix(addrB, "/p2p/"+ob.ID())
	ob2, err := Start(b, dirB, Config{Listen: []string{listen}})
	if err != nil {
		t.Fatal(err)
	}
	defer ob2.Close()
	back := time.Now()
	waitFor(t, "A to be in session with B again", func() bool { return oa.Status(id).State == Synced })
	t.Logf("in session again %v after B came back", time.Since(back).Round(10*time.Millisecond))
}
