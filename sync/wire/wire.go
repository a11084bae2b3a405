package wire

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
)

// Version is the protocol version this package speaks.
const Version = 1

// MaxPayload caps a frame's payload, compressed or not.
const MaxPayload = 8 << 20

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

// Frame is one message on the wire.
type Frame struct {
	Type    Type
	Payload []byte
}

// Conn reads and writes frames on a stream and counts the bytes that
// cross it, framing and all.
type Conn struct {
	r  *bufio.Reader
	w  io.Writer
	rw io.ReadWriter

	in, out atomic.Int64 // bytes read and written, preamble included

	compressAbove int
}

// NewConn wraps a stream. Payloads larger than compressAbove bytes are
// deflated when that makes them smaller (0 means 64; <0 never).
func NewConn(rw io.ReadWriter, compressAbove int) *Conn {
	if compressAbove == 0 {
		compressAbove = 64
	}
	c := &Conn{rw: rw, w: rw, compressAbove: compressAbove}
	c.r = bufio.NewReader(countingReader{rw, &c.in})
	return c
}

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

// WriteFrame sends one frame, deflating the payload when that pays.
func (c *Conn) WriteFrame(f Frame) error {
	if f.Type&compressed != 0 {
		return fmt.Errorf("frame type %#x uses the compression bit", byte(f.Type))
	}
	payload := f.Payload
	typ := f.Type
	if c.compressAbove >= 0 && len(payload) > c.compressAbove && f.Type != TypeError {
		if z := deflate(payload); len(z) < len(payload) {
			payload, typ = z, typ|compressed
		}
	}
	if len(payload) > MaxPayload {
		return fmt.Errorf("%w: %d bytes", ErrFrameTooLarge, len(payload))
	}
	hdr := make([]byte, 1, 1+binary.MaxVarintLen64)
	hdr[0] = byte(typ)
	hdr = binary.AppendUvarint(hdr, uint64(len(payload)))
	return c.write(append(hdr, payload...))
}

// ReadFrame reads one frame, inflating it if needed. A frame of type
// TypeError is returned as an error carrying the peer's message.
func (c *Conn) ReadFrame() (Frame, error) {
	t, err := c.r.ReadByte()
	if err != nil {
		return Frame{}, err
	}
	n, err := binary.ReadUvarint(c.r)
	if err != nil {
		return Frame{}, fmt.Errorf("%w: length: %w", ErrMalformed, noEOF(err))
	}
	if n > MaxPayload {
		return Frame{}, fmt.Errorf("%w: %d bytes announced", ErrFrameTooLarge, n)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(c.r, payload); err != nil {
		return Frame{}, fmt.Errorf("%w: payload: %w", ErrMalformed, noEOF(err))
	}
	typ := Type(t)
	if typ&compressed != 0 {
		typ &^= compressed
		if payload, err = inflate(payload); err != nil {
			return Frame{}, err
		}
	}
	if typ == TypeError {
		return Frame{}, &RemoteError{Message: string(payload)}
	}
	return Frame{Type: typ, Payload: payload}, nil
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

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func inflate(b []byte) ([]byte, error) {
	r := flate.NewReader(bytes.NewReader(b))
	out, err := io.ReadAll(io.LimitReader(r, MaxPayload+1))
	if err != nil {
		return nil, fmt.Errorf("%w: deflate: %v", ErrMalformed, err)
	}
	if len(out) > MaxPayload {
		return nil, fmt.Errorf("%w: inflates beyond %d bytes", ErrFrameTooLarge, MaxPayload)
	}
	return out, nil
}
