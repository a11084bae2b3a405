package docsync

import (
	"encoding/binary"
	"fmt"

	"github.com/igf-bpf/bpfdraft/sync/wire"
)

// Frame types of protocol version 1.
const (
	frameHello    wire.Type = 1 // nonce
	frameOffer    wire.Type = 2 // count, then (tag, proof) per draft
	frameSync     wire.Type = 3 // records: sender's offer index, length, Automerge sync message
	frameBye      wire.Type = 4 // nothing more to send; the count of frames received so far
	frameSnapshot wire.Type = 5 // records: sender's offer index, length, a whole saved draft
	framePush     wire.Type = 6 // records: sender's offer index, length, heads then changes
	frameRefuse   wire.Type = 7 // records: sender's offer index, length, why it stops syncing that draft
)

// maxOffers bounds the drafts one side may offer on a connection.
const maxOffers = 1 << 16

// offerEmpty flags an offer for a draft the sender holds no copy of.
const offerEmpty = 1

type offer struct {
	tag, proof []byte
	flags      byte
}

const offerSize = tagSize + macSize + 1

func encodeOffers(os []offer) []byte {
	b := binary.AppendUvarint(nil, uint64(len(os)))
	for _, o := range os {
		b = append(append(append(b, o.tag...), o.proof...), o.flags)
	}
	return b
}

func decodeOffers(b []byte) ([]offer, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b))/offerSize || n > maxOffers {
		return nil, fmt.Errorf("%w: offer count", wire.ErrMalformed)
	}
	b = b[w:]
	if uint64(len(b)) != n*offerSize {
		return nil, fmt.Errorf("%w: offer length", wire.ErrMalformed)
	}
	out := make([]offer, n)
	for i := range out {
		out[i] = offer{tag: b[:tagSize], proof: b[tagSize : tagSize+macSize], flags: b[tagSize+macSize]}
		b = b[offerSize:]
	}
	return out, nil
}

type record struct {
	index   int // the sender's offer index
	compact bool
	msg     []byte
}

// A record's first number is the offer index times two, plus one when the
// message's changes travel as a compact batch (crdt.CompactSync).
func encodeRecords(rs []record) []byte {
	var b []byte
	for _, r := range rs {
		key := uint64(r.index) << 1
		if r.compact {
			key |= 1
		}
		b = binary.AppendUvarint(b, key)
		b = binary.AppendUvarint(b, uint64(len(r.msg)))
		b = append(b, r.msg...)
	}
	return b
}

// recordSize is the bytes encodeRecords writes for r.
func recordSize(r record) int {
	return uvarintLen(uint64(r.index)<<1|1) + uvarintLen(uint64(len(r.msg))) + len(r.msg)
}

func uvarintLen(v uint64) int { return len(binary.AppendUvarint(nil, v)) }

func decodeRecords(b []byte) ([]record, error) {
	var out []record
	for len(b) > 0 {
		key, w := binary.Uvarint(b)
		idx := key >> 1
		if w <= 0 || idx > maxOffers {
			return nil, fmt.Errorf("%w: record index", wire.ErrMalformed)
		}
		b = b[w:]
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) {
			return nil, fmt.Errorf("%w: record length", wire.ErrMalformed)
		}
		b = b[w:]
		out = append(out, record{index: int(idx), compact: key&1 == 1, msg: b[:n]})
		b = b[n:]
	}
	return out, nil
}
