// Package blobwire is the protocol between a peer and a relay
// (/bpfdraft/blobs/1): frames over sync/wire's framing that open drafts
// with a signature of their access key, carry a draft's sealed blobs in
// order, append a blob in the place the peer expects, replace the blobs a
// snapshot stands for, and pass sealed presence and typing on. Nothing in
// it is readable by the relay but draft ids, places and lengths.
//
// A session: each side sends a Hello (a fresh nonce; the peer's also
// carries the ticket it holds, or zeros, and the relay's whether it took
// it); the peer sends Open
// (per draft: its id, a signature of draftkey.OpenMessage, the place it
// has read up to, whether it stays live); the relay answers Opened (per
// draft: opened or not, with the place of its newest blob and of the
// snapshot its blobs start from), then Blobs after the peer's place, and
// whatever is appended later while the session lasts. The peer Appends
// blobs (and snapshots) naming the place each should take; the relay Acks
// each, or says which place it is at when another peer took it first. A
// peer with blobs to append says so in its opening (FlagWrites); when
// another peer already has the turn to append, the relay answers
// StatusHeld and sends Turn when the peer's turn comes.
package blobwire

import (
	"encoding/binary"
	"fmt"

	"github.com/igf-bpf/bpfdraft/sync/wire"
)

// Frame types.
const (
	Hello  wire.Type = 1 // a nonce
	Open   wire.Type = 2 // records: draft id, signature, after, flags
	Opened wire.Type = 3 // records: index, status, tip, base
	Blobs  wire.Type = 4 // records: index, place, kind, data
	Append wire.Type = 5 // records: index, place, kind, data
	Ack    wire.Type = 6 // records: index, place, kind, status, tip, reason
	Pass   wire.Type = 7 // records: index, data (sealed, never stored)
	// Register delivers, for drafts a relay did not open, the chain of
	// statements that gives the key the peer holds (Registration); the
	// relay answers Registered. A peer then opens them again.
	Register   wire.Type = 8 // records: index, registration
	Registered wire.Type = 9 // records: index, status, reason (as Ack)
	// Ticket gives the peer, after drafts were opened, a single-use nonce
	// of the relay's for its next session: with it, the peer signs its
	// openings over it instead of over the relay's Hello, and sends them
	// in its first flight, a round trip sooner. A ticket the relay does
	// not take (used, expired, or a relay restarted) costs that round
	// trip back: the relay skips the openings signed over it and the
	// peer opens again over the relay's nonce.
	Ticket wire.Type = 10 // TicketSize bytes
	// Turn tells a peer that was held (StatusHeld) that it may append to
	// these drafts now: the peer whose turn it was has appended, left, or
	// let its turn lapse, and its blobs were sent before this frame.
	Turn wire.Type = 11 // indexes
)

// TicketSize is the size of a ticket.
const TicketSize = 16

// NonceSize is the size of each side's Hello.
const NonceSize = 16

// SignatureSize is the size of an access signature (ed25519).
const SignatureSize = 64

// MaxDrafts bounds the drafts one session opens.
const MaxDrafts = 1024

// MaxIDLength bounds a draft id.
const MaxIDLength = 64

// MaxReason bounds the text of a refusal.
const MaxReason = 512

// Flags of an opening.
const (
	FlagLive = 1 // stay and receive what others append
	// FlagWrites says the peer has blobs to append. Peers that come back
	// at once, each with a day's work, would all append at the same
	// place; all but one would send their blob for nothing and again
	// after the winner's, n(n-1)/2 blobs wasted. A relay gives one peer
	// the turn and holds the others (StatusHeld) until a Turn frame.
	FlagWrites = 2
)

// Statuses of an opening or an append.
const (
	StatusOK      = 0
	StatusNo      = 1 // not opened: the same answer whether the relay holds the draft or not
	StatusBusy    = 2 // the relay is busy; try again later
	StatusBehind  = 3 // the place is taken: the relay is at Tip
	StatusRefused = 4 // refused for the reason given (a quota)
	// StatusHeld opens the draft, but another peer has the turn to
	// append: wait for a Turn frame. Only to a peer that set FlagWrites.
	StatusHeld = 5
)

// Kinds of stored data.
const (
	KindBlob     = 0 // one blob of the chain
	KindSnapshot = 1 // a whole draft that stands for the blobs up to its place
)

// OpenRecord asks to open one draft.
type OpenRecord struct {
	DraftID   string
	Signature []byte
	After     uint64 // the place of the newest blob the peer has read (0: none)
	Flags     byte
}

// EncodeOpen writes an Open frame's payload.
func EncodeOpen(rs []OpenRecord) []byte {
	b := binary.AppendUvarint(nil, uint64(len(rs)))
	for _, r := range rs {
		b = binary.AppendUvarint(b, uint64(len(r.DraftID)))
		b = append(b, r.DraftID...)
		b = append(b, r.Signature...)
		b = binary.AppendUvarint(b, r.After)
		b = append(b, r.Flags)
	}
	return b
}

// DecodeOpen reads an Open frame's payload.
func DecodeOpen(b []byte) ([]OpenRecord, error) {
	d := decoder{b: b}
	n := d.count(MaxDrafts, 1+SignatureSize+2)
	out := make([]OpenRecord, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		id := d.bytes(MaxIDLength)
		sig := d.fixed(SignatureSize)
		out = append(out, OpenRecord{DraftID: string(id), Signature: sig, After: d.uint(), Flags: d.byte()})
	}
	return out, d.end("open")
}

// OpenedRecord answers one opening, in the order asked.
type OpenedRecord struct {
	Status byte
	Tip    uint64 // the place of the relay's newest blob
	Base   uint64 // the place the relay's snapshot stands for (0: none)
}

// EncodeOpened writes an Opened frame's payload.
func EncodeOpened(rs []OpenedRecord) []byte {
	b := binary.AppendUvarint(nil, uint64(len(rs)))
	for _, r := range rs {
		b = append(b, r.Status)
		b = binary.AppendUvarint(b, r.Tip)
		b = binary.AppendUvarint(b, r.Base)
	}
	return b
}

// EncodeTurn writes a Turn frame's payload: the indexes of the drafts
// the peer may now append to.
func EncodeTurn(indexes []int) []byte {
	b := binary.AppendUvarint(nil, uint64(len(indexes)))
	for _, i := range indexes {
		b = binary.AppendUvarint(b, uint64(i))
	}
	return b
}

// DecodeTurn reads a Turn frame's payload.
func DecodeTurn(b []byte) ([]int, error) {
	d := decoder{b: b}
	n := d.count(MaxDrafts, 1)
	out := make([]int, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		x := d.uint()
		if x >= MaxDrafts {
			d.fail()
		}
		out = append(out, int(x))
	}
	return out, d.end("turn")
}

// DecodeOpened reads an Opened frame's payload.
func DecodeOpened(b []byte) ([]OpenedRecord, error) {
	d := decoder{b: b}
	n := d.count(MaxDrafts, 3)
	out := make([]OpenedRecord, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		out = append(out, OpenedRecord{Status: d.byte(), Tip: d.uint(), Base: d.uint()})
	}
	return out, d.end("opened")
}

// BlobRecord is one stored blob or snapshot of an opened draft (index:
// its place among the peer's openings), sent by the relay (Blobs) or the
// peer (Append).
type BlobRecord struct {
	Index int
	Place uint64
	Kind  byte
	Data  []byte
}

// A record is the draft's index, the place, the kind and the sealed data
// with its length; the frame's last record leaves the length out (its
// data runs to the end of the frame) and says so in the kind's high bit,
// which spares a small edit two bytes each way.
const lastRecord = 0x80

// EncodeBlobs writes a Blobs or Append frame's payload.
func EncodeBlobs(rs []BlobRecord) []byte {
	var b []byte
	for i, r := range rs {
		b = binary.AppendUvarint(b, uint64(r.Index))
		b = binary.AppendUvarint(b, r.Place)
		if i == len(rs)-1 {
			b = append(b, r.Kind|lastRecord)
		} else {
			b = append(b, r.Kind)
			b = binary.AppendUvarint(b, uint64(len(r.Data)))
		}
		b = append(b, r.Data...)
	}
	return b
}

// DecodeBlobs reads a Blobs or Append frame's payload; Data points into b.
func DecodeBlobs(b []byte) ([]BlobRecord, error) {
	d := decoder{b: b}
	var out []BlobRecord
	last := false
	for len(d.b) > 0 && d.err == nil {
		idx := d.uint()
		r := BlobRecord{Place: d.uint(), Kind: d.byte()}
		if r.Kind&lastRecord != 0 {
			r.Kind &^= lastRecord
			r.Data, d.b, last = d.b, nil, true
		} else {
			r.Data = d.bytes(uint64(len(d.b)))
		}
		if idx >= MaxDrafts || r.Kind > KindSnapshot {
			d.fail()
		}
		r.Index = int(idx)
		out = append(out, r)
	}
	if len(out) > 0 && !last {
		d.fail() // cut after a record that was not the frame's last
	}
	return out, d.end("blobs")
}

// AckRecord answers one appended record.
type AckRecord struct {
	Index  int
	Place  uint64
	Kind   byte
	Status byte
	Tip    uint64 // the relay's newest place after this
	Reason string // why, when refused
}

// An acknowledgement is the draft's index, the place, and one byte: the
// kind in bit 0, the status in bits 1 to 3, bit 4 when the relay's tip
// follows (otherwise it is the place), bit 5 when a reason follows. A
// small edit's acknowledgement is so four bytes.
const (
	ackTip    = 1 << 4
	ackReason = 1 << 5
)

// EncodeAcks writes an Ack frame's payload.
func EncodeAcks(rs []AckRecord) []byte {
	var b []byte
	for _, r := range rs {
		b = binary.AppendUvarint(b, uint64(r.Index))
		b = binary.AppendUvarint(b, r.Place)
		flags := r.Kind&1 | r.Status&7<<1
		if r.Tip != r.Place {
			flags |= ackTip
		}
		reason := r.Reason
		if len(reason) > MaxReason {
			reason = reason[:MaxReason]
		}
		if reason != "" {
			flags |= ackReason
		}
		b = append(b, flags)
		if flags&ackTip != 0 {
			b = binary.AppendUvarint(b, r.Tip)
		}
		if flags&ackReason != 0 {
			b = binary.AppendUvarint(b, uint64(len(reason)))
			b = append(b, reason...)
		}
	}
	return b
}

// DecodeAcks reads an Ack frame's payload.
func DecodeAcks(b []byte) ([]AckRecord, error) {
	d := decoder{b: b}
	var out []AckRecord
	for len(d.b) > 0 && d.err == nil {
		idx := d.uint()
		r := AckRecord{Place: d.uint()}
		flags := d.byte()
		if idx >= MaxDrafts || flags&^(ackTip|ackReason|0xf) != 0 {
			d.fail()
		}
		r.Index, r.Kind, r.Status, r.Tip = int(idx), flags&1, flags>>1&7, r.Place
		if flags&ackTip != 0 {
			r.Tip = d.uint()
		}
		if flags&ackReason != 0 {
			r.Reason = string(d.bytes(MaxReason))
		}
		out = append(out, r)
	}
	return out, d.end("acks")
}

// PassRecord is sealed ephemeral data for the other live sessions of a
// draft.
type PassRecord struct {
	Index int
	Data  []byte
}

// MaxPass bounds one passed record: presence and typing previews are
// small.
const MaxPass = 8 << 10

// EncodePass writes a Pass frame's payload.
func EncodePass(rs []PassRecord) []byte {
	var b []byte
	for _, r := range rs {
		b = binary.AppendUvarint(b, uint64(r.Index))
		b = binary.AppendUvarint(b, uint64(len(r.Data)))
		b = append(b, r.Data...)
	}
	return b
}

// DecodePass reads a Pass frame's payload.
func DecodePass(b []byte) ([]PassRecord, error) {
	d := decoder{b: b}
	var out []PassRecord
	for len(d.b) > 0 && d.err == nil {
		idx := d.uint()
		data := d.bytes(MaxPass)
		if idx >= MaxDrafts {
			d.fail()
		}
		out = append(out, PassRecord{Index: int(idx), Data: data})
	}
	return out, d.end("pass")
}

// Registration asks a relay to keep a draft, or tells it of a new access
// key or list of relays: the draft's first change and its device's
// certificate, which prove who created the draft, and the chain of relay
// statements from the creator's (crdt/statement.Relay), the newest of which
// gives the access key (the public half; the relay never gets the
// secret). The relay checks the chain, so only the draft's
// co-facilitators can register it or change what it says.
type Registration struct {
	DraftID string
	Genesis []byte
	Creator []byte
	Chain   [][]byte
	// Source is the address (IP) the request came from, set by the
	// answering node, never sent.
	Source string
}

// Bounds of a registration: a few statements of a few hundred bytes.
const (
	maxRegField = 64 << 10
	maxRegChain = 512
)

// Encode writes a registration.
func (r Registration) Encode() []byte {
	field := func(b, f []byte) []byte { return append(binary.AppendUvarint(b, uint64(len(f))), f...) }
	b := field(nil, []byte(r.DraftID))
	b = field(b, r.Genesis)
	b = field(b, r.Creator)
	b = binary.AppendUvarint(b, uint64(len(r.Chain)))
	for _, s := range r.Chain {
		b = field(b, s)
	}
	return b
}

// DecodeRegistration reads what Encode wrote, within its bounds.
func DecodeRegistration(b []byte) (Registration, error) {
	d := decoder{b: b}
	r := Registration{DraftID: string(d.bytes(MaxIDLength)), Genesis: d.bytes(maxRegField), Creator: d.bytes(maxRegField)}
	n := d.count(maxRegChain, 1)
	for i := uint64(0); i < n && d.err == nil; i++ {
		r.Chain = append(r.Chain, d.bytes(maxRegField))
	}
	if err := d.end("registration"); err != nil {
		return Registration{}, err
	}
	return r, nil
}

// RegisterRecord delivers one draft's registration on a session.
type RegisterRecord struct {
	Index int
	Reg   Registration
}

// EncodeRegister writes a Register frame's payload.
func EncodeRegister(rs []RegisterRecord) []byte {
	var b []byte
	for _, r := range rs {
		b = binary.AppendUvarint(b, uint64(r.Index))
		reg := r.Reg.Encode()
		b = binary.AppendUvarint(b, uint64(len(reg)))
		b = append(b, reg...)
	}
	return b
}

// DecodeRegister reads a Register frame's payload.
func DecodeRegister(b []byte) ([]RegisterRecord, error) {
	d := decoder{b: b}
	var out []RegisterRecord
	for len(d.b) > 0 && d.err == nil {
		idx := d.uint()
		raw := d.bytes(uint64(len(d.b)))
		if idx >= MaxDrafts || d.err != nil {
			d.fail()
			break
		}
		reg, err := DecodeRegistration(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, RegisterRecord{Index: int(idx), Reg: reg})
	}
	return out, d.end("register")
}

// decoder reads fields and remembers the first failure, so that callers
// check once.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = wire.ErrMalformed
	}
	d.b = nil
}

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, w := binary.Uvarint(d.b)
	if w <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[w:]
	return v
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) fixed(n int) []byte {
	if d.err != nil || len(d.b) < n {
		d.fail()
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes(max uint64) []byte {
	n := d.uint()
	if d.err != nil || n > max || n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	return d.fixed(int(n))
}

// count reads a record count, refusing one the rest of the payload
// cannot hold (each record takes at least least bytes) or above max.
func (d *decoder) count(max uint64, least int) uint64 {
	n := d.uint()
	if n > max || n > uint64(len(d.b))/uint64(least) {
		d.fail()
		return 0
	}
	return n
}

func (d *decoder) end(what string) error {
	if d.err == nil && len(d.b) > 0 {
		d.err = wire.ErrMalformed
	}
	if d.err != nil {
		return fmt.Errorf("%w: %s", d.err, what)
	}
	return nil
}
