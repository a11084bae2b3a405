package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAReconnectCostsNoMoreThanADialedSync (issue 26, item 4): a real
// `bpfdraft serve` (the window's kept connection, as a process) keeps a
// session with a real `bpfrelay` through the emulated slow link. The
// link drops; while it is down, a 20-character edit is written; when it
// comes back, the reconnection and the edit's push together carry no
// more on the link than the dialed W2 budget (3,000 B for two dialed
// sessions).
func TestAReconnectCostsNoMoreThanADialedSync(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binaries over an emulated slow link")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := buildBinaries(ctx, bin, "bpfdraft", "bpfrelay"); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	relay := exec.CommandContext(ctx, filepath.Join(bin, "bpfrelay"), "--data", filepath.Join(dir, "relay"), "--open",
		"--listen", "/ip4/127.0.0.1/tcp/0")
	relay.Stderr = &logs
	out, err := relay.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := relay.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { relay.Process.Kill(); relay.Wait() }()
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("relay: %v\n%s", err, logs.String())
	}
	go io.Copy(io.Discard, out)
	addr = strings.TrimSpace(addr)
	link, err := newTCPProxy(hostPortOf(addr), lowband, 7)
	if err != nil {
		t.Fatal(err)
	}
	defer link.close()
	host, port := splitHostPort(link.addr())
	via := fmt.Sprintf("/ip4/%s/tcp/%s/p2p/%s", host, port, addr[strings.LastIndex(addr, "/")+1:])

	run := func(data string, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, filepath.Join(bin, "bpfdraft"), append([]string{"--data", filepath.Join(dir, data)}, args...)...)
		cmd.Env = append(os.Environ(), "LANG=C.UTF-8")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("bpfdraft %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
		}
		return strings.TrimSpace(stdout.String())
	}
	run("A", "profile", "--name", "Amina", "--group", "Civil society", "--region", "African")
	id := run("A", "new", "--title", "Reconnect")
	run("A", "write", id, "--section", "1", "--text", strings.Repeat("Participants discussed access and trust. ", 20))
	code := run("A", "invite", id, "--relay", via)
	code = code[strings.LastIndex(code, "\n")+1:]
	run("A", "sync", "--once", "--lan", "0")

	// The kept connection, as the window holds it.
	serve := exec.CommandContext(ctx, filepath.Join(bin, "bpfdraft"), "--data", filepath.Join(dir, "A"), "serve",
		"--listen", "/ip4/127.0.0.1/tcp/0")
	var serveLog bytes.Buffer
	serve.Stdout, serve.Stderr = io.Discard, &serveLog
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { serve.Process.Kill(); serve.Wait() }()
	if err := settle(ctx, link.bytes.Load); err != nil {
		t.Fatal(err)
	}

	// The link drops; the edit is written while it is down.
	link.setDown(true)
	run("A", "write", id, "--section", "1", "--append", "--text", " Twenty more letters")
	time.Sleep(3 * time.Second) // the kept session retries and fails meanwhile
	base, wireBase := link.bytes.Load(), link.wire.Load()
	link.setDown(false)
	// It redials within its backoff (at most 4 s for a peer in session
	// within the hour), then goes quiet once the edit is pushed.
	for deadline := time.Now().Add(30 * time.Second); link.bytes.Load() == base && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if err := settle(ctx, link.bytes.Load); err != nil {
		t.Fatal(err)
	}
	cost, wire := link.bytes.Load()-base, link.wire.Load()-wireBase
	t.Logf("reconnect and push of a 20-character edit: %d B on the link, %d B with headers and ACKs", cost, wire)
	if cost == 0 {
		t.Fatalf("the kept session did not come back\n%s", serveLog.String())
	}
	if cost > 3000 {
		t.Errorf("the first sync after the link came back carried %d B, more than a dialed W2 (3,000 B)", cost)
	}

	// The edit is at the relay: a co-author who joins now gets it.
	run("B", "profile", "--name", "Bruno", "--group", "Government", "--region", "WEOG")
	run("B", "join", code)
	if got := run("B", "show", id); !strings.Contains(got, "Twenty more letters") {
		t.Errorf("B's copy lacks the edit:\n%s", got)
	}
}
