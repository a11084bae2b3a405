package crdt

import (
	"testing"
	"time"
)

// FuzzLoad feeds arbitrary bytes to Load: it must return a draft or an
// error, never crash, and a draft it returns must be readable.
func FuzzLoad(f *testing.F) {
	d, err := New(NewActor(), TemplateOutput, "Seed", "", 2026, time.Unix(0, 0))
	if err != nil {
		f.Fatal(err)
	}
	full, err := d.Save()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(full)
	f.Add(full[:len(full)/2])
	f.Add([]byte{})
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Load(data)
		if err != nil {
			return
		}
		_ = d.Snapshot()
		if _, err := d.History(); err != nil {
			t.Logf("history of a loaded draft: %v", err)
		}
	})
}

// FuzzMergeConverges edits one draft on two replicas from fuzzed edit
// scripts and checks both end with identical text after merging.
func FuzzMergeConverges(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4}, []byte{5, 6, 7, 8})
	f.Add([]byte("hello"), []byte("world, مرحبا 😀"))
	f.Fuzz(func(t *testing.T, ea, eb []byte) {
		a, err := New(NewActor(), TemplateProposal, "T", "", 2026, time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		saved, err := a.Save()
		if err != nil {
			t.Fatal(err)
		}
		b, err := Load(saved)
		if err != nil {
			t.Fatal(err)
		}
		b.SetActor(NewActor())
		for _, step := range []struct {
			d *Doc
			e []byte
		}{{a, ea}, {b, eb}} {
			for i := 0; i+1 < len(step.e); i += 2 {
				secs := step.d.Sections()
				s := secs[int(step.e[i])%len(secs)]
				n := len([]rune(s.Body))
				pos := int(step.e[i+1]) % (n + 1)
				if step.e[i]&0x80 != 0 && pos < n {
					_ = step.d.Splice(s.ID, pos, 1, "")
				} else {
					_ = step.d.Splice(s.ID, pos, 0, string(rune(step.e[i+1])%0x3000+0x20))
				}
			}
			if _, err := step.d.Commit(); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.Merge(b); err != nil {
			t.Fatal(err)
		}
		if err := b.Merge(a); err != nil {
			t.Fatal(err)
		}
		sa, sb := a.Sections(), b.Sections()
		for i := range sa {
			if sa[i] != sb[i] {
				t.Fatalf("replicas differ in section %d: %q vs %q", i, sa[i].Body, sb[i].Body)
			}
		}
	})
}
