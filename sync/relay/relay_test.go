package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
	docsync "github.com/igf-bpf/bpfdraft/sync"
	"github.com/igf-bpf/bpfdraft/sync/p2p"
)

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func logger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type participant struct {
	dir  string
	ws   *app.Workspace
	node *p2p.Node
}

// start opens a participant's data dir and node; stop closes both, as
// when the laptop is shut.
func start(t *testing.T, dir, name string) *participant {
	t.Helper()
	ctx := context.Background()
	ws, err := app.Open(ctx, dir, app.Options{Logger: logger(t), Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws.SetProfile(ctx, app.Profile{Name: name, Group: "Government", Region: "African"}); err != nil {
		t.Fatal(err)
	}
	key, err := p2p.LoadKey(filepath.Join(dir, "identity.key"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := p2p.New(p2p.Config{Key: key, Listen: []string{"/ip4/127.0.0.1/tcp/0"}, Library: ws.SyncLibrary(), Logger: logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return &participant{dir: dir, ws: ws, node: n}
}

func (p *participant) stop() { p.node.Close(); p.ws.Close() }

func (p *participant) write(t *testing.T, id, ref, text string) {
	t.Helper()
	ctx := context.Background()
	s, err := p.ws.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if _, _, err := s.Write(ctx, ref, text, true); err != nil {
		t.Fatal(err)
	}
}

func (p *participant) read(t *testing.T, id, ref string) string {
	t.Helper()
	ctx := context.Background()
	s, err := p.ws.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	sec, _ := s.Section(ref)
	return sec.Body
}

func (p *participant) syncWith(t *testing.T, addr string) p2p.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r := p.node.Sync(ctx, addr, true)
	if r.Err != nil {
		t.Fatalf("sync with %s: %v", addr, r.Err)
	}
	return r
}

type relayUnderTest struct {
	dir string
	ws  *app.Workspace
	r   *Relay
}

func startRelay(t *testing.T, dir string, listen string, allow map[string]bool) *relayUnderTest {
	t.Helper()
	ws, err := app.Open(context.Background(), dir, app.Options{Logger: logger(t), Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Start(Config{KeyFile: filepath.Join(dir, "identity.key"), Listen: []string{listen}, Store: ws,
		AllowPeers: allow, Logger: logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return &relayUnderTest{dir: dir, ws: ws, r: r}
}

func (r *relayUnderTest) stop() { r.r.Close(); r.ws.Close() }

func TestStoreAndForward(t *testing.T) {
	ctx := context.Background()
	relayDir := t.TempDir()
	rl := startRelay(t, relayDir, "/ip4/127.0.0.1/tcp/0", nil)
	relayAddr := rl.r.Addrs()[0]

	// A creates a draft, registers it with the relay, syncs, and goes offline.
	a := start(t, t.TempDir(), "Amina")
	id, err := a.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Via the relay"})
	if err != nil {
		t.Fatal(err)
	}
	a.write(t, id, "1", "A wrote this before leaving. ")
	secret := docsync.NewSecret()
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := a.node.Register(rctx, relayAddr, p2p.Registration{DraftID: id, Secret: secret}); err != nil {
		t.Fatal(err)
	}
	inv, err := a.ws.Invite(ctx, id, []string{relayAddr}, secret)
	if err != nil {
		t.Fatal(err)
	}
	if r := a.syncWith(t, relayAddr); r.Stats.ChangesOut == 0 {
		t.Fatalf("A sent nothing to the relay: %+v", r.Stats)
	}
	aDir := a.dir
	a.stop()

	// The relay restarts (its store survives), then B joins knowing only the relay.
	rl.stop()
	rl = startRelay(t, relayDir, relayAddr[:strings.Index(relayAddr, "/p2p/")], nil)
	defer rl.stop()
	b := start(t, t.TempDir(), "Bruno")
	defer b.stop()
	if _, err := b.ws.Join(ctx, inv.Code()); err != nil {
		t.Fatal(err)
	}
	b.syncWith(t, relayAddr)
	if got := b.read(t, id, "1"); got != "A wrote this before leaving. " {
		t.Fatalf("B got %q from the relay", got)
	}
	b.write(t, id, "2", "B's answer, via the relay.")
	b.syncWith(t, relayAddr)
	b.stop()

	// A comes back, syncs with the relay only, and gets B's edit.
	a = start(t, aDir, "Amina")
	defer a.stop()
	a.syncWith(t, relayAddr)
	if got := a.read(t, id, "2"); got != "B's answer, via the relay." {
		t.Errorf("A got %q", got)
	}
}

func TestRegistrationRules(t *testing.T) {
	ctx := context.Background()
	owner := start(t, t.TempDir(), "Owner")
	defer owner.stop()
	other := start(t, t.TempDir(), "Other")
	defer other.stop()
	rl := startRelay(t, t.TempDir(), "/ip4/127.0.0.1/tcp/0", map[string]bool{owner.node.ID(): true})
	defer rl.stop()
	addr := rl.r.Addrs()[0]
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()

	id, _ := owner.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateProposal, Title: "Registered"})
	secret := docsync.NewSecret()
	if err := other.node.Register(rctx, addr, p2p.Registration{DraftID: id, Secret: secret}); !errors.Is(err, p2p.ErrRefused) || !strings.Contains(err.Error(), "listed peers") {
		t.Errorf("unlisted peer: %v", err)
	}
	if err := owner.node.Register(rctx, addr, p2p.Registration{DraftID: id, Secret: secret}); err != nil {
		t.Fatal(err)
	}
	// A new secret without proof of the old one is refused; with it, accepted.
	newer := docsync.NewSecret()
	if err := owner.node.Register(rctx, addr, p2p.Registration{DraftID: id, Secret: newer}); !errors.Is(err, p2p.ErrRefused) {
		t.Errorf("rotation without proof: %v", err)
	}
	if err := owner.node.Register(rctx, addr, p2p.Registration{DraftID: id, Secret: newer, Proof: docsync.RotationProof(secret, id, newer)}); err != nil {
		t.Errorf("rotation with proof: %v", err)
	}
	// A draft nobody registered: the relay stores nothing of it.
	unreg, _ := other.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Not registered"})
	other.write(t, unreg, "1", "private")
	if _, err := other.ws.Invite(ctx, unreg, nil, nil); err != nil {
		t.Fatal(err)
	}
	r := other.syncWith(t, addr)
	if len(r.Stats.Drafts) != 0 || r.Stats.ChangesOut != 0 {
		t.Errorf("relay accepted an unregistered draft: %+v", r.Stats)
	}
	if list, _ := rl.ws.Drafts(ctx); len(list) != 0 {
		t.Errorf("relay stores %+v", list)
	}
}

// TestRelayKilledMidSync stops the relay while a participant is sending
// to it, several times: the participant's sync fails cleanly, the relay's
// store opens again, and the next sync delivers everything.
func TestRelayKilledMidSync(t *testing.T) {
	ctx := context.Background()
	relayDir := t.TempDir()
	rl := startRelay(t, relayDir, "/ip4/127.0.0.1/tcp/0", nil)
	relayAddr := rl.r.Addrs()[0]
	listen := relayAddr[:strings.Index(relayAddr, "/p2p/")]

	a := start(t, t.TempDir(), "Amina")
	defer a.stop()
	id, _ := a.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Big"})
	secret := docsync.NewSecret()
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := a.node.Register(rctx, relayAddr, p2p.Registration{DraftID: id, Secret: secret}); err != nil {
		t.Fatal(err)
	}
	inv, _ := a.ws.Invite(ctx, id, []string{relayAddr}, secret)
	failures := 0
	for round := 0; round < 4; round++ {
		for i := 0; i < 40; i++ {
			a.write(t, id, fmt.Sprint(1+i%8), strings.Repeat(fmt.Sprintf("round %d line %d. ", round, i), 20))
		}
		done := make(chan p2p.Result, 1)
		go func() {
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			done <- a.node.Sync(sctx, relayAddr, true)
		}()
		time.Sleep(time.Duration(round) * 8 * time.Millisecond)
		t0 := time.Now()
		rl.stop()
		t1 := time.Now()
		r := <-done
		if r.Err != nil {
			failures++
		}
		t2 := time.Now()
		rl = startRelay(t, relayDir, listen, nil)
		t.Logf("round %d: stop took %v, the sync ended %v later (%v), restart took %v", round, t1.Sub(t0), t2.Sub(t1), r.Err, time.Since(t2))
	}
	defer rl.stop()
	a.syncWith(t, relayAddr)

	b := start(t, t.TempDir(), "Bruno")
	defer b.stop()
	b.ws.Join(ctx, inv.Code())
	b.syncWith(t, relayAddr)
	for sec := 1; sec <= 8; sec++ {
		ref := fmt.Sprint(sec)
		if got, want := b.read(t, id, ref), a.read(t, id, ref); got != want {
			t.Fatalf("section %d differs after the relay's restarts (%d vs %d chars)", sec, len(got), len(want))
		}
	}
	t.Logf("%d of 4 syncs were cut by the relay stopping", failures)
}
