package app

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// textOf returns a session's headings and bodies, for comparing copies.
func textOf(s *Session) string {
	var b strings.Builder
	for _, sec := range s.Sections() {
		b.WriteString(sec.Heading + "\n" + sec.Body + "\n")
	}
	return b.String()
}

// damageFirstChunk flips a byte in the middle of a draft's first chunk
// (its snapshot), as a bad sector would, with the workspace closed.
func damageFirstChunk(t *testing.T, dir, id string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var seq int64
	var data []byte
	if err := db.QueryRow(`SELECT seq, data FROM chunks WHERE draft_id = ? ORDER BY seq LIMIT 1`, id).Scan(&seq, &data); err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x5a
	if _, err := db.Exec(`UPDATE chunks SET data = ? WHERE seq = ?`, data, seq); err != nil {
		t.Fatal(err)
	}
}

// TestRepairBringsEditsBack (issue 13, item 13): a damaged chunk makes a
// draft unreadable; repair sets it aside and the draft opens again; when
// the damage takes the draft's base, an import of a good export, or the
// next sync with a co-author, brings the whole draft back.
func TestRepairBringsEditsBack(t *testing.T) {
	ctx := context.Background()
	dirA := t.TempDir()
	wa, wb := openWSWith(t, dirA, Options{Poll: -1, CompactAfter: 1000}), openWS(t, t.TempDir())
	withProfile(t, wa, "Amina")
	withProfile(t, wb, "Bruno")
	sa := newDraft(t, wa, "Fragile")
	id := sa.ID()
	if _, _, err := sa.Write(ctx, "1", "First words.", true); err != nil {
		t.Fatal(err)
	}
	share(t, wa, wb, id)
	if _, _, err := sa.Write(ctx, "2", "Later words.", true); err != nil {
		t.Fatal(err)
	}
	syncPair(t, wa, wb)
	sb, err := wb.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := textOf(sb)
	good, err := sb.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// A damaged chunk at the end: set aside, the rest opens.
	if _, err := wa.store.Append(ctx, summarize(sa.o.doc), []byte("a scribbled chunk"), nil); err != nil {
		t.Fatal(err)
	}
	sa.Close(ctx)
	wa.Close()
	w := openWSWith(t, dirA, Options{Poll: -1})
	if _, err := w.Session(ctx, id); err == nil || !strings.Contains(err.Error(), "bpfdraft repair "+id) {
		t.Fatalf("a damaged draft: %v", err)
	}
	r, err := w.Repair(ctx, id)
	if err != nil || r.SetAside != 1 || r.Refetch {
		t.Fatalf("repair: %+v, %v", r, err)
	}
	s, err := w.Session(ctx, id)
	if err != nil {
		t.Fatalf("after repair: %v", err)
	}
	if textOf(s) != want {
		t.Errorf("after repair:\n%s\nwant\n%s", textOf(s), want)
	}
	s.Close(ctx)
	if _, err := w.Repair(ctx, id); !errors.Is(err, ErrNotDamaged) {
		t.Errorf("repairing a sound draft: %v", err)
	}
	w.Close()

	// The base itself damaged: an import of a good export restores it.
	damageFirstChunk(t, dirA, id)
	w = openWSWith(t, dirA, Options{Poll: -1})
	if _, merged, err := w.Import(ctx, good); err != nil || !merged {
		t.Fatalf("import over a damaged copy: %v", err)
	}
	if s, err := w.Session(ctx, id); err != nil || textOf(s) != want {
		t.Fatalf("after the import: %v", err)
	} else {
		s.Close(ctx)
	}
	w.Close()

	// And again, brought back by the next sync instead.
	damageFirstChunk(t, dirA, id)
	w = openWSWith(t, dirA, Options{Poll: -1})
	if r, err := w.Repair(ctx, id); err != nil || !r.Refetch {
		t.Fatalf("repair of a damaged base: %+v, %v", r, err)
	}
	syncPair(t, w, wb)
	s, err = w.Session(ctx, id)
	if err != nil {
		t.Fatalf("after the sync: %v", err)
	}
	if textOf(s) != want {
		t.Errorf("after the sync:\n%s\nwant\n%s", textOf(s), want)
	}
}

// TestRepairSetsAsideAnOversizedChange is issue 24's sixth finding, for a
// draft that took a change larger than any draft before peers refused
// them (written here straight into the data file, as an older version
// would have stored it): repair sets that change aside without loading
// it, and the rest of the draft opens.
func TestRepairSetsAsideAnOversizedChange(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := openWS(t, dir)
	withProfile(t, w, "Amina")
	s := newDraft(t, w, "Poisoned")
	if _, _, err := s.Write(ctx, "1", "Text that stays.", false); err != nil {
		t.Fatal(err)
	}
	err := s.do(func() error {
		doc := s.o.doc
		if err := doc.Splice(doc.Sections()[1].ID, 0, 0, strings.Repeat("x", crdt.MaxInsertPerChange+1)); err != nil {
			return err
		}
		if _, err := doc.Commit(); err != nil {
			return err
		}
		return s.persist()
	})
	if err != nil {
		t.Fatal(err)
	}
	id := s.ID()
	s.Close(ctx)
	r, err := w.Repair(ctx, id)
	if err != nil || r.SetAside != 1 || r.Refetch {
		t.Fatalf("repair of a draft holding an oversized change: %+v, %v", r, err)
	}
	s2, err := w.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if secs := s2.Sections(); secs[0].Body != "Text that stays." || secs[1].Body != "" {
		t.Errorf("after the repair: %q / %d characters", secs[0].Body, len(secs[1].Body))
	}
	s2.Close(ctx)
	if _, err := w.Repair(ctx, id); !errors.Is(err, ErrNotDamaged) {
		t.Errorf("a second repair: %v", err)
	}
}
