package crdt

import (
	"encoding/binary"
	"fmt"
)

// The fields every change of a batch has (dependencies, actor, sequence
// number, start op, time, message, …) are coded relative to the change
// before it, as small numbers per field. A small batch writes them
// change after change; a transposed batch gives every field a stream of
// its own, run-length encoded, so that a field that barely changes
// (one dependency, on the previous change; the same actor; sequence
// numbers counting up) costs a few bytes for the whole batch.

type field int

const (
	fDeps    field = iota // number of dependencies
	fRef                  // per dependency: k refers k changes back, 0 a hash in the byte stream
	fActor                // table index (also for the other actors a change names)
	fSeq                  // increase over the actor's previous change in the batch
	fStart                // zigzag difference from the start op the batch expected
	fTime                 // zigzag difference from the previous change's time
	fMessage              // table index
	fOthers               // number of other actors
	fLayout               // table index of the column layout
	fOps                  // number of ops (transposed batches)
	fLen                  // lengths: new table entries, extra bytes, columns
	nFields
)

// fieldSink takes the numbers and bytes of a batch's change fields.
type fieldSink interface {
	num(f field, v uint64)
	bytes(b []byte)
}

// fieldSource gives them back in the order they were written.
type fieldSource interface {
	num(f field) uint64
	bytes(n int) []byte
	failed() error
	fail(err error)
}

// inline writes every field in place, one change after the other.
type inline struct{ b []byte }

func (s *inline) num(_ field, v uint64) { s.b = binary.AppendUvarint(s.b, v) }
func (s *inline) bytes(b []byte)        { s.b = append(s.b, b...) }

type inlineSource struct{ r *reader }

func (s inlineSource) num(field) uint64   { return s.r.uleb() }
func (s inlineSource) bytes(n int) []byte { return s.r.take(n) }
func (s inlineSource) failed() error      { return s.r.err }
func (s inlineSource) fail(err error) {
	if s.r.err == nil {
		s.r.err = err
	}
}

// streams gives every field a run-length encoded column; literal bytes
// go to one stream of their own.
type streams struct {
	cols [nFields][]cell
	raw  []byte
}

func (s *streams) num(f field, v uint64) { s.cols[f] = append(s.cols[f], cell{n: int64(v)}) }
func (s *streams) bytes(b []byte)        { s.raw = append(s.raw, b...) }

func (s *streams) appendTo(b []byte) []byte {
	for _, col := range s.cols {
		b = appendBytes(b, encodeRLECells(ctULEB, col))
	}
	return appendBytes(b, s.raw)
}

type streamSource struct {
	cols [nFields][]cell
	raw  *reader
	err  error
}

func readStreams(r *reader) *streamSource {
	s := &streamSource{}
	budget := maxColumnValues
	for f := range s.cols {
		data := r.take(int(r.uleb()))
		if r.err != nil {
			s.err = r.err
			return s
		}
		if s.cols[f], s.err = decodeRLECells(ctULEB, data, budget); s.err != nil {
			return s
		}
		budget -= len(s.cols[f])
	}
	s.raw = &reader{b: r.take(int(r.uleb()))}
	s.err = r.err
	return s
}

func (s *streamSource) num(f field) uint64 {
	if s.err != nil {
		return 0
	}
	if len(s.cols[f]) == 0 || s.cols[f][0].null {
		s.err = fmt.Errorf("%w: batch field %d runs short", ErrCorrupt, f)
		return 0
	}
	v := s.cols[f][0].n
	s.cols[f] = s.cols[f][1:]
	return uint64(v)
}

func (s *streamSource) bytes(n int) []byte {
	if s.err != nil {
		return nil
	}
	b := s.raw.take(n)
	s.err = s.raw.err
	return b
}

func (s *streamSource) failed() error { return s.err }
func (s *streamSource) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// Change times are milliseconds, but whole seconds are usual (crdt
// commits round to them): the low bit says whether the rest counts
// seconds or milliseconds.
func timeDelta(ms int64) uint64 {
	if ms%1000 == 0 {
		return zigzag(ms/1000) << 1
	}
	return zigzag(ms)<<1 | 1
}

func untimeDelta(v uint64) int64 {
	if v&1 == 0 {
		return unzigzag(v>>1) * 1000
	}
	return unzigzag(v >> 1)
}

func zigzag(v int64) uint64   { return uint64(v<<1) ^ uint64(v>>63) }
func unzigzag(v uint64) int64 { return int64(v>>1) ^ -int64(v&1) }

// table interns byte strings: an index below its length refers to an
// entry; the length itself announces a new entry that follows.
type table [][]byte

// ref writes v's index, reporting true when the table already holds v;
// otherwise it adds v and writes the index that announces a new entry,
// whose bytes the caller writes next.
func (t *table) ref(s fieldSink, f field, v []byte) bool {
	for i, e := range *t {
		if string(e) == string(v) {
			s.num(f, uint64(i))
			return true
		}
	}
	s.num(f, uint64(len(*t)))
	*t = append(*t, v)
	return false
}

func (t *table) put(s fieldSink, f field, v []byte) {
	if !t.ref(s, f, v) {
		s.num(fLen, uint64(len(v)))
		s.bytes(v)
	}
}

// putActor is put for the actors table: an actor the receiver knows
// (ctx.actorKnown) goes as its first actorPrefixLen bytes, after a
// length of 0, which no actor id has.
func (t *table) putActor(s fieldSink, f field, v []byte, known func([]byte) bool) {
	switch {
	case t.ref(s, f, v):
	case known != nil && len(v) > actorPrefixLen && known(v):
		s.num(fLen, 0)
		s.bytes(v[:actorPrefixLen])
	default:
		s.num(fLen, uint64(len(v)))
		s.bytes(v)
	}
}

// entry reads an index: the entry it names, or fresh when it announces
// a new entry, which the caller reads and adds.
func (t *table) entry(s fieldSource, f field) (v []byte, fresh bool) {
	i := s.num(f)
	if s.failed() != nil {
		return nil, false
	}
	if i < uint64(len(*t)) {
		return (*t)[i], false
	}
	if i != uint64(len(*t)) {
		s.fail(fmt.Errorf("%w: batch table index", ErrCorrupt))
		return nil, false
	}
	return nil, true
}

func (t *table) get(s fieldSource, f field) []byte {
	v, fresh := t.entry(s, f)
	if !fresh {
		return v
	}
	v = s.bytes(int(s.num(fLen)))
	*t = append(*t, v)
	return v
}

// getActor reads what putActor wrote.
func (t *table) getActor(s fieldSource, f field, lookup func([]byte) ([]byte, bool)) []byte {
	v, fresh := t.entry(s, f)
	if !fresh {
		return v
	}
	if n := s.num(fLen); n > 0 {
		v = s.bytes(int(n))
		*t = append(*t, v)
		return v
	}
	p := s.bytes(actorPrefixLen)
	ok := false
	if lookup != nil && s.failed() == nil {
		v, ok = lookup(p)
	}
	if !ok {
		s.fail(fmt.Errorf("%w: an actor %x… this copy cannot name", ErrUnknownDep, p))
		return nil
	}
	*t = append(*t, v)
	return v
}

const actorPrefixLen = 4

// batchCoder codes the fields every change of a batch has, relative to
// the change before it.
type batchCoder struct {
	actors, messages, layouts table
	lastSeq                   map[string]uint64
	nextStart                 uint64 // the start op the next change most likely has
	prevTime                  int64
	hashes                    [][32]byte
	seeded                    uint64 // 1 when a base change (batchCtx.base) comes first, unsent
	prefixed                  func([]byte) bool
	actorKnown                func([]byte) bool
	actorLookup               func([]byte) ([]byte, bool)
}

func newBatchCoder(ctx *batchCtx) *batchCoder {
	c := &batchCoder{lastSeq: map[string]uint64{}}
	if ctx != nil {
		c.prefixed, c.actorKnown, c.actorLookup = ctx.prefixed, ctx.actorKnown, ctx.actorLookup
		if b := ctx.base; b != nil {
			// As if the base had gone first: the change after it
			// names it by a back-reference, and its actor, message,
			// layout, sequence number, start op and time are
			// differences from the base's.
			c.seeded = 1
			c.hashes = [][32]byte{b.hash()}
			c.actors = table{b.actor}
			c.messages = table{b.message}
			c.layouts = table{layoutKey(b.cols)}
			c.lastSeq[string(b.actor)] = b.seq
			c.nextStart, c.prevTime = b.startOp, b.time
		}
	}
	return c
}

// batchCtx is what sender and receiver of a push know alike beyond the
// batch: a dependency outside the batch that the receiver named to the
// sender goes as an 8-byte prefix of its hash, which the receiver finds
// among the heads it named (a 32-byte hash no compressor shrinks).
type batchCtx struct {
	// base is a change both sides hold, which the batch is coded as
	// following: a relay blob's changes most often follow the change
	// the blob before ended with (the same device typing on).
	base     *changeParts
	prefixed func(dep []byte) bool              // sender: may this dependency go as a prefix?
	lookup   func(prefix []byte) ([]byte, bool) // receiver: the hash a prefix stands for
	// Actors likewise: those whose certificates the receiver holds or
	// gets with the batch go as 4-byte prefixes.
	actorKnown  func(actor []byte) bool
	actorLookup func(prefix []byte) ([]byte, bool)
}

// Dependency references: refLiteral, a hash follows; refPrefix, its
// first prefixLen bytes follow; refBack+k, the change k places back.
const (
	refLiteral  = 0
	refPrefix   = 1
	refBack     = 1
	prefixLen   = 8
	refIsPrefix = ^uint64(0) // in decoded refs: deps[k] holds a prefix
)

func (c *batchCoder) putHeader(s fieldSink, p changeParts) {
	i := len(c.hashes)
	s.num(fDeps, uint64(len(p.deps)))
	for _, d := range p.deps {
		ref := refLiteral
		for j := i - 1; j >= 0; j-- {
			if string(c.hashes[j][:]) == string(d) {
				ref = refBack + i - j
				break
			}
		}
		if ref == refLiteral && c.prefixed != nil && c.prefixed(d) {
			ref = refPrefix
		}
		s.num(fRef, uint64(ref))
		switch ref {
		case refLiteral:
			s.bytes(d)
		case refPrefix:
			s.bytes(d[:prefixLen])
		}
	}
	c.hashes = append(c.hashes, p.hash())
	c.actors.putActor(s, fActor, p.actor, c.actorKnown)
	s.num(fSeq, p.seq-c.lastSeq[string(p.actor)])
	c.lastSeq[string(p.actor)] = p.seq
	s.num(fStart, zigzag(int64(p.startOp-c.nextStart)))
	c.nextStart = p.startOp
	s.num(fTime, timeDelta(p.time-c.prevTime))
	c.prevTime = p.time
	c.messages.put(s, fMessage, p.message)
	s.num(fOthers, uint64(len(p.others)))
	for _, o := range p.others {
		c.actors.putActor(s, fActor, o, c.actorKnown)
	}
}

// getHeader reads what putHeader wrote for change i; a dependency on an
// earlier change of the batch comes back as a back-reference in refs
// (0 for a literal hash), resolved once that change is rebuilt. limit
// bounds the counts it believes.
func (c *batchCoder) getHeader(s fieldSource, i uint64, limit int) (p changeParts, refs []uint64, err error) {
	nd := s.num(fDeps)
	if nd > uint64(limit) {
		return p, nil, fmt.Errorf("%w: batch deps", ErrCorrupt)
	}
	for k := uint64(0); k < nd && s.failed() == nil; k++ {
		ref := s.num(fRef)
		if ref > i+c.seeded+refBack {
			return p, nil, fmt.Errorf("%w: batch back-reference", ErrCorrupt)
		}
		var d []byte
		switch ref {
		case refLiteral:
			d = s.bytes(32)
		case refPrefix:
			d, ref = s.bytes(prefixLen), refIsPrefix
		default:
			ref -= refBack
		}
		refs = append(refs, ref)
		p.deps = append(p.deps, d)
	}
	p.actor = c.actors.getActor(s, fActor, c.actorLookup)
	p.seq = c.lastSeq[string(p.actor)] + s.num(fSeq)
	c.lastSeq[string(p.actor)] = p.seq
	p.startOp = c.nextStart + uint64(unzigzag(s.num(fStart)))
	c.nextStart = p.startOp
	p.time = c.prevTime + untimeDelta(s.num(fTime))
	c.prevTime = p.time
	p.message = c.messages.get(s, fMessage)
	no := s.num(fOthers)
	if no > uint64(limit) {
		return p, nil, fmt.Errorf("%w: batch actors", ErrCorrupt)
	}
	for k := uint64(0); k < no && s.failed() == nil; k++ {
		p.others = append(p.others, c.actors.getActor(s, fActor, c.actorLookup))
	}
	return p, refs, s.failed()
}
