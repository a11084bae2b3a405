package crdt

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"

	"github.com/automerge/automerge-go"
)

// Compact change batches. A sync message carries changes as whole chunks;
// compactSync rewrites that list as a batch in which each change keeps its
// columns verbatim but drops what the receiver can derive:
//   - dependencies on an earlier change of the batch become a back-reference
//     (one byte instead of a 32-byte hash, which no compressor can shrink);
//   - the actor and the message become indexes into tables built as the
//     batch goes (a run of typing shares both);
//   - sequence number, start op and time become small deltas;
//   - the column layout (specs) becomes an index into a table as well;
//   - the checksum and the chunk header are recomputed on arrival.
// expandSync rebuilds the exact message, so the change hashes, and with
// them Automerge's view of the history, are unchanged.

const syncMessageType = 0x42

// splitSync finds the list of changes in an Automerge sync message:
// everything before it (type, heads, need, have) and after it are kept
// verbatim.
func splitSync(msg []byte) (prefix []byte, changes [][]byte, suffix []byte, err error) {
	r := &reader{b: msg}
	if len(msg) == 0 || msg[0] != syncMessageType {
		return nil, nil, nil, fmt.Errorf("%w: not a sync message", ErrCorrupt)
	}
	r.take(1)
	hashes := func() {
		n := r.uleb()
		r.take(int(n) * 32)
	}
	hashes() // heads
	hashes() // need
	for n := r.uleb(); n > 0 && r.err == nil; n-- {
		hashes()              // last sync
		r.take(int(r.uleb())) // bloom filter
	}
	if r.err != nil {
		return nil, nil, nil, r.err
	}
	prefix = msg[:len(msg)-len(r.b)]
	for n := r.uleb(); n > 0 && r.err == nil; n-- {
		changes = append(changes, r.take(int(r.uleb())))
	}
	if r.err != nil {
		return nil, nil, nil, r.err
	}
	return prefix, changes, r.b, nil
}

// CompactSync rewrites a sync message's changes as a compact batch. It
// returns ok=false (and the caller sends the message as it is) when the
// message cannot be read that way.
func CompactSync(msg []byte) (out []byte, ok bool) {
	prefix, changes, suffix, err := splitSync(msg)
	if err != nil || len(changes) == 0 {
		return nil, false
	}
	parts := make([]changeParts, len(changes))
	for i, c := range changes {
		if parts[i], err = parseChange(c); err != nil {
			return nil, false
		}
	}
	b := binary.AppendUvarint(nil, uint64(len(prefix)))
	b = append(b, prefix...)
	b = encodeBatch(b, parts)
	b = append(b, suffix...)
	// A message the peer could not rebuild would fail every session
	// after it; checking here costs little next to a round trip on a
	// slow link, and any surprise falls back to the plain message.
	if back, err := ExpandSync(b); err != nil || !bytes.Equal(back, msg) {
		return nil, false
	}
	return b, true
}

// ExpandSync rebuilds the sync message CompactSync rewrote.
func ExpandSync(compact []byte) ([]byte, error) {
	r := &reader{b: compact}
	prefix := r.take(int(r.uleb()))
	if r.err != nil {
		return nil, r.err
	}
	chunks, rest, err := decodeBatch(r.b)
	if err != nil {
		return nil, err
	}
	msg := append([]byte(nil), prefix...)
	msg = binary.AppendUvarint(msg, uint64(len(chunks)))
	for _, c := range chunks {
		msg = appendBytes(msg, c)
	}
	return append(msg, rest...), nil
}

// table interns byte strings: an index below its length refers to an
// entry; the length itself announces a new entry that follows.
type table [][]byte

func (t *table) put(b []byte, v []byte) []byte {
	for i, e := range *t {
		if string(e) == string(v) {
			return binary.AppendUvarint(b, uint64(i))
		}
	}
	b = binary.AppendUvarint(b, uint64(len(*t)))
	*t = append(*t, v)
	return appendBytes(b, v)
}

func (t *table) get(r *reader) []byte {
	i := r.uleb()
	if r.err != nil {
		return nil
	}
	if i < uint64(len(*t)) {
		return (*t)[i]
	}
	if i != uint64(len(*t)) {
		r.err = fmt.Errorf("%w: batch table index", ErrCorrupt)
		return nil
	}
	v := r.take(int(r.uleb()))
	*t = append(*t, v)
	return v
}

func layoutKey(cols []colMeta) []byte {
	var b []byte
	for _, c := range cols {
		b = binary.AppendUvarint(b, c.spec)
	}
	return b
}

// Within a batch, each op column of every change is stored next to the
// same column of the other changes (all action columns, then all insert
// flags, then all inserted text, …), not change after change: the
// compressor then meets long runs of alike bytes. The per-change lengths
// in the metadata split them again.

// columnOrder lists the column specs of a batch in order of first use.
func columnOrder(all [][]colMeta) []uint64 {
	var order []uint64
	seen := map[uint64]bool{}
	for _, cols := range all {
		for _, c := range cols {
			if !seen[c.spec] {
				seen[c.spec] = true
				order = append(order, c.spec)
			}
		}
	}
	return order
}

func encodeBatch(b []byte, parts []changeParts) []byte {
	var actors, messages, layouts table
	lastSeq := map[string]uint64{}
	var prevStart uint64
	var prevTime int64
	hashes := make([][32]byte, len(parts))
	b = binary.AppendUvarint(b, uint64(len(parts)))
	allCols := make([][]colMeta, len(parts))
	for i, p := range parts {
		hashes[i] = p.hash()
		allCols[i] = p.cols
		b = binary.AppendUvarint(b, uint64(len(p.deps)))
		for _, d := range p.deps {
			ref := 0
			for j := i - 1; j >= 0; j-- {
				if string(hashes[j][:]) == string(d) {
					ref = i - j
					break
				}
			}
			b = binary.AppendUvarint(b, uint64(ref))
			if ref == 0 {
				b = append(b, d...)
			}
		}
		b = actors.put(b, p.actor)
		b = binary.AppendUvarint(b, p.seq-lastSeq[string(p.actor)])
		lastSeq[string(p.actor)] = p.seq
		b = appendSleb(b, int64(p.startOp-prevStart))
		prevStart = p.startOp
		b = appendSleb(b, p.time-prevTime)
		prevTime = p.time
		b = messages.put(b, p.message)
		b = binary.AppendUvarint(b, uint64(len(p.others)))
		for _, o := range p.others {
			b = appendBytes(b, o)
		}
		b = layouts.put(b, layoutKey(p.cols))
		for _, c := range p.cols {
			b = binary.AppendUvarint(b, c.length)
		}
		b = appendBytes(b, p.extra)
	}
	for _, spec := range columnOrder(allCols) {
		for _, p := range parts {
			off := uint64(0)
			for _, c := range p.cols {
				if c.spec == spec {
					b = append(b, p.data[off:off+c.length]...)
				}
				off += c.length
			}
		}
	}
	return b
}

func decodeBatch(data []byte) (chunks [][]byte, rest []byte, err error) {
	r := &reader{b: data}
	var actors, messages, layouts table
	lastSeq := map[string]uint64{}
	var prevStart uint64
	var prevTime int64
	n := r.uleb()
	if n > uint64(len(data)) {
		return nil, nil, fmt.Errorf("%w: batch size", ErrCorrupt)
	}
	parts := make([]changeParts, 0, n)
	refs := make([][]uint64, 0, n) // per change, per dependency: 0 literal, k back-reference
	var total uint64
	for i := uint64(0); i < n && r.err == nil; i++ {
		var p changeParts
		nd := r.uleb()
		if nd > uint64(len(r.b)) {
			return nil, nil, fmt.Errorf("%w: batch deps", ErrCorrupt)
		}
		var rs []uint64
		for k := uint64(0); k < nd && r.err == nil; k++ {
			ref := r.uleb()
			if ref > i {
				r.err = fmt.Errorf("%w: batch back-reference", ErrCorrupt)
				break
			}
			var d []byte
			if ref == 0 {
				d = r.take(32)
			}
			rs = append(rs, ref)
			p.deps = append(p.deps, d)
		}
		p.actor = actors.get(r)
		p.seq = lastSeq[string(p.actor)] + r.uleb()
		lastSeq[string(p.actor)] = p.seq
		if r.err != nil {
			break
		}
		ds, w := sleb(r.b)
		if w == 0 {
			return nil, nil, fmt.Errorf("%w: batch numbers", ErrCorrupt)
		}
		dt, w2 := sleb(r.b[w:])
		if w2 == 0 {
			return nil, nil, fmt.Errorf("%w: batch numbers", ErrCorrupt)
		}
		r.b = r.b[w+w2:]
		p.startOp, p.time = prevStart+uint64(ds), prevTime+dt
		prevStart, prevTime = p.startOp, p.time
		p.message = messages.get(r)
		no := r.uleb()
		if no > uint64(len(r.b)) {
			return nil, nil, fmt.Errorf("%w: batch actors", ErrCorrupt)
		}
		for k := uint64(0); k < no && r.err == nil; k++ {
			p.others = append(p.others, r.take(int(r.uleb())))
		}
		layout := layouts.get(r)
		lr := &reader{b: layout}
		for len(lr.b) > 0 && lr.err == nil && r.err == nil {
			c := colMeta{spec: lr.uleb(), length: r.uleb()}
			total += c.length
			p.cols = append(p.cols, c)
		}
		p.extra = r.take(int(r.uleb()))
		if r.err != nil || lr.err != nil {
			if r.err == nil {
				r.err = lr.err
			}
			break
		}
		if total > uint64(len(data)) {
			return nil, nil, fmt.Errorf("%w: batch columns", ErrCorrupt)
		}
		parts = append(parts, p)
		refs = append(refs, rs)
	}
	if r.err != nil {
		return nil, nil, r.err
	}
	if total > uint64(len(r.b)) {
		return nil, nil, fmt.Errorf("%w: batch columns cut short", ErrCorrupt)
	}
	// Gather each change's columns back from the per-column runs.
	allCols := make([][]colMeta, len(parts))
	pieces := make([][][]byte, len(parts))
	for i, p := range parts {
		allCols[i] = p.cols
		pieces[i] = make([][]byte, len(p.cols))
	}
	for _, spec := range columnOrder(allCols) {
		for i, p := range parts {
			for k, c := range p.cols {
				if c.spec == spec {
					pieces[i][k] = r.take(int(c.length))
				}
			}
		}
	}
	hashes := make([][32]byte, 0, len(parts))
	for i := range parts {
		p := &parts[i]
		for _, piece := range pieces[i] {
			p.data = append(p.data, piece...)
		}
		for k, ref := range refs[i] {
			if ref > 0 {
				h := hashes[len(hashes)-int(ref)]
				p.deps[k] = h[:]
			}
		}
		hashes = append(hashes, p.hash())
		chunks = append(chunks, p.build())
	}
	return chunks, r.b, nil
}

// SharedHeads reads the heads a saved sync state says both sides had.
func SharedHeads(saved []byte) []string {
	r := &reader{b: saved}
	if len(saved) == 0 || saved[0] != syncStateType {
		return nil
	}
	r.take(1)
	n := r.uleb()
	if n > uint64(len(r.b))/32 {
		return nil
	}
	out := make([]string, 0, n)
	for i := uint64(0); i < n && r.err == nil; i++ {
		out = append(out, hex.EncodeToString(r.take(32)))
	}
	if r.err != nil {
		return nil
	}
	sort.Strings(out)
	return out
}

// splitChunks cuts concatenated chunks apart.
func splitChunks(data []byte) ([][]byte, error) {
	if err := checkChunks(data); err != nil {
		return nil, err
	}
	var out [][]byte
	for len(data) > 0 {
		n, w := uleb(data[9:])
		end := 9 + w + int(n)
		out = append(out, data[:end])
		data = data[end:]
	}
	return out, nil
}

// CompactChanges rewrites concatenated change chunks as a compact batch;
// ok=false means send them as they are.
func CompactChanges(data []byte) ([]byte, bool) {
	chunks, err := splitChunks(data)
	if err != nil || len(chunks) == 0 {
		return nil, false
	}
	parts := make([]changeParts, len(chunks))
	for i, c := range chunks {
		if parts[i], err = parseChange(c); err != nil {
			return nil, false
		}
	}
	b := encodeBatch(nil, parts)
	if back, err := ExpandChanges(b); err != nil || !bytes.Equal(back, data) {
		return nil, false
	}
	return b, true
}

// ExpandChanges rebuilds the chunks CompactChanges rewrote.
func ExpandChanges(compact []byte) ([]byte, error) {
	chunks, rest, err := decodeBatch(compact)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: bytes after a change batch", ErrCorrupt)
	}
	var out []byte
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out, nil
}

// HasAll reports whether the document holds every change named by heads.
func (d *Doc) HasAll(heads []string) bool { return len(d.Known(heads)) == len(heads) }

// Known returns the heads the document holds, dropping unknown ones.
// (Automerge's Changes(since) ignores hashes it does not know, so it
// cannot answer this.)
func (d *Doc) Known(heads []string) []string {
	var out []string
	for _, h := range heads {
		ch, err := automerge.NewChangeHash(h)
		if err != nil {
			continue
		}
		if _, err := d.am.Change(ch); err == nil {
			out = append(out, h)
		}
	}
	return out
}

// ChunkHashes returns the change hashes of concatenated change chunks,
// in order: what their heads will be called once applied.
func ChunkHashes(data []byte) ([]string, error) {
	chunks, err := splitChunks(data)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(chunks))
	for i, c := range chunks {
		if c[8] != 1 {
			return nil, fmt.Errorf("%w: compressed change chunk", ErrCorrupt)
		}
		sum := sha256.Sum256(c[8:])
		out[i] = hex.EncodeToString(sum[:])
	}
	return out, nil
}
