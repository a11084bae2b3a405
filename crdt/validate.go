package crdt

import "fmt"

// The pinned Automerge core aborts the process (it links panic_abort) on
// some well-formed input it does not expect: an operation whose action
// number it does not know reaches an unreachable!() (found by
// FuzzAutomergeBehindChecksum). So before any chunk reaches it, the
// action column of every change and of a whole document is decoded here,
// within the same byte limits as everything else, and actions BPF Draft
// never writes are refused.

// maxAction is the highest action BPF Draft writes: 0 make map, 1 set,
// 2 make list, 3 delete, 4 make text, 5 increment.
const maxAction = 5

// checkActions verifies the action column of each chunk in data (which
// checkChunks has already found whole and intact).
func checkActions(data []byte) error {
	for off := 0; off < len(data); {
		rest := data[off:]
		n, w := uleb(rest[9:])
		end := 9 + w + int(n)
		var action []byte
		var err error
		switch rest[8] {
		case 0:
			action, err = docActionColumn(rest[9+w : end])
		default:
			action, err = changeActionColumn(rest[:end])
		}
		if err == nil {
			err = allowedActions(action)
		}
		if err != nil {
			return fmt.Errorf("chunk at byte %d: %w", off, err)
		}
		off += end
	}
	return nil
}

func allowedActions(column []byte) error {
	actions, err := decodeColumn(ctULEB, column, -1)
	if err != nil {
		return err
	}
	for _, a := range actions {
		if !a.null && (a.n < 0 || a.n > maxAction) {
			return fmt.Errorf("%w: an operation of kind %d, which BPF Draft never writes", ErrCorrupt, a.n)
		}
	}
	return nil
}

// changeActionColumn returns a change chunk's action column, inflated.
func changeActionColumn(chunk []byte) ([]byte, error) {
	p, err := parseChangeChunk(chunk)
	if err != nil {
		return nil, err
	}
	return column(p.cols, p.data, colAction)
}

// docActionColumn returns a document chunk's operation action column,
// inflated. The body holds actors, heads, the change columns' metadata,
// the operation columns' metadata, then the change columns' bytes and the
// operation columns' bytes (and head indexes after them).
func docActionColumn(body []byte) ([]byte, error) {
	r := &reader{b: body}
	for n := r.uleb(); n > 0 && r.err == nil; n-- {
		r.take(int(r.uleb())) // actor
	}
	r.takeHashes() // heads
	meta := func() ([]colMeta, uint64) {
		var cols []colMeta
		var total uint64
		for n := r.uleb(); n > 0 && r.err == nil; n-- {
			c := colMeta{spec: r.uleb(), length: r.uleb()}
			if c.length > uint64(len(body)) {
				r.err = fmt.Errorf("%w: column longer than its document", ErrCorrupt)
			}
			total += c.length
			cols = append(cols, c)
		}
		return cols, total
	}
	_, changeBytes := meta()
	opCols, opBytes := meta()
	r.take(int(min(changeBytes, uint64(len(body)))))
	data := r.take(int(min(opBytes, uint64(len(body)))))
	if r.err != nil {
		return nil, fmt.Errorf("%w: document layout: %v", ErrCorrupt, r.err)
	}
	return column(opCols, data, colAction)
}

// column returns the data of the column with the given spec (ignoring the
// deflate bit, and inflating within the usual limit); nil when absent.
func column(cols []colMeta, data []byte, spec uint64) ([]byte, error) {
	off := uint64(0)
	for _, c := range cols {
		if off+c.length > uint64(len(data)) {
			return nil, fmt.Errorf("%w: columns longer than their data", ErrCorrupt)
		}
		d := data[off : off+c.length]
		off += c.length
		if c.spec&^colDeflate != spec {
			continue
		}
		if c.spec&colDeflate != 0 {
			var err error
			if d, err = inflateLimited(d, len(d)); err != nil {
				return nil, fmt.Errorf("%w: column: %v", ErrCorrupt, err)
			}
		}
		return d, nil
	}
	return nil, nil
}
