package crdt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand"
	"testing"
)

// typeInto types text into a section one character at a time with a
// backspace now and then, committing every few keystrokes: the shape of
// real drafting that the transposed batch is built for.
func typeInto(t *testing.T, d *Doc, section, text string, rng *rand.Rand) {
	t.Helper()
	pos, _ := d.BodyLen(section)
	for i, r := range []rune(text) {
		if err := d.Splice(section, pos, 0, string(r)); err != nil {
			t.Fatal(err)
		}
		pos++
		if rng.Intn(9) == 0 && pos > 0 {
			if err := d.Splice(section, pos-1, 1, ""); err != nil {
				t.Fatal(err)
			}
			pos--
		}
		if i%7 == 6 {
			commit(t, d)
		}
	}
	commit(t, d)
}

func TestTransposedBatch(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	a := newDraft(t, TemplateOutput)
	b := fork(t, a)
	base := a.Heads()
	secs := a.Sections()
	typeInto(t, a, secs[0].ID, "Community networks connect the unconnected; ", rng)
	typeInto(t, a, secs[1].ID, "les réseaux communautaires — 社区网络 — 🌍 ", rng)
	if err := a.RenameSection(secs[2].ID, "Findings"); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	typeInto(t, b, secs[0].ID, "Another author writes here. ", rng)
	mergeBoth(t, a, b)
	typeInto(t, a, secs[0].ID, " After the merge.", rng)

	raw, n, err := a.ChangesSince(base)
	if err != nil || n < 10 {
		t.Fatalf("%d changes: %v", n, err)
	}
	c, ok := CompactChanges(raw)
	if !ok {
		t.Fatal("batch not compacted")
	}
	if c[0]&1 != batchTransposed {
		t.Error("a batch of typing did not use the transposed format")
	}
	back, err := ExpandChanges(c)
	if err != nil || !bytes.Equal(back, raw) {
		t.Fatalf("round trip: %v", err)
	}
	v := encodeVerbatim(nil, mustParse(t, raw), nil)
	if deflatedSize(c) >= deflatedSize(v) {
		t.Errorf("transposed %d B deflated, verbatim %d B", deflatedSize(c), deflatedSize(v))
	}
	t.Logf("%d changes: raw %d B, verbatim %d B, transposed %d B (deflated %d vs %d)",
		n, len(raw), len(v), len(c), deflatedSize(v), deflatedSize(c))
}

// TestTransposedFallsBack breaks a prediction rule (a delete marked as an
// insert): the batch must still come back exactly, in the verbatim form.
func TestTransposedFallsBack(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	a := newDraft(t, TemplateOutput)
	base := a.Heads()
	typeInto(t, a, a.Sections()[0].ID, "typing, with a few backspaces in it", rng)
	raw, _, err := a.ChangesSince(base)
	if err != nil {
		t.Fatal(err)
	}
	parts := mustParse(t, raw)
	broke := false
	for i := range parts {
		o, ok := readOpColumns(parts[i])
		if !ok {
			t.Fatal("typing not readable as op columns")
		}
		for k, act := range o.cells[specAction] {
			if act.n == actionDelete && !broke {
				o.cells[specInsert][k].n = 1
				parts[i] = withColumn(parts[i], specInsert, encodeColumn(ctBool, o.cells[specInsert]))
				broke = true
			}
		}
	}
	if !broke {
		t.Fatal("no delete in the batch")
	}
	if _, ok := encodeTransposed(parts, nil); ok {
		t.Fatal("a change breaking the delete rule was transposed")
	}
	var edited []byte
	for _, p := range parts {
		edited = append(edited, p.build()...)
	}
	c, ok := CompactChanges(edited)
	if !ok || c[0]&1 != batchVerbatim {
		t.Fatalf("compacted %v, format %d", ok, c[0]&1)
	}
	if back, err := ExpandChanges(c); err != nil || !bytes.Equal(back, edited) {
		t.Fatalf("round trip: %v", err)
	}
}

func mustParse(t *testing.T, raw []byte) []changeParts {
	t.Helper()
	chunks, err := splitChunks(raw)
	if err != nil {
		t.Fatal(err)
	}
	parts := make([]changeParts, len(chunks))
	for i, c := range chunks {
		if parts[i], err = parseChange(c); err != nil {
			t.Fatal(err)
		}
	}
	return parts
}

// withColumn replaces one column's bytes in a change.
func withColumn(p changeParts, spec uint64, data []byte) changeParts {
	var out []byte
	cols := append([]colMeta(nil), p.cols...)
	off := uint64(0)
	for k, c := range p.cols {
		d := p.data[off : off+c.length]
		off += c.length
		if c.spec == spec {
			d = data
			cols[k].length = uint64(len(d))
		}
		out = append(out, d...)
	}
	p.cols, p.data = cols, out
	return p
}

// TestColumnCodecs checks that every column type decodes what it encodes,
// nulls included, and that a column of nothing but nulls is written as
// nothing, as Automerge writes it.
func TestColumnCodecs(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, typ := range []uint64{ctGroup, ctActor, ctULEB, ctDelta, ctBool, ctString, ctMeta} {
		for trial := 0; trial < 200; trial++ {
			n := rng.Intn(40)
			cells := make([]cell, n)
			for i := range cells {
				switch {
				case typ == ctBool:
					cells[i].n = int64(rng.Intn(2))
				case rng.Intn(5) == 0:
					cells[i].null = true
				case typ == ctString:
					cells[i].s = fmt.Sprint("k", rng.Intn(3))
				case typ == ctDelta:
					cells[i].n = int64(rng.Intn(7)) - 2
				default:
					cells[i].n = int64(rng.Intn(3))
				}
			}
			enc := encodeColumn(typ, cells)
			got, err := decodeColumn(typ, enc, n)
			if err != nil {
				t.Fatalf("type %d %v: %v", typ, cells, err)
			}
			for i := range cells {
				if got[i] != cells[i] {
					t.Fatalf("type %d: value %d is %+v, want %+v (encoded % x)", typ, i, got[i], cells[i], enc)
				}
			}
		}
	}
	if enc := encodeColumn(ctULEB, []cell{{null: true}, {null: true}}); len(enc) != 0 {
		t.Errorf("all-null column encoded as % x", enc)
	}
	// Runs, literals and nulls in Automerge's layout: 3×7, literal [1 2], 2 nulls.
	want := []byte{3, 7, 0x7e, 1, 2, 0, 2}
	cells := []cell{{n: 7}, {n: 7}, {n: 7}, {n: 1}, {n: 2}, {null: true}, {null: true}}
	if enc := encodeColumn(ctULEB, cells); !bytes.Equal(enc, want) {
		t.Errorf("encoded % x, want % x", enc, want)
	}
	if _, err := decodeColumn(ctULEB, []byte{0x7e, 1}, -1); err == nil {
		t.Error("a literal run past the end decoded")
	}
}

func TestUncompressedSnapshot(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	a := newDraft(t, TemplateOutput)
	for _, s := range a.Sections()[:3] {
		typeInto(t, a, s.ID, "A longer paragraph about community networks, repeated to pass the size at which Automerge compresses a column. ", rng)
	}
	saved := save(t, a)
	u := Uncompressed(saved)
	if len(u) <= len(saved) {
		t.Fatalf("uncompressed %d B, saved %d B: nothing was compressed", len(u), len(saved))
	}
	if deflatedSize(u) >= deflatedSize(saved) {
		t.Errorf("deflating the uncompressed form gives %d B, the saved form %d B", deflatedSize(u), deflatedSize(saved))
	}
	b, err := Load(u)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(b.Heads()) != fmt.Sprint(a.Heads()) {
		t.Error("heads differ after loading the uncompressed form")
	}
	for _, s := range a.Sections() {
		x, _ := a.Body(s.ID)
		y, _ := b.Body(s.ID)
		if x != y {
			t.Errorf("section %s differs", s.ID)
		}
	}
	if got := Uncompressed([]byte("not a document")); string(got) != "not a document" {
		t.Error("garbage was rewritten")
	}
}

// TestTransposedHostile sends a tiny batch claiming a million ops in each
// of fifty columns: it must be refused, not expanded.
func TestTransposedHostile(t *testing.T) {
	var layout []colMeta
	for k := 0; k < 50; k++ {
		layout = append(layout, colMeta{spec: uint64(k)<<4 | ctULEB, length: 1})
	}
	p := changeParts{actor: []byte{1, 2, 3, 4}, seq: 1, startOp: 1, cols: layout}
	c, w := newBatchCoder(nil), &streams{}
	c.putHeader(w, p)
	c.layouts.put(w, fLayout, transposedLayout(layout))
	w.num(fOps, maxColumnValues)
	w.num(fLen, 0)
	b := w.appendTo(binary.AppendUvarint(nil, 1<<1|batchTransposed))
	for range layout {
		b = appendBytes(b, nil) // an empty column: all nulls
	}
	if _, err := ExpandChanges(b); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a %d-byte batch claiming 50 million values: %v", len(b), err)
	}
}
