//go:build unix

package sqlitestore

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// setUmask sets the process's umask for the test; it is process-wide, so
// tests using it do not run in parallel.
func setUmask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

// wantModes checks the permission bits of files, by name relative to dir.
func wantModes(t *testing.T, dir string, want map[string]os.FileMode) {
	t.Helper()
	for name, mode := range want {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s has mode %04o, want %04o", name, got, mode)
		}
	}
}

// storeSecret writes a draft's access, the data file's most sensitive
// row, so that the log holds it.
func storeSecret(t *testing.T, s *Store) []byte {
	t.Helper()
	secret := []byte("0123456789abcdef0123456789abcdef")
	if err := s.SetAccess(context.Background(), Access{DraftID: "d1", Secret: secret}); err != nil {
		t.Fatal(err)
	}
	return secret
}

// TestNewDataDirIsPrivate guards issue 23 (attack 10): drafts' secrets
// sat in a 0644 bpfdraft.db and -wal that any user of the machine could
// read. A new data dir is 0700 and the file and its log 0600, whatever
// the umask.
func TestNewDataDirIsPrivate(t *testing.T) {
	for _, mask := range []int{0o022, 0o002, 0} {
		setUmask(t, mask)
		root := t.TempDir()
		s := open(t, filepath.Join(root, "data", "bpfdraft.db"))
		storeSecret(t, s)
		wantModes(t, root, map[string]os.FileMode{
			"data":                   0o700,
			"data/bpfdraft.db":       0o600,
			"data/bpfdraft.db-wal":   0o600,
			"data/bpfdraft.db-shm":   0o600,
			"data/bpfdraft.db-acked": 0o600,
		})
		if t.Failed() {
			t.Fatalf("with umask %04o", mask)
		}
	}
}

// TestOldDataDirMadePrivate: a data dir from before (0755, its file and
// log 0644, as the umask left them) is made private when it is opened,
// while another process still holds it open, and says so once.
func TestOldDataDirMadePrivate(t *testing.T) {
	setUmask(t, 0o022)
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "bpfdraft.db")
	// The window of an older version, still running: its log and
	// shared-memory file stay while it holds the file open.
	window := oldStore(t, path)
	defer window.Close()
	if _, err := window.Exec(`CREATE TABLE secrets (s BLOB); INSERT INTO secrets VALUES (x'00')`); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	wantModes(t, dir, map[string]os.FileMode{".": 0o755, "bpfdraft.db": 0o644, "bpfdraft.db-wal": 0o644, "bpfdraft.db-shm": 0o644})
	if t.Failed() {
		t.Fatal("the old layout was not made as it was")
	}

	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	s, err := Open(context.Background(), path, log)
	if err != nil {
		t.Fatal(err)
	}
	secret := storeSecret(t, s)
	wantModes(t, dir, map[string]os.FileMode{".": 0o700, "bpfdraft.db": 0o600, "bpfdraft.db-wal": 0o600, "bpfdraft.db-shm": 0o600, "bpfdraft.db-acked": 0o600})
	s.Close()
	if n := strings.Count(logs.String(), "Made the data directory readable by its owner only"); n != 1 {
		t.Errorf("said %d times that it tightened the data dir, want once:\n%s", n, logs.String())
	}
	for _, want := range []string{"dir=" + dir, "bpfdraft.db 0644", "bpfdraft.db-wal 0644", filepath.Base(dir) + " 0755"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log does not say %q:\n%s", want, logs.String())
		}
	}
	if bytes.Contains(logs.Bytes(), secret) {
		t.Errorf("log holds the secret:\n%s", logs.String())
	}

	// Once private, opening again has nothing to say.
	logs.Reset()
	s, err = Open(context.Background(), path, log)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if strings.Contains(logs.String(), "data directory") {
		t.Errorf("a private data dir was reported again:\n%s", logs.String())
	}
}

// oldStore opens path as versions before issue 23 did: SQLite creates the
// file with the umask's mode, and its log and shared memory take it.
func oldStore(t *testing.T, path string) *sql.DB {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := openDB(path, "immediate", "journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestPrivateWhereItCannotBeChanged: on a read-only mount the modes
// cannot be changed; the store still opens for reading, as it did, and
// the warning says which command makes the files private.
func TestPrivateWhereItCannotBeChanged(t *testing.T) {
	setUmask(t, 0o022)
	dir := t.TempDir()
	path := filepath.Join(dir, "bpfdraft.db")
	s := open(t, path)
	storeSecret(t, s)
	s.Close()
	for name, mode := range map[string]os.FileMode{dir: 0o755, path: 0o644} {
		if err := os.Chmod(name, mode); err != nil {
			t.Fatal(err)
		}
	}
	ro := t.TempDir()
	if out, err := exec.Command("mount", "--bind", dir, ro).CombinedOutput(); err != nil {
		t.Skipf("no bind mount here: %v %s", err, out)
	}
	defer exec.Command("umount", ro).Run()
	if out, err := exec.Command("mount", "-o", "remount,ro,bind", ro).CombinedOutput(); err != nil {
		t.Skipf("no read-only remount here: %v %s", err, out)
	}
	var logs bytes.Buffer
	s, err := Open(context.Background(), filepath.Join(ro, "bpfdraft.db"), slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("opening where modes cannot change: %v\n%s", err, logs.String())
	}
	defer s.Close()
	a, err := s.Access(context.Background(), "d1")
	if err != nil || len(a.Secret) == 0 {
		t.Errorf("reading: %v", err)
	}
	want := "chmod 700 " + ro + " && chmod 600 " + filepath.Join(ro, "bpfdraft.db") + "*"
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), want) {
		t.Errorf("the warning does not say %q:\n%s", want, logs.String())
	}
	if strings.Contains(logs.String(), "Made the data directory") {
		t.Errorf("claims to have tightened a read-only data dir:\n%s", logs.String())
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/home/ana/.local/share/bpfdraft": "/home/ana/.local/share/bpfdraft",
		"/Users/ana/Library/BPF Draft":    "'/Users/ana/Library/BPF Draft'",
		"/tmp/it's":                       `'/tmp/it'\''s'`,
		"":                                "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
