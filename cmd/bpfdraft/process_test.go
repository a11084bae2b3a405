package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
)

// Re-executing the test binary with cliEnv set makes it behave as the
// bpfdraft command, so tests can run the real CLI in a separate process.
const cliEnv = "BPFDRAFT_TEST_CLI_ARGS"

func TestMain(m *testing.M) {
	if raw := os.Getenv(cliEnv); raw != "" {
		var args []string
		if err := json.Unmarshal([]byte(raw), &args); err != nil {
			panic(err)
		}
		os.Exit(run(context.Background(), args, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func cliProcess(t *testing.T, args ...string) string {
	t.Helper()
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), cliEnv+"="+string(raw))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bpfdraft %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestGUIAndCLIShareDataDir: a long-running process (standing in for the
// window) has a draft open while a separate bpfdraft process writes to it;
// the running process sees the edit (how soon is logged; the window's
// poll interval sets it), and its own later edits keep the CLI's.
func TestGUIAndCLIShareDataDir(t *testing.T) {
	ctx := context.Background()
	c := newCLI(t, "Amina")
	id := strings.TrimSpace(c.ok("new", "--title", "Shared"))
	ws, err := app.Open(ctx, c.data, app.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	s, err := ws.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	changed, cancel := s.Subscribe()
	defer cancel()

	cliProcess(t, "--data", c.data, "write", id, "--section", "2", "--text", "From the command line.")
	written := time.Now()
	select {
	case <-changed:
		t.Logf("running process saw the CLI's edit %v after the CLI exited", time.Since(written))
	case <-time.After(20 * time.Second):
		t.Fatal("the running process never saw the CLI's edit")
	}
	if sec, _ := s.Section("2"); sec.Body != "From the command line." {
		t.Fatalf("running process sees %q", sec.Body)
	}
	for i, r := range "Typed in the window." {
		if err := s.Splice(ctx, s.Sections()[0].ID, i, 0, string(r)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	out := cliProcess(t, "--data", c.data, "show", id)
	if !strings.Contains(out, "Typed in the window.") || !strings.Contains(out, "From the command line.") {
		t.Errorf("CLI sees:\n%s", out)
	}
}

// TestNoLocaleWarning: under LANG=C.UTF-8 (Docker, a minimal Debian), a
// command prints what was asked and nothing on stderr; Fyne's language
// support used to print three lines of "Fyne error" on every command
// (issue 15, defect 5).
func TestNoLocaleWarning(t *testing.T) {
	c := newCLI(t, "Amina")
	c.ok("new", "--title", "Quiet")
	raw, _ := json.Marshal([]string{"--data", c.data, "list"})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LC_") && !strings.HasPrefix(kv, "LANG") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "LANG=C.UTF-8", cliEnv+"="+string(raw))
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("list: %v\n%s", err, stderr.String())
	}
	if stderr.Len() > 0 || !strings.Contains(stdout.String(), "Quiet") {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}
