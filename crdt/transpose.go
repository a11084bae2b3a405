package crdt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
)

// Transposed format: after its fields, each change names its layout (the
// column specs, each with a bit for an empty column) and its number of
// ops; then every column the batch uses follows once, as its length and
// the values of all changes encoded together.
//
// On the way, values the receiver can work out are left out or replaced
// by their difference from a prediction (what Automerge's semantics and
// ordinary typing make near certain):
//   - a delete never inserts and carries no value, so its rows in the
//     insert and value-metadata columns are not stored;
//   - an inserted element has no predecessor, so its row in the
//     predecessor-count column is not stored;
//   - typing inserts after the character typed just before, the op whose
//     counter is one less: the key counter is stored as the difference
//     from that;
//   - a delete or overwrite names as its one predecessor the element its
//     key names: the predecessor counter is stored as the difference.
// A change that breaks a rule is not an error: the sender's round-trip
// check fails and the batch goes in the verbatim format.

// The op columns of a change chunk (spec = id<<4 | type) that the
// predictions use.
const (
	specKeyActor  = 1<<4 | ctActor
	specKeyCtr    = 1<<4 | ctDelta
	specInsert    = 3<<4 | ctBool
	specAction    = 4<<4 | ctULEB
	specValMeta   = 5<<4 | ctMeta
	specPredGroup = 7<<4 | ctGroup
	specPredActor = 7<<4 | ctActor
	specPredCtr   = 7<<4 | ctDelta
)

// opColumns holds one change's columns as values while a batch is
// transposed, keyed by spec; an empty column is present with no values.
type opColumns struct {
	startOp uint64
	nOps    int
	cells   map[uint64][]cell
	raw     map[uint64][]byte
}

func newOpColumns(startOp uint64, nOps int) *opColumns {
	return &opColumns{startOp: startOp, nOps: nOps, cells: map[uint64][]cell{}, raw: map[uint64][]byte{}}
}

// rows returns how many values a change's column holds. Columns that
// share their id with a group column (type 0) hold as many values as the
// group's counts add up to, a raw value column as many bytes as its
// metadata column's lengths add up to, every other column one per op.
func (o *opColumns) rows(spec uint64) (int, bool) {
	id := colID(spec)
	sum := 0
	add := func(v int64) bool {
		if v < 0 || v > maxColumnValues || sum+int(v) > maxColumnValues {
			return false
		}
		sum += int(v)
		return true
	}
	switch group, grouped := o.cells[id<<4|ctGroup]; {
	case colType(spec) == ctRaw:
		for _, c := range o.cells[id<<4|ctMeta] {
			if !c.null && !add(int64(uint64(c.n)>>4)) {
				return 0, false
			}
		}
		return sum, true
	case colType(spec) != ctGroup && grouped:
		for _, c := range group {
			if !c.null && !add(c.n) {
				return 0, false
			}
		}
		return sum, true
	}
	return o.nOps, true
}

// implied returns, for a column with one row per op, which rows the
// columns before it determine, and the value they must have.
func (o *opColumns) implied(spec uint64) (skip func(i int) bool, value cell) {
	switch spec {
	case specInsert, specValMeta:
		actions := o.cells[specAction]
		return func(i int) bool {
			return i < len(actions) && !actions[i].null && actions[i].n == actionDelete
		}, cell{}
	case specPredGroup:
		inserts := o.cells[specInsert]
		return func(i int) bool { return i < len(inserts) && inserts[i].n == 1 }, cell{}
	}
	return nil, cell{}
}

// storedType is the encoding a column's stored values use in the batch.
func storedType(spec uint64) uint64 {
	if spec == specKeyCtr || spec == specPredCtr {
		return ctULEB // differences from a prediction, zigzagged
	}
	return colType(spec)
}

// predictions returns, per row of a counter column, the value typing
// makes likely (ok=false where there is none).
func (o *opColumns) predictions(spec uint64, rows int) func(i int) (int64, bool) {
	keyActor, keyCtr := o.cells[specKeyActor], o.cells[specKeyCtr]
	switch spec {
	case specKeyCtr:
		return func(i int) (int64, bool) {
			if i < len(keyActor) && !keyActor[i].null && keyActor[i].n == 0 {
				return int64(o.startOp) + int64(i) - 1, true
			}
			return 0, false
		}
	case specPredCtr:
		// Map each predecessor row to its op; predict only for ops with
		// exactly one predecessor by the key's own actor.
		pred := make([]int64, rows)
		has := make([]bool, rows)
		r := 0
		groups, actors := o.cells[specPredGroup], o.cells[specPredActor]
		for i := 0; i < len(groups) && r < rows; i++ {
			g := int(groups[i].n)
			if groups[i].null {
				g = 0
			}
			if g == 1 && i < len(keyCtr) && !keyCtr[i].null && r < len(actors) &&
				i < len(keyActor) && !keyActor[i].null && actors[r] == keyActor[i] {
				pred[r], has[r] = keyCtr[i].n, true
			}
			r += g
		}
		return func(i int) (int64, bool) { return pred[i], has[i] }
	}
	return nil
}

// store turns a change's values of one column into what the batch keeps.
func (o *opColumns) store(spec uint64, cells []cell) ([]cell, bool) {
	if skip, v := o.implied(spec); skip != nil {
		var out []cell
		for i, c := range cells {
			if !skip(i) {
				out = append(out, c)
			} else if c != v {
				return nil, false
			}
		}
		return out, true
	}
	if predict := o.predictions(spec, len(cells)); predict != nil {
		out := make([]cell, len(cells))
		for i, c := range cells {
			out[i] = c
			if c.null {
				continue
			}
			if p, ok := predict(i); ok {
				out[i].n = int64(zigzag(p - c.n))
			} else if c.n < 0 {
				return nil, false
			}
		}
		return out, true
	}
	return cells, true
}

// storedRows returns how many values the batch keeps of a column that
// has rows values in the change.
func (o *opColumns) storedRows(spec uint64, rows int) int {
	skip, _ := o.implied(spec)
	if skip == nil {
		return rows
	}
	n := 0
	for i := 0; i < rows; i++ {
		if !skip(i) {
			n++
		}
	}
	return n
}

// restore undoes store.
func (o *opColumns) restore(spec uint64, stored []cell, rows int) []cell {
	if skip, v := o.implied(spec); skip != nil {
		out := make([]cell, 0, rows)
		for i := 0; i < rows; i++ {
			if skip(i) {
				out = append(out, v)
			} else {
				out = append(out, stored[0])
				stored = stored[1:]
			}
		}
		return out
	}
	if predict := o.predictions(spec, rows); predict != nil {
		out := make([]cell, len(stored))
		for i, c := range stored {
			out[i] = c
			if p, ok := predict(i); ok && !c.null {
				out[i].n = p - unzigzag(uint64(c.n))
			}
		}
		return out
	}
	return stored
}

// columnOrder lists the non-empty column specs of a batch in the order
// both sides process them: the action first (other columns' rows depend
// on it), then ascending, so that group and metadata columns come before
// the columns whose length they give.
func transposedOrder(layouts [][]colMeta) []uint64 {
	seen := map[uint64]bool{}
	var out []uint64
	for _, cols := range layouts {
		for _, c := range cols {
			if c.length > 0 && !seen[c.spec] {
				seen[c.spec] = true
				out = append(out, c.spec)
			}
		}
	}
	rank := func(s uint64) uint64 {
		if s == specAction {
			return 0
		}
		return s + 1
	}
	sort.Slice(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

func transposedLayout(cols []colMeta) []byte {
	var b []byte
	for _, c := range cols {
		empty := uint64(0)
		if c.length == 0 {
			empty = 1
		}
		b = binary.AppendUvarint(b, c.spec<<1|empty)
	}
	return b
}

// readOpColumns decodes a change's columns to values.
func readOpColumns(p changeParts) (*opColumns, bool) {
	data := map[uint64][]byte{}
	o := newOpColumns(p.startOp, 0)
	off := uint64(0)
	for _, c := range p.cols {
		if c.spec&colDeflate != 0 || data[c.spec] != nil {
			return nil, false
		}
		data[c.spec] = p.data[off : off+c.length]
		off += c.length
		if c.length == 0 {
			o.cells[c.spec] = nil
		}
	}
	order := transposedOrder([][]colMeta{p.cols})
	// The op count is the length of the first column with one value per op.
	for _, spec := range order {
		if _, grouped := data[colID(spec)<<4|ctGroup]; colType(spec) != ctRaw && (colType(spec) == ctGroup || !grouped) {
			cells, err := decodeColumn(colType(spec), data[spec], -1)
			if err != nil {
				return nil, false
			}
			o.nOps = len(cells)
			break
		}
	}
	for _, spec := range order {
		want, ok := o.rows(spec)
		if !ok {
			return nil, false
		}
		if colType(spec) == ctRaw {
			if len(data[spec]) != want {
				return nil, false
			}
			o.raw[spec] = data[spec]
			continue
		}
		cells, err := decodeColumn(colType(spec), data[spec], want)
		if err != nil {
			return nil, false
		}
		o.cells[spec] = cells
	}
	return o, true
}

// encodeTransposed returns ok=false when some change's columns are not
// in the shape it understands or would not come back byte for byte.
func encodeTransposed(parts []changeParts, ctx *batchCtx) ([]byte, bool) {
	layouts := make([][]colMeta, len(parts))
	ops := make([]*opColumns, len(parts))
	for i, p := range parts {
		layouts[i] = p.cols
		o, ok := readOpColumns(p)
		if !ok {
			return nil, false
		}
		ops[i] = o
	}
	c := newBatchCoder(ctx)
	b := binary.AppendUvarint(nil, uint64(len(parts))<<1|batchTransposed)
	w := &streams{}
	for i, p := range parts {
		c.putHeader(w, p)
		c.nextStart = p.startOp + uint64(ops[i].nOps)
		c.layouts.put(w, fLayout, transposedLayout(p.cols))
		w.num(fOps, uint64(ops[i].nOps))
		w.num(fLen, uint64(len(p.extra)))
		w.bytes(p.extra)
	}
	b = w.appendTo(b)
	for _, spec := range transposedOrder(layouts) {
		var col []byte
		if colType(spec) == ctRaw {
			for _, o := range ops {
				col = append(col, o.raw[spec]...)
			}
		} else {
			var all []cell
			for _, o := range ops {
				kept, ok := o.store(spec, o.cells[spec])
				if !ok {
					return nil, false
				}
				all = append(all, kept...)
			}
			col = encodeColumn(storedType(spec), all)
		}
		b = appendBytes(b, col)
	}
	// Check the whole round trip: the receiver must rebuild every change
	// exactly, or the hashes, and with them the history, would differ.
	back, rest, err := decodeBatch(b, ctx)
	if err != nil || len(rest) != 0 || len(back) != len(parts) {
		return nil, false
	}
	for i, p := range parts {
		if !bytes.Equal(back[i], p.build()) {
			return nil, false
		}
	}
	return b, true
}

func decodeTransposed(r *reader, n uint64, ctx *batchCtx) ([]changeParts, [][]uint64, error) {
	c := newBatchCoder(ctx)
	parts := make([]changeParts, 0, n)
	refs := make([][]uint64, 0, n)
	ops := make([]*opColumns, 0, n)
	layouts := make([][]colMeta, 0, n)
	src := readStreams(r)
	if src.err != nil {
		return nil, nil, src.err
	}
	for i := uint64(0); i < n; i++ {
		p, rs, err := c.getHeader(src, i, len(r.b)+len(src.raw.b))
		if err != nil {
			return nil, nil, err
		}
		layout := c.layouts.get(src, fLayout)
		nOps := src.num(fOps)
		p.extra = src.bytes(int(src.num(fLen)))
		if err := src.failed(); err != nil {
			return nil, nil, err
		}
		if nOps > maxColumnValues {
			return nil, nil, fmt.Errorf("%w: batch op count", ErrCorrupt)
		}
		c.nextStart = p.startOp + nOps
		o := newOpColumns(p.startOp, int(nOps))
		lr := &reader{b: layout}
		for len(lr.b) > 0 && lr.err == nil {
			v := lr.uleb()
			col := colMeta{spec: v >> 1, length: 1 - v&1} // length 1 marks a column to fill
			if col.length == 0 {
				o.cells[col.spec] = nil
			}
			p.cols = append(p.cols, col)
		}
		if lr.err != nil {
			return nil, nil, lr.err
		}
		parts = append(parts, p)
		refs = append(refs, rs)
		ops = append(ops, o)
		layouts = append(layouts, p.cols)
	}
	encoded := make([]map[uint64][]byte, len(parts))
	for i := range encoded {
		encoded[i] = map[uint64][]byte{}
	}
	budget := maxBatchValues
	for _, spec := range transposedOrder(layouts) {
		if spec&colDeflate != 0 {
			return nil, nil, fmt.Errorf("%w: deflated column in a transposed batch", ErrCorrupt)
		}
		rows := make([]int, len(parts))
		kept := make([]int, len(parts))
		total := 0
		for i, p := range parts {
			if !hasColumn(p.cols, spec) {
				continue
			}
			k, ok := ops[i].rows(spec)
			if !ok || total+k > maxColumnValues {
				return nil, nil, fmt.Errorf("%w: batch column too long", ErrCorrupt)
			}
			rows[i], kept[i] = k, ops[i].storedRows(spec, k)
			total += kept[i]
			if budget -= k; budget < 0 {
				return nil, nil, fmt.Errorf("%w: batch holds too many values", ErrCorrupt)
			}
		}
		data := r.take(int(r.uleb()))
		if r.err != nil {
			return nil, nil, r.err
		}
		if colType(spec) == ctRaw {
			if len(data) != total {
				return nil, nil, fmt.Errorf("%w: batch value bytes", ErrCorrupt)
			}
			for i, k := range kept {
				encoded[i][spec], data = data[:k], data[k:]
			}
			continue
		}
		cells, err := decodeColumn(storedType(spec), data, total)
		if err != nil {
			return nil, nil, err
		}
		for i, k := range kept {
			if !hasColumn(parts[i].cols, spec) {
				continue
			}
			ops[i].cells[spec] = ops[i].restore(spec, cells[:k], rows[i])
			cells = cells[k:]
			encoded[i][spec] = encodeColumn(colType(spec), ops[i].cells[spec])
		}
	}
	for i := range parts {
		p := &parts[i]
		for k, col := range p.cols {
			if col.length == 0 {
				continue
			}
			data := encoded[i][col.spec]
			p.cols[k].length = uint64(len(data))
			p.data = append(p.data, data...)
		}
	}
	return parts, refs, nil
}

// hasColumn reports whether a change has a non-empty column spec.
func hasColumn(cols []colMeta, spec uint64) bool {
	for _, c := range cols {
		if c.spec == spec && c.length > 0 {
			return true
		}
	}
	return false
}
