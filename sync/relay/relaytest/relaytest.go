// Package relaytest runs the real bpfrelay for tests: built once per test
// binary from this module's cmd/bpfrelay, started as a process of its
// own on loopback, and stopped when the test ends. Tests of every package
// that meet a relay use it, so a relay under test is the one deployed.
package relaytest

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

var build struct {
	once sync.Once
	dir  string
	err  error
}

// Process is a running bpfrelay.
type Process struct {
	Addr string // its address, ending in /p2p/ID
	Dir  string // its data directory
	PID  int
	log  logBuffer
}

// Log returns what the relay wrote to standard error so far.
func (p *Process) Log() string { return p.log.String() }

// Start builds bpfrelay (once) and runs it with --open on a fresh data
// directory, listening on loopback, with flags added; the test is
// skipped under -short.
func Start(t testing.TB, flags ...string) *Process {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the real relay")
	}
	build.once.Do(func() {
		if build.dir, build.err = os.MkdirTemp("", "bpfrelay-bin"); build.err != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", build.dir, "github.com/igf-bpf/bpfdraft/cmd/bpfrelay").CombinedOutput()
		if err != nil {
			build.err = errors.New(string(out))
		}
	})
	if build.err != nil {
		t.Fatalf("building bpfrelay: %v", build.err)
	}
	p := &Process{Dir: t.TempDir()}
	cmd := exec.Command(filepath.Join(build.dir, "bpfrelay"), append([]string{"--data", p.Dir, "--open", "--listen", "/ip4/127.0.0.1/tcp/0"}, flags...)...)
	cmd.Stderr = &p.log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("bpfrelay did not start: %v\n%s", err, p.Log())
	}
	p.Addr, p.PID = strings.TrimSpace(line), cmd.Process.Pid
	return p
}

// logBuffer collects a process's standard error.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
