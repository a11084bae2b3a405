package sqlitestore

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

// TestViewServesOnlyWhileNewest: a view is handed out only while the
// chunk it was made from is still the draft's newest, whatever wrote
// after it (an append, a compaction, damaged chunks set aside).
func TestViewServesOnlyWhileNewest(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "db"))
	first, err := s.CreateDraft(ctx, Summary{ID: "d"}, []byte("snapshot"))
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
	second, err := s.Append(ctx, Summary{ID: "d"}, []byte("more"))
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
	third, _ := s.Append(ctx, Summary{ID: "d"}, []byte("and more"))
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
