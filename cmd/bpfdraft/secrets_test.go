package main

import (
	"bufio"
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/sync/p2p"
	"github.com/igf-bpf/bpfdraft/sync/relay"
)

// proc is what one bpfdraft process printed.
type proc struct {
	args           []string
	code           int
	stdout, stderr string
}

// bpfdraftProcess runs bpfdraft as its own process on a data dir, as a
// person would: whatever it or the libraries it uses print, on either
// stream, is caught.
func bpfdraftProcess(t *testing.T, data string, args ...string) proc {
	t.Helper()
	cmd := cliCommand(append([]string{"--data", data}, args...))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	p := proc{args: args}
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("bpfdraft %v: %v", args, err)
		}
		p.code = ee.ExitCode()
	}
	p.stdout, p.stderr = out.String(), errb.String()
	return p
}

func cliCommand(args []string) *exec.Cmd {
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), cliEnv+"="+string(raw))
	return cmd
}

// leakForms returns how a secret would look printed by mistake: its bytes,
// hex, base64 and base32 (where each starts like the whole secret's), and
// Go's %v and %q of a byte slice. Fifteen bytes is a multiple of both
// encodings' groups and far beyond any chance match.
func leakForms(secret []byte) []string {
	head := secret[:15]
	b32 := base32.StdEncoding.EncodeToString(head)
	return []string{
		string(head),
		hex.EncodeToString(head),
		strings.ToUpper(hex.EncodeToString(head)),
		base64.StdEncoding.EncodeToString(head),
		base64.URLEncoding.EncodeToString(head),
		b32,
		strings.ToLower(b32),
		strings.TrimSuffix(fmt.Sprint(head), "]"),
		strings.TrimSuffix(fmt.Sprintf("%q", head), `"`),
	}
}

// codeSecretPart returns the part of an invite code that spells the
// secret: the code is base32 of (version, draft id, secret, ...).
func codeSecretPart(code, draftID string) string {
	start := 1 + len(binary.AppendUvarint(nil, uint64(len(draftID)))) + len(draftID)
	from := len("BPF1") + (start*8+4)/5 + 1 // first character whose bits are all the secret's
	return code[from : from+24]
}

// TestSecretsAreNeverPrinted guards issue 23 (must-do 7): a draft's
// secret and a machine's identity key are printed by nothing but
// `invite`, whose purpose it is, even with --verbose and on failures that
// handle them (a bad code, a code for a draft already joined, a revoked
// code). Every command runs as its own process, so a library printing
// by itself is caught too. Data dirs made by these commands are private.
func TestSecretsAreNeverPrinted(t *testing.T) {
	aDir, bDir := filepath.Join(t.TempDir(), "amina"), filepath.Join(t.TempDir(), "bruno")
	var printed []proc // everything but invite's own output
	run := func(data string, wantCode int, args ...string) proc {
		t.Helper()
		p := bpfdraftProcess(t, data, append([]string{"--verbose"}, args...)...)
		if p.code != wantCode {
			t.Fatalf("bpfdraft %v: exit %d, want %d\nstdout: %s\nstderr: %s", args, p.code, wantCode, p.stdout, p.stderr)
		}
		printed = append(printed, p)
		return p
	}
	invite := func(args ...string) string {
		t.Helper()
		p := run(aDir, exitOK, append([]string{"invite"}, args...)...)
		printed[len(printed)-1].stdout = "" // the code, as asked
		return strings.TrimSpace(p.stdout)
	}

	run(aDir, exitOK, "profile", "--name", "Amina", "--group", "Civil society", "--region", "African")
	run(bDir, exitOK, "profile", "--name", "Bruno", "--group", "Technical community", "--region", "WEOG")
	id := strings.TrimSpace(run(aDir, exitOK, "new", "--title", "Shared").stdout)
	run(aDir, exitOK, "write", id, "--section", "1", "--text", "From A.")
	code := invite(id)
	if again := invite(id); again != code {
		t.Fatalf("a second invite printed another code: %q, then %q", code, again)
	}
	inv, err := app.ParseInvite(code)
	if err != nil {
		t.Fatal(err)
	}
	secrets := [][]byte{inv.Secret}

	serve := cliCommand([]string{"--data", aDir, "--verbose", "serve", "--listen", "/ip4/127.0.0.1/tcp/0"})
	var serveErr bytes.Buffer
	serve.Stderr = &serveErr
	stdout, err := serve.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	served := false
	stopServe := func() {
		if !served {
			served = true
			serve.Process.Kill()
			serve.Wait()
			printed = append(printed, proc{args: []string{"serve"}, stderr: serveErr.String()})
		}
	}
	defer stopServe()
	addrs := bufio.NewReader(stdout)
	addr, err := addrs.ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed no address: %v", err)
	}
	addr = strings.TrimSpace(addr)
	go io.Copy(io.Discard, addrs) // more addresses and sync reports; its stderr is checked

	mangled := []byte(code)
	mangled[len(mangled)/2] ^= 'A' ^ 'B'
	run(bDir, exitFailed, "join", "BPF1NOTACODE", "--peer", addr)
	run(bDir, exitFailed, "join", string(mangled), "--peer", addr)
	run(bDir, exitOK, "join", code, "--peer", addr)
	run(bDir, exitOK, "write", id, "--section", "2", "--text", "From B.")
	run(bDir, exitOK, "sync", id, "--once", "--lan", "0", "--peer", addr)
	run(bDir, exitOK, "sync", "--once", "--json", "--lan", "0", "--peer", addr)
	for _, dir := range []string{aDir, bDir} {
		run(dir, exitOK, "list", "--json")
		run(dir, exitOK, "show", id, "--json")
		run(dir, exitOK, "log", id, "--json")
	}
	file := filepath.Join(t.TempDir(), "shared.automerge")
	run(aDir, exitOK, "export", id, "-o", file)

	// A rotation: the new code is refused by a copy joined with the old
	// one, and the old code stops syncing; neither failure prints either.
	code2 := invite(id, "--rotate")
	inv2, err := app.ParseInvite(code2)
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, inv2.Secret)
	run(bDir, exitFailed, "join", code2, "--peer", addr)
	run(bDir, exitFailed, "sync", id, "--once", "--lan", "0", "--peer", addr)
	run(bDir, exitOK, "join", code2, "--replace", "--peer", addr)
	run(bDir, exitFailed, "join", code, "--peer", addr)
	stopServe()

	// A relay holds every registered draft's secret; it logs
	// registrations and rotations without them.
	var relayLog lockedBuffer
	rl := startLoggingRelay(t, &relayLog)
	raddr := rl.Addrs()[0]
	code3 := invite(id, "--relay", raddr)
	run(aDir, exitOK, "sync", "--once", "--lan", "0")
	code4 := invite(id, "--relay", raddr, "--rotate")
	inv4, err := app.ParseInvite(code4)
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, inv4.Secret)
	run(bDir, exitFailed, "sync", "--once", "--lan", "0", "--peer", raddr) // with the code replaced since
	rl.Close()
	printed = append(printed, proc{args: []string{"bpfrelay"}, stderr: relayLog.String()})
	if !strings.Contains(relayLog.String(), "Draft registered") {
		t.Errorf("the relay's log has no registration:\n%s", relayLog.String())
	}

	var forms []string
	for _, s := range secrets {
		forms = append(forms, leakForms(s)...)
	}
	for _, c := range []string{code, code2, code3, code4} {
		forms = append(forms, c, codeSecretPart(c, id))
	}
	for _, dir := range []string{aDir, bDir} {
		b, err := os.ReadFile(filepath.Join(dir, "identity.key"))
		if err != nil {
			t.Fatal(err)
		}
		key, err := p2p.LoadKey(filepath.Join(dir, "identity.key")) // the file exists: it is read, not made
		if err != nil {
			t.Fatal(err)
		}
		raw, err := key.Raw()
		if err != nil {
			t.Fatal(err)
		}
		forms = append(forms, leakForms(raw)...)
		forms = append(forms, base64.StdEncoding.EncodeToString(b)[:20], hex.EncodeToString(b)[:30])
	}
	if strings.Contains(code2, codeSecretPart(code, id)) || !strings.Contains(code, codeSecretPart(code, id)) {
		t.Fatal("codeSecretPart does not find the secret in a code")
	}
	for _, p := range printed {
		for _, f := range forms {
			for stream, text := range map[string]string{"stdout": p.stdout, "stderr": p.stderr} {
				if strings.Contains(text, f) {
					t.Errorf("bpfdraft %v printed a secret (%q) on %s:\n%s", p.args, f, stream, text)
				}
			}
		}
	}
	if exported, err := os.ReadFile(file); err != nil {
		t.Error(err)
	} else {
		for _, s := range secrets {
			if bytes.Contains(exported, s) {
				t.Error("the exported .automerge file holds the draft's secret")
			}
		}
	}

	if runtime.GOOS == "windows" {
		return
	}
	for _, dir := range []string{aDir, bDir} {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				t.Error(err)
				return nil
			}
			fi, err := d.Info()
			if err == nil && fi.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s has mode %04o: other users may read it", path, fi.Mode().Perm())
			}
			return nil
		})
	}
}

// lockedBuffer is a buffer that goroutines may write to at once.
type lockedBuffer struct {
	mu  sync.Mutex // Protects buf.
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startLoggingRelay is startRelay with the relay's log, every level of
// it, written to w.
func startLoggingRelay(t *testing.T, w io.Writer) *relay.Relay {
	t.Helper()
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	dir := t.TempDir()
	store, err := relay.OpenStore(dir, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	rl, err := relay.Start(relay.Config{KeyFile: filepath.Join(dir, "identity.key"),
		Listen: []string{"/ip4/127.0.0.1/tcp/0"}, Store: store, Open: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rl.Close() })
	return rl
}
