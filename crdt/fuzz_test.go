package crdt

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"
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
		l := NewLedger()
		if _, err := l.Update(d); err != nil {
			t.Logf("ledger of a loaded draft: %v", err)
			return
		}
		for _, id := range l.Sections() {
			if _, err := l.Compare(id, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		l.Outline(l.All())
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

// FuzzDecodeChange feeds arbitrary bytes to the ledger's change decoder:
// it must return ops or an error, never crash, and what it returns is
// bounded by the column limits and, for values, by the input (inflated
// at most deflate's own ratio).
func FuzzDecodeChange(f *testing.F) {
	d, err := New(NewActor(), TemplateOutput, "Seed", "", 2026, time.Unix(0, 0))
	if err != nil {
		f.Fatal(err)
	}
	if err := d.AppendBody(d.Sections()[0].ID, "Some text, é and 😀."); err != nil {
		f.Fatal(err)
	}
	if err := d.Splice(d.Sections()[0].ID, 2, 5, ""); err != nil {
		f.Fatal(err)
	}
	if _, err := d.Commit(); err != nil {
		f.Fatal(err)
	}
	cs, err := d.am.Changes()
	if err != nil {
		f.Fatal(err)
	}
	// The fuzzer writes the chunk's body; the test frames it with a valid
	// checksum, or nearly every input would stop there.
	for _, c := range cs {
		raw := c.Save()
		n, w := uleb(raw[9:])
		f.Add(raw[9+w : 9+w+int(n)])
	}
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, body []byte) {
		hashed := append([]byte{1}, binary.AppendUvarint(nil, uint64(len(body)))...)
		hashed = append(hashed, body...)
		sum := sha256.Sum256(hashed)
		raw := append(append(append([]byte{}, chunkMagic...), sum[:4]...), hashed...)
		dc, err := decodeChange(raw)
		if err != nil {
			return
		}
		if len(dc.ops) > maxColumnValues {
			t.Fatalf("%d ops from %d bytes", len(dc.ops), len(raw))
		}
		values := 0
		for _, op := range dc.ops {
			values += len(op.value)
		}
		if values > len(raw)*1032+1024 {
			t.Fatalf("%d bytes of values from %d bytes", values, len(raw))
		}
	})
}

// FuzzAutomergeBehindChecksum reaches the Automerge core: the fuzzer
// writes a chunk's type and body, and the test frames them with a valid
// checksum, so mutations get past checkChunks (FuzzLoad's never did: its
// corpus stayed at 15 entries after 4.9 M executions). A document chunk
// is loaded alone, a change chunk into a valid draft. A Rust panic in the
// pinned core aborts the process, which the fuzzer reports as a crash;
// and what loads may not hold more than deflate's ratio allows.
func FuzzAutomergeBehindChecksum(f *testing.F) {
	d, err := New(NewActor(), TemplateOutput, "Seed", "", 2026, time.Unix(0, 0))
	if err != nil {
		f.Fatal(err)
	}
	base, err := d.Save()
	if err != nil {
		f.Fatal(err)
	}
	if err := d.AppendBody(d.Sections()[0].ID, "Some text, é and 😀, "+strings.Repeat("repeated words ", 50)); err != nil {
		f.Fatal(err)
	}
	if _, err := d.Commit(); err != nil {
		f.Fatal(err)
	}
	whole, err := d.Save()
	if err != nil {
		f.Fatal(err)
	}
	cs, err := d.am.Changes()
	if err != nil {
		f.Fatal(err)
	}
	body := func(raw []byte) (byte, []byte) {
		n, w := uleb(raw[9:])
		return raw[8], raw[9+w : 9+w+int(n)]
	}
	typ, payload := body(whole)
	f.Add(typ, payload)
	for _, c := range cs[len(cs)-2:] {
		typ, payload := body(c.Save())
		f.Add(typ, payload)
	}
	f.Fuzz(func(t *testing.T, typ byte, payload []byte) {
		typ %= 3
		hashed := append([]byte{typ}, binary.AppendUvarint(nil, uint64(len(payload)))...)
		hashed = append(hashed, payload...)
		sum := sha256.Sum256(hashed)
		raw := append(append(append([]byte{}, chunkMagic...), sum[:4]...), hashed...)
		var doc *Doc
		if typ == 0 {
			doc, err = Load(raw)
		} else {
			doc, err = LoadChunks([][]byte{base, raw})
		}
		if err != nil {
			return
		}
		text := 0
		for _, s := range doc.Sections() {
			text += len(s.Heading) + len(s.Body)
		}
		if text > 1100*len(raw)+64<<10 {
			t.Fatalf("%d bytes of text from a %d-byte chunk", text, len(raw))
		}
	})
}
