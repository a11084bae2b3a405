package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
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
