package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestRelayPrintsAddressAndStops(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		var errb strings.Builder
		done <- run(ctx, []string{"--data", dir, "--open", "--listen", "/ip4/127.0.0.1/tcp/0"}, pw, &errb)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	if !strings.HasPrefix(line, "/ip4/127.0.0.1/tcp/") || !strings.Contains(line, "/p2p/12D3Koo") {
		t.Errorf("relay printed %q, want a full multiaddr", line)
	}
	if _, err := os.Stat(filepath.Join(dir, "identity.key")); err != nil {
		t.Errorf("no persistent identity: %v", err)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("relay did not stop")
	}
}

func TestUsageAndAllowList(t *testing.T) {
	var out, errb strings.Builder
	if code := run(context.Background(), nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), "--data DIR") {
		t.Errorf("no args: exit %d, %q", code, errb.String())
	}
	// Help asked for goes to standard output, as bpfdraft's.
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "usage: bpfrelay") || errb.Len() > 0 {
		t.Errorf("--help: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	// Registration is closed unless the operator says otherwise.
	errb.Reset()
	if code := run(context.Background(), []string{"--data", t.TempDir()}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "--open") {
		t.Errorf("neither --allow-peers nor --open: exit %d, %q", code, errb.String())
	}
	f := filepath.Join(t.TempDir(), "allow")
	os.WriteFile(f, []byte("# operators\n12D3KooWAAA\n\n12D3KooWBBB # second\n"), 0o600)
	got, err := readAllowList(f)
	if err != nil || len(got) != 2 || !got["12D3KooWAAA"] || !got["12D3KooWBBB"] {
		t.Errorf("allow-list = %v, %v", got, err)
	}
}

// runRelay starts the relay on dir and returns, once it listens, a
// function that stops it and returns what it logged.
func runRelay(t *testing.T, dir string) (stop func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var errb strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--data", dir, "--open", "--listen", "/ip4/127.0.0.1/tcp/0"}, pw, &errb)
		pw.Close()
	}()
	if _, err := bufio.NewReader(pr).ReadString('\n'); err != nil {
		cancel()
		<-done
		t.Fatalf("relay did not start: %v\n%s", err, errb.String())
	}
	go io.Copy(io.Discard, pr)
	return func() string {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("exit %d", code)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("relay did not stop")
		}
		return errb.String()
	}
}

// TestRelayDataDirIsPrivate guards issue 23 (attack 10) on a relay: it
// holds no secret now, but which drafts it holds and who registered them
// are its operator's alone. Its data dir is
// 0700 and its files 0600; one made by an earlier version (0755, 0644)
// is tightened when the relay starts, which logs it.
func TestRelayDataDirIsPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows keeps no such modes")
	}
	dir := filepath.Join(t.TempDir(), "relay")
	stop := runRelay(t, dir)
	want := map[string]os.FileMode{"": 0o700, "relay.db": 0o600, "relay.db-wal": 0o600, "relay.db-shm": 0o600, "identity.key": 0o600}
	check := func(when string) {
		t.Helper()
		for name, mode := range want {
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				t.Errorf("%s: %v", when, err)
			} else if got := fi.Mode().Perm(); got != mode {
				t.Errorf("%s: %q has mode %04o, want %04o", when, name, got, mode)
			}
		}
	}
	check("new")
	stop()

	// As an earlier version left it, with the umask's modes.
	for name, mode := range map[string]os.FileMode{"": 0o755, "relay.db": 0o644} {
		if err := os.Chmod(filepath.Join(dir, name), mode); err != nil {
			t.Fatal(err)
		}
	}
	stop = runRelay(t, dir)
	check("after a restart")
	logged := stop()
	if !strings.Contains(logged, "Made the data directory readable by its owner only") || !strings.Contains(logged, "relay.db 0644") {
		t.Errorf("the relay did not say it tightened its data dir:\n%s", logged)
	}
}

// The relay never loads Automerge (issue 24): it links neither Automerge
// nor the packages that hold drafts, only the statements' checks.
func TestRelayLinksNoAutomerge(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go tool")
	}
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "automerge") || strings.HasSuffix(dep, "/bpfdraft/crdt") ||
			strings.HasSuffix(dep, "/bpfdraft/app") || strings.HasSuffix(dep, "/bpfdraft/sync") {
			t.Errorf("bpfrelay links %s", dep)
		}
	}
}
