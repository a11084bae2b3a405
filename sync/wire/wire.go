package wire

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Version is the protocol version this package speaks. Version 2 sends
// long messages as parts; version 3 sends seals (signatures) with
// changes; version 4 binds offer tags to the connection, and relays hold
// sealed blobs; version 5 seals with a 16-byte nonce part, codes a blob's
// changes after the change before, and shortens a small edit's seal
// block, blob record and acknowledgement; version 6 lets a peer open its
// drafts at a relay in its first flight, with a ticket the relay gave it
// in the session before (sync/blobwire).
const Version = 6

// Size limits. A message longer than PartSize goes as parts, each a frame
// of its own, so a reader allocates for a frame no more than arrives with
// it, and a slow link shows a long message coming part by part.
const (
	// PartSize is the most raw payload one frame carries.
	PartSize = 256 << 10
	// MaxPayload caps a frame's payload on the wire: a part, deflated or
	// not (deflate can grow incompressible bytes a little).
	MaxPayload = PartSize + 4<<10
	// MaxMessage caps a whole message (all its parts) unless the
	// connection sets another cap: a draft as large as a relay's default
	// quota (64 MiB), with room for the records around it.
	MaxMessage = 80 << 20
)

// Magic opens every connection.
var Magic = [4]byte{'B', 'P', 'F', 'D'}

var (
	// ErrFrameTooLarge is returned for a frame whose length exceeds MaxPayload.
	ErrFrameTooLarge = errors.New("frame too large")
	// ErrBadPreamble is returned when the peer does not speak this protocol.
	ErrBadPreamble = errors.New("peer does not speak the BPF Draft sync protocol")
	// ErrMalformed is returned for a frame that cannot be decoded.
	ErrMalformed = errors.New("malformed frame")
)

// VersionError is returned when the two sides speak different versions.
type VersionError struct {
	Local, Remote int
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("peer speaks sync protocol version %d, this program speaks %d; update the older of the two", e.Remote, e.Local)
}

// Type says what a frame holds. Types below 0x80 are defined by the sync
// engine; the high bit marks a deflated payload and is not part of the type.
type Type byte

const compressed Type = 0x80

// TypeError is the frozen error frame: its payload is a UTF-8 message.
const TypeError Type = 0x7f

// TypePart carries a part of a longer message. The first part starts with
// the message's whole length (LEB128); parts follow in order, and the
// message's last bytes come in a frame of its own type, which ends it.
const TypePart Type = 0x7e

// Frame is one message on the wire.
type Frame struct {
	Type    Type
	Payload []byte
}

// Conn reads and writes frames on a stream and counts the bytes that
// cross it, framing and all.
//
// Compression keeps one deflate context per direction for the whole
// connection (as WebSocket's permessage-deflate does): a frame may refer
// back to anything sent before it, so the actor ids, hashes and words a
// session repeats cost a few bits after their first appearance. Each
// compressed frame ends on a sync flush, whose fixed 4-byte tail is not
// sent.
type Conn struct {
	r *bufio.Reader
	w io.Writer

	in, out atomic.Int64 // bytes read and written, preamble included

	// The frame being read, for progress on a slow link: where its
	// payload starts in the byte count, and its length (0: none); and of
	// a message in parts, its length and the bytes assembled.
	inStart, inLen    atomic.Int64
	msgTotal, msgDone atomic.Int64

	maxMessage int
	budget     *Budget // shared with other connections, or nil

	compressAbove int
	deflateAll    [compressed]bool // types deflated whatever their size (DeflateAlways)
	zmu           sync.Mutex       // guards zbuf and zw, which an idle timer frees
	zbuf          bytes.Buffer     // compressor output for the frame being written
	zw            *flate.Writer    // the outgoing compressor, nil while idle
	zidle         *time.Timer      // frees zw once no frame was deflated for compressorIdle
	window        []byte           // the last raw bytes deflated, up to windowSize
	zin           bytes.Buffer     // compressed bytes not yet inflated
	zr            io.Reader        // the incoming deflate context
}

// A compressor holds about a megabyte of tables, while the context a
// reader needs is only the last 32 KiB deflate may refer back to. A
// relay keeps hundreds of connections open, most of them idle between
// edits, so an idle connection keeps just that window and builds a new
// compressor over it, as a preset dictionary, when it next writes: the
// stream goes on unbroken and the reader cannot tell.
const (
	windowSize     = 32 << 10
	compressorIdle = 250 * time.Millisecond
)

// syncTail ends every sync flush; it is stripped on the wire.
var syncTail = []byte{0, 0, 0xff, 0xff}

// NewConn wraps a stream. Payloads larger than compressAbove bytes are
// deflated in the connection's context (0 means 64; <0 never).
func NewConn(rw io.ReadWriter, compressAbove int) *Conn {
	if compressAbove == 0 {
		compressAbove = 64
	}
	c := &Conn{w: rw, compressAbove: compressAbove, maxMessage: MaxMessage}
	c.r = bufio.NewReader(countingReader{rw, &c.in})
	return c
}

// DeflateAlways makes frames of type t deflated whatever their size. A
// small frame that mostly repeats the one before it (a typing preview,
// the same text with a character more) costs a few bytes in the
// connection's deflate context and dozens raw; for other small frames
// the context's overhead is not worth it. It does nothing on a
// connection that never deflates. Call before the first frame.
func (c *Conn) DeflateAlways(t Type) {
	if t < compressed {
		c.deflateAll[t] = true
	}
}

// ErrBusy is returned when the connections sharing a Budget are already
// assembling as many bytes as it allows.
var ErrBusy = errors.New("too much data arriving at once; try again later")

// Budget bounds the bytes of messages being assembled from their parts,
// across every connection that shares it: each connection's message is
// capped alone, and a budget caps many slow senders together.
type Budget struct {
	mu   sync.Mutex
	left int64
}

// NewBudget returns a budget of n bytes.
func NewBudget(n int64) *Budget { return &Budget{left: n} }

func (b *Budget) take(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if int64(n) > b.left {
		return false
	}
	b.left -= int64(n)
	return true
}

func (b *Budget) give(n int) {
	b.mu.Lock()
	b.left += int64(n)
	b.mu.Unlock()
}

// Left returns the bytes not in use.
func (b *Budget) Left() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.left
}

// SetBudget makes the messages this connection assembles draw on b.
func (c *Conn) SetBudget(b *Budget) { c.budget = b }

// SetMaxMessage changes the cap on a whole message, both ways.
func (c *Conn) SetMaxMessage(n int) { c.maxMessage = n }

// MaxMessage returns the cap on a whole message.
func (c *Conn) MaxMessage() int { return c.maxMessage }

// BytesIn returns how many bytes were read, framing included. Safe to
// call while another goroutine reads.
func (c *Conn) BytesIn() int64 { return c.in.Load() }

// BytesOut returns how many bytes were written, framing included.
func (c *Conn) BytesOut() int64 { return c.out.Load() }

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *Conn) write(b []byte) error {
	n, err := c.w.Write(b)
	c.out.Add(int64(n))
	return err
}

// Progress is how much of a frame has arrived. Total is 0 when no frame
// is being read.
type Progress struct {
	Done, Total int64
}

// Incoming says how much of the frame being read has arrived: on a slow
// link a joiner's snapshot or a day's changes take seconds, and the
// window shows them coming. Safe to call while another goroutine reads.
// Only the receiving side is measured: a stream's writes return once its
// flow-control window takes the bytes, long before the peer has them.
func (c *Conn) Incoming() Progress {
	n := c.inLen.Load()
	frame := int64(0)
	if n > 0 {
		frame = min(max(c.in.Load()-c.inStart.Load(), 0), n)
	}
	if total := c.msgTotal.Load(); total > 0 {
		// The frame's bytes on the wire may be deflated: an estimate, kept
		// within the message.
		return Progress{Done: min(c.msgDone.Load()+frame, total), Total: total}
	}
	if n == 0 {
		return Progress{}
	}
	return Progress{Done: frame, Total: n}
}

// WritePreamble announces the protocol and version.
func (c *Conn) WritePreamble() error {
	return c.write(append(Magic[:], Version))
}

// ReadPreamble reads the peer's preamble. On a version this side does not
// speak it sends an Error frame saying so before returning a VersionError.
func (c *Conn) ReadPreamble() error {
	var p [5]byte
	if _, err := io.ReadFull(c.r, p[:]); err != nil {
		return fmt.Errorf("reading preamble: %w", err)
	}
	if !bytes.Equal(p[:4], Magic[:]) {
		return ErrBadPreamble
	}
	if p[4] != Version {
		verr := &VersionError{Local: Version, Remote: int(p[4])}
		c.WriteFrame(Frame{Type: TypeError, Payload: []byte(verr.Error())})
		return verr
	}
	return nil
}

// WriteFrame sends one message, as parts when it is longer than
// PartSize, deflating payloads above the threshold.
func (c *Conn) WriteFrame(f Frame) error {
	if f.Type&compressed != 0 || f.Type == TypePart {
		return fmt.Errorf("frame type %#x is reserved to the framing", byte(f.Type))
	}
	p := f.Payload
	if len(p) > c.maxMessage {
		return fmt.Errorf("%w: a message of %d bytes, over the %d a peer accepts", ErrFrameTooLarge, len(p), c.maxMessage)
	}
	if len(p) > PartSize {
		first := binary.AppendUvarint(nil, uint64(len(p)))
		for first != nil || len(p) > PartSize {
			n := min(PartSize-len(first), len(p)-1)
			if err := c.writeOne(TypePart, append(first, p[:n]...)); err != nil {
				return err
			}
			first, p = nil, p[n:]
		}
	}
	return c.writeOne(f.Type, p)
}

// writeOne sends one frame.
func (c *Conn) writeOne(typ Type, payload []byte) error {
	if c.compressAbove >= 0 && (len(payload) > c.compressAbove || c.deflateAll[typ]) && typ != TypeError && len(payload) > 0 {
		z, err := c.deflate(payload)
		if err != nil {
			return err
		}
		payload, typ = z, typ|compressed
	}
	if len(payload) > MaxPayload {
		return fmt.Errorf("%w: %d bytes", ErrFrameTooLarge, len(payload))
	}
	hdr := make([]byte, 1, 1+binary.MaxVarintLen64)
	hdr[0] = byte(typ)
	hdr = binary.AppendUvarint(hdr, uint64(len(payload)))
	return c.write(append(hdr, payload...))
}

// ReadFrame reads one message, assembling its parts and inflating them
// as needed. A frame of type TypeError is returned as an error carrying
// the peer's message. The message grows as its parts arrive: a length
// announced but never sent costs nothing.
func (c *Conn) ReadFrame() (Frame, error) {
	defer c.msgTotal.Store(0)
	var msg []byte
	total := -1
	if c.budget != nil {
		defer func() { c.budget.give(len(msg)) }()
	}
	for {
		typ, payload, err := c.readOne()
		if err != nil {
			if total >= 0 {
				err = noEOF(err) // the stream ended inside a message
			}
			return Frame{}, err
		}
		if typ == TypeError {
			return Frame{}, &RemoteError{Message: string(payload)}
		}
		if typ != TypePart {
			if total < 0 {
				return Frame{Type: typ, Payload: payload}, nil
			}
			if len(msg)+len(payload) != total {
				return Frame{}, fmt.Errorf("%w: parts of %d bytes for a message of %d", ErrMalformed, len(msg)+len(payload), total)
			}
			return Frame{Type: typ, Payload: append(msg, payload...)}, nil
		}
		if total < 0 {
			n, w := binary.Uvarint(payload)
			switch {
			case w <= 0:
				return Frame{}, fmt.Errorf("%w: message length", ErrMalformed)
			case n > uint64(c.maxMessage):
				return Frame{}, fmt.Errorf("%w: a message of %d bytes announced, over the %d accepted", ErrFrameTooLarge, n, c.maxMessage)
			}
			total, payload = int(n), payload[w:]
			c.msgTotal.Store(int64(total))
		}
		// A part must leave at least one byte for the frame that ends it.
		if len(msg)+len(payload) >= total {
			return Frame{}, fmt.Errorf("%w: parts longer than their message", ErrMalformed)
		}
		if c.budget != nil && !c.budget.take(len(payload)) {
			return Frame{}, ErrBusy
		}
		msg = append(msg, payload...)
		c.msgDone.Store(int64(len(msg)))
	}
}

// readOne reads one frame and inflates it if needed.
func (c *Conn) readOne() (Type, []byte, error) {
	t, err := c.r.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	n, err := binary.ReadUvarint(c.r)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: length: %w", ErrMalformed, noEOF(err))
	}
	if n > MaxPayload {
		return 0, nil, fmt.Errorf("%w: %d bytes announced", ErrFrameTooLarge, n)
	}
	// Bytes already buffered past the header belong to the payload.
	c.inStart.Store(c.in.Load() - int64(c.r.Buffered()))
	c.inLen.Store(int64(n))
	defer c.inLen.Store(0)
	payload := make([]byte, n)
	if _, err := io.ReadFull(c.r, payload); err != nil {
		return 0, nil, fmt.Errorf("%w: payload: %w", ErrMalformed, noEOF(err))
	}
	typ := Type(t)
	if typ&compressed != 0 {
		typ &^= compressed
		if payload, err = c.inflate(payload); err != nil {
			return 0, nil, err
		}
	}
	return typ, payload, nil
}

// noEOF turns an EOF inside a frame into ErrUnexpectedEOF: the stream
// ended mid-frame, which is not a clean close.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// RemoteError is an Error frame the peer sent.
type RemoteError struct{ Message string }

func (e *RemoteError) Error() string { return "peer reported: " + e.Message }

// deflate compresses a payload in the connection's context and returns
// the raw length (uLEB128) followed by the compressed bytes.
func (c *Conn) deflate(p []byte) ([]byte, error) {
	c.zmu.Lock()
	defer c.zmu.Unlock()
	c.zbuf.Reset()
	if c.zw == nil {
		c.zw, _ = flate.NewWriterDict(&c.zbuf, flate.BestCompression, c.window)
	}
	if c.zidle == nil {
		c.zidle = time.AfterFunc(compressorIdle, c.idle)
	} else {
		c.zidle.Reset(compressorIdle)
	}
	if _, err := c.zw.Write(p); err != nil {
		return nil, err
	}
	if err := c.zw.Flush(); err != nil {
		return nil, err
	}
	if len(p) >= windowSize {
		c.window = append(c.window[:0], p[len(p)-windowSize:]...)
	} else {
		if keep := windowSize - len(p); len(c.window) > keep {
			c.window = append(c.window[:0], c.window[len(c.window)-keep:]...)
		}
		c.window = append(c.window, p...)
	}
	z := bytes.TrimSuffix(c.zbuf.Bytes(), syncTail)
	return append(binary.AppendUvarint(nil, uint64(len(p))), z...), nil
}

// idle frees the compressor and its output buffer; the window stays.
func (c *Conn) idle() {
	c.zmu.Lock()
	defer c.zmu.Unlock()
	c.zw = nil
	c.zbuf = bytes.Buffer{}
}

// inflate reverses deflate in the incoming context.
func (c *Conn) inflate(b []byte) ([]byte, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 {
		return nil, fmt.Errorf("%w: compressed length", ErrMalformed)
	}
	if n > PartSize+binary.MaxVarintLen64 {
		return nil, fmt.Errorf("%w: inflates to %d bytes", ErrFrameTooLarge, n)
	}
	c.zin.Write(b[w:])
	c.zin.Write(syncTail)
	if c.zr == nil {
		c.zr = flate.NewReader(&c.zin)
	}
	out := make([]byte, n)
	if _, err := io.ReadFull(c.zr, out); err != nil {
		return nil, fmt.Errorf("%w: deflate: %v", ErrMalformed, err)
	}
	return out, nil
}
