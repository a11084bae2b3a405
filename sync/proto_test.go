package docsync

import (
	"bytes"
	"testing"
)

// FuzzDecodePayloads feeds arbitrary bytes to the decoders of offers and
// sync records, which read what an unauthenticated peer sends: they must
// return values or errors, never panic, and what they return must survive
// a round trip through the encoder.
func FuzzDecodePayloads(f *testing.F) {
	f.Add(encodeOffers([]offer{{tag: make([]byte, tagSize), proof: make([]byte, macSize), flags: 1}}))
	f.Add(encodeRecords([]record{{index: 3, msg: []byte("hello")}, {index: 0, msg: nil}}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		if os, err := decodeOffers(b); err == nil {
			again, err := decodeOffers(encodeOffers(os))
			if err != nil || len(again) != len(os) {
				t.Fatalf("offers from %x do not round-trip: %v", b, err)
			}
			for i := range os {
				if !bytes.Equal(again[i].tag, os[i].tag) || !bytes.Equal(again[i].proof, os[i].proof) || again[i].flags != os[i].flags {
					t.Fatalf("offer %d from %x changed in a round trip", i, b)
				}
			}
		}
		if rs, err := decodeRecords(b); err == nil {
			for _, r := range rs {
				if r.index < 0 || r.index > maxOffers {
					t.Fatalf("index %d from %x", r.index, b)
				}
			}
			again, err := decodeRecords(encodeRecords(rs))
			if err != nil || len(again) != len(rs) {
				t.Fatalf("records from %x do not round-trip: %v", b, err)
			}
		}
	})
}
