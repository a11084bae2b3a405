package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/igf-bpf/bpfdraft/app/textop"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// loadedDoc says whether s has loaded its document (false for a session
// still reading its stored view).
func loadedDoc(s *Session) bool {
	var ok bool
	s.doIfLoaded(func() error { ok = true; return nil })
	return ok
}

// closedDraft makes a draft with text in its first heading and lets go
// of it, which stores its view; the closed session still has its View.
func closedDraft(t *testing.T, w *Workspace, title, text string) *Session {
	t.Helper()
	s := newDraft(t, w, title)
	if _, _, err := s.Write(context.Background(), "1", text, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func readSession(t *testing.T, w *Workspace, id string) *Session {
	t.Helper()
	s, err := w.ReadSession(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// TestReadSessionFromStoredView: a draft a session let go of opens for
// reading from its stored view, without loading the document, and shows
// what was written; a write loads it and leaves a new view behind.
func TestReadSessionFromStoredView(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w1 := openWSWith(t, dir, Options{Poll: -1})
	withProfile(t, w1, "Amina")
	s1 := newDraft(t, w1, "Stored")
	id := s1.ID()
	if _, _, err := s1.Write(ctx, "1", "The first paragraph.", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s1.AddHeading(ctx, "Annex", "survey data", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s1.NameVersion(ctx, "Draft for public comment"); err != nil {
		t.Fatal(err)
	}
	want := s1.View()
	pub, err := s1.Publication(Current, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(ctx); err != nil {
		t.Fatal(err)
	}

	w2 := openWSWith(t, dir, Options{Poll: -1})
	r := readSession(t, w2, id)
	if loadedDoc(r) {
		t.Fatal("a draft with a current stored view loaded its document to be read")
	}
	got := r.View()
	if got.Meta != want.Meta || len(got.Sections) != len(want.Sections) || len(got.Versions) != 1 ||
		got.Versions[0].Name != "Draft for public comment" || len(got.Participants) != len(want.Participants) ||
		got.Creator != want.Creator {
		t.Errorf("stored view differs:\n got %+v\nwant %+v", got, want)
	}
	for i := range want.Sections {
		g, w := got.Sections[i], want.Sections[i]
		if g.ID != w.ID || g.Heading != w.Heading || g.Hint != w.Hint || g.Body != w.Body || g.Removed != w.Removed {
			t.Errorf("section %d: %+v, want %+v", i+1, got.Sections[i], want.Sections[i])
		}
	}
	// What export and show read needs no load either.
	rpub, err := r.Publication(Current, false)
	if err != nil {
		t.Fatal(err)
	}
	rpub.Date = pub.Date // the day of export
	if !reflect.DeepEqual(rpub, pub) {
		t.Errorf("publication from the view:\n got %+v\nwant %+v", rpub, pub)
	}
	if _, err := r.Section("2"); err != nil || loadedDoc(r) {
		t.Fatalf("reading a section loaded the document (%v)", err)
	}
	// The history needs the document: it loads then, and agrees.
	if entries, err := r.Log(LogFilter{}); err != nil || len(entries) == 0 || !loadedDoc(r) {
		t.Fatalf("log from a session opened from its view: %d entries, %v", len(entries), err)
	}
	if _, _, err := r.Write(ctx, "1", " More.", true); err != nil {
		t.Fatal(err)
	}
	r.Close(ctx)

	w3 := openWSWith(t, dir, Options{Poll: -1})
	r3 := readSession(t, w3, id)
	if loadedDoc(r3) {
		t.Error("the write's session left no current view")
	}
	if sec, _ := r3.Section("1"); sec.Body != "The first paragraph. More." {
		t.Errorf("after a write through a read session: %q", sec.Body)
	}
}

// TestStaleViewIsNotShown: edits another process wrote after the view
// was stored (its session still open, or killed before it let go) are
// shown: the reader loads the document.
func TestStaleViewIsNotShown(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w1 := openWSWith(t, dir, Options{Poll: -1})
	withProfile(t, w1, "Amina")
	id := closedDraft(t, w1, "Shared", "Before.").ID()

	w2 := openWSWith(t, dir, Options{Poll: -1})
	withProfile(t, w2, "Bruno")
	s2, err := w2.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	if _, _, err := s2.Write(ctx, "1", "After, still open.", false); err != nil {
		t.Fatal(err)
	}

	w3 := openWSWith(t, dir, Options{Poll: -1})
	r := readSession(t, w3, id)
	if sec, _ := r.Section("1"); sec.Body != "After, still open." {
		t.Errorf("reader shows %q, not the other process's write", sec.Body)
	}
	if !loadedDoc(r) {
		t.Error("a stale view was used")
	}
}

// TestUnreadableViewLoadsTheDraft: a stored view that is damaged or in
// another format is set aside for the document, and replaced.
func TestUnreadableViewLoadsTheDraft(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := openWSWith(t, dir, Options{Poll: -1})
	withProfile(t, w, "Amina")
	s := closedDraft(t, w, "Damaged view", "Kept safe.")
	id := s.ID()
	_, seq, err := w.store.View(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// The view as stored, with one byte flipped: in its checksum, in the
	// deflated text (which may well still inflate to valid JSON).
	good, _ := encodeView(s.View(), nil)
	damaged := map[string][]byte{"garbage": []byte("not a view"), "cut": good[:20]}
	for _, at := range []int{3, sha256.Size + 10, len(good) / 2, len(good) - 2} {
		d := bytes.Clone(good)
		d[at] ^= 0x04
		damaged[fmt.Sprint("flipped at ", at)] = d
	}
	for name, data := range damaged {
		if stored, err := w.store.SetView(ctx, id, seq, data); !stored || err != nil {
			t.Fatal(stored, err)
		}
		r, err := w.ReadSession(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if sec, _ := r.Section("1"); sec.Body != "Kept safe." || !loadedDoc(r) {
			t.Errorf("%s view: %q", name, sec.Body)
		}
		r.Close(ctx)
		r = readSession(t, w, id)
		if loadedDoc(r) {
			t.Errorf("%s view not replaced when the session let go", name)
		}
		r.Close(ctx)
	}
	// A copy written in another format is not trusted either.
	if _, _, err := decodeView(mustEncode(t, storedView{Format: viewFormat + 1, Meta: s.View().Meta})); err != errViewFormat {
		t.Errorf("another format: %v", err)
	}
	// Nor one that would expand past its bound.
	huge := mustEncode(t, storedView{Format: viewFormat, Meta: s.View().Meta, Creator: strings.Repeat("x", maxViewBytes)})
	if _, _, err := decodeView(huge); err == nil {
		t.Errorf("a view of %d bytes, expanding past %d, was read", len(huge), maxViewBytes)
	}
}

func mustEncode(t *testing.T, sv storedView) []byte {
	t.Helper()
	v := &View{Meta: sv.Meta, Creator: sv.Creator}
	data, err := encodeView(v, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sv.Format != viewFormat {
		data, err = encodeStored(sv)
		if err != nil {
			t.Fatal(err)
		}
	}
	return data
}

// TestDamagedDraftWithAView: a draft whose chunks were damaged after its
// view was stored can still be read; writing says to repair it.
func TestDamagedDraftWithAView(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := openWSWith(t, dir, Options{Poll: -1})
	withProfile(t, w, "Amina")
	s := closedDraft(t, w, "Damaged later", "Readable.")
	id, sum := s.ID(), s.summary()
	seq, err := w.store.Append(ctx, sum, []byte("scribble over the chunk"), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The view a process made that read the chunk before the disk
	// damaged it.
	data, _ := encodeView(&View{Meta: s.View().Meta, Sections: s.View().Sections}, nil)
	if stored, err := w.store.SetView(ctx, id, seq, data); !stored || err != nil {
		t.Fatal(stored, err)
	}
	r := readSession(t, w, id)
	if sec, _ := r.Section("1"); sec.Body != "Readable." {
		t.Errorf("damaged draft's view: %q", sec.Body)
	}
	if _, _, err := r.Write(ctx, "1", "More.", true); err == nil || !strings.Contains(err.Error(), "bpfdraft repair") {
		t.Errorf("a write into a damaged draft: %v", err)
	}
	r.Close(ctx)
	if _, err := w.Repair(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.store.View(ctx, id); err == nil {
		t.Error("the view made with the damaged chunk outlived its repair")
	}
	r2 := readSession(t, w, id)
	if sec, _ := r2.Section("1"); sec.Body != "Readable." {
		t.Errorf("after repair: %q", sec.Body)
	}
}

// TestEditorOnAViewCatchesUp: an editor opened on a draft's stored view
// types before the document is loaded, and another process had written
// since the view was read: the document's text reaches the editor as an
// edit from elsewhere, and the typing lands where the person made it.
func TestEditorOnAViewCatchesUp(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w1 := openWSWith(t, dir, Options{Poll: -1})
	withProfile(t, w1, "Amina")
	s1 := closedDraft(t, w1, "Typing on a view", "The quick brown fox jumps.")
	id, sec := s1.ID(), s1.Sections()[0].ID

	w2 := openWSWith(t, dir, Options{Poll: -1})
	r := readSession(t, w2, id)
	sub := r.Attach()
	defer sub.Close()
	text, err := sub.Open(sec)
	if err != nil || loadedDoc(r) {
		t.Fatalf("open on the view: %v", err)
	}
	// Another process writes after the view was read.
	w3 := openWSWith(t, dir, Options{Poll: -1})
	s3, err := w3.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s3.Write(ctx, sec, "A quick brown fox jumps. Then it slept.", false); err != nil {
		t.Fatal(err)
	}
	s3.Close(ctx)

	caret := strings.Index(text, "brown")
	op, _ := textop.Splice(len([]rune(text)), caret, 0, "X")
	if err := sub.Edit(sec, op); err != nil {
		t.Fatal(err)
	}
	shown, _ := op.ApplyString(text)
	r.Applied()
	for _, ev := range sub.Next() {
		if ev.Section != sec || ev.Op.IsIdentity() {
			continue
		}
		if shown, err = ev.Op.ApplyString(shown); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	const want = "A quick Xbrown fox jumps. Then it slept."
	if got := r.Sections()[0].Body; got != want {
		t.Errorf("the draft holds %q, want %q", got, want)
	}
	if shown != want {
		t.Errorf("the editor shows %q, want %q", shown, want)
	}
}

// TestImportBoundsOperations: a file whose history holds more operations
// than an import takes is refused before Automerge loads it (which would
// take seconds and a gigabyte), with what to do; nothing changes.
func TestImportBoundsOperations(t *testing.T) {
	ctx := context.Background()
	w := openWSWith(t, t.TempDir(), Options{Poll: -1})
	withProfile(t, w, "Amina")
	doc, err := crdt.New("aa", crdt.TemplateOutput, "Long history", "", 2026, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sec := doc.Sections()[0].ID
	// Text typed and deleted again and again: little text, a long history
	// (each typed character stays an operation).
	block := strings.Repeat("A sentence written, then deleted. ", 3000)
	for range MaxImportOperations/len(block) + 1 {
		if err := doc.Splice(sec, 0, 0, block); err != nil {
			t.Fatal(err)
		}
		if err := doc.Splice(sec, 0, len(block), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := doc.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	data, err := doc.Save()
	if err != nil {
		t.Fatal(err)
	}
	if ops, err := crdt.Operations(data); err != nil || ops <= MaxImportOperations {
		t.Fatalf("the file holds %d operations (%v)", ops, err)
	}
	start := time.Now()
	_, _, err = w.Import(ctx, data)
	t.Logf("refused %d bytes in %v", len(data), time.Since(start))
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "sync with an invite") {
		t.Fatalf("importing %d bytes holding over %d operations: %v", len(data), MaxImportOperations, err)
	}
	if ds, _ := w.Drafts(ctx); len(ds) != 0 {
		t.Errorf("a refused import left %d drafts", len(ds))
	}
}

// TestUnsyncedFromTheView: a draft that a peer holds whole is counted as
// synced from its stored view, without loading it (the drafts list asks
// for every synced draft); anything else loads it and counts.
func TestUnsyncedFromTheView(t *testing.T) {
	ctx := context.Background()
	dirA := t.TempDir()
	wa, wb := openWSWith(t, dirA, Options{Poll: -1}), openWSWith(t, t.TempDir(), Options{Poll: -1})
	withProfile(t, wa, "Amina")
	withProfile(t, wb, "Bruno")
	sa := newDraft(t, wa, "Synced")
	id := sa.ID()
	sa.Write(ctx, "1", "Shared with Bruno.", false)
	share(t, wa, wb, id)
	sa.Close(ctx)

	r := readSession(t, openWSWith(t, dirA, Options{Poll: -1}), id)
	n, _, known, err := r.Unsynced(ctx)
	if err != nil || !known || n != 0 || loadedDoc(r) {
		t.Fatalf("a draft Bruno holds whole: %d unsynced (known %v, %v), loaded %v", n, known, err, loadedDoc(r))
	}
	if _, _, err := r.Write(ctx, "1", " And more.", true); err != nil {
		t.Fatal(err)
	}
	// Two changes: this process's entry in the participants, and the text.
	if n, _, known, _ := r.Unsynced(ctx); !known || n != 2 {
		t.Errorf("after a write: %d unsynced (known %v)", n, known)
	}
	r.Close(ctx)
	// Its view now shows a change Bruno lacks: counting loads it.
	r2 := readSession(t, openWSWith(t, dirA, Options{Poll: -1}), id)
	if n, _, known, _ := r2.Unsynced(ctx); !known || n != 2 || !loadedDoc(r2) {
		t.Errorf("a change Bruno lacks: %d unsynced (known %v)", n, known)
	}
}

// TestVersionReadsItsStoredCopy (issue 25, part 14): a named version is
// shown and exported from the copy stored when it was named, without
// loading the document; a copy that is damaged, or that claims another
// version's heads (an edited row), is not used: the version is read from
// the document, as it was, and the copy stored again.
func TestVersionReadsItsStoredCopy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w1 := openWSWith(t, dir, Options{Poll: -1})
	withProfile(t, w1, "Amina")
	s1 := newDraft(t, w1, "Versions")
	id := s1.ID()
	if _, _, err := s1.Write(ctx, "1", "As published for comment.", false); err != nil {
		t.Fatal(err)
	}
	v1, err := s1.NameVersion(ctx, "Draft for public comment")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s1.Write(ctx, "1", "As published at the end.", false); err != nil {
		t.Fatal(err)
	}
	v2, err := s1.NameVersion(ctx, "Final output")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s1.Write(ctx, "1", "Edited since.", false); err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(ctx); err != nil {
		t.Fatal(err)
	}
	w1.Close()

	text := func(s *Session, ref string) string {
		t.Helper()
		p, err := s.Publication(ref, false)
		if err != nil {
			t.Fatal(err)
		}
		return p.Parts[0].Paras[0].Plain()
	}
	w2 := openWSWith(t, dir, Options{Poll: -1})
	r := readSession(t, w2, id)
	if got := text(r, v1.ID); got != "As published for comment." || loadedDoc(r) {
		t.Fatalf("version 1 read %q; the document loaded: %v", got, loadedDoc(r))
	}
	if got := text(r, v2.ID); got != "As published at the end." || loadedDoc(r) {
		t.Fatalf("version 2 read %q; the document loaded: %v", got, loadedDoc(r))
	}
	r.Close(ctx)
	w2.Close()

	// An edited row: version 2's copy under version 1's id and heads
	// claimed as version 1's, and a damaged copy of version 2.
	db := openDB(t, dir)
	var good2 []byte
	if err := db.QueryRow(`SELECT data FROM version_views WHERE draft_id = ? AND version_id = ?`, id, v2.ID).Scan(&good2); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE version_views SET data = ? WHERE draft_id = ? AND version_id = ?`, good2, id, v1.ID); err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(good2)
	bad[len(bad)/2] ^= 0x5a
	if _, err := db.Exec(`UPDATE version_views SET data = ? WHERE draft_id = ? AND version_id = ?`, bad, id, v2.ID); err != nil {
		t.Fatal(err)
	}
	db.Close()
	w3 := openWSWith(t, dir, Options{Poll: -1})
	r = readSession(t, w3, id)
	if got := text(r, v1.ID); got != "As published for comment." {
		t.Errorf("version 1 read from another version's copy: %q", got)
	}
	if got := text(r, v2.ID); got != "As published at the end." {
		t.Errorf("version 2 read from a damaged copy: %q", got)
	}
	r.Close(ctx)
	w3.Close()
	// Both were stored again, right.
	w4 := openWSWith(t, dir, Options{Poll: -1})
	r = readSession(t, w4, id)
	if text(r, v1.ID) != "As published for comment." || text(r, v2.ID) != "As published at the end." || loadedDoc(r) {
		t.Errorf("the copies were not stored again (the document loaded: %v)", loadedDoc(r))
	}
}

// openDB opens a workspace's data file directly, as a person with a
// SQLite shell (or a damaged disk) would change it.
func openDB(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
