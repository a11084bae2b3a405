package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/online"
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
	eng  *docsync.Engine
}

// start opens a participant's data dir and node; stop closes both, as
// when the laptop is shut.
func start(t *testing.T, dir, name string) *participant {
	t.Helper()
	return startAt(t, dir, name, "/ip4/127.0.0.1/tcp/0")
}

// startAt is start listening on listen (another loopback address is
// another source to the relay).
func startAt(t *testing.T, dir, name, listen string) *participant {
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
	self, err := p2p.PeerIDOf(key)
	if err != nil {
		t.Fatal(err)
	}
	eng := docsync.New(ws.SyncLibrary(), self, logger(t))
	n, err := p2p.New(p2p.Config{Key: key, Listen: []string{listen}, Sessions: eng, Logger: logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return &participant{dir: dir, ws: ws, node: n, eng: eng}
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
	dir   string
	store *Store
	r     *Relay
}

func startRelay(t *testing.T, dir string, listen string, allow map[string]bool) *relayUnderTest {
	t.Helper()
	store := openStore(t, dir)
	r, err := Start(Config{KeyFile: filepath.Join(dir, "identity.key"), Listen: []string{listen}, Store: store,
		AllowPeers: allow, Open: allow == nil, Logger: logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return &relayUnderTest{dir: dir, store: store, r: r}
}

func (r *relayUnderTest) stop() { r.r.Close(); r.store.Close() }

func openStore(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := OpenStore(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// invite registers a draft with the relay at addr under secret, as its
// co-facilitator's `bpfdraft invite --relay` does, and returns the code.
func invite(t *testing.T, p *participant, id, addr string, secret []byte) app.Invite {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	inv, err := online.InviteWithSecret(ctx, p.ws, p.node, id, []string{addr}, secret)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

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
	inv := invite(t, a, id, relayAddr, secret)
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

	mine, _ := other.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateProposal, Title: "Not listed"})
	if _, err := online.Invite(rctx, other.ws, other.node, mine, []string{addr}, false); !errors.Is(err, p2p.ErrRefused) || !strings.Contains(err.Error(), "listed peers") {
		t.Errorf("unlisted peer: %v", err)
	}
	id, _ := owner.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateProposal, Title: "Registered"})
	invite(t, owner, id, addr, docsync.NewSecret())
	if d, err := rl.store.Draft(ctx, id); err != nil || d.Version != 1 {
		t.Fatalf("registered: %+v, %v", d, err)
	}
	// A rotation is a new statement of the owner's, which the relay takes.
	if _, err := online.Invite(rctx, owner.ws, owner.node, id, nil, true); err != nil {
		t.Errorf("rotation: %v", err)
	}
	if d, _ := rl.store.Draft(ctx, id); d.Version != 2 {
		t.Errorf("after the rotation the relay holds version %d", d.Version)
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
	if _, err := rl.store.Draft(ctx, unreg); !errors.Is(err, ErrNoDraft) {
		t.Errorf("relay stores an unregistered draft: %v", err)
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
	inv := invite(t, a, id, relayAddr, secret)
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

// TestQuotasOnEveryPath: the draft, registrant and relay-wide quotas hold
// for snapshots, pushes and Automerge's messages alike (issue 13, item
// 4), and a relay started with neither an allow-list nor Open takes no
// drafts at all.
func TestQuotasOnEveryPath(t *testing.T) {
	ctx := context.Background()
	owner := start(t, t.TempDir(), "Owner")
	defer owner.stop()
	dir := t.TempDir()
	ws := openStore(t, dir)
	defer ws.Close()
	r, err := Start(Config{KeyFile: filepath.Join(dir, "identity.key"), Listen: []string{"/ip4/127.0.0.1/tcp/0"}, Store: ws,
		Open: true, MaxDraftBytes: 40 << 10, MaxRegistrantBytes: 24 << 10, Logger: logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	addr := r.Addrs()[0]
	rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	invite := func(title string) string {
		id, err := owner.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: title})
		if err != nil {
			t.Fatal(err)
		}
		secret := docsync.NewSecret()
		invite(t, owner, id, addr, secret)
		return id
	}
	stored := func(id string) int64 {
		d, err := ws.Draft(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return d.Bytes
	}
	rng := rand.New(rand.NewSource(4))
	text := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abcdefghijklmnopqrstuvwxyz "[rng.Intn(27)]
		}
		return string(b)
	}

	// A draft that starts over the quota: its snapshot is refused.
	big := invite("Too big from the start")
	owner.write(t, big, "1", text(60<<10))
	res := owner.node.Sync(rctx, addr, true)
	if res.Err != nil || !strings.Contains(res.Stats.Failed[big], "quota") || stored(big) > 0 {
		t.Errorf("snapshot over the draft quota: %v, %v; relay holds %d bytes", res.Err, res.Stats.Failed, stored(big))
	}
	if err := owner.ws.Delete(ctx, big); err != nil {
		t.Fatal(err)
	}

	// A draft within it, then a push that would take it over.
	small := invite("Small")
	owner.write(t, small, "1", text(5<<10))
	if res := owner.node.Sync(rctx, addr, true); res.Err != nil {
		t.Fatalf("a small draft: %v", res.Err)
	}
	before := stored(small)
	owner.write(t, small, "2", text(50<<10))
	res = owner.node.Sync(rctx, addr, true)
	if res.Err != nil || !strings.Contains(res.Stats.Failed[small], "quota") || stored(small) != before {
		t.Errorf("push over the draft quota: %v, %v; relay went from %d to %d bytes", res.Err, res.Stats.Failed, before, stored(small))
	}
	// The relay says why, and the owner's status says it is not synced.
	for _, st := range owner.eng.Status() {
		if st.Draft == small && (st.Synced || !strings.Contains(st.Problem, "quota")) {
			t.Errorf("owner's status for a refused draft: %+v", st)
		}
	}

	// The registrant's quota: a second draft of theirs that fits the draft
	// quota but not, with the first, the registrant's.
	second := invite("Second")
	owner.write(t, second, "1", text(30<<10))
	res = owner.node.Sync(rctx, addr, true)
	if res.Err != nil || !strings.Contains(res.Stats.Failed[second], "registered") || stored(second) > 0 {
		t.Errorf("over the registrant's quota: %v, %v; relay holds %d bytes", res.Err, res.Stats.Failed, stored(second))
	}

	// Closed unless told: no allow-list and no Open takes nothing.
	cdir := t.TempDir()
	cws := openStore(t, cdir)
	defer cws.Close()
	closed, err := Start(Config{KeyFile: filepath.Join(cdir, "identity.key"), Listen: []string{"/ip4/127.0.0.1/tcp/0"}, Store: cws, Logger: logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer closed.Close()
	_, err = online.Invite(rctx, owner.ws, owner.node, small, []string{closed.Addrs()[0]}, false)
	if !errors.Is(err, p2p.ErrRefused) || !strings.Contains(err.Error(), owner.node.ID()) {
		t.Errorf("a closed relay: %v (the refusal names the peer id to add)", err)
	}
}

// TestRegistrationsCountPerCoFacilitator is issue 24's seventh finding:
// registrations were counted per source address, so one flood, or one
// busy conference Wi-Fi, shut every co-facilitator behind that address
// out for an hour. They are counted per signing co-facilitator now: past
// one's hourly share the relay refuses them, and another co-facilitator
// on the same address still registers.
func TestRegistrationsCountPerCoFacilitator(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := openStore(t, dir)
	defer store.Close()
	r, err := Start(Config{KeyFile: filepath.Join(dir, "identity.key"), Listen: []string{"/ip4/127.0.0.1/tcp/0"}, Store: store,
		Open: true, MaxRegistrationsPerHour: 3, Logger: logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	addr := r.Addrs()[0]
	rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	flooder := start(t, t.TempDir(), "Flooder")
	defer flooder.stop()
	neighbour := start(t, t.TempDir(), "Neighbour") // the same address, 127.0.0.1
	defer neighbour.stop()
	register := func(p *participant, i int) error {
		id, err := p.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateProposal, Title: fmt.Sprint("Draft ", i)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = online.Invite(rctx, p.ws, p.node, id, []string{addr}, false)
		return err
	}
	for i := range 3 {
		if err := register(flooder, i); err != nil {
			t.Fatalf("registration %d: %v", i, err)
		}
	}
	if err := register(flooder, 3); err == nil || !strings.Contains(err.Error(), "from one co-facilitator") {
		t.Errorf("past the share: %v", err)
	}
	if err := register(neighbour, 0); err != nil {
		t.Errorf("another co-facilitator on the same address: %v", err)
	}
}
