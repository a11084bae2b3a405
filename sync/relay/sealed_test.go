package relay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/online"
	"github.com/igf-bpf/bpfdraft/crdt"
	docsync "github.com/igf-bpf/bpfdraft/sync"
	"github.com/igf-bpf/bpfdraft/sync/draftkey"
	"github.com/igf-bpf/bpfdraft/sync/p2p"
)

// sealedDraft has a participant register a draft with a fresh relay and
// sync it there in three sittings, so the relay holds three blobs.
func sealedDraft(t *testing.T) (rl *relayUnderTest, a *participant, id, code string, secret []byte) {
	t.Helper()
	ctx := context.Background()
	rl = startRelay(t, t.TempDir(), "/ip4/127.0.0.1/tcp/0", nil)
	addr := rl.r.Addrs()[0]
	a = start(t, t.TempDir(), "Amina")
	id, err := a.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Confidential title Quokka"})
	if err != nil {
		t.Fatal(err)
	}
	secret = docsync.NewSecret()
	inv := invite(t, a, id, addr, secret)
	for i, text := range []string{"A sentence nobody outside may read: Wombat.", "Second sitting: Numbat.", "Third sitting: Bilby."} {
		a.write(t, id, string(rune('1'+i)), text)
		a.syncWith(t, addr)
	}
	if d, err := rl.store.Draft(ctx, id); err != nil || d.Tip != 3 {
		t.Fatalf("the relay holds %+v, %v; want three blobs", d, err)
	}
	return rl, a, id, inv.Code(), secret
}

// TestRelayHoldsOnlyCiphertext is issue 24's first finding: the relay's
// operator copied its data dir and read every draft and secret. Now no
// title, sentence, secret or key of a draft is in any of its files, and
// the data dir opened as a participant's shows no draft; yet the blobs
// open with the draft's keys, so they are the draft, sealed.
func TestRelayHoldsOnlyCiphertext(t *testing.T) {
	ctx := context.Background()
	rl, a, id, _, secret := sealedDraft(t)
	defer a.stop()
	defer rl.stop()
	keys, err := draftkey.Derive(id, secret)
	if err != nil {
		t.Fatal(err)
	}
	forbidden := map[string][]byte{
		"the title": []byte("Quokka"), "a sentence": []byte("Wombat"), "another": []byte("Bilby"),
		"the secret": secret, "the secret in hex": []byte(strings.ToLower(string(hexOf(secret)))),
	}
	files, _ := filepath.Glob(filepath.Join(rl.dir, "*"))
	if len(files) < 2 {
		t.Fatalf("the relay's data dir holds %v", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for what, v := range forbidden {
			if bytes.Contains(b, v) {
				t.Errorf("%s holds %s", filepath.Base(f), what)
			}
		}
	}
	// A copy of the data dir, opened as bpfdraft opens a data dir.
	ws, err := app.Open(ctx, copyDir(t, rl.dir), app.Options{Poll: -1, Logger: logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if list, err := ws.Drafts(ctx); err != nil || len(list) != 0 {
		t.Errorf("the relay's copy shows drafts: %+v, %v", list, err)
	}
	// The blobs are the draft's: its keys open the first one.
	stored, err := rl.store.Read(ctx, id, 0, 1<<20)
	if err != nil || len(stored) != 3 {
		t.Fatalf("read %d blobs: %v", len(stored), err)
	}
	if _, err := keys.OpenBlob(1, draftkey.Start(id), stored[0].Data); err != nil {
		t.Errorf("the draft's keys do not open its first blob: %v", err)
	}
}

func hexOf(b []byte) []byte {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return out
}

func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(from, "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, filepath.Base(f)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// TestTamperedBlobsAreRefused: a relay that alters, drops, reorders or
// replays a stored blob (here, by editing its SQLite rows) hands a
// joiner a chain that does not open past that point: the joiner refuses
// the blob, says so, and takes nothing of it or after it.
func TestTamperedBlobsAreRefused(t *testing.T) {
	ctx := context.Background()
	rl, a, id, code, _ := sealedDraft(t)
	defer a.stop()
	defer rl.stop()
	addr := rl.r.Addrs()[0]
	db := rl.store.db
	var blob2, blob3 []byte
	db.QueryRow(`SELECT data FROM blobs WHERE draft_id = ? AND place = 2`, id).Scan(&blob2)
	db.QueryRow(`SELECT data FROM blobs WHERE draft_id = ? AND place = 3`, id).Scan(&blob3)
	restore := func() {
		db.Exec(`DELETE FROM blobs WHERE draft_id = ? AND place > 1`, id)
		db.Exec(`INSERT INTO blobs (draft_id, place, kind, data) VALUES (?, 2, 0, ?), (?, 3, 0, ?)`, id, blob2, id, blob3)
		db.Exec(`UPDATE drafts SET tip = 3 WHERE id = ?`, id)
	}
	altered := bytes.Clone(blob2)
	altered[len(altered)-20] ^= 0x40
	for _, c := range []struct {
		name, want string
		tamper     []string
		args       [][]any
		lost       []string // sections whose blob, or one before it, was tampered with
	}{
		{"altered", "does not open", []string{`UPDATE blobs SET data = ? WHERE draft_id = ? AND place = 2`}, [][]any{{altered, id}}, []string{"2", "3"}},
		{"reordered", "does not open", []string{`UPDATE blobs SET data = ? WHERE draft_id = ? AND place = 2`, `UPDATE blobs SET data = ? WHERE draft_id = ? AND place = 3`}, [][]any{{blob3, id}, {blob2, id}}, []string{"2", "3"}},
		{"replayed", "does not open", []string{`UPDATE blobs SET data = ? WHERE draft_id = ? AND place = 3`}, [][]any{{blob2, id}}, []string{"3"}},
		{"dropped", "skipped", []string{`DELETE FROM blobs WHERE draft_id = ? AND place = 2`}, [][]any{{id}}, []string{"2", "3"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer restore()
			for i, q := range c.tamper {
				if _, err := db.Exec(q, c.args[i]...); err != nil {
					t.Fatal(err)
				}
			}
			b := start(t, t.TempDir(), "Bruno")
			defer b.stop()
			if _, err := b.ws.Join(ctx, code); err != nil {
				t.Fatal(err)
			}
			r := b.syncWith(t, addr)
			if !strings.Contains(r.Stats.Failed[id], c.want) {
				t.Errorf("the joiner was not told: %+v", r.Stats.Failed)
			}
			if got := b.read(t, id, "1"); got != "A sentence nobody outside may read: Wombat." {
				t.Errorf("the first blob, untouched, gave %q", got)
			}
			for _, ref := range c.lost {
				if got := b.read(t, id, ref); got != "" {
					t.Errorf("section %s holds %q from a tampered chain", ref, got)
				}
			}
		})
	}
	// Put back, the chain reads whole.
	b := start(t, t.TempDir(), "Chen")
	defer b.stop()
	b.ws.Join(ctx, code)
	if r := b.syncWith(t, addr); len(r.Stats.Failed) > 0 || b.read(t, id, "3") != "Third sitting: Bilby." {
		t.Errorf("the chain put back: %+v, section 3 %q", r.Stats.Failed, b.read(t, id, "3"))
	}
}

// TestPresenceAndPreviewsThroughTheRelay: two windows that meet only
// through a relay see who else is in the draft and what they are typing,
// sealed: the relay passes both on and keeps nothing of them.
func TestPresenceAndPreviewsThroughTheRelay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rl, a, id, code, _ := sealedDraft(t)
	defer a.stop()
	defer rl.stop()
	addr := rl.r.Addrs()[0]
	b := start(t, t.TempDir(), "Bruno")
	defer b.stop()
	if _, err := b.ws.Join(ctx, code); err != nil {
		t.Fatal(err)
	}
	b.syncWith(t, addr)
	for _, p := range []*participant{a, b} {
		go p.node.Sync(ctx, addr, false)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for !ok() {
			if ctx.Err() != nil {
				t.Fatalf("waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Announced until seen: the live sessions open a moment after.
	waitFor("B to see A present", func() bool {
		a.eng.SetPresence(id, []byte(`{"name":"Amina","section":"Kangaroo"}`))
		ps := b.eng.Presence(id)
		return len(ps) == 1 && strings.Contains(string(ps[0].Data), "Kangaroo")
	})
	waitFor("A to see B's typing", func() bool {
		b.eng.SetPreview(id, []byte("typing Platypus"))
		ps := a.eng.Previews(id)
		return len(ps) == 1 && string(ps[0].Data) == "typing Platypus"
	})
	files, _ := filepath.Glob(filepath.Join(rl.dir, "*"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if bytes.Contains(data, []byte("Kangaroo")) || bytes.Contains(data, []byte("Platypus")) {
			t.Errorf("%s holds what was passed on", filepath.Base(f))
		}
	}
}

// TestOnlyCoFacilitatorsRegister is issue 24's second finding: on an open
// relay an invitee rotated the draft's secret and locked everyone else
// out, and anyone could register a draft id they knew. Registration is
// a chain of statements from the draft's creator now: an invitee's
// client refuses to rotate, a statement the invitee signs and sends by
// hand is refused by the relay, and so is one for a draft not yet
// registered there; the owner syncs on as before.
func TestOnlyCoFacilitatorsRegister(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rl, owner, id, code, _ := sealedDraft(t)
	defer owner.stop()
	defer rl.stop()
	addr := rl.r.Addrs()[0]
	invitee := start(t, t.TempDir(), "Ivan")
	defer invitee.stop()
	if _, err := invitee.ws.Join(ctx, code); err != nil {
		t.Fatal(err)
	}
	invitee.syncWith(t, addr)

	if _, err := online.Invite(ctx, invitee.ws, invitee.node, id, nil, true); !errors.Is(err, app.ErrForbidden) {
		t.Errorf("the invitee's own client rotated: %v", err)
	}
	s, err := invitee.ws.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := s.RelayProof()
	s.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	last, err := proof.Last()
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := online.AccessKey(id, docsync.NewSecret())
	if err != nil {
		t.Fatal(err)
	}
	forged := invitee.ws.Signer().SignStatement(crdt.RelayStatement{DraftID: id, Version: last.Version + 1, Prev: last.Hash(),
		Access: theirs, Relays: last.Relays, Admins: []string{invitee.ws.Signer().PersonID()}})
	reg := p2p.Registration{DraftID: id, Genesis: proof.Genesis, Creator: proof.Creator, Chain: append(proof.Chain, forged.Encode())}
	if err := invitee.node.Register(ctx, addr, reg); !errors.Is(err, p2p.ErrRefused) || !strings.Contains(err.Error(), "not a co-facilitator") {
		t.Errorf("a rotation the invitee signed: %v", err)
	}

	// Squatting: a draft of the owner's that no relay holds yet.
	other, err := owner.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateProposal, Title: "Not yet registered"})
	if err != nil {
		t.Fatal(err)
	}
	os2, err := owner.ws.Session(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	real, _ := os2.RelayProof() // its first change and creator; no statement yet
	os2.Close(ctx)
	if real.Genesis == nil {
		t.Fatal("no first change to squat with")
	}
	squat := invitee.ws.Signer().SignStatement(crdt.RelayStatement{DraftID: other, Version: 1, Access: theirs, Relays: []string{addr}})
	for name, r := range map[string]p2p.Registration{
		"the invitee's own certificate as the creator's": {DraftID: other, Genesis: real.Genesis, Creator: crdt.EncodeCert(invitee.ws.Signer().Cert()), Chain: [][]byte{squat.Encode()}},
		"the creator's, with the invitee's statement":    {DraftID: other, Genesis: real.Genesis, Creator: real.Creator, Chain: [][]byte{squat.Encode()}},
		"another draft's first change":                   {DraftID: other, Genesis: proof.Genesis, Creator: proof.Creator, Chain: [][]byte{squat.Encode()}},
	} {
		if err := invitee.node.Register(ctx, addr, r); !errors.Is(err, p2p.ErrRefused) {
			t.Errorf("squatting, %s: %v", name, err)
		}
	}
	if _, err := rl.store.Draft(ctx, other); !errors.Is(err, ErrNoDraft) {
		t.Errorf("the relay took a squatted draft: %v", err)
	}
	if d, _ := rl.store.Draft(ctx, id); d.Version != last.Version {
		t.Errorf("the relay moved to version %d", d.Version)
	}
	if r := owner.syncWith(t, addr); len(r.Stats.Drafts) != 1 || len(r.Stats.Failed) != 0 {
		t.Errorf("the owner after the attempts: %+v", r.Stats)
	}
}

// TestARelayThatMissedARotationIsToldByAnyMember: the owner rotates the
// draft's secret while one of its two relays is down. The rotation is
// the draft's at once (the code changes, and the owner hears which relay
// missed it); when that relay is back, the first member to sync with it
// delivers the newest statement, which it verifies and takes: the new
// code syncs there, the old one no longer does. No relay is left holding
// a key nobody has, nor the owner cut off from one.
func TestARelayThatMissedARotationIsToldByAnyMember(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r1 := startRelay(t, t.TempDir(), "/ip4/127.0.0.1/tcp/0", nil)
	defer r1.stop()
	r2dir := t.TempDir()
	r2 := startRelay(t, r2dir, "/ip4/127.0.0.1/tcp/0", nil)
	a1, a2 := r1.r.Addrs()[0], r2.r.Addrs()[0]
	owner := start(t, t.TempDir(), "Owner")
	defer owner.stop()
	id, err := owner.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Two relays"})
	if err != nil {
		t.Fatal(err)
	}
	owner.write(t, id, "1", "Before the rotation.")
	if _, err := online.InviteWithSecret(ctx, owner.ws, owner.node, id, []string{a1, a2}, docsync.NewSecret()); err != nil {
		t.Fatal(err)
	}
	old, err := owner.ws.DraftSecret(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	oldCode := app.Invite{DraftID: id, Secret: old, Relays: []string{a1, a2}}.Code()
	owner.syncWith(t, a1)
	owner.syncWith(t, a2)

	r2.stop()
	inv, err := online.Invite(ctx, owner.ws, owner.node, id, nil, true)
	var behind *online.RelaysBehind
	if !errors.As(err, &behind) || len(behind.Failed) != 1 || behind.Failed[a2] == nil || inv.Code() == oldCode {
		t.Fatalf("a rotation with one relay down: %v", err)
	}
	owner.write(t, id, "2", "After the rotation.")
	owner.syncWith(t, a1)

	r2 = startRelay(t, r2dir, a2[:strings.Index(a2, "/p2p/")], nil)
	defer r2.stop()
	member := start(t, t.TempDir(), "Member")
	defer member.stop()
	if _, err := member.ws.Join(ctx, inv.Code()); err != nil {
		t.Fatal(err)
	}
	member.syncWith(t, a1) // the draft, with its newest statement
	r := member.syncWith(t, a2)
	if len(r.Stats.Drafts) != 1 || len(r.Stats.Failed) != 0 {
		t.Fatalf("the member's sync with the relay that missed the rotation: %+v", r.Stats)
	}
	if d, _ := r2.store.Draft(ctx, id); d.Version != 2 {
		t.Errorf("the relay holds version %d", d.Version)
	}
	stale := start(t, t.TempDir(), "Stale")
	defer stale.stop()
	if _, err := stale.ws.Join(ctx, oldCode); err != nil {
		t.Fatal(err)
	}
	sctx, cancel2 := context.WithTimeout(ctx, 20*time.Second)
	defer cancel2()
	if r := stale.node.Sync(sctx, a2, true); len(r.Stats.Failed) == 0 {
		t.Errorf("the old code still syncs with the relay that missed the rotation: %+v", r.Stats)
	}
	if r := owner.syncWith(t, a2); len(r.Stats.Failed) != 0 {
		t.Errorf("the owner at that relay: %+v", r.Stats)
	}
}

// TestSnapshotsReplaceBlobs: after compactAfter blobs, a peer that holds
// exactly what they hold replaces them with a sealed snapshot; the relay
// then holds less, a joiner reads the snapshot and the blobs after it
// (the first of which deflates against what the snapshot carries), and a
// peer that had read the old blobs goes on from its place.
func TestSnapshotsReplaceBlobs(t *testing.T) {
	ctx := context.Background()
	rl, a, id, code, _ := sealedDraft(t)
	defer a.stop()
	defer rl.stop()
	addr := rl.r.Addrs()[0]
	follower := start(t, t.TempDir(), "Follower")
	defer follower.stop()
	if _, err := follower.ws.Join(ctx, code); err != nil {
		t.Fatal(err)
	}
	follower.syncWith(t, addr)
	before, _ := rl.store.Draft(ctx, id)
	live, stop := context.WithTimeout(ctx, 60*time.Second)
	go a.node.Sync(live, addr, false) // one session: each write is a blob
	for i := range 70 {
		a.write(t, id, "4", fmt.Sprintf("Sitting %d.", i))
		for d, _ := rl.store.Draft(ctx, id); d.Tip < before.Tip+uint64(i)+1; d, _ = rl.store.Draft(ctx, id) {
			if live.Err() != nil {
				t.Fatalf("blob %d never came", i)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	time.Sleep(200 * time.Millisecond) // the snapshot, right after the 64th
	stop()
	after, err := rl.store.Draft(ctx, id)
	// The snapshot comes when the writer has nothing new to send: after
	// the 64th blob, or, on a busy machine, only after the last; the blob
	// written next follows it either way.
	if err != nil || after.Base == 0 {
		t.Fatalf("no snapshot after 70 blobs: tip %d, base %d (before: tip %d), %v", after.Tip, after.Base, before.Tip, err)
	}
	a.write(t, id, "5", "After the snapshot.")
	a.syncWith(t, addr)
	joiner := start(t, t.TempDir(), "Joiner")
	defer joiner.stop()
	if _, err := joiner.ws.Join(ctx, code); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*participant{joiner, follower} {
		if r := p.syncWith(t, addr); len(r.Stats.Failed) > 0 {
			t.Fatalf("%v", r.Stats.Failed)
		}
		if got := p.read(t, id, "4"); !strings.HasPrefix(got, "Sitting 0.") || !strings.HasSuffix(got, "Sitting 69.") || p.read(t, id, "5") != "After the snapshot." {
			t.Errorf("after the snapshot, a peer holds %q and %q", got, p.read(t, id, "5"))
		}
	}
}
