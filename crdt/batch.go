package crdt

import (
	"bytes"
	"compress/flate"
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
	hashes := func() { r.takeHashes() }
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

// syncNeed returns the hashes a sync message asks for (nil when it cannot
// be read, which ReceiveMessage refuses).
func syncNeed(msg []byte) []string {
	r := &reader{b: msg}
	r.take(1)
	r.takeHashes() // heads
	raw := r.takeHashes()
	if r.err != nil {
		return nil
	}
	return hexHashes(raw)
}

// hexHashes spells consecutive 32-byte hashes in hex.
func hexHashes(raw []byte) []string {
	out := make([]string, len(raw)/32)
	for i := range out {
		out[i] = hex.EncodeToString(raw[i*32 : i*32+32])
	}
	return out
}

// syncReset reports whether a sync message is Automerge's reset (heads,
// but no need, no changes, and one Have with neither a last sync nor a
// Bloom filter: what a peer sends when it lacks heads we said we share)
// and returns the heads it announces, sorted.
func syncReset(msg []byte) (heads []string, reset bool) {
	r := &reader{b: msg}
	if len(msg) == 0 || msg[0] != syncMessageType {
		return nil, false
	}
	r.take(1)
	raw := r.takeHashes()
	need := r.takeHashes()
	// A peer with no changes at all greets with the same shape: not a reset.
	if len(raw) == 0 || len(need) > 0 || r.uleb() != 1 {
		return nil, false
	}
	lastSync := r.takeHashes()
	bloom := r.uleb()
	changes := r.uleb()
	if r.err != nil || len(lastSync) > 0 || bloom > 0 || changes > 0 || len(r.b) > 0 {
		return nil, false
	}
	heads = hexHashes(raw)
	sort.Strings(heads)
	return heads, true
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
	b = encodeBatch(b, parts, nil)
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
	chunks, rest, err := decodeBatch(r.b, nil)
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

// A batch starts with the number of changes shifted left by one, the low
// bit saying how the op columns travel: 0 each change's columns verbatim,
// grouped by column; 1 transposed (columns.go), every column encoded once
// for the whole batch. Then come the changes' fields, then the columns.

const (
	batchVerbatim   = 0
	batchTransposed = 1
)

// A batch is smaller than the chunks it stands for: tables and
// back-references let many changes share one message, one actor and
// their dependencies. A hostile batch can share a huge message among
// thousands of changes (256 changes naming one 1 MiB message are about
// a kilobyte on the wire, and 256 MiB rebuilt), so the chunks rebuilt
// from a batch may take at most expandPerByte bytes per byte of the
// batch, plus expandFloor, and never more than maxExpanded. Real
// batches of typing rebuild to 3 to 6 times their size.
const (
	expandPerByte = 32
	expandFloor   = 1 << 20
	maxExpanded   = 64 << 20
)

// ErrTooLarge is returned for a batch that would rebuild to more than
// its byte budget.
var ErrTooLarge = fmt.Errorf("%w: the changes would expand far beyond their size", ErrCorrupt)

func expandBudget(in int) int { return min(maxExpanded, expandFloor+expandPerByte*in) }

// rebuiltSize is what a change's chunk will take, near enough.
func (p changeParts) rebuiltSize() int {
	n := 64 + 32*len(p.deps) + len(p.actor) + len(p.message) + len(p.data) + len(p.extra) + 12*len(p.cols)
	for _, o := range p.others {
		n += len(o) + 2
	}
	return n
}

// resolve fills in back-referenced dependencies and builds the chunks,
// or refuses with ErrTooLarge before building more than budget bytes.
func resolve(parts []changeParts, refs [][]uint64, budget int, ctx *batchCtx) ([][]byte, error) {
	total := 0
	for i := range parts {
		if total += parts[i].rebuiltSize(); total > budget {
			return nil, ErrTooLarge
		}
	}
	hashes := make([][32]byte, 0, len(parts)+1)
	if ctx != nil && ctx.base != nil {
		hashes = append(hashes, ctx.base.hash())
	}
	chunks := make([][]byte, 0, len(parts))
	for i := range parts {
		p := &parts[i]
		for k, ref := range refs[i] {
			switch {
			case ref == refIsPrefix:
				var h []byte
				ok := false
				if ctx != nil && ctx.lookup != nil {
					h, ok = ctx.lookup(p.deps[k])
				}
				if !ok {
					return nil, fmt.Errorf("%w: a dependency %x… this copy cannot name", ErrUnknownDep, p.deps[k])
				}
				p.deps[k] = h
			case ref > 0:
				h := hashes[len(hashes)-int(ref)]
				p.deps[k] = h[:]
			}
		}
		hashes = append(hashes, p.hash())
		chunks = append(chunks, p.build())
	}
	return chunks, nil
}

// encodeBatch picks the format that compresses smaller, as the wire will
// deflate it: a transposed batch pays a few bytes of stream lengths that
// only a batch of several changes earns back.
func encodeBatch(b []byte, parts []changeParts, ctx *batchCtx) []byte {
	v := encodeVerbatim(nil, parts, ctx)
	if t, ok := encodeTransposed(parts, ctx); ok && deflatedSize(t) < deflatedSize(v) {
		return append(b, t...)
	}
	return append(b, v...)
}

func deflatedSize(b []byte) int {
	var n countWriter
	w, _ := flate.NewWriter(&n, flate.DefaultCompression)
	w.Write(b)
	w.Close()
	return int(n)
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

func decodeBatch(data []byte, ctx *batchCtx) (chunks [][]byte, rest []byte, err error) {
	r := &reader{b: data}
	head := r.uleb()
	n := head >> 1
	if r.err != nil || n > uint64(len(data)) {
		return nil, nil, fmt.Errorf("%w: batch size", ErrCorrupt)
	}
	var parts []changeParts
	var refs [][]uint64
	if head&1 == batchTransposed {
		parts, refs, err = decodeTransposed(r, n, ctx)
	} else {
		parts, refs, err = decodeVerbatim(r, n, ctx)
	}
	if err != nil {
		return nil, nil, err
	}
	chunks, err = resolve(parts, refs, expandBudget(len(data)), ctx)
	return chunks, r.b, err
}

// Verbatim format: each op column of every change is stored next to the
// same column of the other changes (all action columns, then all insert
// flags, …), not change after change, so that the compressor meets long
// runs of alike bytes; per-change lengths split them again.

func layoutKey(cols []colMeta) []byte {
	var b []byte
	for _, c := range cols {
		b = binary.AppendUvarint(b, c.spec)
	}
	return b
}

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

func encodeVerbatim(b []byte, parts []changeParts, ctx *batchCtx) []byte {
	c := newBatchCoder(ctx)
	b = binary.AppendUvarint(b, uint64(len(parts))<<1|batchVerbatim)
	allCols := make([][]colMeta, len(parts))
	w := &inline{b: b}
	for i, p := range parts {
		allCols[i] = p.cols
		c.putHeader(w, p)
		c.layouts.put(w, fLayout, layoutKey(p.cols))
		for _, col := range p.cols {
			w.num(fLen, col.length)
		}
		w.num(fLen, uint64(len(p.extra)))
		w.bytes(p.extra)
	}
	b = w.b
	for _, spec := range columnOrder(allCols) {
		for _, p := range parts {
			off := uint64(0)
			for _, col := range p.cols {
				if col.spec == spec {
					b = append(b, p.data[off:off+col.length]...)
				}
				off += col.length
			}
		}
	}
	return b
}

func decodeVerbatim(r *reader, n uint64, ctx *batchCtx) ([]changeParts, [][]uint64, error) {
	c := newBatchCoder(ctx)
	parts := make([]changeParts, 0, n)
	refs := make([][]uint64, 0, n)
	var total uint64
	src := inlineSource{r}
	for i := uint64(0); i < n && r.err == nil; i++ {
		p, rs, err := c.getHeader(src, i, len(r.b))
		if err != nil {
			return nil, nil, err
		}
		layout := c.layouts.get(src, fLayout)
		lr := &reader{b: layout}
		for len(lr.b) > 0 && lr.err == nil && r.err == nil {
			col := colMeta{spec: lr.uleb(), length: r.uleb()}
			total += col.length
			p.cols = append(p.cols, col)
		}
		p.extra = r.take(int(r.uleb()))
		if r.err == nil {
			r.err = lr.err
		}
		if total > uint64(len(r.b)) {
			return nil, nil, fmt.Errorf("%w: batch columns cut short", ErrCorrupt)
		}
		parts = append(parts, p)
		refs = append(refs, rs)
	}
	if r.err != nil {
		return nil, nil, r.err
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
			for k, col := range p.cols {
				if col.spec == spec {
					pieces[i][k] = r.take(int(col.length))
				}
			}
		}
	}
	for i := range parts {
		for _, piece := range pieces[i] {
			parts[i].data = append(parts[i].data, piece...)
		}
	}
	return parts, refs, nil
}

// SharedHeads reads the heads a saved sync state says both sides had.
func SharedHeads(saved []byte) []string {
	r := &reader{b: saved}
	if len(saved) == 0 || saved[0] != syncStateType {
		return nil
	}
	r.take(1)
	raw := r.takeHashes()
	if r.err != nil {
		return nil
	}
	out := hexHashes(raw)
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
func CompactChanges(data []byte) ([]byte, bool) { return CompactChangesFor(data, nil, nil) }

// CompactChangesFor is CompactChanges for a receiver that named the
// given heads and knows the given actors (hex): a dependency on one of
// those heads goes as an 8-byte prefix, one of those actors as a 4-byte
// one, which ExpandChangesFor finds among what the receiver knows.
func CompactChangesFor(data []byte, named, actors []string) ([]byte, bool) {
	return CompactChangesAfter(data, named, actors, nil)
}

// CompactChangesAfter is CompactChangesFor for a receiver that also
// holds the change base (a chunk): the batch is coded as following it, so
// that a change that follows it names it in a byte and its fields are
// differences from base's. ExpandChangesAfter needs the same base.
func CompactChangesAfter(data []byte, named, actors []string, base []byte) ([]byte, bool) {
	ctx := pushCtx(named, actors)
	if base != nil {
		bp, err := parseChange(base)
		if err != nil {
			return nil, false
		}
		if ctx == nil {
			ctx = &batchCtx{}
		}
		ctx.base = &bp
	}
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
	b := encodeBatch(nil, parts, ctx)
	if back, err := ExpandChangesAfter(b, named, actors, base); err != nil || !bytes.Equal(back, data) {
		return nil, false
	}
	return b, true
}

// pushCtx makes the batch context of lists of heads and actors (hex),
// both for the sender (what may go as a prefix) and the receiver (what a
// prefix stands for). A prefix two entries share stands for neither.
func pushCtx(named, actors []string) *batchCtx {
	if len(named) == 0 && len(actors) == 0 {
		return nil
	}
	heads, acts := byPrefix(named, prefixLen), byPrefix(actors, actorPrefixLen)
	return &batchCtx{
		prefixed:    heads.has,
		lookup:      heads.find,
		actorKnown:  acts.has,
		actorLookup: acts.find,
	}
}

type prefixIndex struct {
	full map[string][]byte
	n    int
}

func byPrefix(list []string, n int) prefixIndex {
	x := prefixIndex{full: map[string][]byte{}, n: n}
	for _, h := range list {
		raw, err := hex.DecodeString(h)
		if err != nil || len(raw) <= n {
			continue
		}
		k := string(raw[:n])
		if old, ok := x.full[k]; ok && !bytes.Equal(old, raw) {
			x.full[k] = nil // ambiguous
			continue
		}
		x.full[k] = raw
	}
	return x
}

func (x prefixIndex) has(v []byte) bool {
	return len(v) > x.n && bytes.Equal(x.full[string(v[:x.n])], v)
}

func (x prefixIndex) find(p []byte) ([]byte, bool) {
	v := x.full[string(p)]
	return v, v != nil
}

// ExpandChanges rebuilds the chunks CompactChanges rewrote.
func ExpandChanges(compact []byte) ([]byte, error) { return ExpandChangesFor(compact, nil, nil) }

// ExpandChangesFor rebuilds the chunks CompactChangesFor rewrote for a
// receiver that named the given heads (and maybe more: a prefix is
// looked up among all of them).
func ExpandChangesFor(compact []byte, named, actors []string) ([]byte, error) {
	return ExpandChangesAfter(compact, named, actors, nil)
}

// ExpandChangesAfter rebuilds the chunks CompactChangesAfter rewrote
// after base.
func ExpandChangesAfter(compact []byte, named, actors []string, base []byte) ([]byte, error) {
	ctx := pushCtx(named, actors)
	if base != nil {
		bp, err := parseChange(base)
		if err != nil {
			return nil, err
		}
		if ctx == nil {
			ctx = &batchCtx{}
		}
		ctx.base = &bp
	}
	chunks, rest, err := decodeBatch(compact, ctx)
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
