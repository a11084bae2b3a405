package p2p

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
	docsync "github.com/igf-bpf/bpfdraft/sync"
)

// TestSessionsSurviveConnectionTrimming: libp2p's connection manager
// closes connections past its limit (192 by default, which a relay with
// 200 peers passes: the load run lost 76 of 400 sessions to it). A
// connection with a sync session on it is kept.
func TestSessionsSurviveConnectionTrimming(t *testing.T) {
	ctx := context.Background()
	cm, err := connmgr.NewConnManager(3, 3, connmgr.WithGracePeriod(0), connmgr.WithSilencePeriod(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ws, err := app.Open(ctx, dir, app.Options{Logger: log, Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if _, err := ws.SetProfile(ctx, app.Profile{Name: "Owner", Group: "Civil society", Region: "WEOG"}); err != nil {
		t.Fatal(err)
	}
	key, err := LoadKey(filepath.Join(dir, "identity.key"))
	if err != nil {
		t.Fatal(err)
	}
	self, err := PeerIDOf(key)
	if err != nil {
		t.Fatal(err)
	}
	eng := docsync.New(ws.SyncLibrary(), self, log)
	n, err := New(Config{Key: key, Listen: []string{"/ip4/127.0.0.1/tcp/0"}, Sessions: eng, Logger: log, connManager: cm})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	owner := &machine{ws: ws, node: n, eng: eng}
	coauthor := newMachine(t, "Co-author")
	id, err := ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Kept open"})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := ws.Invite(ctx, id, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := coauthor.ws.Join(ctx, inv.Code()); err != nil {
		t.Fatal(err)
	}
	live, stop := context.WithCancel(ctx)
	defer stop()
	ended := make(chan Result, 1)
	go func() { ended <- coauthor.node.Sync(live, owner.node.Addrs()[0], false) }()
	connected := func() bool {
		for _, s := range owner.eng.Status() {
			if s.Draft == id && s.Connected && s.Synced {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(10 * time.Second); !connected(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the live session did not start")
		}
	}
	// More connections than the manager keeps: three idle hosts, tagged
	// as worth more than the co-author, so that it is the one to close.
	target, err := ParseAddr(owner.node.Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		if err := h.Connect(ctx, target); err != nil {
			t.Fatal(err)
		}
		cm.TagPeer(h.ID(), "worth more", 100)
	}
	cm.TrimOpenConns(ctx)
	owner.write(t, id, "1", "Written after the trim.")
	for deadline := time.Now().Add(10 * time.Second); coauthor.section(t, id, "1") != "Written after the trim."; time.Sleep(20 * time.Millisecond) {
		select {
		case r := <-ended:
			t.Fatalf("the session ended at the trim: %v", r.Err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the edit did not arrive over the live session")
		}
	}
}
