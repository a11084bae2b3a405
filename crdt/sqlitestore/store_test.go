package sqlitestore

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, nil))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestAppendCompactAcrossTwoHandles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bpfdraft.db")
	a, b := open(t, path), open(t, path) // two handles act like two processes
	sum := Summary{ID: "d1", Title: "T", Template: "output", Year: 2026}
	if _, err := a.CreateDraft(ctx, sum, []byte("snap"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.CreateDraft(ctx, sum, []byte("x"), nil); !errors.Is(err, ErrExists) {
		t.Errorf("second create: %v, want ErrExists", err)
	}
	s1, err := a.Append(ctx, sum, []byte("a1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Append(ctx, sum, []byte("b1"), nil); err != nil {
		t.Fatal(err)
	}
	if max, _ := a.MaxSeq(ctx); max <= s1 {
		t.Errorf("MaxSeq %d did not see b's write after %d", max, s1)
	}
	// a compacts having seen up to s1: it must be handed b's chunk.
	seq, err := a.Compact(ctx, "d1", s1, func(newer []Chunk) ([]byte, error) {
		if len(newer) != 1 || string(newer[0].Data) != "b1" {
			t.Errorf("Compact handed %+v, want b's chunk", newer)
		}
		return []byte("snap+a1+b1"), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := b.Chunks(ctx, "d1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Seq != seq || !cs[0].Snapshot || string(cs[0].Data) != "snap+a1+b1" {
		t.Errorf("after compaction chunks = %+v", cs)
	}
	// A failed build leaves everything as it was.
	if _, err := a.Compact(ctx, "d1", seq, func([]Chunk) ([]byte, error) { return nil, errors.New("boom") }); err == nil {
		t.Error("Compact ignored build error")
	}
	if cs, _ := a.Chunks(ctx, "d1", 0); len(cs) != 1 {
		t.Errorf("failed compaction changed chunks: %+v", cs)
	}
	if _, err := a.Append(ctx, Summary{ID: "nope"}, []byte("x"), nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("append to unknown draft: %v", err)
	}
}

func TestListDeleteSettings(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "db"))
	for _, id := range []string{"a", "b"} {
		if _, err := s.CreateDraft(ctx, Summary{ID: id, Title: "Draft " + id, Created: time.Unix(100, 0)}, []byte{1}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetDeleted(ctx, "a", true); err != nil {
		t.Fatal(err)
	}
	live, _ := s.List(ctx, false)
	all, _ := s.List(ctx, true)
	if len(live) != 1 || live[0].ID != "b" || len(all) != 2 {
		t.Errorf("live %+v all %+v", live, all)
	}
	if err := s.SetDeleted(ctx, "zz", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete unknown: %v", err)
	}
	if err := s.SetSettings(ctx, map[string]string{"name": "Amina"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Setting(ctx, "name"); v != "Amina" {
		t.Errorf("setting = %q", v)
	}
	if v, _ := s.Setting(ctx, "missing"); v != "" {
		t.Errorf("missing setting = %q", v)
	}
}

// TestActorsAreNeverReused is issue 13's second defect: a released or
// stale actor went to the next process, so a restored backup committed
// under a sequence number its peers already held.
func TestActorsAreNeverReused(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "db"))
	n := 0
	mk := func() string { n++; return string(rune('a' + n)) }
	seen := map[string]bool{}
	for i, holder := range []string{"p1", "p2", "p3", "p4"} {
		a, err := s.LeaseActor(ctx, holder, -time.Second, mk)
		if err != nil {
			t.Fatal(err)
		}
		if seen[a] {
			t.Fatalf("process %d got actor %q again", i+1, a)
		}
		seen[a] = true
		s.ReleaseActor(ctx, holder)
	}
}

func TestMigrationsIdempotentAndNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	s := open(t, path)
	s.Close()
	s = open(t, path) // second open: nothing to apply
	if _, err := s.db.ExecContext(ctx, `INSERT INTO schemamigrations VALUES (99, 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, path, testLog(t)); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("newer schema: %v", err)
	}
}

func TestCorruptFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	os.WriteFile(garbage, bytes.Repeat([]byte("not sqlite "), 1000), 0o600)
	before, _ := os.ReadFile(garbage)
	_, err := Open(ctx, garbage, testLog(t))
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "restore a backup") {
		t.Errorf("garbage file: %v", err)
	}
	if after, _ := os.ReadFile(garbage); !bytes.Equal(before, after) {
		t.Error("opening a garbage file modified it")
	}

	// A real store with some drafts, then truncated mid-file.
	good := filepath.Join(dir, "good.db")
	s := open(t, good)
	for i := 0; i < 50; i++ {
		id := string(rune('A'+i%26)) + string(rune('a'+i/26))
		if _, err := s.CreateDraft(ctx, Summary{ID: id}, bytes.Repeat([]byte{byte(i)}, 8000), nil); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	data, _ := os.ReadFile(good)
	os.Remove(good + "-wal")
	os.Remove(good + "-shm")
	trunc := filepath.Join(dir, "trunc.db")
	os.WriteFile(trunc, data[:len(data)/2], 0o600)
	_, err = Open(ctx, trunc, testLog(t))
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("truncated file: %v, want ErrCorrupt", err)
	}
}

// TestDiskFull fills the database (SQLite's max_page_count stands in for
// a full disk): the failing write gets an error that says the disk is
// full, and everything written before is intact.
func TestDiskFull(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "db"))
	if _, err := s.CreateDraft(ctx, Summary{ID: "d"}, []byte("snapshot"), nil); err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := s.db.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, "PRAGMA max_page_count = "+strconv.Itoa(pages+3)); err != nil {
		t.Fatal(err)
	}
	var written int
	var err error
	for i := 0; i < 100; i++ {
		if _, err = s.Append(ctx, Summary{ID: "d"}, bytes.Repeat([]byte{byte(i)}, 3000), nil); err != nil {
			break
		}
		written++
	}
	if !errors.Is(err, ErrDiskFull) || !strings.Contains(err.Error(), "free some space") {
		t.Fatalf("after %d writes: err = %v, want a disk-full message", written, err)
	}
	cs, err := s.Chunks(ctx, "d", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != written+1 || string(cs[0].Data) != "snapshot" {
		t.Errorf("%d chunks after %d successful writes", len(cs), written)
	}
}

// TestAnEmptiedFileBesideItsLogIsNotReinitialised is issue 13's twelfth
// defect, in part: a data file truncated to 0 bytes beside its WAL got a
// fresh schema, and the WAL (every recent write) was deleted.
func TestAnEmptiedFileBesideItsLogIsNotReinitialised(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bpfdraft.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	wal := bytes.Repeat([]byte{1}, 4096)
	if err := os.WriteFile(path+"-wal", wal, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), path, nil); !errors.Is(err, ErrEmptied) {
		t.Fatalf("opening an emptied file: %v", err)
	}
	if got, err := os.ReadFile(path + "-wal"); err != nil || !bytes.Equal(got, wal) {
		t.Error("the log was touched")
	}
}

// TestDamagedLogIsReported: 40 acknowledged writes sit in the
// write-ahead log of a process that was killed; then the log is cut in
// half, has a byte flipped, or is deleted. SQLite drops what it cannot
// read without a word; the store reports the rollback at open (issue 13,
// item 12). An intact copy reports nothing.
func TestDamagedLogIsReported(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "bpfdraft.db")
	s := open(t, path)
	sum := Summary{ID: "d1", Title: "T", Template: "output", Year: 2026}
	if _, err := s.CreateDraft(ctx, sum, []byte("first"), nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		if _, err := s.Append(ctx, sum, bytes.Repeat([]byte{byte(i)}, 2000), nil); err != nil {
			t.Fatal(err)
		}
	}
	// The files as a kill -9 leaves them: the store is still open.
	files := map[string][]byte{}
	for _, suffix := range []string{"", "-wal", ackSuffix} {
		b, err := os.ReadFile(path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		files[suffix] = b
	}
	if len(files["-wal"]) < 40*2000 {
		t.Fatalf("the log holds %d bytes; the test needs the writes in it", len(files["-wal"]))
	}
	for _, c := range []struct {
		name   string
		damage func(wal []byte) []byte // nil result: no log at all
		lost   bool
	}{
		{"intact", func(wal []byte) []byte { return wal }, false},
		{"cut in half", func(wal []byte) []byte { return wal[:len(wal)/2] }, true},
		{"a byte flipped", func(wal []byte) []byte {
			w := append([]byte(nil), wal...)
			w[len(w)*3/4] ^= 0x40
			return w
		}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "bpfdraft.db")
			for suffix, b := range files {
				if suffix == "-wal" {
					if b = c.damage(b); b == nil {
						continue
					}
				}
				if err := os.WriteFile(p+suffix, b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			s, err := Open(ctx, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			chunks, err := s.Chunks(ctx, "d1", 0)
			if err != nil && c.lost {
				chunks = nil // the draft itself may be gone with the log
			} else if err != nil {
				t.Fatal(err)
			}
			r := s.Rollback()
			switch {
			case !c.lost && r != nil:
				t.Errorf("an intact copy reports %v", r)
			case c.lost && r == nil:
				t.Errorf("%d of 41 writes left and no rollback reported", len(chunks))
			case c.lost && int(r.Missing) != 41-len(chunks):
				t.Errorf("reports %d missing, %d of 41 are left", r.Missing, len(chunks))
			}
			// Reported once: the mark now follows the file as it is.
			s.Close()
			s2, err := Open(ctx, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r := s2.Rollback(); r != nil {
				t.Errorf("reported again at the next open: %v", r)
			}
			s2.Close()
		})
	}
	// With the log deleted, the file holds not even its tables: it is
	// refused, not given a new schema.
	p := filepath.Join(t.TempDir(), "bpfdraft.db")
	os.WriteFile(p, files[""], 0o600)
	os.WriteFile(p+ackSuffix, files[ackSuffix], 0o600)
	if _, err := Open(ctx, p, nil); !errors.Is(err, ErrEmptied) || !strings.Contains(err.Error(), "41 edits") {
		t.Errorf("the log deleted: %v", err)
	}
	if b, _ := os.ReadFile(p); !bytes.Equal(b, files[""]) {
		t.Errorf("the data file was written: %d bytes, was %d", len(b), len(files[""]))
	}
	s.Close()
}

// A chunk and its seal written by another process while a reader reads
// do not reach it half: the reader gets both from before the write (and
// both after, on its next read).
func TestChunksAndSealsAreOneSnapshot(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bpfdraft.db")
	a, b := open(t, path), open(t, path)
	sum := Summary{ID: "d1", Title: "T", Template: "output", Year: 2026}
	if _, err := a.CreateDraft(ctx, sum, []byte("snap"), []SealRow{{Actor: "x", Seq: 1, Data: []byte("seal 1")}}); err != nil {
		t.Fatal(err)
	}
	betweenReads = func() {
		betweenReads = nil
		if _, err := b.Append(ctx, sum, []byte("change 2"), []SealRow{{Actor: "x", Seq: 2, Data: []byte("seal 2")}}); err != nil {
			t.Error(err)
		}
	}
	defer func() { betweenReads = nil }()
	chunks, seals, err := a.ChunksAndSeals(ctx, "d1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if betweenReads != nil {
		t.Fatal("the write between the reads did not run")
	}
	if len(chunks) != 1 || len(seals) != 1 || string(seals[0].Data) != "seal 1" {
		t.Fatalf("read %d chunks and seals %+v: not the state before the write", len(chunks), seals)
	}
	chunks, seals, err = a.ChunksAndSeals(ctx, "d1", chunks[0].Seq)
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) != 1 || string(chunks[0].Data) != "change 2" || len(seals) != 1 || string(seals[0].Data) != "seal 2" {
		t.Fatalf("next read: %d chunks, seals %+v", len(chunks), seals)
	}
}
