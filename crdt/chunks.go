package crdt

import (
	"bytes"
	"crypto/sha256"
	"fmt"
)

// Automerge's loader is strict only for an empty document: loading into a
// document that already has content stops at the first bad chunk and
// keeps what came before, without an error. A stored chunk damaged on
// disk would then vanish silently, so every byte string is checked here
// first: each Automerge chunk is magic (4 bytes), checksum (4), type (1),
// length (LEB128) and payload, and the checksum is the first four bytes
// of SHA-256 over type, length and payload.

var chunkMagic = []byte{0x85, 0x6f, 0x4a, 0x83}

// checkChunks verifies that data is a sequence of whole, intact Automerge
// chunks.
func checkChunks(data []byte) error {
	if len(data) == 0 {
		return fmt.Errorf("%w: empty", ErrCorrupt)
	}
	for off := 0; off < len(data); {
		rest := data[off:]
		if len(rest) < 10 || !bytes.Equal(rest[:4], chunkMagic) {
			return fmt.Errorf("%w: no Automerge chunk at byte %d", ErrCorrupt, off)
		}
		typ := rest[8]
		if typ > 2 {
			return fmt.Errorf("%w: unknown chunk type %d at byte %d", ErrCorrupt, typ, off)
		}
		n, w := uleb(rest[9:])
		if w == 0 || n > uint64(len(rest)-9-w) {
			return fmt.Errorf("%w: chunk at byte %d is cut short", ErrCorrupt, off)
		}
		end := 9 + w + int(n)
		sum := sha256.Sum256(rest[8:end])
		if !bytes.Equal(sum[:4], rest[4:8]) {
			return fmt.Errorf("%w: chunk at byte %d fails its checksum", ErrCorrupt, off)
		}
		off += end
	}
	return nil
}

// uleb decodes an unsigned LEB128 number, returning it and its width (0 if malformed).
func uleb(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}
