package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/online"
	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/sync/p2p"
	"github.com/igf-bpf/bpfdraft/sync/relay"
)

func TestStatusBarOffline(t *testing.T) {
	u := openTestDraft(t)
	locked(u.status.update) // reads the database off the window's goroutine
	waitUntil(t, "the status bar to say so", func() bool {
		got := u.status.label.Text
		return strings.Contains(got, "sync is off") && strings.Contains(got, "not been shared")
	})
	if !u.status.syncNow.Disabled() {
		t.Error("Sync now is offered with sync off")
	}
}

// onlineWindows opens two windows on two data dirs, Amina's (with optsA)
// and Bruno's, each online on a real libp2p host on loopback, not linked
// yet. Amina's host closes with the test; Bruno's is the test's to close
// (a test takes him offline and back).
func onlineWindows(t *testing.T, optsA app.Options) (uA *UI, wsA *app.Workspace, oA *online.Online, uB *UI, wsB *app.Workspace, oB *online.Online, dirB string) {
	t.Helper()
	loop := []string{"/ip4/127.0.0.1/tcp/0"}
	uA, wsA, dirA := newUI(t, optsA)
	uB, wsB, dirB = newUI(t, app.Options{Poll: 20 * time.Millisecond})
	withProfile(t, wsA)
	if _, err := wsB.SetProfile(context.Background(), app.Profile{Name: "Bruno", Group: crdt.Government, Region: crdt.GRULAC}); err != nil {
		t.Fatal(err)
	}
	oA, err := online.Start(wsA, dirA, online.Config{Listen: loop})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { oA.Close() })
	if oB, err = online.Start(wsB, dirB, online.Config{Listen: loop}); err != nil {
		t.Fatal(err)
	}
	uA.online, uB.online = oA, oB
	return uA, wsA, oA, uB, wsB, oB, dirB
}

// decodeQR reads a QR code with an independent decoder.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.GetText()
}

// TestTwoWindowsOfflineThenMerge is the whole story in two windows on
// two data dirs, synced by real libp2p hosts on loopback: invite, join,
// both edit offline, reconnect, both windows show both edits.
func TestTwoWindowsOfflineThenMerge(t *testing.T) {
	ctx := context.Background()
	loop := []string{"/ip4/127.0.0.1/tcp/0"}
	uA, wsA, oA, uB, wsB, oB, dirB := onlineWindows(t, app.Options{Poll: 20 * time.Millisecond})

	id, err := wsA.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Shared", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	uA.OpenDraft(id)
	uA.draft.showInvite()
	code := uA.draft.inviteCode
	img, err := qrImage(code)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeQR(t, img); got != code {
		t.Fatalf("the QR code reads %q, the invite is %q", got, code)
	}
	if !bytes.Contains([]byte(overlayText(t, uA)), []byte("Send this code")) {
		t.Error("invite dialog without its explanation")
	}

	uB.ShowHome()
	uB.homeUI.joinCode(code)
	if err := oB.AddPeer(oA.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the draft to reach B", func() bool { ds, _ := wsB.Drafts(ctx); return len(ds) == 1 })
	uB.tick(uB.gatherTick())
	if len(uB.homeUI.drafts) != 1 || uB.homeUI.awaiting.Visible() {
		t.Fatalf("B's list: %d drafts, waiting shown %v", len(uB.homeUI.drafts), uB.homeUI.awaiting.Visible())
	}
	waitUntil(t, "agreement", func() bool { return oB.Status("").State == online.Synced })
	uB.tick(uB.gatherTick())
	if got := uB.status.label.Text; !strings.Contains(got, "Synced with 1 peer") {
		t.Errorf("B's status bar: %q", got)
	}
	// The details say what syncing cost on the link (issue 26, item 5):
	// the session is still open, today's bytes are counted.
	locked(func() { test.Tap(uB.status.details) })
	details := overlayText(t, uB)
	if !strings.Contains(details, "No sync has ended since this window opened.") || !strings.Contains(details, "Today, on this machine: ") ||
		strings.Contains(details, "Today, on this machine: 0 B") {
		t.Errorf("B's sync details:\n%s", details)
	}
	locked(func() { uB.onScreen()[0].dlg.Hide() })
	// The joined draft is shared, and B's copy is confirmed (issue 10: it
	// was listed as "not shared yet").
	locked(func() { uB.homeUI.reload() })
	if line := uB.homeUI.detail(uB.homeUI.drafts[0]); strings.Contains(line, "not shared") || strings.Contains(line, "not synced") {
		t.Errorf("B's drafts list: %q", line)
	}
	locked(func() { uB.OpenDraft(id) })
	uB.tick(uB.gatherTick())
	if got := uB.status.label.Text; strings.Contains(got, "not been shared") || strings.Contains(got, "waiting") || !strings.Contains(got, "Synced with 1 peer") {
		t.Errorf("B's status bar on the joined draft: %q", got)
	}
	// Each window sees the other there, in its colour, where its caret is
	// (issue 14, item 3): B sees Amina in section 1, A sees Bruno.
	waitUntil(t, "each window to see the other", func() bool {
		var ok bool
		locked(func() {
			ok = strings.Contains(barText(uB.draft.present.bar), "Amina · in 1.") && strings.Contains(barText(uA.draft.present.bar), "Bruno · in 1.")
		})
		return ok
	})
	locked(func() {
		if others := uB.draft.editors[uB.draft.sections[0].ID].area.others; len(others) != 1 || others[0].name != "Amina" {
			t.Errorf("B shows these carets in section 1: %+v", others)
		}
	})
	locked(func() { uB.ShowHome() })
	waitUntil(t, "A to see B leave", func() bool {
		var gone bool
		locked(func() { gone = !strings.Contains(barText(uA.draft.present.bar), "Bruno") })
		return gone
	})

	// B goes offline; both write in the first section.
	oB.Close()
	// Both typed at the start of an empty section at the same time: the
	// merge puts one first (by op counter, then actor), but keeps both.
	want := []string{"B offline. A offline.", "A offline.B offline. "}
	gotA, gotB := make(chan struct{}), make(chan struct{})
	uA.draft.refreshed = func(d *draftScreen) { signalIf(d, want, gotA) }
	uB.refreshed = func(d *draftScreen) { signalIf(d, want, gotB) }
	locked(func() {
		uB.OpenDraft(id)
		test.Type(uA.draft.editors[uA.draft.sections[0].ID].area, "A offline.")
		test.Type(uB.draft.editors[uB.draft.sections[0].ID].area, "B offline. ")
		uB.status.update()
	})
	if got := uB.status.label.Text; !strings.Contains(got, "Connecting") && !strings.Contains(got, "Offline") {
		t.Logf("B's status bar while offline: %q", got)
	}

	// B comes back: both windows show both edits.
	oB2, err := online.Start(wsB, dirB, online.Config{Listen: loop, Peers: []string{oA.Addrs()[0]}})
	if err != nil {
		t.Fatal(err)
	}
	defer oB2.Close()
	for name, ch := range map[string]chan struct{}{"A": gotA, "B": gotB} {
		await(t, ch, fmt.Sprintf("window %s to show both edits %q", name, want))
	}
}

// signalIf closes ch once the first section's editor shows one of want.
func signalIf(d *draftScreen, want []string, ch chan struct{}) {
	if e := d.editors[d.sections[0].ID]; e != nil && slices.Contains(want, e.text()) {
		select {
		case <-ch:
		default:
			close(ch)
		}
	}
}

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for runUI(); !ok(); runUI() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestConnectByAddress(t *testing.T) {
	u, ws, dir := newUI(t, app.Options{Poll: -1})
	withProfile(t, ws)
	u.showNetwork() // sync off: says so
	if msg := overlayText(t, u); !strings.Contains(msg, "--offline") {
		t.Errorf("with sync off: %q", msg)
	}
	o, err := online.Start(ws, dir, online.Config{Listen: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	u.online = o
	u.connectTo("somewhere over there")
	if msg := overlayText(t, u); !strings.Contains(msg, "cannot be dialed") {
		t.Errorf("a bad address explained as %q", msg)
	}
	u.connectTo("/ip4/127.0.0.1/tcp/9/p2p/12D3KooWGzh8sWJeXzNwcWd5PjpK7XWZ9sPZJQx1GQ8d5Vn1hS7K")
	if st := o.Status(""); st.Known != 1 {
		t.Errorf("status after adding a peer: %+v", st)
	}
}

// TestStatusBarStates puts each state the network can be in on the bar.
func TestSyncDetailsText(t *testing.T) {
	at := time.Date(2026, 12, 7, 21, 14, 5, 0, time.Local)
	got := syncDetailsText(online.LinkStatus{Last: online.LinkBytes{Sent: 1312, Received: 1226}, LastAt: at,
		Today: online.LinkBytes{Sent: 24_100, Received: 81_000}})
	for _, want := range []string{"Last sync (ended 21:14:05): 1312 B sent, 1226 B received.", "Today, on this machine: 24 KB sent, 79 KB received."} {
		if !strings.Contains(got, want) {
			t.Errorf("details %q lack %q", got, want)
		}
	}
}

func TestStatusBarStates(t *testing.T) {
	u := openTestDraft(t)
	b := u.status
	at := time.Date(2026, 11, 25, 14, 30, 5, 0, time.Local)
	for _, c := range []struct {
		st       online.Status
		want     string
		spinning bool
		measured float64 // the determinate bar's value; -1: hidden
	}{
		{online.Status{}, "no co-author or relay known", false, -1},
		{online.Status{State: online.Connecting, Known: 2}, "Connecting to 2 peers", false, -1},
		{online.Status{State: online.Syncing, Peers: 1, Pending: 3, LastSync: at}, "Syncing with 1 peer · 3 changes to send · last sync 14:30:05", true, -1},
		{online.Status{State: online.Syncing, Peers: 1, Received: 12 << 10, Receiving: 30 << 10}, "received 12 KB of 30 KB", false, 0.4},
		{online.Status{State: online.Syncing, Peers: 1, Received: 100, Receiving: 200}, "changes to send", true, -1}, // too short for a bar
		{online.Status{State: online.Synced, Peers: 2, LastSync: at}, "Synced with 2 peers · last sync 14:30:05", false, -1},
		{online.Status{State: online.Syncing, Peers: 1, Refused: "over this relay's quota: draft d would hold 70 MB"}, "Not synced: over this relay's quota", false, -1},
	} {
		locked(func() { b.show(statusSnap{st: c.st, on: true}) })
		if got := b.label.Text; !strings.Contains(got, c.want) {
			t.Errorf("%+v: bar says %q, want %q in it", c.st, got, c.want)
		}
		if b.progress.Visible() != c.spinning {
			t.Errorf("%+v: activity bar shown %v", c.st, b.progress.Visible())
		}
		if shown := b.received.Visible(); shown != (c.measured >= 0) || shown && b.received.Value != c.measured {
			t.Errorf("%+v: progress bar shown %v at %v, want %v", c.st, shown, b.received.Value, c.measured)
		}
		if b.syncNow.Disabled() {
			t.Errorf("%+v: Sync now disabled while sync runs", c.st)
		}
	}
}

// TestOnlineFailed opens the window when sync could not start: it works
// offline and says why.
func TestOnlineFailed(t *testing.T) {
	a := test.NewTempApp(t)
	ws, err := app.Open(context.Background(), t.TempDir(), app.Options{Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	withProfile(t, ws)
	u := New(a, ws, Options{StatusEvery: -1, OnlineErr: errors.New("listening on /ip4/0.0.0.0/tcp/4001: address already in use")})
	u.do = uiq.do
	if msg := overlayText(t, u); !strings.Contains(msg, "address already in use") || !strings.Contains(msg, "works offline") {
		t.Errorf("the window told %q", msg)
	}
	if got := u.status.label.Text; !strings.Contains(got, "sync could not start") {
		t.Errorf("status bar: %q", got)
	}
}

// TestStartError is the window shown when the data cannot be opened.
func TestStartError(t *testing.T) {
	a := test.NewTempApp(t)
	w := StartError(a, errors.New("the database is not a BPF Draft database"))
	var text strings.Builder
	find(w.Content(), func(l *widget.Label) bool { text.WriteString(l.Text); return false })
	if !strings.Contains(text.String(), "not a BPF Draft database") || !strings.Contains(text.String(), "Nothing on this machine has been changed") {
		t.Errorf("the window says %q", text.String())
	}
	button(t, w.Content(), "Quit")
}

// TestInviteWithARelayFromTheWindow is issue 10's seventh defect: the
// window could not register a draft with a relay (Invite sent people to
// the command line) nor rotate the secret. From the invite dialog: a
// relay is added (it learns the secret first), a co-author who holds
// only the code gets the draft through it, and a new code revokes the
// old one at the relay too.
func TestInviteWithARelayFromTheWindow(t *testing.T) {
	ctx := context.Background()
	loop := []string{"/ip4/127.0.0.1/tcp/0"}
	relayDir := t.TempDir()
	rws, err := relay.OpenStore(relayDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rws.Close()
	rl, err := relay.Start(relay.Config{KeyFile: filepath.Join(relayDir, "identity.key"), Listen: loop, Store: rws, Open: true,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer rl.Close()

	u, ws, dir := newUI(t, app.Options{Poll: 20 * time.Millisecond})
	withProfile(t, ws)
	on, err := online.Start(ws, dir, online.Config{Listen: loop})
	if err != nil {
		t.Fatal(err)
	}
	defer on.Close()
	u.online = on
	id, err := ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Relayed", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	locked(func() { u.OpenDraft(id) })
	d := u.draft
	locked(func() { test.Type(d.editors[d.openID].area, "Reaches B through the relay.") })
	settleDraft(t, d).Flush(ctx)
	invited := make(chan app.Invite, 4)
	locked(func() {
		d.invited = func(inv app.Invite) { invited <- inv }
		d.showInvite()
		d.invite.relay.SetText("not a relay")
		test.Tap(button(t, u.win.Canvas().Overlays().Top(), "Add this relay"))
	})
	if got := d.invite.status.Text; !strings.Contains(got, "not a relay address") {
		t.Errorf("a bad address: %q", got)
	}
	locked(func() {
		d.invite.relay.SetText(rl.Addrs()[0])
		test.Tap(button(t, u.win.Canvas().Overlays().Top(), "Add this relay"))
	})
	inv := await(t, invited, "the relay to register the draft")
	if !slices.Equal(inv.Relays, []string{rl.Addrs()[0]}) || d.inviteCode != inv.Code() {
		t.Fatalf("the code names relays %v", inv.Relays)
	}
	access := func(secret []byte) []byte {
		key, err := online.AccessKey(id, secret)
		if err != nil {
			t.Fatal(err)
		}
		return key
	}
	if d, err := rws.Draft(ctx, id); err != nil || !bytes.Equal(d.Access, access(inv.Secret)) {
		t.Fatalf("the relay does not hold the draft's access key: %v", err)
	}
	// The window keeps the relay in sync: it soon holds the draft, sealed.
	waitUntil(t, "the relay to hold the draft", func() bool {
		d, err := rws.Draft(ctx, id)
		return err == nil && d.Tip > 0
	})
	// B holds only the code, and never dials A.
	wsB, err := app.Open(ctx, t.TempDir(), app.Options{Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer wsB.Close()
	oB, err := online.Open(wsB, filepath.Dir(wsB.Path()), online.Config{Listen: loop})
	if err != nil {
		t.Fatal(err)
	}
	defer oB.Close()
	if _, err := oB.Join(ctx, inv.Code(), false, false); err != nil {
		t.Fatal(err)
	}
	if _, err := oB.SyncOnce(ctx, nil, 0); err != nil {
		t.Fatal(err)
	}
	sB, err := wsB.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got := sB.Sections()[0].Body; got != "Reaches B through the relay." {
		t.Errorf("B got %q", got)
	}
	sB.Close(ctx)

	// A new code: the relay learns it, and the old one no longer syncs.
	locked(func() { test.Tap(button(t, u.win.Canvas().Overlays().Top(), "New code, revoking this one…")) })
	locked(func() { test.Tap(button(t, u.win.Canvas().Overlays().Top(), "Revoke")) })
	rotated := await(t, invited, "the new code")
	if bytes.Equal(rotated.Secret, inv.Secret) || !slices.Equal(rotated.Relays, inv.Relays) {
		t.Fatalf("rotation: same secret %v, relays %v", bytes.Equal(rotated.Secret, inv.Secret), rotated.Relays)
	}
	if d, err := rws.Draft(ctx, id); err != nil || !bytes.Equal(d.Access, access(rotated.Secret)) {
		t.Fatal("the relay still holds the old access key")
	}
	if res, err := oB.SyncOnce(ctx, nil, 0); err == nil || len(res) != 1 || len(res[0].Stats.Drafts) != 0 {
		t.Errorf("the old code still syncs: %+v, %v", res, err)
	}
}

// TestRestoreFromTheTrash: a deleted draft comes back from the window.
func TestRestoreFromTheTrash(t *testing.T) {
	ctx := context.Background()
	u, ws, _ := newUI(t, app.Options{Poll: -1})
	withProfile(t, ws)
	id, err := ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Deleted by mistake", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	locked(func() {
		u.ShowHome()
		test.Tap(button(t, u.win.Content(), "Trash…"))
	})
	if msg := overlayText(t, u); !strings.Contains(msg, "Deleted by mistake") {
		t.Fatalf("the trash shows %q", msg)
	}
	locked(func() { test.Tap(button(t, u.win.Canvas().Overlays().Top(), "Restore")) })
	if len(u.homeUI.drafts) != 1 || u.homeUI.drafts[0].ID != id {
		t.Errorf("the drafts list after restoring: %+v", u.homeUI.drafts)
	}
	if trash, _ := ws.Trash(ctx); len(trash) != 0 {
		t.Errorf("still in the trash: %+v", trash)
	}
	locked(func() { test.Tap(button(t, u.win.Content(), "Trash…")) })
	if msg := overlayText(t, u); !strings.Contains(msg, "The trash is empty.") {
		t.Errorf("the empty trash shows %q", msg)
	}
}

// TestLostEditsAreShown: the window opened on a data file whose
// write-ahead log lost saved edits says how many, on opening.
func TestLostEditsAreShown(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ws, err := app.Open(ctx, dir, app.Options{Poll: -1, IdleCommit: -1})
	if err != nil {
		t.Fatal(err)
	}
	withProfile(t, ws)
	id, err := ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Kept safe"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ws.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 30; i++ {
		if _, _, err := s.Write(ctx, "1", fmt.Sprintf("Edit %d. ", i), true); err != nil {
			t.Fatal(err)
		}
	}
	killed := t.TempDir() // the files as kill -9 leaves them, the log then cut short
	for _, suffix := range []string{"", "-wal", "-acked"} {
		b, err := os.ReadFile(filepath.Join(dir, app.FileName+suffix))
		if err != nil {
			t.Fatal(err)
		}
		if suffix == "-wal" {
			b = b[:len(b)/2]
		}
		os.WriteFile(filepath.Join(killed, app.FileName+suffix), b, 0o600)
	}
	s.Close(ctx)
	ws.Close()

	a := test.NewTempApp(t)
	ws2, err := app.Open(ctx, killed, app.Options{Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ws2.Close()
	u := New(a, ws2, Options{StatusEvery: -1})
	u.do = uiq.do
	defer u.win.Close()
	if msg := overlayText(t, u); !strings.Contains(msg, "are missing from its data file") || !strings.Contains(msg, "next sync") {
		t.Errorf("the window told %q", msg)
	}
}

// barText is the presence bar's text.
func barText(bar *fyne.Container) string {
	var b strings.Builder
	find(bar, func(l *widget.Label) bool { b.WriteString(l.Text + " "); return false })
	return b.String()
}

// registrarOK takes every registration, for a test about the window's
// side of a relay, not the relay's (sync/relay tests that).
type registrarOK struct{}

func (registrarOK) Register(context.Context, string, p2p.Registration) error { return nil }

// TestJoinNamingAnUnlistedRelayAsksFirst is issue 24's third finding in
// the window: a code with the draft's own secret that names a relay its
// co-facilitators do not list asks before anything changes; cancelled,
// nothing does; confirmed, the relay is taken, to read from.
func TestJoinNamingAnUnlistedRelayAsksFirst(t *testing.T) {
	ctx := context.Background()
	u, ws, _ := newUI(t, app.Options{Poll: -1})
	withProfile(t, ws)
	id, err := ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Listed", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	listed := "/ip4/203.0.113.7/tcp/4001/p2p/12D3KooWEzKuPSyAiHzst2w8oW5mC6Fmz9KcG4Y7HJ999aR5hHpm"
	other := "/ip4/198.51.100.9/tcp/4001/p2p/12D3KooWGMVmXFLx3U1uNcJSrTgprYBPjqo3jEv8gMofdSuKBvpD"
	inv, err := online.Invite(ctx, ws, registrarOK{}, id, []string{listed}, false)
	if err != nil {
		t.Fatal(err)
	}
	forged := app.Invite{DraftID: id, Secret: inv.Secret, Relays: []string{other}}.Code()
	locked(func() {
		u.ShowHome()
		u.homeUI.joinCode(forged)
	})
	if msg := overlayText(t, u); !strings.Contains(msg, "have not listed") {
		t.Fatalf("the window said %q", msg)
	}
	if rs, _ := ws.Relays(ctx, id); slices.Contains(rs, other) {
		t.Fatal("the relay was taken before the person agreed")
	}
	locked(func() { test.Tap(button(t, u.win.Canvas().Overlays().Top(), "Use it")) })
	if rs, _ := ws.Relays(ctx, id); !slices.Contains(rs, other) || !slices.Contains(rs, listed) {
		t.Errorf("after agreeing, the draft's relays: %v", rs)
	}
}
