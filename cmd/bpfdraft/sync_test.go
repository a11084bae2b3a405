package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/online"
	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/sync/relay"
)

// TestServeJoinSync: A serves; B joins with the invite code and A's
// address, edits offline, syncs once; A sees B's edit. Bad codes and
// addresses are refused with a clear message.
func TestServeJoinSync(t *testing.T) {
	a, b := newCLI(t, "Amina"), newCLI(t, "Bruno")
	id := strings.TrimSpace(a.ok("new", "--title", "Served"))
	a.ok("write", id, "--section", "1", "--text", "From A.")
	code := strings.TrimSpace(a.ok("invite", id))

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		var errb strings.Builder
		done <- run(ctx, []string{"--data", a.data, "serve", "--listen", "/ip4/127.0.0.1/tcp/0"}, strings.NewReader(""), pw, &errb)
		pw.Close()
	}()
	addr, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	addr = strings.TrimSpace(addr)
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	}()

	if r := b.run("", "join", "BPF1NOTACODE", "--peer", addr); r.code != exitFailed || !strings.Contains(r.stderr, "invite") {
		t.Errorf("bad code: %d %q", r.code, r.stderr)
	}
	if r := b.run("", "sync", "--once", "--peer", "/ip4/127.0.0.1/tcp/1"); r.code != exitUsage || !strings.Contains(r.stderr, "/p2p/") {
		t.Errorf("address without peer id: %d %q", r.code, r.stderr)
	}
	out := b.ok("join", code, "--peer", addr)
	if !strings.Contains(out, "joined "+id) || !strings.Contains(out, "synced") {
		t.Fatalf("join printed %q", out)
	}
	if got := b.ok("show", id, "--section", "1"); !strings.Contains(got, "From A.") {
		t.Fatalf("b has %q", got)
	}
	b.ok("write", id, "--section", "2", "--text", "From B, offline.")
	out = b.ok("sync", id, "--once", "--lan", "0", "--peer", addr)
	if !strings.Contains(out, "synced") {
		t.Errorf("sync printed %q", out)
	}
	// A's serve process stored B's edit: a separate command reads it from disk.
	if got := a.ok("show", id, "--section", "2"); !strings.Contains(got, "From B, offline.") {
		t.Errorf("a has %q", got)
	}
}

// TestInviteThroughRelay: A registers the draft with a relay by inviting
// with --relay and syncs to it; B, knowing only the code, joins through
// the relay; A and B never dial each other.
func TestInviteThroughRelay(t *testing.T) {
	rl := startRelay(t)
	addr := rl.Addrs()[0]

	a, b := newCLI(t, "Amina"), newCLI(t, "Bruno")
	id := strings.TrimSpace(a.ok("new", "--title", "Relayed"))
	a.ok("write", id, "--section", "1", "--text", "Only via the relay.")
	code := strings.TrimSpace(a.ok("invite", id, "--relay", addr))
	if out := a.ok("sync", "--once", "--lan", "0"); !strings.Contains(out, "synced") {
		t.Fatalf("a's sync: %q", out)
	}
	out := b.ok("join", code)
	if !strings.Contains(out, "synced") {
		t.Fatalf("join: %q", out)
	}
	if got := b.ok("show", id, "--section", "1"); !strings.Contains(got, "Only via the relay.") {
		t.Errorf("b has %q", got)
	}
	// Rotation through the relay: registration with proof of the old secret.
	newCode := strings.TrimSpace(a.ok("invite", id, "--relay", addr, "--rotate"))
	if newCode == code {
		t.Error("rotation kept the code")
	}
	b.ok("write", id, "--section", "2", "--text", "B after rotation.")
	if r := b.run("", "--verbose", "sync", "--once", "--lan", "0"); r.code != exitFailed || !strings.Contains(r.stderr, "outdated") {
		t.Errorf("sync with an outdated code: exit %d, %q", r.code, r.stderr)
	}
	a.ok("sync", "--once", "--lan", "0")
	if got := a.ok("show", id, "--section", "2"); strings.Contains(got, "B after rotation.") {
		t.Error("a holder of the old code still got changes through")
	}
	// A newcomer with the revoked code is not told "joined" (issue 15).
	c := newCLI(t, "Chen")
	if r := c.run("", "join", code); r.code != exitFailed || strings.Contains(r.stdout, "joined") || !strings.Contains(r.stderr, "did not arrive") {
		t.Errorf("join with a revoked code: exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestRejectionThroughTheRelay: a co-facilitator rejects a co-author's
// hunk; after both sync with the relay (never with each other) the
// co-author's copy has it reverted and lists it, by the same id, as
// rejected.
func TestRejectionThroughTheRelay(t *testing.T) {
	rl := startRelay(t)

	a, b := newCLI(t, "Amina"), newCLI(t, "Bruno")
	id := strings.TrimSpace(a.ok("new", "--title", "Reviewed through the relay"))
	a.ok("write", id, "--section", "1", "--text", "Agreed text.")
	a.ok("version", id, "--name", "v1")
	code := strings.TrimSpace(a.ok("invite", id, "--relay", rl.Addrs()[0]))
	a.ok("sync", "--once", "--lan", "0")
	b.ok("join", code)
	b.ok("write", id, "--section", "1", "--text", "Agreed text. A contested sentence.")
	b.ok("sync", "--once", "--lan", "0")
	a.ok("sync", "--once", "--lan", "0")
	list := a.ok("review", id)
	if !strings.Contains(list, `+ " A contested sentence."`) {
		t.Fatalf("a's review:\n%s", list)
	}
	hunk := strings.Fields(list)[0]
	a.ok("reject", id, hunk)
	a.ok("sync", "--once", "--lan", "0")
	b.ok("sync", "--once", "--lan", "0")
	if got := b.ok("show", id, "--section", "1"); !strings.Contains(got, "Agreed text.") || strings.Contains(got, "contested") {
		t.Errorf("b's text after the rejection:\n%s", got)
	}
	if got := b.ok("review", id); !strings.Contains(got, hunk+"  rejected") {
		t.Errorf("b's review after the rejection:\n%s", got)
	}
}

// TestJoinAgainRightAfterAnOutdatedCode is issue 13's eighth defect: a
// co-author whose code was replaced could not join with the new one for
// a minute ("no peer could be reached").
func TestJoinAgainRightAfterAnOutdatedCode(t *testing.T) {
	rl := startRelay(t)
	a, b := newCLI(t, "Amina"), newCLI(t, "Bruno")
	id := strings.TrimSpace(a.ok("new", "--title", "Rotated"))
	code := strings.TrimSpace(a.ok("invite", id, "--relay", rl.Addrs()[0]))
	a.ok("sync", "--once", "--lan", "0")
	b.ok("join", code)
	newCode := strings.TrimSpace(a.ok("invite", id, "--relay", rl.Addrs()[0], "--rotate"))
	if r := b.run("", "--verbose", "sync", "--once", "--lan", "0"); r.code != exitFailed || !strings.Contains(r.stderr, "outdated") {
		t.Fatalf("sync with the old code: exit %d, %s", r.code, r.stderr)
	}
	if r := b.run("", "join", newCode); r.code != exitFailed || !strings.Contains(r.stderr, "--replace") {
		t.Errorf("joining a draft already here with another code: exit %d, %s", r.code, r.stderr)
	}
	start := time.Now()
	if out := b.ok("join", newCode, "--replace"); !strings.Contains(out, "synced") {
		t.Errorf("joining with the new code at once: %q", out)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("joining again took %v", d)
	}
	if r := b.run("", "join", code, "--replace"); r.code != exitFailed || !strings.Contains(r.stderr, "replaced by a newer one") {
		t.Errorf("going back to the replaced code: exit %d, %s", r.code, r.stderr)
	}
}

// TestARestoredBackupStillSyncs is issue 13's second defect: a data dir
// restored from a backup committed under its old actor again, reusing a
// sequence number the co-author already held, and every exchange after
// failed ("duplicate seq").
func TestARestoredBackupStillSyncs(t *testing.T) {
	a, b := newCLI(t, "Amina"), newCLI(t, "Bruno")
	files := t.TempDir()
	fa := filepath.Join(files, "a.automerge")
	id := strings.TrimSpace(a.ok("new", "--title", "Backed up"))
	a.ok("write", id, "--section", "1", "--text", "Before the backup.")
	backup := filepath.Join(files, "backup")
	copyDir(t, a.data, backup)
	a.ok("write", id, "--section", "2", "--text", "After the backup, sent to Bruno.")
	a.ok("export", id, "--format", "automerge", "-o", fa)
	b.ok("import", fa)
	// Amina's disk dies; she restores the backup and writes again.
	os.RemoveAll(a.data)
	copyDir(t, backup, a.data)
	a.ok("write", id, "--section", "3", "--text", "Written after the restore.")
	a.ok("export", id, "--format", "automerge", "-o", fa)
	if r := b.run("", "import", fa); r.code != 0 {
		t.Fatalf("importing after the restore: exit %d, %s", r.code, r.stderr)
	}
	got := b.ok("show", id)
	for _, want := range []string{"Before the backup.", "After the backup, sent to Bruno.", "Written after the restore."} {
		if !strings.Contains(got, want) {
			t.Errorf("Bruno lacks %q:\n%s", want, got)
		}
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRotationReachesEveryRelay is issue 13's seventh defect: an invite
// naming a second relay replaced the first in the draft's list, so a
// later rotation left the first relay on the old secret: the owner was
// cut off there and holders of the old code were not.
func TestRotationReachesEveryRelay(t *testing.T) {
	r1, r2 := startRelay(t), startRelay(t)
	a, b, c := newCLI(t, "Amina"), newCLI(t, "Bruno"), newCLI(t, "Chen")
	id := strings.TrimSpace(a.ok("new", "--title", "Two relays"))
	old := strings.TrimSpace(a.ok("invite", id, "--relay", r1.Addrs()[0]))
	a.ok("invite", id, "--relay", r2.Addrs()[0]) // a second relay, the first kept
	a.ok("sync", "--once", "--lan", "0")
	b.ok("join", old)
	fresh := strings.TrimSpace(a.ok("invite", id, "--rotate"))
	a.ok("write", id, "--section", "1", "--text", "After the rotation.")
	if out := a.ok("sync", "--once", "--lan", "0"); strings.Contains(out, "shares no draft") {
		t.Errorf("the owner was cut off a relay after rotating:\n%s", out)
	}
	// Someone joining with the new code gets the text through either relay.
	if out := c.ok("join", fresh); !strings.Contains(out, "synced") {
		t.Errorf("join with the new code: %q", out)
	}
	if got := c.ok("show", id, "--section", "1"); !strings.Contains(got, "After the rotation.") {
		t.Errorf("the new code's holder lacks the text:\n%s", got)
	}
	// The old code's holder gets nothing new from either relay.
	b.run("", "sync", "--once", "--lan", "0")
	if got := b.ok("show", id, "--section", "1"); strings.Contains(got, "After the rotation.") {
		t.Error("a holder of the old code still receives changes")
	}
}

// startRelay runs a relay on loopback with its own data dir, stopped when
// the test ends.
func startRelay(t *testing.T) *relay.Relay {
	t.Helper()
	rl, _ := startRelayWithStore(t)
	return rl
}

// startRelayWithStore is startRelay, with the relay's store at hand.
func startRelayWithStore(t *testing.T) (*relay.Relay, *relay.Store) {
	t.Helper()
	dir := t.TempDir()
	store, err := relay.OpenStore(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	rl, err := relay.Start(relay.Config{KeyFile: filepath.Join(dir, "identity.key"),
		Listen: []string{"/ip4/127.0.0.1/tcp/0"}, Store: store, Open: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rl.Close() })
	return rl, store
}

// TestHostileTextThroughSync: a co-author whose copy holds terminal
// sequences (made outside this app, imported on their side) syncs it to
// a peer; that peer's commands print it escaped (issue 15, defect 2).
func TestHostileTextThroughSync(t *testing.T) {
	a, b := newCLI(t, "Mallory"), newCLI(t, "Bruno")
	d, err := crdt.New(crdt.NewActor(), crdt.TemplateOutput, "Shared oddly", "", 2026, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Splice(d.Sections()[0].ID, 0, 0, "Look\x1b]0;pwned\x07 here\x1b[2J"); err != nil {
		t.Fatal(err)
	}
	data, _ := d.Save()
	file := filepath.Join(t.TempDir(), "odd.automerge")
	os.WriteFile(file, data, 0o600)
	a.ok("import", file)
	id := d.Meta().ID
	code := strings.TrimSpace(a.ok("invite", id))

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--data", a.data, "serve", "--listen", "/ip4/127.0.0.1/tcp/0"}, strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	addr, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	defer func() { cancel(); <-done }()
	b.ok("join", code, "--peer", strings.TrimSpace(addr))
	out := b.ok("show", id, "--section", "1")
	if strings.ContainsAny(out, "\x1b\x07") || !strings.Contains(out, "Look^[]0;pwned^G here^[[2J") {
		t.Errorf("b printed %q", out)
	}
}

// TestACodeCannotAddARelay is issue 24's third finding: a code with the
// real secret and an attacker's relay joined silently on a machine that
// had the draft, which then uploaded to that relay, listed it in its own
// next invite and, after a rotation, gave it the new key. Now such a
// code is refused without --add-relay; with it, the relay is read from
// and never written to (even one that took the draft's key somehow), the
// co-facilitator's invite lists only the relays the draft's statements
// list, and a rotation registers with those alone.
func TestACodeCannotAddARelay(t *testing.T) {
	ctx := context.Background()
	r1 := startRelay(t)
	r2, evil := startRelayWithStore(t)
	a, b := newCLI(t, "Amina"), newCLI(t, "Bruno")
	id := strings.TrimSpace(a.ok("new", "--title", "Listed relays"))
	code := strings.TrimSpace(a.ok("invite", id, "--relay", r1.Addrs()[0]))
	a.ok("write", id, "--section", "1", "--text", "Only for listed relays.")
	a.ok("sync", "--once", "--lan", "0")
	b.ok("join", code)
	inv, err := app.ParseInvite(code)
	if err != nil {
		t.Fatal(err)
	}
	// The attacker's relay takes the draft's access key behind the
	// co-facilitators' backs (its own file), so that peers could open it.
	access, err := online.AccessKey(id, inv.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := evil.Register(ctx, id, relay.Draft{Access: access, Registrant: "attacker", Version: 1}); err != nil {
		t.Fatal(err)
	}
	forged := app.Invite{DraftID: id, Secret: inv.Secret, Relays: []string{r2.Addrs()[0]}}.Code()
	for _, c := range []cli{a, b} {
		r := c.run("", "join", forged)
		if r.code == 0 || !strings.Contains(r.stderr, "--add-relay") || !strings.Contains(r.stderr, "do not list") {
			t.Fatalf("a code naming an unlisted relay: exit %d, %s", r.code, r.stderr)
		}
		c.ok("join", forged, "--add-relay")
	}
	b.ok("write", id, "--section", "2", "--text", "Bruno's words, not for the attacker.")
	b.run("", "sync", "--once", "--lan", "0")
	a.run("", "sync", "--once", "--lan", "0")
	if d, err := evil.Draft(ctx, id); err != nil || d.Tip != 0 || d.Bytes != 0 {
		t.Errorf("the unlisted relay was sent the draft: %+v, %v", d, err)
	}
	if got := b.ok("show", id, "--section", "1"); !strings.Contains(got, "Only for listed relays.") {
		t.Errorf("Bruno lacks the text through the listed relay: %q", got)
	}
	// The owner's next code, and a rotation, name the listed relay only.
	again, err := app.ParseInvite(strings.TrimSpace(a.ok("invite", id)))
	if err != nil || len(again.Relays) != 1 || again.Relays[0] != r1.Addrs()[0] {
		t.Errorf("the owner's next code names %v (%v)", again.Relays, err)
	}
	a.ok("invite", id, "--rotate")
	if d, _ := evil.Draft(ctx, id); !bytes.Equal(d.Access, access) {
		t.Error("the rotation was registered with the unlisted relay")
	}
}
