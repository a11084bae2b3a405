package crdt

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestAutomergeFallsSilent pins down the behaviour of the Automerge core
// that docsync works around (see SyncState.Owed): with these two
// copies each Bloom filter gives the other side a false positive, each
// side asks for the change it lacks, and then neither answers.
func TestAutomergeFallsSilent(t *testing.T) {
	var docs [2]*Doc
	for i, f := range []string{"a.doc", "b.doc"} {
		data, err := os.ReadFile(filepath.Join("testdata", "bloom-stall", f))
		if err != nil {
			t.Fatal(err)
		}
		if docs[i], err = Load(data); err != nil {
			t.Fatal(err)
		}
	}
	states := [2]*SyncState{docs[0].NewSyncState(), docs[1].NewSyncState()}
	for round := 0; round < 10; round++ {
		var msgs [2][]byte
		sent := false
		for i, st := range states {
			m, _, ok, err := st.Generate()
			if err != nil {
				t.Fatal(err)
			}
			msgs[i], sent = m, sent || ok
		}
		if !sent {
			break
		}
		for i, m := range msgs {
			if m != nil {
				if _, err := states[1-i].Receive(m, nil, nil); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if slices.Equal(docs[0].Heads(), docs[1].Heads()) {
		t.Skip("the Automerge core now completes this exchange; docsync's push fallback is no longer needed for it")
	}
	for i, st := range states {
		if len(st.Owed()) == 0 {
			t.Errorf("side %d is silent and says it owes the peer nothing", i)
		}
	}
}

// TestSyncReset: Automerge's reset is told apart from a greeting by a
// peer that holds nothing, which has the same shape but no heads.
func TestSyncReset(t *testing.T) {
	head := bytes.Repeat([]byte{0xab}, 32)
	msg := func(heads [][]byte, need int, lastSync int, bloom []byte) []byte {
		b := []byte{syncMessageType, byte(len(heads))}
		for _, h := range heads {
			b = append(b, h...)
		}
		b = append(b, byte(need))
		b = append(b, bytes.Repeat(head, need)...)
		b = append(b, 1, byte(lastSync))
		b = append(b, bytes.Repeat(head, lastSync)...)
		b = append(b, byte(len(bloom)))
		b = append(b, bloom...)
		return append(b, 0) // no changes
	}
	for _, c := range []struct {
		name string
		msg  []byte
		want bool
	}{
		{"reset", msg([][]byte{head}, 0, 0, nil), true},
		{"greeting from an empty copy", msg(nil, 0, 0, nil), false},
		{"greeting with a Bloom filter", msg([][]byte{head}, 0, 0, []byte{1, 2, 3}), false},
		{"greeting from shared heads", msg([][]byte{head}, 0, 1, nil), false},
		{"a need", msg([][]byte{head}, 1, 0, nil), false},
		{"cut short", msg([][]byte{head}, 0, 0, nil)[:20], false},
	} {
		heads, reset := syncReset(c.msg)
		if reset != c.want || reset && (len(heads) != 1 || heads[0] != hex.EncodeToString(head)) {
			t.Errorf("%s: reset %v, heads %v", c.name, reset, heads)
		}
	}
}
