package p2p

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
	docsync "github.com/igf-bpf/bpfdraft/sync"
)

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// machine is one participant's data dir and node on loopback.
type machine struct {
	ws   *app.Workspace
	node *Node
	eng  *docsync.Engine
	log  *lockedBuf
}

// lockedBuf keeps what a machine logged, for tests that count lines.
type lockedBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newMachine(t *testing.T, name string, listen ...string) *machine {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	logs := &lockedBuf{}
	log := slog.New(slog.NewTextHandler(io.MultiWriter(tWriter{t}, logs), &slog.HandlerOptions{Level: slog.LevelInfo}))
	ws, err := app.Open(ctx, dir, app.Options{Logger: log, Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws.SetProfile(ctx, app.Profile{Name: name, Group: "Civil society", Region: "WEOG"}); err != nil {
		t.Fatal(err)
	}
	key, err := LoadKey(filepath.Join(dir, "identity.key"))
	if err != nil {
		t.Fatal(err)
	}
	if len(listen) == 0 {
		listen = []string{"/ip4/127.0.0.1/tcp/0"}
	}
	self, err := PeerIDOf(key)
	if err != nil {
		t.Fatal(err)
	}
	eng := docsync.New(ws.SyncLibrary(), self, log)
	n, err := New(Config{Key: key, Listen: listen, Sessions: eng, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close(); ws.Close() })
	return &machine{ws: ws, node: n, eng: eng, log: logs}
}

func (m *machine) section(t *testing.T, id, ref string) string {
	t.Helper()
	s, err := m.ws.Session(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	sec, err := s.Section(ref)
	if err != nil {
		t.Fatal(err)
	}
	return sec.Body
}

func (m *machine) write(t *testing.T, id, ref, text string) {
	t.Helper()
	ctx := context.Background()
	s, err := m.ws.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if _, _, err := s.Write(ctx, ref, text, true); err != nil {
		t.Fatal(err)
	}
}

func syncOnce(t *testing.T, from, to *machine) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r := from.node.Sync(ctx, to.node.Addrs()[0], true)
	if r.Err != nil {
		t.Fatalf("sync: %v", r.Err)
	}
	return r
}

func TestTwoHostsOverTCPAndQUIC(t *testing.T) {
	for _, tc := range []struct{ name, listen string }{
		{"tcp", "/ip4/127.0.0.1/tcp/0"},
		{"quic", "/ip4/127.0.0.1/udp/0/quic-v1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			a, b := newMachine(t, "Amina", tc.listen), newMachine(t, "Bruno", tc.listen)
			id, err := a.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Over libp2p"})
			if err != nil {
				t.Fatal(err)
			}
			a.write(t, id, "1", "From A. ")
			inv, err := a.ws.Invite(ctx, id, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.ws.Join(ctx, inv.Code()); err != nil {
				t.Fatal(err)
			}
			r := syncOnce(t, b, a)
			if r.Stats.ChangesIn == 0 || len(r.Stats.Drafts) != 1 {
				t.Fatalf("join fetched %+v", r.Stats)
			}
			if got := b.section(t, id, "1"); got != "From A. " {
				t.Fatalf("b has %q", got)
			}
			// Offline edits on both sides, same section and another, then a sync.
			a.write(t, id, "1", "A again. ")
			b.write(t, id, "1", "B here. ")
			b.write(t, id, "2", "B's regions.")
			syncOnce(t, a, b)
			ga, gb := a.section(t, id, "1"), b.section(t, id, "1")
			if ga != gb || !strings.Contains(ga, "A again.") || !strings.Contains(ga, "B here.") {
				t.Errorf("section 1: a %q, b %q", ga, gb)
			}
			if a.section(t, id, "2") != "B's regions." {
				t.Error("a lacks b's section 2")
			}
			st := a.eng.Status()
			if len(st) != 1 || !st[0].Synced || st[0].Peer != b.node.ID() {
				t.Errorf("status %+v", st)
			}
		})
	}
}

func TestStrangerGetsNothing(t *testing.T) {
	ctx := context.Background()
	a, stranger := newMachine(t, "Amina"), newMachine(t, "Eve")
	id, _ := a.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Private"})
	a.write(t, id, "1", "secret text")
	if _, err := a.ws.Invite(ctx, id, nil, nil); err != nil {
		t.Fatal(err)
	}
	// Eve forges an invite with the right draft id and a wrong secret.
	forged := app.Invite{DraftID: id, Secret: make([]byte, 32)}
	if _, err := stranger.ws.Join(ctx, forged.Code()); err != nil {
		t.Fatal(err)
	}
	r := syncOnce(t, stranger, a)
	if len(r.Stats.Drafts) != 0 || r.Stats.ChangesIn != 0 {
		t.Fatalf("stranger got %+v", r.Stats)
	}
	if list, _ := stranger.ws.Drafts(ctx); len(list) != 0 {
		t.Errorf("stranger holds %+v", list)
	}
	if r.Stats.BytesIn > 80 {
		t.Errorf("stranger received %d bytes", r.Stats.BytesIn)
	}
}

// TestKeyCreatedOnceUnderRace: processes starting together on a new data
// dir end up with one identity, the one on disk.
func TestKeyCreatedOnceUnderRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "identity.key")
	keys := make(chan crypto.PrivKey, 8)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := LoadKey(path)
			if err != nil {
				t.Error(err)
				return
			}
			keys <- k
		}()
	}
	wg.Wait()
	close(keys)
	onDisk, err := LoadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	for k := range keys {
		if !k.Equals(onDisk) {
			t.Fatal("a process kept a key that is not the one on disk")
		}
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".identity-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestAWrongGuessOfProtocolFallsBack: a peer dialed as a relay (an
// invite may name a co-author's address among its relays, or a relay
// may become a co-author's machine) refuses the blobs protocol proposed
// with the session's first message; the session asks it what it speaks
// and syncs all the same. A second session with it opens at once.
func TestAWrongGuessOfProtocolFallsBack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, b := newMachine(t, "Amina"), newMachine(t, "Bruno")
	id, err := a.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Guessed"})
	if err != nil {
		t.Fatal(err)
	}
	a.write(t, id, "1", "From A. ")
	// The invite names a's own address as a relay.
	inv, err := a.ws.Invite(ctx, id, []string{a.node.Addrs()[0]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ws.Join(ctx, inv.Code()); err != nil {
		t.Fatal(err)
	}
	r := b.node.SyncRelay(ctx, a.node.Addrs()[0], true)
	if r.Err != nil || r.Relay || len(r.Stats.Drafts) != 1 {
		t.Fatalf("a co-author dialed as a relay: %+v", r)
	}
	if got := b.section(t, id, "1"); got != "From A. " {
		t.Fatalf("b has %q", got)
	}
	if got := b.node.spoken(a.node.host.ID()); got != ProtocolID {
		t.Errorf("b remembers %q for a", got)
	}
	a.write(t, id, "1", "Again. ")
	if r := b.node.Sync(ctx, a.node.Addrs()[0], true); r.Err != nil || r.Stats.ChangesIn == 0 {
		t.Fatalf("the second session: %+v", r)
	}
}

// TestARelayIsDialedOverTCP (issue 26): a relay that listens on TCP and
// QUIC is reached over TCP, whose dialed syncs cost a tenth of QUIC's
// bytes on a slow, lossy link, also once identify has taught the node
// its QUIC address.
func TestARelayIsDialedOverTCP(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a := newMachine(t, "Amina", "/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1")
	b := newMachine(t, "Bruno", "/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1")
	var quic string
	for _, addr := range a.node.Addrs() {
		if strings.Contains(addr, "/quic-v1/") {
			quic = addr
		}
	}
	id, err := a.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Over TCP"})
	if err != nil {
		t.Fatal(err)
	}
	a.write(t, id, "1", "From A. ")
	inv, err := a.ws.Invite(ctx, id, []string{quic}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ws.Join(ctx, inv.Code()); err != nil {
		t.Fatal(err)
	}
	// Both addresses, as a relay's identify gives them.
	pid := a.node.host.ID()
	both := peer.AddrInfo{ID: pid, Addrs: a.node.host.Addrs()}
	for round := range 2 {
		b.node.remember(pid, BlobsProtocolID)
		b.node.SyncPeer(ctx, both, true)
		conns := b.node.host.Network().ConnsToPeer(pid)
		if len(conns) == 0 {
			t.Fatalf("round %d: no connection", round)
		}
		if _, err := conns[0].RemoteMultiaddr().ValueForProtocol(ma.P_TCP); err != nil {
			t.Errorf("round %d: the relay was dialed at %s", round, conns[0].RemoteMultiaddr())
		}
		for _, c := range conns {
			c.Close()
		}
	}
}
