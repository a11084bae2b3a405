package crdt

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"io"
)

// Automerge deflates each large column of a saved document on its own.
// A connection that deflates its whole stream does better with the
// columns as they are: one compressor sees every column, with one
// dictionary, instead of a dozen small ones each starting cold (about
// 2% of a 40 KB draft). Automerge loads either form; the heads, being
// change hashes, are the same.

// Uncompressed returns a saved document with each column's own
// compression undone, or the input itself when it is not a single
// document chunk it can read.
func Uncompressed(saved []byte) []byte {
	out, err := uncompressDoc(saved)
	if err != nil {
		return saved
	}
	return out
}

func uncompressDoc(saved []byte) ([]byte, error) {
	if err := checkChunks(saved); err != nil {
		return nil, err
	}
	n, w := uleb(saved[9:])
	if saved[8] != 0 || 9+w+int(n) != len(saved) {
		return nil, ErrCorrupt
	}
	r := &reader{b: saved[9+w:]}
	for na := r.uleb(); na > 0 && r.err == nil; na-- {
		r.take(int(r.uleb())) // actor ids
	}
	r.take(int(r.uleb()) * 32) // heads
	head := saved[9+w : len(saved)-len(r.b)]
	var groups [2][]colMeta // change columns, op columns
	for g := range groups {
		for nc := r.uleb(); nc > 0 && r.err == nil; nc-- {
			groups[g] = append(groups[g], colMeta{spec: r.uleb(), length: r.uleb()})
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	var data []byte
	for g, cols := range groups {
		for k, c := range cols {
			d := r.take(int(c.length))
			if r.err != nil {
				return nil, r.err
			}
			if c.spec&colDeflate != 0 {
				var err error
				if d, err = io.ReadAll(flate.NewReader(bytes.NewReader(d))); err != nil {
					return nil, err
				}
				groups[g][k].spec &^= colDeflate
			}
			groups[g][k].length = uint64(len(d))
			data = append(data, d...)
		}
	}
	body := append([]byte(nil), head...)
	for _, cols := range groups {
		body = binary.AppendUvarint(body, uint64(len(cols)))
		for _, c := range cols {
			body = binary.AppendUvarint(body, c.spec)
			body = binary.AppendUvarint(body, c.length)
		}
	}
	body = append(body, data...)
	body = append(body, r.b...) // heads' indexes, in newer documents
	hashed := append([]byte{0}, binary.AppendUvarint(nil, uint64(len(body)))...)
	hashed = append(hashed, body...)
	sum := sha256.Sum256(hashed)
	out := append(append([]byte{}, chunkMagic...), sum[:4]...)
	return append(out, hashed...), nil
}
