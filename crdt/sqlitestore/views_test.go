package sqlitestore

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

// TestViewServesOnlyWhileNewest: a view is handed out only while the
// chunk it was made from is still the draft's newest, whatever wrote
// after it (an append, a compaction, damaged chunks set aside).
func TestViewServesOnlyWhileNewest(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "db"))
	first, err := s.CreateDraft(ctx, Summary{ID: "d"}, []byte("snapshot"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.View(ctx, "d"); !errors.Is(err, ErrStale) {
		t.Fatalf("no view yet: %v", err)
	}
	stored, err := s.SetView(ctx, "d", first, []byte("view 1"))
	if err != nil || !stored {
		t.Fatalf("SetView at the newest chunk: %v, %v", stored, err)
	}
	data, seq, err := s.View(ctx, "d")
	if err != nil || string(data) != "view 1" || seq != first {
		t.Fatalf("View = %q, %d, %v", data, seq, err)
	}
	second, err := s.Append(ctx, Summary{ID: "d"}, []byte("more"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.View(ctx, "d"); !errors.Is(err, ErrStale) {
		t.Errorf("after another write: %v", err)
	}
	// A process that made its view before that write must not store it.
	if stored, err := s.SetView(ctx, "d", first, []byte("late")); err != nil || stored {
		t.Errorf("SetView behind the newest chunk: %v, %v", stored, err)
	}
	if stored, err := s.SetView(ctx, "d", second, []byte("view 2")); err != nil || !stored {
		t.Fatalf("SetView replacing: %v, %v", stored, err)
	}
	if data, _, _ := s.View(ctx, "d"); string(data) != "view 2" {
		t.Errorf("replaced view = %q", data)
	}
	compacted, err := s.Compact(ctx, "d", second, func([]Chunk) ([]byte, error) { return []byte("whole"), nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.View(ctx, "d"); !errors.Is(err, ErrStale) {
		t.Errorf("after compaction: %v", err)
	}
	if stored, _ := s.SetView(ctx, "d", compacted, []byte("view 3")); !stored {
		t.Fatal("SetView after compaction refused")
	}
	// Setting a chunk aside that is not the newest still drops the view:
	// it was made with that chunk's edits.
	third, _ := s.Append(ctx, Summary{ID: "d"}, []byte("and more"), nil)
	if stored, _ := s.SetView(ctx, "d", third, []byte("view 4")); !stored {
		t.Fatal("SetView refused")
	}
	if _, err := s.Quarantine(ctx, "d", []int64{compacted}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.View(ctx, "d"); !errors.Is(err, ErrStale) {
		t.Errorf("after setting a chunk aside: %v", err)
	}
	if stored, _ := s.SetView(ctx, "nobody", third, []byte("x")); stored {
		t.Error("a view stored for a draft without chunks")
	}
}

// TestReadOnlyOlderLayout: a file the previous release left (no views
// table) opens for reading where it cannot be migrated (a read-only
// mount, a full disk), without views; older layouts are refused.
func TestReadOnlyOlderLayout(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bpfdraft.db")
	s, err := Open(ctx, path, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	seq, err := s.CreateDraft(ctx, Summary{ID: "d", Title: "Before views"}, []byte("snapshot"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.SetView(ctx, "d", seq, []byte("view"))
	for _, q := range []string{`DROP TABLE views`, `DROP TABLE seals`, `DROP TABLE version_views`, `DELETE FROM schemamigrations WHERE version >= 7`} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	cause := errors.New("cannot write here")
	for name, open := range map[string]func(context.Context, string, *slog.Logger, error) (*Store, error){
		"unwritable": openUnwritable, "full disk": openReadOnly} {
		ro, err := open(ctx, path, testLog(t), cause)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cs, err := ro.Chunks(ctx, "d", 0); err != nil || len(cs) != 1 {
			t.Errorf("%s: %d chunks, %v", name, len(cs), err)
		}
		if _, _, err := ro.View(ctx, "d"); !errors.Is(err, ErrStale) {
			t.Errorf("%s: View = %v", name, err)
		}
		if _, err := ro.VersionView(ctx, "d", "v", []string{"h"}); !errors.Is(err, ErrStale) {
			t.Errorf("%s: VersionView = %v", name, err)
		}
		if n, err := ro.ViewSeq(ctx, "d"); n != 0 || err != nil {
			t.Errorf("%s: ViewSeq = %d, %v", name, n, err)
		}
		if seals, err := ro.Seals(ctx, "d"); seals != nil || err != nil {
			t.Errorf("%s: Seals = %v, %v", name, seals, err)
		}
		ro.Close()
	}
	// A layout older than what this program reads as it is: refused.
	s, err = Open(ctx, path, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	s.db.ExecContext(ctx, `DELETE FROM schemamigrations WHERE version >= 6`)
	s.Close()
	if _, err := openUnwritable(ctx, path, testLog(t), cause); err == nil || !strings.Contains(err.Error(), "older than this program's") {
		t.Errorf("a file from before schema 6: %v", err)
	}
}
