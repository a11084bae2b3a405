package crdt

import (
	"bytes"
	"strings"
	"testing"

	"github.com/automerge/automerge-go"
)

// TestChangeRoundTrip splits every change of a draft, small and large
// commits, and builds it again: the bytes and hash must equal Automerge's.
func TestChangeRoundTrip(t *testing.T) {
	d := newDraft(t, TemplateOutput)
	id := d.Sections()[0].ID
	for i := 0; i < 30; i++ {
		d.AppendBody(id, "some typing é😀 ")
		commit(t, d)
	}
	d.AppendBody(id, strings.Repeat("a long paste of text ", 500))
	d.RenameSection(d.Sections()[2].ID, "Renamed")
	commit(t, d)
	cs, err := d.am.Changes()
	if err != nil {
		t.Fatal(err)
	}
	compressed := 0
	var all []byte
	for i, c := range cs {
		raw := c.Save()
		if raw[8] == 2 {
			compressed++
		}
		p, err := parseChange(raw)
		if err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
		if got, want := p.hash(), [32]byte(c.Hash()); got != want {
			t.Fatalf("change %d (type %d): rebuilt hash %x, want %x", i, raw[8], got[:4], want[:4])
		}
		built := p.build()
		all = append(all, built...)
		if raw[8] == 1 && !bytes.Equal(built, raw) {
			t.Errorf("change %d: rebuilt bytes differ", i)
		}
	}
	hs, err := ChunkHashes(all)
	if err != nil || len(hs) != len(cs) || hs[len(hs)-1] != cs[len(cs)-1].Hash().String() {
		t.Errorf("ChunkHashes: %v", err)
	}
	// The rebuilt chunks, loaded into a new document, give the same draft.
	back, err := automerge.Load(all)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := back.Heads(), d.am.Heads(); len(got) != 1 || got[0] != want[0] {
		t.Errorf("rebuilt history has heads %v, want %v", got, want)
	}
	if compressed != 0 {
		t.Errorf("%d changes came deflated; parseChange does not take those", compressed)
	}
}
