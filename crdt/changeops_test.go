package crdt

import (
	"strings"
	"testing"
)

func TestTextCounts(t *testing.T) {
	d := newDraft(t, TemplateOutput)
	id := d.Sections()[0].ID
	steps := []struct {
		name     string
		edit     func()
		ins, del int
	}{
		{"ascii", func() { d.Splice(id, 0, 0, "hello") }, 5, 0},
		{"code points", func() { d.Splice(id, 5, 0, " é😀مرحبا中文e\u0301") }, 12, 0},
		{"delete", func() { d.Splice(id, 0, 3, "") }, 0, 3},
		{"replace", func() { d.Splice(id, 1, 2, "XYZ") }, 3, 2},
		{"long", func() { d.AppendBody(id, strings.Repeat("lorem ipsum ", 400)) }, 4800, 0},
		{"long delete", func() { d.Splice(id, 10, 4000, "") }, 0, 4000},
	}
	for _, st := range steps {
		heads := d.Heads()
		st.edit()
		raw, n, err := d.ChangesSince(heads)
		if err != nil || n != 1 {
			t.Fatalf("%s: %d changes, %v", st.name, n, err)
		}
		ins, del, err := textCounts(raw)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if ins != st.ins || del != st.del {
			t.Errorf("%s: counted +%d -%d, want +%d -%d", st.name, ins, del, st.ins, st.del)
		}
	}
	if _, _, err := textCounts([]byte("junk")); err == nil {
		t.Error("junk counted without error")
	}
}
