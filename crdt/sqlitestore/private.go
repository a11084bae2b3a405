package sqlitestore

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// The data file holds every draft's text and the secrets that let anyone
// who has them sync the draft: only its owner may read it. SQLite creates
// its -wal, -shm and -journal files with the mode of the database file
// (modernc.org/sqlite as the C library does, whatever the umask), so a
// database made 0600 keeps them 0600. Versions before this one left the
// database and its log 0644 (the umask's default), so they are tightened
// when opened.

// besideFiles are the files kept beside the database: SQLite's and the
// acknowledgement mark.
var besideFiles = []string{"-wal", "-shm", "-journal", ackSuffix}

// makePrivate makes the data file's directory and files readable by their
// owner only, and creates a missing data file 0600 so that SQLite gives
// its log the same mode. Failing to do so (a read-only mount, files of
// another user) does not stop the store from opening: it warns with the
// command that would do it.
func makePrivate(path string, log *slog.Logger) {
	// Windows reports made-up modes (0666, 0777), and a chmod there only
	// sets the read-only attribute: privacy comes from the user's profile
	// directory's access list.
	if runtime.GOOS == "windows" {
		return
	}
	dir := filepath.Dir(path)
	var was []string
	var failed error
	tighten := func(name string) {
		fi, err := os.Stat(name)
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err != nil {
			failed = cmp.Or(failed, err)
			return
		}
		perm := fi.Mode().Perm()
		if perm&0o077 == 0 {
			return
		}
		// Only group and other bits go: an owner's read-only file stays
		// read-only.
		if err := os.Chmod(name, perm&^0o077); err != nil {
			failed = cmp.Or(failed, err)
			return
		}
		was = append(was, fmt.Sprintf("%s %04o", filepath.Base(name), perm))
	}
	tighten(dir)
	tighten(path)
	for _, suffix := range besideFiles {
		tighten(path + suffix)
	}
	createPrivate(path)
	if len(was) > 0 {
		log.Info("Made the data directory readable by its owner only", "dir", dir, "was", strings.Join(was, ", "))
	}
	if failed != nil {
		log.Warn("Could not make the data directory private: other users of this machine may read its drafts and their secrets; as the owner of its files, where they can be written, run the command given",
			"dir", dir, "run", fmt.Sprintf("chmod 700 %s && chmod 600 %s*", shellQuote(dir), shellQuote(path)), "err", failed)
	}
}

// mkdirPrivate creates dir, and any parent missing, with mode 0700.
func mkdirPrivate(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil // its mode is makePrivate's to judge
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	// A umask that takes the owner's bits too must not leave a directory
	// the store cannot write.
	return os.Chmod(dir, 0o700)
}

// createPrivate creates a missing data file empty with mode 0600 (SQLite
// takes an empty file for a new database). SQLite would make it 0644 less
// the umask, and its log after it. Any failure is left for SQLite to
// report when it opens the file.
func createPrivate(path string) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return
	}
	// A umask that takes the owner's bits too (0277) must not leave a
	// file SQLite cannot write.
	f.Chmod(0o600)
	f.Close()
}

// shellQuote quotes s for a POSIX shell when it needs it, so the command
// a warning gives can be pasted as it is.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+,:@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
