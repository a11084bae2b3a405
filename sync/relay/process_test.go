package relay

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"github.com/libp2p/go-libp2p/core/crypto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/network"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/crdt/sqlitestore"
	docsync "github.com/igf-bpf/bpfdraft/sync"
	"github.com/igf-bpf/bpfdraft/sync/blobwire"
	"github.com/igf-bpf/bpfdraft/sync/draftkey"
	"github.com/igf-bpf/bpfdraft/sync/p2p"
	"github.com/igf-bpf/bpfdraft/sync/relay/relaytest"
	"github.com/igf-bpf/bpfdraft/sync/wire"
)

// Issue 24's fourth, fifth and sixth findings against the real bpfrelay,
// run as a process of its own (relaytest); the hostile peers are raw libp2p
// hosts in this test, speaking the blobs protocol by hand.

// peakMB reads a process's peak resident memory (VmHWM) in MB, or -1.
func peakMB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		var kb float64
		if _, err := fmt.Sscanf(line, "VmHWM: %f kB", &kb); err == nil {
			return kb / 1024
		}
	}
	return -1
}

// draftAt makes Amina's draft, registered with the relay at addr and
// uploaded, and returns her, its id, its code and its secret.
func draftAt(t *testing.T, addr string) (a *participant, id, code string, secret []byte) {
	t.Helper()
	ctx := context.Background()
	a = start(t, t.TempDir(), "Amina")
	t.Cleanup(a.stop)
	id, err := a.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Held by a real relay"})
	if err != nil {
		t.Fatal(err)
	}
	secret = docsync.NewSecret()
	inv := invite(t, a, id, addr, secret)
	a.write(t, id, "1", "Written before the strangers came.")
	a.syncWith(t, addr)
	return a, id, inv.Code(), secret
}

// Finding 4: an unproven peer cannot tell a relay that holds a draft from
// one that does not. A stranger opening the real draft id with a made-up
// signature, with a signature captured from another session, and a
// random id, gets the same answer for each; the relay logs no draft id
// and no count for it.
func TestAStrangerCannotTellWhatARealRelayHolds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rl := relaytest.Start(t, "--verbose")
	addr, log := rl.Addr, rl.Log
	owner, id, _, secret := draftAt(t, addr)
	keys, err := draftkey.Derive(id, secret)
	if err != nil {
		t.Fatal(err)
	}
	target, err := p2p.ParseAddr(addr)
	if err != nil {
		t.Fatal(err)
	}
	before := len(log()) // the owner's registration is logged, with the id
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if err := h.Connect(ctx, target); err != nil {
		t.Fatal(err)
	}
	s, err := h.NewStream(ctx, target.ID, p2p.BlobsProtocolID)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetDeadline(time.Now().Add(20 * time.Second))
	c := wire.NewConn(s, -1)
	ours := make([]byte, blobwire.NonceSize)
	rand.Read(ours)
	if err := c.WritePreamble(); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteFrame(wire.Frame{Type: blobwire.Hello, Payload: append(bytes.Clone(ours), make([]byte, blobwire.TicketSize)...)}); err != nil {
		t.Fatal(err)
	}
	if err := c.ReadPreamble(); err != nil {
		t.Fatal(err)
	}
	hello, err := c.ReadFrame()
	if err != nil || hello.Type != blobwire.Hello || len(hello.Payload) != blobwire.NonceSize+1 || hello.Payload[blobwire.NonceSize] != 0 {
		t.Fatalf("the relay's hello: %+v %v", hello, err)
	}
	// A signature the draft's key made for another session: the owner's,
	// say, captured on the wire, with other nonces.
	captured := keys.SignAccess(draftkey.OpenMessage(id, "12D3KooWOwnerPeerIdCapturedOnTheWire", target.ID.String(), bytes.Repeat([]byte{1}, blobwire.NonceSize), bytes.Repeat([]byte{2}, blobwire.NonceSize)))
	made := bytes.Repeat([]byte{9}, blobwire.SignatureSize)
	random := strings.ToLower(fmt.Sprintf("%x", ours))[:20]
	opens := []blobwire.OpenRecord{
		{DraftID: id, Signature: made},
		{DraftID: id, Signature: captured},
		{DraftID: random, Signature: made},
	}
	if err := c.WriteFrame(wire.Frame{Type: blobwire.Open, Payload: blobwire.EncodeOpen(opens)}); err != nil {
		t.Fatal(err)
	}
	f, err := c.ReadFrame()
	if err != nil || f.Type != blobwire.Opened {
		t.Fatalf("the relay's answer: %+v %v", f, err)
	}
	answers, err := blobwire.DecodeOpened(f.Payload)
	if err != nil || len(answers) != len(opens) {
		t.Fatalf("answers %+v, %v", answers, err)
	}
	for i, a := range answers {
		if a != answers[2] || a.Status != blobwire.StatusNo {
			t.Errorf("answer %d, %+v, tells the held draft from a random id (%+v)", i, a, answers[2])
		}
	}
	// A blob sent with the openings, as a peer that synced before sends
	// its first small one (issue 26): for a draft not opened it is
	// dropped, and the session stays for statements, not cut.
	junk := blobwire.BlobRecord{Index: 0, Place: 2, Kind: blobwire.KindBlob, Data: bytes.Repeat([]byte{7}, 64)}
	if err := c.WriteFrame(wire.Frame{Type: blobwire.Append, Payload: blobwire.EncodeBlobs([]blobwire.BlobRecord{junk})}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if r := owner.syncWith(t, addr); len(r.Stats.Failed) != 0 || r.Stats.ChangesIn != 0 {
		t.Errorf("the owner's sync after the stranger's blob: %+v", r.Stats)
	}
	time.Sleep(200 * time.Millisecond) // the relay logs the session's end
	stranger := log()[before:]
	if !strings.Contains(stranger, "proved access to no draft") {
		t.Errorf("the relay's log of the stranger's session (at --verbose):\n%s", stranger)
	}
	for _, leak := range []string{id, random, "offered", "opened=", "drafts="} {
		if strings.Contains(stranger, leak) {
			t.Errorf("the relay logs %q about a peer that proved nothing:\n%s", leak, stranger)
		}
	}
}

// Finding 5: streams that open and say nothing, 16 from each of nine
// addresses, do not starve a co-author of the real relay: one on another
// network syncs at once; one inside the flooding network waits for its
// share to come free, or hears the relay is busy, never that its code
// may be outdated.
func TestHalfOpenStreamsDoNotStarveARealRelay(t *testing.T) {
	ctx := context.Background()
	addr := relaytest.Start(t).Addr
	_, id, code, _ := draftAt(t, addr)
	target, err := p2p.ParseAddr(addr)
	if err != nil {
		t.Fatal(err)
	}
	var streams []network.Stream
	for i := 2; i <= 10; i++ {
		h, err := libp2p.New(libp2p.ListenAddrStrings(fmt.Sprintf("/ip4/127.0.0.%d/tcp/0", i)))
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		if err := h.Connect(ctx, target); err != nil {
			t.Fatal(err)
		}
		for range 16 {
			s, err := h.NewStream(ctx, target.ID, p2p.BlobsProtocolID)
			if err != nil {
				continue
			}
			s.Write([]byte("BP")) // half a preamble, then nothing
			streams = append(streams, s)
		}
	}
	defer func() {
		for _, s := range streams {
			s.Reset()
		}
	}()
	time.Sleep(300 * time.Millisecond)

	elsewhere := startAt(t, t.TempDir(), "Bruno", "/ip4/127.0.1.1/tcp/0")
	defer elsewhere.stop()
	if _, err := elsewhere.ws.Join(ctx, code); err != nil {
		t.Fatal(err)
	}
	if r := elsewhere.syncWith(t, addr); len(r.Stats.Drafts) != 1 || elsewhere.read(t, id, "1") == "" {
		t.Fatalf("a co-author on another network during the flood: %+v", r.Stats)
	}
	inside := startAt(t, t.TempDir(), "Chen", "/ip4/127.0.0.11/tcp/0")
	defer inside.stop()
	if _, err := inside.ws.Join(ctx, code); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	res := inside.node.Sync(sctx, addr, true)
	for res.Err != nil || len(res.Stats.Drafts) != 1 {
		t.Logf("inside the flooding network: %v, %d drafts", res.Err, len(res.Stats.Drafts))
		// Turned away (busy, or its stream cut while the flood holds the
		// network's share): it tries again, as a live session does.
		if res.Err != nil && !strings.Contains(res.Err.Error(), p2p.Busy) && !strings.Contains(res.Err.Error(), "stream reset") {
			t.Fatalf("a co-author inside the flooding network: %v", res.Err)
		}
		if sctx.Err() != nil {
			t.Fatalf("the flooding network's share never came free: %v", res.Err)
		}
		time.Sleep(500 * time.Millisecond)
		res = inside.node.Sync(sctx, addr, true)
	}
}

// Finding 6: a small push that inserts more text than a draft may hold
// took the relay to 780 MB and every peer after it. A hostile member's
// client (here, a data file with a change written by hand, which its
// real sync then uploads) gets such a change into the real relay's
// chain, sealed: the relay stores a few hundred bytes and never opens
// them, and the owner refuses the change before Automerge loads it, says
// so, and keeps writing.
func TestAPoisonedPushCostsTheRealRelayNothing(t *testing.T) {
	ctx := context.Background()
	rl := relaytest.Start(t)
	addr, pid := rl.Addr, rl.PID
	a, id, code, _ := draftAt(t, addr)
	dir := t.TempDir()
	m := start(t, dir, "Mallory")
	if _, err := m.ws.Join(ctx, code); err != nil {
		t.Fatal(err)
	}
	m.syncWith(t, addr)
	s, err := m.ws.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	whole, _, heads, _, err := s.Whole()
	s.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := crdt.Load(whole)
	if err != nil {
		t.Fatal(err)
	}
	doc.SetDraftID(id)
	if err := doc.SetSigner(m.ws.Signer()); err != nil {
		t.Fatal(err)
	}
	if err := doc.Splice(doc.Sections()[0].ID, 0, 0, strings.Repeat("x", crdt.MaxInsertPerChange+1)); err != nil {
		t.Fatal(err)
	}
	if _, err := doc.Commit(); err != nil {
		t.Fatal(err)
	}
	poison, _, err := doc.ChangesSince(heads)
	if err != nil {
		t.Fatal(err)
	}
	var rows []sqlitestore.SealRow
	for _, sl := range doc.UnsavedSeals() {
		rows = append(rows, sqlitestore.SealRow{Actor: sl.Cert.Actor(), Seq: sl.Seq, Data: crdt.EncodeSeal(sl)})
	}
	m.stop()
	store, err := sqlitestore.Open(ctx, filepath.Join(dir, "bpfdraft.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := store.Draft(ctx, id)
	if err == nil {
		_, err = store.Append(ctx, sum, poison, rows)
	}
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	m = start(t, dir, "Mallory")
	defer m.stop()
	m.syncWith(t, addr) // her client uploads what her file holds

	r := a.node.Sync(ctx, addr, true)
	if !strings.Contains(r.Stats.Failed[id], "inserts") {
		t.Errorf("the owner was not told of the oversized change: %v %+v", r.Err, r.Stats.Failed)
	}
	if strings.Contains(a.read(t, id, "1"), "xxxx") {
		t.Error("the oversized change was merged")
	}
	a.write(t, id, "2", "The owner keeps writing.")
	if got := a.read(t, id, "2"); got != "The owner keeps writing." {
		t.Errorf("the owner's draft after the refusal: %q", got)
	}
	if mb := peakMB(pid); mb < 0 || mb > 150 {
		t.Errorf("the relay's peak memory: %.0f MB", mb)
	} else {
		t.Logf("the relay's peak memory: %.0f MB", mb)
	}
}

// TestATicketOpensOnceAndOnlyForItsPeer (issue 26): the ticket a relay
// gives for the next session's first-flight openings is taken once, and
// only from the peer it was given to. Against the real relay, with
// hand-made frames: the owner's device (its own key) opens with its
// ticket; the same ticket again, or presented by a stranger, is not
// taken, the openings signed over it are skipped, and replaying them as
// the openings over the relay's nonce opens nothing.
func TestATicketOpensOnceAndOnlyForItsPeer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr := relaytest.Start(t).Addr
	owner, id, _, secret := draftAt(t, addr) // its sync there gave it a ticket
	keys, err := draftkey.Derive(id, secret)
	if err != nil {
		t.Fatal(err)
	}
	target, err := p2p.ParseAddr(addr)
	if err != nil {
		t.Fatal(err)
	}
	ticket, err := owner.ws.SyncLibrary().LoadState(ctx, "ticket:"+target.ID.String(), "")
	if err != nil || len(ticket) != blobwire.TicketSize {
		t.Fatalf("the owner holds no ticket after syncing: %x %v", ticket, err)
	}
	ownerKey, err := p2p.LoadKey(filepath.Join(owner.dir, "identity.key"))
	if err != nil {
		t.Fatal(err)
	}
	owner.stop() // its device's key is used by hand below
	// session opens with a ticket and openings signed over it, and
	// returns whether the relay took the ticket and whether the draft
	// opened (on the openings it read).
	session := func(key crypto.PrivKey, replayOnRefusal bool) (took, opened bool) {
		t.Helper()
		opts := []libp2p.Option{libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0")}
		if key != nil {
			opts = append(opts, libp2p.Identity(key))
		}
		h, err := libp2p.New(opts...)
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		if err := h.Connect(ctx, target); err != nil {
			t.Fatal(err)
		}
		s, err := h.NewStream(ctx, target.ID, p2p.BlobsProtocolID)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		s.SetDeadline(time.Now().Add(10 * time.Second))
		c := wire.NewConn(s, -1)
		nonce := bytes.Repeat([]byte{5}, blobwire.NonceSize)
		open := wire.Frame{Type: blobwire.Open, Payload: blobwire.EncodeOpen([]blobwire.OpenRecord{{DraftID: id,
			Signature: keys.SignAccess(draftkey.OpenMessage(id, h.ID().String(), target.ID.String(), nonce, ticket))}})}
		c.WritePreamble()
		c.WriteFrame(wire.Frame{Type: blobwire.Hello, Payload: append(bytes.Clone(nonce), ticket...)})
		c.WriteFrame(open)
		if err := c.ReadPreamble(); err != nil {
			t.Fatal(err)
		}
		hello, err := c.ReadFrame()
		if err != nil || len(hello.Payload) != blobwire.NonceSize+1 {
			t.Fatalf("the relay's hello: %+v %v", hello, err)
		}
		took = hello.Payload[blobwire.NonceSize] == 1
		if !took {
			if !replayOnRefusal {
				return false, false
			}
			c.WriteFrame(open) // the captured openings, again
		}
		f, err := c.ReadFrame()
		if err != nil || f.Type != blobwire.Opened {
			t.Fatalf("the relay's answer: %+v %v", f, err)
		}
		answers, err := blobwire.DecodeOpened(f.Payload)
		if err != nil || len(answers) != 1 {
			t.Fatalf("answers %+v %v", answers, err)
		}
		return took, answers[0].Status == blobwire.StatusOK
	}
	if took, _ := session(nil, true); took {
		t.Error("a stranger's host had the owner's ticket taken")
	}
	if took, opened := session(ownerKey, true); !took || !opened {
		t.Fatalf("the owner's device with its ticket: taken %v, opened %v", took, opened)
	}
	if took, opened := session(ownerKey, true); took || opened {
		t.Errorf("the same ticket again: taken %v, opened %v", took, opened)
	}
}
