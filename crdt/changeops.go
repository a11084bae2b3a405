package crdt

import (
	"fmt"
)

// Reading a change's operations from its raw bytes lets the contribution
// log count the characters a commit inserted and deleted without storing
// the counts in every change's message: the counts differ from commit to
// commit and cost about 10% of a saved draft, while a message that only
// names kind and section repeats and Automerge's run-length encoding
// stores it almost for free.
//
// A change chunk (type 1, or type 2 deflated) holds dependencies, actor,
// sequence number, start op, time, message, other actors, then column
// metadata (spec, length) and the columns (parseChangeBody splits them).
// Only two columns matter here:
// the action of each op (unsigned LEB128, run-length encoded) and whether
// it inserts (boolean runs).

const (
	colInsert  = 3<<4 | 4 // boolean
	colAction  = 4<<4 | 2 // uLEB128, RLE
	colDeflate = 8        // bit set in a spec when the column is deflated

	actionSet    = 1
	actionDelete = 3
)

// textCounts returns how many elements a raw change inserted into lists
// or text and how many it deleted.
func textCounts(raw []byte) (inserted, deleted int, err error) {
	p, err := readChangeChunk(raw)
	if err != nil {
		return 0, 0, err
	}
	action, err := column(p.cols, p.data, colAction)
	if err != nil {
		return 0, 0, err
	}
	insert, err := column(p.cols, p.data, colInsert)
	if err != nil {
		return 0, 0, err
	}
	// The same decoders as everywhere else, with the same limit on what
	// a few bytes of run lengths may claim.
	actions, err := decodeColumn(ctULEB, action, -1)
	if err != nil {
		return 0, 0, err
	}
	inserts, err := decodeBoolCells(insert, len(actions))
	if err != nil {
		return 0, 0, err
	}
	for i, a := range actions {
		switch {
		case !a.null && a.n == actionSet && i < len(inserts) && inserts[i].n == 1:
			inserted++
		case !a.null && a.n == actionDelete:
			deleted++
		}
	}
	return inserted, deleted, nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) uleb() uint64 {
	if r.err != nil {
		return 0
	}
	v, w := uleb(r.b)
	if w == 0 {
		r.err = fmt.Errorf("%w: bad number in change", ErrCorrupt)
		return 0
	}
	r.b = r.b[w:]
	return v
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = fmt.Errorf("%w: change cut short", ErrCorrupt)
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

// takeHashes reads a count and that many 32-byte hashes, checking the
// count against the bytes left before multiplying it.
func (r *reader) takeHashes() []byte {
	n := r.uleb()
	if r.err == nil && n > uint64(len(r.b)/32) {
		r.err = fmt.Errorf("%w: hash list longer than its message", ErrCorrupt)
		return nil
	}
	return r.take(int(n) * 32)
}

// sleb decodes a signed LEB128 number, returning it and its width (0 if malformed).
func sleb(b []byte) (int64, int) {
	var v int64
	var shift uint
	for i := 0; i < len(b) && i < 10; i++ {
		v |= int64(b[i]&0x7f) << shift
		shift += 7
		if b[i]&0x80 == 0 {
			if shift < 64 && b[i]&0x40 != 0 {
				v |= -1 << shift
			}
			return v, i + 1
		}
	}
	return 0, 0
}
