package app

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt"
)

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func testLog(t testing.TB) *slog.Logger { return slog.New(slog.NewTextHandler(tWriter{t}, nil)) }

func openWS(t testing.TB, dir string) *Workspace {
	return openWSWith(t, dir, Options{Poll: 50 * time.Millisecond})
}

// openWSWith opens a workspace with opts (logging to the test), closed
// when the test ends.
func openWSWith(t testing.TB, dir string, opts Options) *Workspace {
	t.Helper()
	opts.Logger = testLog(t)
	w, err := Open(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func withProfile(t testing.TB, w *Workspace, name string) {
	t.Helper()
	if _, err := w.SetProfile(context.Background(), Profile{Name: name, Group: "civil society", Region: "African"}); err != nil {
		t.Fatal(err)
	}
}

func newDraft(t testing.TB, w *Workspace, title string) *Session {
	t.Helper()
	ctx := context.Background()
	id, err := w.Create(ctx, NewDraft{Template: crdt.TemplateOutput, Title: title, Theme: "Gender and access", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	s, err := w.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(ctx) })
	return s
}

func TestProfileRequiredAndValidated(t *testing.T) {
	ctx := context.Background()
	w := openWS(t, t.TempDir())
	if _, err := w.Create(ctx, NewDraft{Template: crdt.TemplateOutput, Title: "x"}); !errors.Is(err, ErrNoProfile) {
		t.Fatalf("create without profile: %v", err)
	}
	if !strings.Contains(ErrNoProfile.Error(), "bpfdraft profile") {
		t.Error("ErrNoProfile does not say how to set a profile")
	}
	if _, err := w.SetProfile(ctx, Profile{Name: "A", Group: "aliens", Region: "WEOG"}); !errors.Is(err, crdt.ErrInvalid) {
		t.Errorf("bad group: %v", err)
	}
	p1, err := w.SetProfile(ctx, Profile{Name: "Amina", Group: "civil-society", Region: "african"})
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := w.SetProfile(ctx, Profile{Name: "Amina K.", Group: "Academia", Region: "African", Role: "rapporteur"})
	if p1.Person == "" || p1.Person != p2.Person || p2.Role != crdt.RoleRapporteur || p1.Role != crdt.RoleParticipant {
		t.Errorf("profiles %+v %+v: person id must persist, role default participant", p1, p2)
	}
}

func TestWriteHeadingsLogAndResolve(t *testing.T) {
	ctx := context.Background()
	w := openWS(t, t.TempDir())
	withProfile(t, w, "Amina")
	s := newDraft(t, w, "BPF Gender 2026")
	other := newDraft(t, w, "BPF Cyber 2026")

	if _, _, err := s.Write(ctx, "1", "The issue is access.\nAnd safety.\n", false); err != nil {
		t.Fatal(err)
	}
	a, r, err := s.Write(ctx, "1", "The issue is meaningful access.\nAnd safety.\n", false)
	if err != nil || a != 11 || r != 0 {
		t.Errorf("minimal replace: +%d -%d %v, want +11 -0", a, r, err)
	}
	if _, _, err := s.Write(ctx, "1", "Online too.\n", true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Write(ctx, "99", "x", false); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "1 to 9") {
		t.Errorf("section out of range: %v", err)
	}
	if _, _, err := s.Write(ctx, "2", "bad \xff", false); !errors.Is(err, crdt.ErrInvalidText) {
		t.Errorf("invalid UTF-8: %v", err)
	}
	sec, _ := s.Section("1")
	if sec.Body != "The issue is meaningful access.\nAnd safety.\nOnline too.\n" {
		t.Errorf("body = %q", sec.Body)
	}
	id, err := s.AddHeading(ctx, "Case studies", "", 3)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Section("3"); got.ID != id {
		t.Errorf("added heading at 3 is %q", got.Heading)
	}
	if err := s.RenameHeading(ctx, id, "Case studies from the regions"); err != nil {
		t.Fatal(err)
	}
	if err := s.MoveHeading(ctx, id, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveHeading(ctx, "2"); err != nil { // the old section 1, with text
		t.Fatal(err)
	}
	if n := len(s.Sections()); n != 9 {
		t.Errorf("%d sections after add+remove, want 9", n)
	}
	if rem := s.RemovedHeadings(); len(rem) != 1 || !strings.HasPrefix(rem[0].Body, "The issue") {
		t.Errorf("removed heading lost its text: %+v", rem)
	}

	log, err := s.Log(LogFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var edits []LogEntry
	for _, e := range log {
		if e.Name != "Amina" || e.Group != crdt.CivilSociety || e.Region != crdt.African {
			t.Errorf("entry not attributed: %+v", e)
		}
		if e.Kind == crdt.KindEdit {
			edits = append(edits, e)
		}
	}
	if len(edits) != 3 || edits[1].Added != 11 || !strings.HasPrefix(edits[0].Heading, "Definition") {
		t.Errorf("edit entries = %+v", edits)
	}
	if l, _ := s.Log(LogFilter{Participant: "nobody"}); len(l) != 0 {
		t.Errorf("filter by unknown participant gave %d entries", len(l))
	}
	if l, _ := s.Log(LogFilter{Section: "1", EditsOnly: true}); len(l) != 0 {
		t.Errorf("section 1 (new heading) has %d edits, want 0", len(l))
	}
	if l, _ := s.Log(LogFilter{Since: time.Now().Add(time.Hour)}); len(l) != 0 {
		t.Errorf("future since gave %d entries", len(l))
	}

	for ref, want := range map[string]string{s.ID(): s.ID(), s.ID()[:6]: s.ID(), "BPF Cyber 2026": other.ID()} {
		if got, err := w.Resolve(ctx, ref); err != nil || got != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", ref, got, err, want)
		}
	}
	if _, err := w.Resolve(ctx, "no such draft"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Resolve unknown: %v", err)
	}
	list, _ := w.Drafts(ctx)
	if len(list) != 2 || list[0].ID != s.ID() || list[0].Filled != 0 || list[0].Sections != 9 {
		t.Errorf("drafts = %+v (the edited one first; its only text is in a removed section)", list)
	}
	if err := w.Delete(ctx, other.ID()); err != nil {
		t.Fatal(err)
	}
	if list, _ := w.Drafts(ctx); len(list) != 1 {
		t.Errorf("deleted draft still listed")
	}
	if trash, _ := w.Trash(ctx); len(trash) != 1 || trash[0].ID != other.ID() {
		t.Errorf("trash = %+v", trash)
	}
	if err := w.Restore(ctx, other.ID()); err != nil {
		t.Fatal(err)
	}
}

func TestTypingCommitsPerBatch(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := openWSWith(t, dir, Options{IdleCommit: 30 * time.Millisecond})
	withProfile(t, w, "Amina")
	s := newDraft(t, w, "Typing")
	sec := s.Sections()[0].ID
	for i, r := range "Forty-five keystrokes typed one at a time...." {
		if err := s.Splice(ctx, sec, i, 0, string(r)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond) // the idle commit fires
	log, _ := s.Log(LogFilter{EditsOnly: true})
	var sizes []int
	for _, e := range log {
		sizes = append(sizes, e.Added)
	}
	if len(sizes) != 3 || sizes[0] != 20 || sizes[1] != 20 || sizes[2] != 5 {
		t.Errorf("commit sizes %v, want [20 20 5] (20 keystrokes, then the pause)", sizes)
	}
	// The idle commit reached the disk: a second workspace sees all of it.
	w2 := openWS(t, dir)
	s2, err := w2.Session(ctx, s.ID())
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s2.Section("1"); got.Body != "Forty-five keystrokes typed one at a time...." {
		t.Errorf("second process sees %q", got.Body)
	}
}

func TestTwoProcessesSameDataDir(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wa, wb := openWS(t, dir), openWS(t, dir)
	if wa.Actor() == wb.Actor() {
		t.Fatal("two processes on one data dir share an actor id")
	}
	withProfile(t, wa, "Amina")
	sa := newDraft(t, wa, "Shared")
	sb, err := wb.Session(ctx, sa.ID())
	if err != nil {
		t.Fatal(err)
	}
	changes, cancel := sb.Subscribe()
	defer cancel()
	start := time.Now()
	if _, _, err := sa.Write(ctx, "2", "Written by the GUI.", false); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changes:
	case <-time.After(time.Second):
		t.Fatal("the other process did not see the edit within a second")
	}
	t.Logf("edit visible to the other process after %v", time.Since(start))
	if got, _ := sb.Section("2"); got.Body != "Written by the GUI." {
		t.Errorf("other process sees %q", got.Body)
	}
	// Interleaved writes from both, including compaction, lose nothing.
	for i := 0; i < 30; i++ {
		if _, _, err := sa.Write(ctx, "3", "a", true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := sb.Write(ctx, "4", "b", true); err != nil {
			t.Fatal(err)
		}
		if i == 15 {
			if err := sb.Compact(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	w3 := openWS(t, dir)
	s3, err := w3.Session(ctx, sa.ID())
	if err != nil {
		t.Fatal(err)
	}
	s3a, _ := s3.Section("3")
	s3b, _ := s3.Section("4")
	if s3a.Body != strings.Repeat("a", 30) || s3b.Body != strings.Repeat("b", 30) {
		t.Errorf("after interleaved writes: %q / %q", s3a.Body, s3b.Body)
	}
}

func TestOfflineMergeByFiles(t *testing.T) {
	ctx := context.Background()
	wa, wb := openWS(t, t.TempDir()), openWS(t, t.TempDir())
	withProfile(t, wa, "Amina")
	withProfile(t, wb, "Bruno")
	sa := newDraft(t, wa, "Merge me")
	sa.Write(ctx, "1", "Shared start.\nMiddle line.\nEnd line.\n", false)
	file, err := sa.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id, merged, err := wb.Import(ctx, file)
	if err != nil || merged || id != sa.ID() {
		t.Fatalf("first import: %q %v %v", id, merged, err)
	}
	sb, _ := wb.Session(ctx, id)
	defer sb.Close(ctx)

	// Offline: both edit section 1 and rename headings.
	sa.Write(ctx, "1", "Shared start, edited by A.\nMiddle line.\nEnd line.\n", false)
	sb.Write(ctx, "1", "Shared start.\nMiddle line.\nEnd line, edited by B.\n", false)
	sa.RenameHeading(ctx, "2", "Regions (A)")
	sb.RenameHeading(ctx, "3", "Measures (B)")

	fa, _ := sa.Save(ctx)
	fb, _ := sb.Save(ctx)
	if _, merged, err := wb.Import(ctx, fa); err != nil || !merged {
		t.Fatalf("import into b: %v %v", merged, err)
	}
	if _, merged, err := wa.Import(ctx, fb); err != nil || !merged {
		t.Fatalf("import into a: %v %v", merged, err)
	}
	sa.Refresh(ctx)
	sb.Refresh(ctx)
	want := "Shared start, edited by A.\nMiddle line.\nEnd line, edited by B.\n"
	for name, s := range map[string]*Session{"a": sa, "b": sb} {
		secs := s.Sections()
		if secs[0].Body != want || secs[1].Heading != "Regions (A)" || secs[2].Heading != "Measures (B)" {
			t.Errorf("%s after merge: %q / %q / %q", name, secs[0].Body, secs[1].Heading, secs[2].Heading)
		}
	}
	names := map[string]bool{}
	for _, e := range mustLog(t, sa) {
		names[e.Name] = true
	}
	if !names["Amina"] || !names["Bruno"] {
		t.Errorf("merged log names %v, want both authors", names)
	}
}

func mustLog(t *testing.T, s *Session) []LogEntry {
	l, err := s.Log(LogFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestBadImportsLeaveDraftsAlone(t *testing.T) {
	ctx := context.Background()
	w := openWS(t, t.TempDir())
	withProfile(t, w, "Amina")
	s := newDraft(t, w, "Keep me")
	s.Write(ctx, "1", "precious", false)
	good, _ := s.Save(ctx)
	for name, data := range map[string][]byte{
		"garbage":   []byte("definitely not automerge"),
		"empty":     {},
		"truncated": good[:len(good)/3],
	} {
		if _, _, err := w.Import(ctx, data); err == nil {
			t.Errorf("%s import succeeded", name)
		} else if !strings.Contains(err.Error(), "importing") {
			t.Errorf("%s import error does not say what failed: %v", name, err)
		}
	}
	list, _ := w.Drafts(ctx)
	if len(list) != 1 {
		t.Errorf("drafts after bad imports: %+v", list)
	}
	if got, _ := s.Section("1"); got.Body != "precious" {
		t.Errorf("draft changed: %q", got.Body)
	}
}

func TestDamagedDraftDoesNotBlockOthers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := openWS(t, dir)
	withProfile(t, w, "Amina")
	bad := newDraft(t, w, "Damaged")
	good := newDraft(t, w, "Fine")
	good.Write(ctx, "1", "still here", false)
	if _, err := w.store.Append(ctx, summarize(bad.o.doc), []byte("scribble over the chunk"), nil); err != nil {
		t.Fatal(err)
	}
	w2 := openWS(t, filepath.Clean(dir))
	if _, err := w2.Session(ctx, bad.ID()); err == nil || !strings.Contains(err.Error(), "other drafts are unaffected") {
		t.Errorf("damaged draft: %v", err)
	}
	s, err := w2.Session(ctx, good.ID())
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Section("1"); got.Body != "still here" {
		t.Errorf("good draft = %q", got.Body)
	}
}

// TestUnsyncedLeavesTypingWhole counts typing not yet committed as the
// one change it will be, without cutting it short.
func TestUnsyncedLeavesTypingWhole(t *testing.T) {
	ctx := context.Background()
	w := openWSWith(t, t.TempDir(), Options{Poll: -1, IdleCommit: -1, CommitEvery: -1})
	withProfile(t, w, "Amina")
	s := newDraft(t, w, "Typing")
	sec := s.Sections()[0].ID
	before, _, _, err := s.Unsynced(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Splice(ctx, sec, 0, 0, "Hello"); err != nil {
		t.Fatal(err)
	}
	n1, _, known, _ := s.Unsynced(ctx)
	if err := s.Splice(ctx, sec, 5, 0, " world"); err != nil {
		t.Fatal(err)
	}
	n2, _, _, _ := s.Unsynced(ctx)
	if known || n1 != before+1 || n2 != n1 {
		t.Errorf("unsynced: %d before typing, %d and %d while typing (known %v); want %d each time", before, n1, n2, known, before+1)
	}
	// Typing in another section commits the first section's typing.
	other := s.Sections()[1].ID
	if err := s.Splice(ctx, other, 0, 0, "More."); err != nil {
		t.Fatal(err)
	}
	n3, _, _, _ := s.Unsynced(ctx)
	if n3 != before+2 {
		t.Errorf("with typing in two sections: %d, want %d", n3, before+2)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _, _, _ := s.Unsynced(ctx); n != n3 {
		t.Errorf("after committing: %d, while typing it said %d", n, n3)
	}
	edits, err := s.Log(LogFilter{Section: sec})
	if err != nil {
		t.Fatal(err)
	}
	if len(edits) != 1 || edits[0].Added != 11 {
		t.Errorf("the typing became %d changes: %+v", len(edits), edits)
	}
}

// TestNamedVersionsInTheSession: a version names the draft as it stands,
// typing included; it is found by name or id, read back as it was, seen
// by a second process on the data dir, and listed in the log.
func TestNamedVersionsInTheSession(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := openWSWith(t, dir, Options{Poll: 20 * time.Millisecond, IdleCommit: -1})
	withProfile(t, w, "Amina")
	s := newDraft(t, w, "Versions")
	sec := s.Sections()[0].ID
	if err := s.Splice(ctx, sec, 0, 0, "Before the round."); err != nil {
		t.Fatal(err)
	}
	v, err := s.NameVersion(ctx, "For public comment")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Write(ctx, sec, "After the round.", false); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"For public comment", v.ID, v.ID[:4]} {
		got, err := s.Version(ref)
		if err != nil || got.ID != v.ID {
			t.Errorf("Version(%q) = %+v, %v", ref, got, err)
		}
	}
	if _, err := s.Version("no such"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown version: %v", err)
	}
	then, err := s.SnapshotAt(v)
	if err != nil {
		t.Fatal(err)
	}
	if then.Sections[0].Body != "Before the round." || s.Sections()[0].Body != "After the round." {
		t.Errorf("the version holds %q, the draft %q", then.Sections[0].Body, s.Sections()[0].Body)
	}
	log, err := s.Log(LogFilter{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range log {
		found = found || e.Kind == crdt.KindVersion && e.Heading == "For public comment" && e.Name == "Amina"
	}
	if !found {
		t.Errorf("the log does not say who named the version: %+v", log)
	}
	w2 := openWSWith(t, dir, Options{Poll: -1})
	s2, err := w2.Session(ctx, s.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	if vs := s2.Versions(); len(vs) != 1 || vs[0].Name != "For public comment" {
		t.Errorf("a second process sees %+v", vs)
	}
}

// A session that finished reading a draft just after another session of
// it in the same workspace wrote and closed (and after the workspace's
// polling had already seen that write) still gets the write: it is what a
// live sync holding the draft uploads. Before, it never arrived, and the
// sync's status said synced without it.
func TestAWriteWhileADraftOpensIsNotMissed(t *testing.T) {
	ctx := context.Background()
	w := openWSWith(t, t.TempDir(), Options{Poll: 20 * time.Millisecond})
	withProfile(t, w, "Amina")
	s := newDraft(t, w, "Opened twice")
	id := s.ID()
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	written := false
	afterLoad = func(got string) {
		if got != id || written {
			return
		}
		written = true
		other, err := w.Session(ctx, id) // loads on its own: the first is not registered yet
		if err != nil {
			t.Error(err)
			return
		}
		if _, _, err := other.Write(ctx, "1", "Written while another opened the draft.", false); err != nil {
			t.Error(err)
		}
		other.Close(ctx)
		time.Sleep(100 * time.Millisecond) // the workspace polls and sees the write
	}
	defer func() { afterLoad = nil }()
	first, err := w.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close(ctx)
	if !written {
		t.Fatal("the second session did not write")
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		sec, err := first.Section("1")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(sec.Body, "Written while another opened the draft.") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the session that opened meanwhile lacks the write: %q", sec.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
