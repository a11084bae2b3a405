package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/online"
	"github.com/igf-bpf/bpfdraft/crdt"
	docsync "github.com/igf-bpf/bpfdraft/sync"
	"github.com/igf-bpf/bpfdraft/sync/p2p"
	"github.com/igf-bpf/bpfdraft/sync/relay"
	"github.com/igf-bpf/bpfdraft/sync/relay/relaytest"
)

// Issue 24's findings tried as the issue tried them: the bpfrelay binary
// in a process of its own (relaytest), and every bpfdraft command a
// separate process too (the test binary run again as the command, see
// TestMain). Only the attacker's hand-made data comes from test code.

// proc runs bpfdraft as a process of its own on the CLI's data dir.
func (c cli) proc(args ...string) result {
	c.t.Helper()
	raw, _ := json.Marshal(append([]string{"--data", c.data}, args...))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), cliEnv+"="+string(raw))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		c.t.Fatalf("bpfdraft %v: %v", args, err)
	}
	return result{code, out.String(), errb.String()}
}

func (c cli) procOK(args ...string) string {
	c.t.Helper()
	r := c.proc(args...)
	if r.code != 0 {
		c.t.Fatalf("bpfdraft %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// sharedThroughRelay: Amina makes a draft, writes in it, invites through
// the relay and syncs; Bruno joins with the code alone, writes and syncs,
// and Amina syncs again. All as processes.
func sharedThroughRelay(t *testing.T, r *relaytest.Process, title, text string) (a, b cli, id, code string) {
	t.Helper()
	a, b = newCLI(t, "Amina"), newCLI(t, "Bruno")
	id = strings.TrimSpace(a.procOK("new", "--title", title))
	a.procOK("write", id, "--section", "1", "--text", text)
	code = strings.TrimSpace(a.procOK("invite", id, "--relay", r.Addr))
	a.procOK("sync", "--once", "--lan", "0")
	if out := b.procOK("join", code); !strings.Contains(out, "synced") {
		t.Fatalf("join printed %q", out)
	}
	if got := b.procOK("show", id, "--section", "1"); !strings.Contains(got, text) {
		t.Fatalf("the joiner reads %q", got)
	}
	b.procOK("write", id, "--section", "3", "--text", "Bruno was here.")
	b.procOK("sync", "--once", "--lan", "0")
	a.procOK("sync", "--once", "--lan", "0")
	return a, b, id, code
}

// Finding 1: the operator copies the relay's data dir, live. Nothing in
// it reads as the draft: no title, text, name or secret in any form, and
// bpfdraft finds no draft in it.
func TestRealRelayOperatorReadsNothing(t *testing.T) {
	r := relaytest.Start(t)
	const title, text = "Confidential Koala Title", "Platypus paragraph nobody outside may read."
	_, _, id, code := sharedThroughRelay(t, r, title, text)
	inv, err := app.ParseInvite(code)
	if err != nil {
		t.Fatal(err)
	}
	copyDir := t.TempDir()
	err = filepath.WalkDir(r.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, leak := range append([]string{title, text, "Platypus", "Koala", "Amina", "Bruno", code, codeSecretPart(code, id)}, leakForms(inv.Secret)...) {
			if bytes.Contains(b, []byte(leak)) {
				t.Errorf("the relay's %s holds %q", filepath.Base(path), leak)
			}
		}
		return os.WriteFile(filepath.Join(copyDir, filepath.Base(path)), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	op := cli{t, copyDir}
	if res := op.proc("show", id); res.code == 0 || strings.Contains(res.stdout, "Platypus") {
		t.Errorf("bpfdraft read the relay's copy: exit %d %q", res.code, res.stdout)
	}
	if res := op.proc("list"); strings.Contains(res.stdout, id) || strings.Contains(res.stdout, "Koala") {
		t.Errorf("bpfdraft lists the relay's copy: %q", res.stdout)
	}
}

// Finding 2: an invitee can neither rotate the draft's key at the relay
// through its client nor with a statement it signs by hand; the owner
// goes on syncing, and the owner's own rotation is taken.
func TestRealRelayRefusesAnInviteesRotation(t *testing.T) {
	r := relaytest.Start(t)
	a, b, id, _ := sharedThroughRelay(t, r, "Rotations", "Only co-facilitators rotate.")
	if res := b.proc("invite", id, "--rotate", "--relay", r.Addr); res.code == 0 || !strings.Contains(res.stderr, "co-facilitator") {
		t.Errorf("the invitee's rotation: exit %d %q", res.code, res.stderr)
	}

	// By hand: the invitee's own statement, taking the draft over.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, err := app.Open(ctx, b.data, app.Options{Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ws.Session(ctx, id)
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
	forged := ws.Signer().SignStatement(crdt.RelayStatement{DraftID: id, Version: last.Version + 1, Prev: last.Hash(),
		Access: theirs, Relays: last.Relays, Admins: []string{ws.Signer().PersonID()}})
	ws.Close()
	key, err := p2p.LoadKey(filepath.Join(t.TempDir(), "identity.key"))
	if err != nil {
		t.Fatal(err)
	}
	node, err := p2p.New(p2p.Config{Key: key, Listen: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	reg := p2p.Registration{DraftID: id, Genesis: proof.Genesis, Creator: proof.Creator, Chain: append(proof.Chain, forged.Encode())}
	if err := node.Register(ctx, r.Addr, reg); !errors.Is(err, p2p.ErrRefused) || !strings.Contains(err.Error(), "not a co-facilitator") {
		t.Errorf("a rotation the invitee signed by hand: %v", err)
	}

	a.procOK("write", id, "--section", "2", "--text", "The owner goes on.")
	if out := a.procOK("sync", "--once", "--lan", "0"); !strings.Contains(out, "synced") || strings.Contains(out, "not synced") {
		t.Errorf("the owner's sync after the attempts: %q", out)
	}
	code2 := strings.TrimSpace(a.procOK("invite", id, "--rotate", "--relay", r.Addr))
	c := newCLI(t, "Chen")
	// Before the owner's copy uploads under the new key, the relay holds
	// nothing a newcomer can open: the join says so, not "joined".
	if res := c.proc("join", code2); res.code == 0 || !strings.Contains(res.stdout+res.stderr, "holds nothing of this draft yet") {
		t.Errorf("a join before the upload: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	a.procOK("sync", "--once", "--lan", "0")
	c.procOK("sync", "--once", "--lan", "0")
	if got := c.procOK("show", id, "--section", "2"); !strings.Contains(got, "The owner goes on.") {
		t.Errorf("after the owner's rotation, a newcomer reads %q", got)
	}
}

// Finding 3: a code with the draft's real secret and an attacker's relay,
// on a machine that has the draft: refused without --add-relay; with it,
// the attacker's relay gets nothing of the draft.
func TestRealRelayACodeCannotAddARelay(t *testing.T) {
	r, evil := relaytest.Start(t), relaytest.Start(t)
	_, b, id, code := sharedThroughRelay(t, r, "Listed relays", "Only for the listed relay.")
	inv, err := app.ParseInvite(code)
	if err != nil {
		t.Fatal(err)
	}
	inv.Relays = []string{evil.Addr}
	evilCode := inv.Code()
	if res := b.proc("join", evilCode); res.code == 0 || !strings.Contains(res.stderr, "--add-relay") {
		t.Errorf("a code naming another relay: exit %d %q", res.code, res.stderr)
	}
	// Taken knowingly: the attacker's relay does not serve the draft (no
	// co-facilitator registered it there), and gets nothing of it.
	if res := b.proc("join", evilCode, "--add-relay"); !strings.Contains(res.stdout, "not synced") {
		t.Errorf("joining the attacker's relay knowingly: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	b.procOK("write", id, "--section", "2", "--text", "Written after the evil code.")
	b.proc("sync", "--once", "--lan", "0")
	store, err := relay.OpenStore(evil.Dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if d, err := store.Draft(context.Background(), id); err == nil {
		t.Errorf("the attacker's relay holds the draft: %+v", d)
	}
}

// Finding 7: registrations count per signing co-facilitator, not per
// address: one who floods is stopped, another behind the same address
// (here, loopback) is not.
func TestRealRelayRegistrationsCountPerCoFacilitator(t *testing.T) {
	r := relaytest.Start(t, "--max-registrations-per-hour", "2")
	a, c := newCLI(t, "Amina"), newCLI(t, "Chen")
	for i := range 3 {
		id := strings.TrimSpace(a.procOK("new", "--title", "Flood"))
		res := a.proc("invite", id, "--relay", r.Addr)
		if i < 2 && res.code != 0 {
			t.Fatalf("registration %d: exit %d %q", i+1, res.code, res.stderr)
		}
		if i == 2 && (res.code == 0 || !strings.Contains(res.stdout+res.stderr, "an hour")) {
			t.Errorf("the third registration in an hour: exit %d %q %q", res.code, res.stdout, res.stderr)
		}
	}
	id := strings.TrimSpace(c.procOK("new", "--title", "Same address, another person"))
	if res := c.proc("invite", id, "--relay", r.Addr); res.code != 0 {
		t.Errorf("another co-facilitator behind the same address: exit %d %q", res.code, res.stderr)
	}
}

// Finding 8: lockouts are not silent. A removed participant's sync says
// "not synced" with the relay's reason, and so does the owner's once the
// relay's row for the draft is edited behind the co-facilitators' backs
// (its operator edits its file while it runs).
func TestRealRelayLockoutsAreNotSilent(t *testing.T) {
	r := relaytest.Start(t)
	a, b, id, code := sharedThroughRelay(t, r, "Lockouts", "Before the removal.")
	c := newCLI(t, "Chen")
	c.procOK("join", code)
	out := a.procOK("role", id, "Bruno", "removed")
	fresh := strings.Fields(out[strings.Index(out, "BPF1"):])[0]
	c.procOK("join", fresh, "--replace")
	res := b.proc("sync", "--once", "--lan", "0")
	if res.code == 0 || !strings.Contains(res.stdout, "not synced") || !strings.Contains(res.stdout, "does not serve this draft to your code") {
		t.Errorf("the removed participant's sync: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	a.procOK("sync", "--once", "--lan", "0")
	store, err := relay.OpenStore(r.Dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	d, err := store.Draft(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	d.Access, d.Statement = bytes.Repeat([]byte{7}, 32), []byte("not the draft's statement")
	if err := store.Register(context.Background(), id, d); err != nil {
		t.Fatal(err)
	}
	res = a.proc("sync", "--once", "--lan", "0")
	if res.code == 0 || !strings.Contains(res.stdout, "not synced") {
		t.Errorf("the owner's sync after the relay's row was edited: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}
