package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// smallDisk mounts a 1 MiB tmpfs for the test, or skips where mounting
// is not allowed (it needs root).
func smallDisk(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small disk here (%v: %s)", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}

// fill leaves about free bytes on the disk at dir.
func fill(t *testing.T, dir string, free int64) {
	t.Helper()
	path := filepath.Join(dir, "filler")
	os.Remove(path)
	var st struct{ avail int64 }
	out, err := exec.Command("df", "-B1", "--output=avail", dir).Output()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Sscan(strings.Fields(string(out))[1], &st.avail)
	if n := st.avail - free; n > 0 {
		if err := os.WriteFile(path, make([]byte, n), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDiskFull (issue 13, item 14): on a disk with less and less room, a
// write says it failed exactly when its text was not saved, so a retry
// never writes it twice; reading commands work on a full disk; once room
// is made, writing works again.
func TestDiskFull(t *testing.T) {
	disk := smallDisk(t)
	c := cli{t, filepath.Join(disk, "data")}
	c.ok("profile", "--name", "Writer", "--group", "Government", "--region", "African")
	id := strings.TrimSpace(c.ok("new", "--title", "Tight"))
	c.ok("write", id, "--section", "1", "--text", "Before the disk filled.")
	for _, free := range []int64{120 << 10, 90 << 10, 60 << 10, 40 << 10, 20 << 10, 0} {
		fill(t, disk, free)
		text := fmt.Sprintf(" Written with %d KB free.", free>>10)
		r := c.run("", "write", id, "--section", "1", "--append", "--text", text)
		saved := strings.Contains(c.ok("show", id), text)
		if (r.code == 0) != saved {
			t.Errorf("%d KB free: write exit %d but saved %v\nstderr: %s", free>>10, r.code, saved, r.stderr)
		}
		if r.code != 0 && !strings.Contains(r.stderr, "disk is full") {
			t.Errorf("%d KB free: the failure does not say why: %s", free>>10, r.stderr)
		}
	}
	// Full: reading still works.
	fill(t, disk, 0)
	for _, args := range [][]string{{"list"}, {"show", id}, {"log", id}, {"export", id, "--format", "md", "-o", "-"}} {
		if r := c.run("", args...); r.code != 0 || !strings.Contains(r.stdout+r.stderr, "Tight") && args[0] != "log" {
			t.Errorf("%v on a full disk: exit %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
		}
	}
	// Room again: writing works, and nothing saved before was lost.
	os.Remove(filepath.Join(disk, "filler"))
	c.ok("write", id, "--section", "1", "--append", "--text", " After.")
	if got := c.ok("show", id); !strings.Contains(got, "Before the disk filled.") || !strings.Contains(got, " After.") {
		t.Errorf("after making room: %s", got)
	}
}
