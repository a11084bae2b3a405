package crdt

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// A change chunk repeats, for every change, what a batch of changes from
// one peer mostly shares: the same actor, sequence numbers counting up,
// dependencies that are the previous change of the batch, a checksum the
// receiver can recompute. changeParts splits a chunk into its fields so
// that a batch can be sent without what the receiver can derive, and
// build puts the exact chunk back together: the change's hash, which is
// the SHA-256 of the chunk, comes out the same.

type changeParts struct {
	deps    [][]byte // 32-byte hashes
	actor   []byte
	seq     uint64
	startOp uint64
	time    int64
	message []byte
	others  [][]byte
	cols    []colMeta
	data    []byte // the columns' bytes, concatenated
	extra   []byte
}

type colMeta struct{ spec, length uint64 }

// parseChange splits an uncompressed change chunk (type 1, the only kind
// this Automerge version writes for a change). Callers fall back to the
// raw bytes for anything else.
func parseChange(chunk []byte) (changeParts, error) {
	var p changeParts
	if err := checkChunks(chunk); err != nil {
		return p, err
	}
	n, w := uleb(chunk[9:])
	body := chunk[9+w : 9+w+int(n)]
	if int(9+w)+int(n) != len(chunk) {
		return p, fmt.Errorf("%w: more than one chunk", ErrCorrupt)
	}
	if chunk[8] != 1 {
		return p, fmt.Errorf("%w: not an uncompressed change chunk (type %d)", ErrCorrupt, chunk[8])
	}
	return parseChangeBody(body)
}

// parseChangeBody splits the body of a change chunk into its fields.
func parseChangeBody(body []byte) (changeParts, error) {
	var p changeParts
	r := &reader{b: body}
	for nd := r.uleb(); nd > 0 && r.err == nil; nd-- {
		p.deps = append(p.deps, r.take(32))
	}
	p.actor = r.take(int(r.uleb()))
	p.seq = r.uleb()
	p.startOp = r.uleb()
	if r.err == nil {
		t, w := sleb(r.b)
		if w == 0 {
			return p, fmt.Errorf("%w: change time", ErrCorrupt)
		}
		p.time, r.b = t, r.b[w:]
	}
	p.message = r.take(int(r.uleb()))
	for no := r.uleb(); no > 0 && r.err == nil; no-- {
		p.others = append(p.others, r.take(int(r.uleb())))
	}
	var total uint64
	for nc := r.uleb(); nc > 0 && r.err == nil; nc-- {
		c := colMeta{spec: r.uleb(), length: r.uleb()}
		total += c.length
		p.cols = append(p.cols, c)
	}
	p.data = r.take(int(total))
	if r.err != nil {
		return p, r.err
	}
	p.extra = r.b
	return p, nil
}

// body serialises the fields as a change chunk's body.
func (p changeParts) body() []byte {
	b := binary.AppendUvarint(nil, uint64(len(p.deps)))
	for _, d := range p.deps {
		b = append(b, d...)
	}
	b = appendBytes(b, p.actor)
	b = binary.AppendUvarint(b, p.seq)
	b = binary.AppendUvarint(b, p.startOp)
	b = appendSleb(b, p.time)
	b = appendBytes(b, p.message)
	b = binary.AppendUvarint(b, uint64(len(p.others)))
	for _, o := range p.others {
		b = appendBytes(b, o)
	}
	b = binary.AppendUvarint(b, uint64(len(p.cols)))
	for _, c := range p.cols {
		b = binary.AppendUvarint(b, c.spec)
		b = binary.AppendUvarint(b, c.length)
	}
	b = append(b, p.data...)
	return append(b, p.extra...)
}

// build returns the change as an uncompressed chunk (type 1) with its checksum.
func (p changeParts) build() []byte {
	body := p.body()
	hashed := append([]byte{1}, binary.AppendUvarint(nil, uint64(len(body)))...)
	hashed = append(hashed, body...)
	sum := sha256.Sum256(hashed)
	out := append(append([]byte{}, chunkMagic...), sum[:4]...)
	return append(out, hashed...)
}

// hash returns the change hash (hex), the SHA-256 of type, length and body.
func (p changeParts) hash() [32]byte {
	body := p.body()
	hashed := append([]byte{1}, binary.AppendUvarint(nil, uint64(len(body)))...)
	return sha256.Sum256(append(hashed, body...))
}

func appendBytes(b, v []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(v))), v...)
}

// appendSleb appends v as signed LEB128 (not Go's zigzag varint), as
// Automerge writes times.
func appendSleb(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
