package crdt

import (
	"testing"

	"github.com/automerge/automerge-go"
)

func plainAutomerge(t *testing.T) []byte {
	d := automerge.New()
	if err := d.RootMap().Set("hello", "world"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Commit("x"); err != nil {
		t.Fatal(err)
	}
	return d.Save()
}
