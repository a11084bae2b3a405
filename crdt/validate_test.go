package crdt

import (
	"errors"
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
	if err := checkActions(withActions(t, good, unchanged)); err != nil {
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
	if _, err := sb.Receive(forged); !errors.Is(err, ErrCorrupt) {
		t.Errorf("in a sync message: %v", err)
	}
	if d.Valid() != nil {
		t.Error("the draft was harmed")
	}
}
