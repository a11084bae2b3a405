package app

import (
	"bufio"
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The crash helper runs in a child process (this test binary, re-executed):
// it appends numbered lines to a draft as fast as it can, compacting every
// few writes, and prints each number once the write has returned.
const crashEnv = "BPFDRAFT_CRASH_HELPER"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashEnv); dir != "" {
		crashHelper(dir)
		return
	}
	os.Exit(m.Run())
}

func crashHelper(dir string) {
	ctx := context.Background()
	w, err := Open(ctx, dir, Options{CompactAfter: 7})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	id := os.Getenv(crashEnv + "_DRAFT")
	s, err := w.Session(ctx, id)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	out := bufio.NewWriter(os.Stdout)
	start, _ := strconv.Atoi(os.Getenv(crashEnv + "_FROM"))
	for i := start; ; i++ {
		if i%5 == 0 {
			// Let go of the draft now and then, so that kills also land
			// while a session stores its view, and open it again as a
			// command does.
			s.Close(ctx)
			if s, err = w.ReadSession(ctx, id); err != nil {
				fmt.Println("error", err)
				os.Exit(1)
			}
		}
		if _, _, err := s.Write(ctx, "1", fmt.Sprintf("line %d\n", i), true); err != nil {
			fmt.Fprintln(out, "error", err)
			out.Flush()
			os.Exit(1)
		}
		fmt.Fprintln(out, "ok", i)
		out.Flush()
	}
}

// TestKillDuringWrites kills a writing process with SIGKILL at random
// moments, over and over: every write that returned must be there after
// a restart, and the file must open.
func TestKillDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	w := openWS(t, dir)
	withProfile(t, w, "Amina")
	s := newDraft(t, w, "Crash test")
	id := s.ID()
	s.Close(ctx)
	w.Close()

	rng := rand.New(rand.NewSource(7))
	confirmed := -1
	fromView := 0 // restarts that found a current stored view
	const kills = 25
	for k := 0; k < kills; k++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir, crashEnv+"_DRAFT="+id, crashEnv+"_FROM="+strconv.Itoa(confirmed+1))
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// The kill comes at a random moment after the first write returns,
		// not after the start: on a loaded machine the start alone can
		// take longer than the whole window.
		killAfter := time.Duration(20+rng.Intn(150)) * time.Millisecond
		deadline := time.After(time.Minute) // the helper must write at all
		wrote := 0
	read:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break read
				}
				if wrote == 0 {
					deadline = time.After(killAfter)
				}
				if strings.HasPrefix(l, "error") {
					t.Fatalf("kill %d: helper failed: %s", k, l)
				}
				n, _ := strconv.Atoi(strings.TrimPrefix(l, "ok "))
				confirmed = n
				wrote++
			case <-deadline:
				cmd.Process.Signal(syscall.SIGKILL)
				for l := range lines { // lines printed before the kill are confirmed too
					if n, err := strconv.Atoi(strings.TrimPrefix(l, "ok ")); err == nil {
						confirmed = n
					}
				}
				break read
			}
		}
		cmd.Wait()

		// Restart: the file opens and every confirmed line is there, in
		// order; what a reader is shown (the stored view, if current)
		// is what the document holds.
		w := openWS(t, dir)
		r, err := w.ReadSession(ctx, id)
		if err != nil {
			t.Fatalf("after kill %d: %v", k, err)
		}
		if !loadedDoc(r) {
			fromView++
		}
		shown, _ := r.Section("1")
		r.Close(ctx)
		s, err := w.Session(ctx, id)
		if err != nil {
			t.Fatalf("after kill %d: %v", k, err)
		}
		sec, _ := s.Section("1")
		if shown.Body != sec.Body {
			t.Fatalf("after kill %d: a reader is shown %d lines, the draft holds %d", k, strings.Count(shown.Body, "\n"), strings.Count(sec.Body, "\n"))
		}
		got := strings.Split(strings.TrimSuffix(sec.Body, "\n"), "\n")
		if confirmed >= 0 && len(got) < confirmed+1 {
			t.Fatalf("after kill %d: %d lines stored, but line %d was confirmed", k, len(got), confirmed)
		}
		for i := 0; i <= confirmed; i++ {
			if got[i] != fmt.Sprintf("line %d", i) {
				t.Fatalf("after kill %d: line %d is %q", k, i, got[i])
			}
		}
		// A write that was under way when the process died may or may not be
		// there; keep numbering after whatever landed.
		confirmed = len(got) - 1
		if sec.Body == "" {
			confirmed = -1
		}
		s.Close(ctx)
		w.Close()
		t.Logf("kill %d: %d writes in this run, %d lines stored", k, wrote, confirmed+1)
	}
	t.Logf("%d of %d restarts read a current stored view", fromView, kills)
	if confirmed < kills {
		t.Errorf("only %d writes confirmed over %d runs; the test did not exercise much", confirmed+1, kills)
	}
}
