package crdt

import (
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
				if _, err := states[1-i].Receive(m); err != nil {
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
