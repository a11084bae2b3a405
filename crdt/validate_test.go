package crdt

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"
)

// withActions rebuilds a change chunk with its action column replaced.
func withActions(t *testing.T, raw []byte, actions []int64) []byte {
	t.Helper()
	p, err := readChangeChunk(raw)
	if err != nil {
		t.Fatal(err)
	}
	cells := make([]cell, len(actions))
	for i, a := range actions {
		cells[i] = cell{n: a}
	}
	var data []byte
	off := uint64(0)
	for i, c := range p.cols {
		d := p.data[off : off+c.length]
		off += c.length
		if c.spec == colAction {
			d = encodeColumn(ctULEB, cells)
			p.cols[i].length = uint64(len(d))
		}
		data = append(data, d...)
	}
	p.data = data
	return p.build()
}

// TestUnknownActionsNeverReachAutomerge: an operation of a kind the
// pinned core does not know aborts the whole process inside it (a Rust
// unreachable!()), so a change carrying one is refused first, stored or
// arriving by sync, and a document too (FuzzAutomergeBehindChecksum's
// crasher, kept in testdata/fuzz, is such a document).
func TestUnknownActionsNeverReachAutomerge(t *testing.T) {
	d, err := New(NewActor(), TemplateOutput, "T", "", 2026, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := d.Save()
	other, _ := Load(base)
	other.SetActor(NewActor())
	if err := other.AppendBody(other.Sections()[0].ID, "abc"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Commit(); err != nil {
		t.Fatal(err)
	}
	cs, _ := other.am.Changes()
	good := cs[len(cs)-1].Save()
	p, _ := readChangeChunk(good)
	col, _ := column(p.cols, p.data, colAction)
	acts, _ := decodeColumn(ctULEB, col, -1)
	n := len(acts)

	unchanged := make([]int64, n)
	for i, a := range acts {
		unchanged[i] = a.n
	}
	if err := checkActions(withActions(t, good, unchanged), foreignAllowance); err != nil {
		t.Fatalf("the rebuilt change itself is refused: %v", err)
	}
	bad := make([]int64, n)
	copy(bad, unchanged)
	bad[n-1] = 9
	crafted := withActions(t, good, bad)
	if err := d.LoadIncremental(crafted); !errors.Is(err, ErrCorrupt) {
		t.Errorf("stored or pushed: %v", err)
	}
	// In a sync message: a peer's message carrying the change.
	a, _ := Load(base)
	sa, sb := a.NewSyncState(), d.NewSyncState()
	msg, _, _, err := sa.Generate()
	if err != nil {
		t.Fatal(err)
	}
	prefix, _, suffix, err := splitSync(msg)
	if err != nil {
		t.Fatal(err)
	}
	forged := append(append(append([]byte{}, prefix...), 1), appendBytes(nil, crafted)...)
	forged = append(forged, suffix...)
	if _, err := sb.Receive(forged, nil, nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("in a sync message: %v", err)
	}
	if d.Valid() != nil {
		t.Error("the draft was harmed")
	}
}

// TestOperationsAreBounded: data from elsewhere holds at most
// foreignOps(its size) operations, counted without expanding its runs;
// a draft that grew past that here still loads from the data file (its
// compacted snapshot is a document chunk like any other), and from a
// peer whose copy is that large only in proportion to its bytes.
func TestOperationsAreBounded(t *testing.T) {
	// A run of a billion inserts is five bytes: counted, not expanded.
	run := appendSleb(nil, 1_000_000_000)
	run = binary.AppendUvarint(run, 1)
	if _, err := allowedActions(run, 1<<20); !errors.Is(err, errOverLimit) {
		t.Errorf("a billion-operation run: %v", err)
	}
	if n, err := allowedActions(run, 2_000_000_000); err != nil || n != 1_000_000_000 {
		t.Errorf("counted %d, %v", n, err)
	}
	// Issue 24's poisoning: a million operations in a change of 1,336
	// bytes. The bound is per byte with no floor a million fits under.
	million := binary.AppendUvarint(appendSleb(nil, 1_000_000), 1)
	if _, err := allowedActions(million, foreignOps(1336)); !errors.Is(err, errOverLimit) {
		t.Errorf("a million operations in 1,336 bytes: %v", err)
	}
	if foreignOps(1024) >= 1_000_000 || foreignOps(1024) < MaxInsertPerChange {
		t.Errorf("a kilobyte may hold %d operations: want less than a million, and a draft's worth", foreignOps(1024))
	}

	saved := foreignAllowance
	defer func() { foreignAllowance = saved }()
	foreignAllowance = 2000
	d, err := New("aa", TemplateOutput, "Grown in use", "", 2026, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sec := d.Sections()[0].ID
	// Text that deflates to almost nothing (a rule of dashes pasted into
	// a table, again and again): far more operations per byte than
	// written text has.
	para := strings.Repeat("-", 12_000)
	const pastes = 10
	for range pastes {
		if err := d.Splice(sec, 0, 0, para); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	snapshot, err := d.Save()
	if err != nil {
		t.Fatal(err)
	}
	if len(snapshot)*opsPerByte >= pastes*len(para) {
		t.Fatalf("the snapshot (%d bytes) is not dense enough for this test", len(snapshot))
	}
	if _, err := Load(snapshot); !errors.Is(err, ErrTooManyOps) || !strings.Contains(err.Error(), "deleted ones too") {
		t.Errorf("a dense draft from elsewhere: %v", err)
	}
	if err := d.LoadIncremental(snapshot); !errors.Is(err, ErrTooManyOps) {
		t.Errorf("merged from a peer: %v", err)
	}
	stored, err := LoadChunks([][]byte{snapshot})
	if err != nil {
		t.Fatalf("the same draft from this machine's data file: %v", err)
	}
	if got := stored.Sections()[0].Body; got != strings.Repeat(para, pastes) {
		t.Errorf("loaded %d characters", len(got))
	}
	if err := stored.LoadStored(snapshot); err != nil {
		t.Errorf("another process's compaction of it: %v", err)
	}
	// Text as people write it is far below the bound.
	w := strings.Fields(strings.Repeat("norms access policy region women connectivity data rights youth ", 40))
	var b strings.Builder
	for i := range 2500 {
		b.WriteString(w[(i*7)%len(w)] + " ")
	}
	e, _ := New("bb", TemplateOutput, "Written", "", 2026, time.Now())
	e.Splice(e.Sections()[0].ID, 0, 0, b.String())
	e.Commit()
	written, _ := e.Save()
	if _, err := Load(written); err != nil {
		t.Errorf("%d characters of words in %d bytes: %v", b.Len(), len(written), err)
	}
}
