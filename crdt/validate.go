package crdt

import (
	"errors"
	"fmt"
)

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

// Automerge keeps every operation a draft ever held (each character
// typed, deleted ones too) and loading costs about 5 µs and up to 0.9 KB
// per operation, while run lengths and deflate let a few bytes claim a
// million operations. What comes from elsewhere (an import, a peer's
// changes or whole draft) may hold at most foreignOps(its size): opsPerByte
// per byte, eight times what text of common words takes, plus one
// draft's worth (foreignAllowance), so that one paste of a rule of dashes
// or one deletion of a whole draft, which run lengths make a few bytes,
// still travels; a kilobyte claims at most a quarter of a million. Each
// change is held besides to inserting, and deleting, at most a draft's
// worth (MaxInsertPerChange). Chunks read back from this machine's own
// data file were checked when they arrived or were built here from
// checked ones, so a draft that grew past the bound in use still opens
// (storedOps only guards against nonsense).
const (
	opsPerByte = 64
	storedOps  = 1 << 28
)

// foreignAllowance is a variable so that tests can lower it: a draft past
// the real one takes seconds to build and load.
var foreignAllowance = MaxInsertPerChange

func foreignOps(size int) int { return opsPerByte*size + foreignAllowance }

// ErrTooManyOps is returned for data from elsewhere that holds more
// operations than its size allows; it is refused, as data crafted to
// expand is, without reaching Automerge. It is not damage, but callers
// treat it as they treat ErrCorrupt (errors.Is matches both).
var ErrTooManyOps error = tooManyOps{}

type tooManyOps struct{}

func (tooManyOps) Error() string        { return "too many operations" }
func (tooManyOps) Is(target error) bool { return target == ErrCorrupt }

// Operations checks data (chunks from Save, SaveIncremental or Changes)
// as loading it would, without loading it, and returns how many
// operations it holds: what loading it into Automerge will cost.
func Operations(data []byte) (int, error) {
	if err := checkChunks(data); err != nil {
		return 0, err
	}
	return countActions(data, storedOps)
}

// checkActions verifies the action column of each chunk in data (which
// checkChunks has already found whole and intact), and that together
// they hold at most limit operations.
func checkActions(data []byte, limit int) error {
	_, err := countActions(data, limit)
	return err
}

func countActions(data []byte, limit int) (int, error) {
	total := 0
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
		ops := 0
		if err == nil {
			ops, err = allowedActions(action, limit-total)
		}
		if errors.Is(err, errOverLimit) {
			return 0, fmt.Errorf("%w: more than %d for %d bytes (a draft's operations are every character ever typed in it, deleted ones too); BPF Draft takes no more from a file or a peer, as such data can be made to exhaust memory", ErrTooManyOps, limit, len(data))
		}
		if err != nil {
			return 0, fmt.Errorf("chunk at byte %d: %w", off, err)
		}
		total += ops
		off += end
	}
	return total, nil
}

var errOverLimit = errors.New("over the limit")

// allowedActions checks a run-length encoded action column without
// expanding it (a run of a million inserts is one value and a count), and
// returns how many operations it holds, at most limit.
func allowedActions(column []byte, limit int) (int, error) {
	r := &reader{b: column}
	n := 0
	check := func() error {
		a := r.uleb()
		if r.err != nil {
			return fmt.Errorf("%w: bad action value", ErrCorrupt)
		}
		if a > maxAction {
			return fmt.Errorf("%w: an operation of kind %d, which BPF Draft never writes", ErrCorrupt, a)
		}
		return nil
	}
	for len(r.b) > 0 {
		count, w := sleb(r.b)
		if w == 0 {
			return 0, fmt.Errorf("%w: bad run length", ErrCorrupt)
		}
		r.b = r.b[w:]
		var run uint64
		switch {
		case count > 0:
			if err := check(); err != nil {
				return 0, err
			}
			run = uint64(count)
		case count < 0:
			run = uint64(-count)
			if run > uint64(limit-n) {
				return 0, errOverLimit
			}
			for range run {
				if err := check(); err != nil {
					return 0, err
				}
			}
		default:
			run = r.uleb()
			if r.err != nil {
				return 0, fmt.Errorf("%w: bad null run", ErrCorrupt)
			}
		}
		if run > uint64(limit-n) {
			return 0, errOverLimit
		}
		n += int(run)
	}
	return n, nil
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
