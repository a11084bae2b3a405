package crdt

import (
	"encoding/binary"
	"fmt"
)

// Automerge stores a change's operations column by column, each column
// with its own run-length, delta or boolean encoding. A batch of typing
// from one peer therefore repeats the same short runs in every change
// ("one insert into this text, value of length one, no predecessor"),
// each with its own run headers and column lengths. Decoding every
// change's columns to values and encoding each column once over the
// whole batch lets those runs merge; the receiver cuts the values back
// into changes and encodes each change's columns the way Automerge does,
// which is deterministic, so the change hashes come out the same. The
// sender checks that before relying on it.

// Column types: the low three bits of a column spec.
const (
	ctGroup  = 0
	ctActor  = 1
	ctULEB   = 2
	ctDelta  = 3
	ctBool   = 4
	ctString = 5
	ctMeta   = 6
	ctRaw    = 7
)

// A few bytes of hostile run lengths could claim gigabytes: one column
// of a batch may expand to at most maxColumnValues values, a whole batch
// to maxBatchValues (about 64 MB while it is rebuilt). A sender's own
// check applies the same limits, so a batch too big for them simply
// travels in the verbatim format.
const (
	maxColumnValues = 1 << 20
	maxBatchValues  = 1 << 21
)

// cell is one value of a column: a number (unsigned values keep their
// bits), a string, or null. Booleans are 0 or 1.
type cell struct {
	null bool
	n    int64
	s    string
}

func colType(spec uint64) uint64 { return spec & 7 }
func colID(spec uint64) uint64   { return spec >> 4 }

// decodeColumn expands a column of type typ to its values; want < 0
// accepts any count, otherwise the column must hold exactly want values
// (an RLE column holding only nulls is written as nothing at all).
func decodeColumn(typ uint64, data []byte, want int) ([]cell, error) {
	var out []cell
	var err error
	limit := want
	if want < 0 {
		limit = maxColumnValues
	}
	switch typ {
	case ctBool:
		out, err = decodeBoolCells(data, limit)
	case ctRaw:
		return nil, fmt.Errorf("%w: raw column has no values", ErrCorrupt)
	default:
		out, err = decodeRLECells(typ, data, limit)
	}
	if err != nil {
		return nil, err
	}
	if len(data) == 0 && typ != ctBool && want > 0 {
		out = make([]cell, want)
		for i := range out {
			out[i].null = true
		}
	}
	if want >= 0 && len(out) != want {
		return nil, fmt.Errorf("%w: column holds %d values, expected %d", ErrCorrupt, len(out), want)
	}
	return out, nil
}

// decodeRLECells expands a run-length encoded column of at most limit values.
func decodeRLECells(typ uint64, data []byte, limit int) ([]cell, error) {
	r := &reader{b: data}
	var out []cell
	item := func() (cell, bool) {
		switch typ {
		case ctDelta:
			d, w := sleb(r.b)
			if w == 0 {
				return cell{}, false
			}
			r.b = r.b[w:]
			return cell{n: d}, true
		case ctString:
			s := r.take(int(r.uleb()))
			return cell{s: string(s)}, r.err == nil
		default:
			v := r.uleb()
			return cell{n: int64(v)}, r.err == nil
		}
	}
	for len(r.b) > 0 {
		count, w := sleb(r.b)
		if w == 0 {
			return nil, fmt.Errorf("%w: bad run length", ErrCorrupt)
		}
		r.b = r.b[w:]
		switch {
		case count > 0:
			if count > int64(limit-len(out)) {
				return nil, fmt.Errorf("%w: column too long", ErrCorrupt)
			}
			c, ok := item()
			if !ok {
				return nil, fmt.Errorf("%w: bad run value", ErrCorrupt)
			}
			for i := int64(0); i < count; i++ {
				out = append(out, c)
			}
		case count < 0:
			if -count > int64(limit-len(out)) {
				return nil, fmt.Errorf("%w: column too long", ErrCorrupt)
			}
			for i := int64(0); i < -count; i++ {
				c, ok := item()
				if !ok {
					return nil, fmt.Errorf("%w: bad literal", ErrCorrupt)
				}
				out = append(out, c)
			}
		default:
			nulls := r.uleb()
			if r.err != nil || nulls > uint64(limit-len(out)) {
				return nil, fmt.Errorf("%w: bad null run", ErrCorrupt)
			}
			for i := uint64(0); i < nulls; i++ {
				out = append(out, cell{null: true})
			}
		}
	}
	if typ == ctDelta {
		// Deltas become absolute values; a null leaves the sum alone.
		var abs int64
		for i := range out {
			if !out[i].null {
				abs += out[i].n
				out[i].n = abs
			}
		}
	}
	return out, nil
}

func decodeBoolCells(data []byte, limit int) ([]cell, error) {
	var out []cell
	v := int64(0)
	for len(data) > 0 {
		run, w := uleb(data)
		if w == 0 || run > uint64(limit-len(out)) {
			return nil, fmt.Errorf("%w: bad boolean run", ErrCorrupt)
		}
		data = data[w:]
		for ; run > 0; run-- {
			out = append(out, cell{n: v})
		}
		v ^= 1
	}
	return out, nil
}

// encodeColumn writes values as Automerge's encoders do.
func encodeColumn(typ uint64, cells []cell) []byte {
	if typ == ctBool {
		return encodeBoolCells(cells)
	}
	return encodeRLECells(typ, cells)
}

func encodeBoolCells(cells []cell) []byte {
	var b []byte
	last, count := int64(0), uint64(0)
	for _, c := range cells {
		if c.n == last {
			count++
			continue
		}
		b = binary.AppendUvarint(b, count)
		last, count = c.n, 1
	}
	if count > 0 {
		b = binary.AppendUvarint(b, count)
	}
	return b
}

// encodeRLECells cuts the values into blocks of equal neighbours: a block
// of two or more becomes a run, a block of nulls a null run, and
// neighbouring single values share one literal run. A column of nothing
// but nulls is written as nothing.
func encodeRLECells(typ uint64, cells []cell) []byte {
	items := cells
	if typ == ctDelta {
		items = make([]cell, len(cells))
		var abs int64
		for i, c := range cells {
			if c.null {
				items[i] = c
				continue
			}
			items[i] = cell{n: c.n - abs}
			abs = c.n
		}
	}
	allNull := true
	for _, c := range items {
		allNull = allNull && c.null
	}
	if allNull {
		return nil
	}
	put := func(b []byte, c cell) []byte {
		switch typ {
		case ctDelta:
			return appendSleb(b, c.n)
		case ctString:
			return appendBytes(b, []byte(c.s))
		default:
			return binary.AppendUvarint(b, uint64(c.n))
		}
	}
	var b []byte
	var literal []cell
	flush := func() {
		if len(literal) > 0 {
			b = appendSleb(b, -int64(len(literal)))
			for _, c := range literal {
				b = put(b, c)
			}
			literal = literal[:0]
		}
	}
	for i := 0; i < len(items); {
		j := i + 1
		for j < len(items) && items[j] == items[i] {
			j++
		}
		switch {
		case items[i].null:
			flush()
			b = appendSleb(b, 0)
			b = binary.AppendUvarint(b, uint64(j-i))
		case j-i > 1:
			flush()
			b = appendSleb(b, int64(j-i))
			b = put(b, items[i])
		default:
			literal = append(literal, items[i])
		}
		i = j
	}
	flush()
	return b
}
