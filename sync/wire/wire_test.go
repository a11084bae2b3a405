package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand"
	"net"
	"strings"
	"testing"
	"time"
)

func pipe() (*Conn, *Conn) {
	a, b := net.Pipe()
	return NewConn(a, 0), NewConn(b, 0)
}

func TestRoundTrip(t *testing.T) {
	a, b := pipe()
	frames := []Frame{
		{Type: 1, Payload: nil},
		{Type: 2, Payload: []byte("short")},
		{Type: 3, Payload: bytes.Repeat([]byte("compressible "), 200)},
		{Type: 4, Payload: []byte{0x85, 0x6f, 0x4a, 0x83, 0xde, 0xad, 0xbe, 0xef}},
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.WritePreamble()
		for _, f := range frames {
			if err := a.WriteFrame(f); err != nil {
				t.Error(err)
			}
		}
	}()
	if err := b.ReadPreamble(); err != nil {
		t.Fatal(err)
	}
	for _, want := range frames {
		got, err := b.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		if got.Type != want.Type || !bytes.Equal(got.Payload, want.Payload) {
			t.Errorf("got %d/%d bytes type %d, want %d/%d", len(got.Payload), got.Type, got.Type, len(want.Payload), want.Type)
		}
	}
	<-done
	if a.BytesOut() != b.BytesIn() {
		t.Errorf("sender counted %d bytes, receiver %d", a.BytesOut(), b.BytesIn())
	}
	// The repeated payload went compressed: far fewer bytes than its 2,600.
	if b.BytesIn() > 5+2+7+2600/4 {
		t.Errorf("%d bytes on the wire; the compressible frame was not compressed", b.BytesIn())
	}
}

func TestVersionMismatch(t *testing.T) {
	x, y := net.Pipe()
	old := NewConn(y, 0)
	go func() { x.Write(append(Magic[:], 9)) }() // a future version
	errc := make(chan error, 1)
	go func() { errc <- old.ReadPreamble() }()
	// The future peer reads the error frame that explains the mismatch.
	peer := NewConn(x, 0)
	_, err := peer.ReadFrame()
	var re *RemoteError
	if !errors.As(err, &re) || !strings.Contains(re.Message, "version 9") {
		t.Errorf("future peer got %v", err)
	}
	var ve *VersionError
	if err := <-errc; !errors.As(err, &ve) || ve.Remote != 9 || ve.Local != Version {
		t.Errorf("old side got %v", err)
	}
}

func TestBadInput(t *testing.T) {
	cases := map[string][]byte{
		"not our protocol": []byte("GET / HTTP/1.1\r\n"),
	}
	for name, data := range cases {
		c := NewConn(rw{bytes.NewReader(data)}, 0)
		if err := c.ReadPreamble(); !errors.Is(err, ErrBadPreamble) {
			t.Errorf("%s: %v", name, err)
		}
	}
	frames := map[string]struct {
		data []byte
		want error
	}{
		"oversized":       {append([]byte{1}, 0xff, 0xff, 0xff, 0xff, 0x7f), ErrFrameTooLarge},
		"cut mid-payload": {[]byte{1, 10, 'a', 'b'}, io.ErrUnexpectedEOF},
		"cut mid-length":  {[]byte{1, 0x80}, io.ErrUnexpectedEOF},
		"bad deflate":     {[]byte{0x81, 3, 0xff, 0xff, 0xff}, ErrMalformed},
	}
	for name, tc := range frames {
		c := NewConn(rw{bytes.NewReader(tc.data)}, 0)
		if _, err := c.ReadFrame(); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
	if err := NewConn(rw{nil}, 0).WriteFrame(Frame{Type: 0x81}); err == nil {
		t.Error("a type with the compression bit was accepted")
	}
}

type rw struct{ io.Reader }

func (rw) Write(p []byte) (int, error) { return len(p), nil }

// FuzzReadFrame feeds arbitrary bytes to the frame reader: it returns
// frames or errors, never panics, and never returns a payload above the cap.
func FuzzReadFrame(f *testing.F) {
	var buf bytes.Buffer
	c := NewConn(rw{}, 0)
	c.w = &buf
	c.WriteFrame(Frame{Type: 3, Payload: bytes.Repeat([]byte("abc"), 100)})
	c.WriteFrame(Frame{Type: 1, Payload: []byte("x")})
	f.Add(buf.Bytes())
	f.Add([]byte{0x81, 0x05, 1, 2, 3, 4, 5})
	f.Add([]byte{0x7f, 3, 'e', 'r', 'r'})
	buf.Reset()
	c.WriteFrame(Frame{Type: 5, Payload: bytes.Repeat([]byte("long message "), PartSize/10)})
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		c := NewConn(rw{bytes.NewReader(data)}, 0)
		c.SetMaxMessage(4 * PartSize)
		out := 0
		for i := 0; i < 100; i++ {
			fr, err := c.ReadFrame()
			if err != nil {
				break
			}
			out += len(fr.Payload)
		}
		// Deflate turns a byte into at most 1,032; nothing else expands.
		if out > 1100*len(data) {
			t.Fatalf("%d input bytes became %d of payload", len(data), out)
		}
	})
}

// TestContextCompression: the deflate context spans frames, so a payload
// repeating an earlier one costs a few bytes, and many frames of mixed
// sizes and contents round-trip through the shared context.
func TestContextCompression(t *testing.T) {
	var buf bytes.Buffer
	w := NewConn(rw{}, 0)
	w.w = &buf
	r := NewConn(rw{&buf}, 0)
	change := bytes.Repeat([]byte{0x85, 0x6f, 0x4a, 0x83, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 10)
	w.WriteFrame(Frame{Type: 3, Payload: change})
	first := w.BytesOut()
	w.WriteFrame(Frame{Type: 3, Payload: change})
	if second := w.BytesOut() - first; second > 20 {
		t.Errorf("a repeated 160-byte payload cost %d bytes", second)
	}
	rng := rand.New(rand.NewSource(3))
	var sent [][]byte
	for i := 0; i < 200; i++ {
		p := make([]byte, rng.Intn(3000))
		if rng.Intn(2) == 0 {
			rng.Read(p) // incompressible
		} else {
			copy(p, bytes.Repeat(change, len(p)/len(change)+1))
		}
		sent = append(sent, p)
		if err := w.WriteFrame(Frame{Type: 3, Payload: p}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 2; i++ {
		if _, err := r.ReadFrame(); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range sent {
		got, err := r.ReadFrame()
		if err != nil || !bytes.Equal(got.Payload, want) {
			t.Fatalf("frame %d: %v, %d bytes vs %d", i, err, len(got.Payload), len(want))
		}
	}
}

// TestDeflateAlways: a small frame of a type set to be deflated always
// is, and one repeating the frame before it costs a few bytes; small
// frames of other types stay as they are; all read back whole.
func TestDeflateAlways(t *testing.T) {
	var buf bytes.Buffer
	w := NewConn(&buf, 0)
	w.DeflateAlways(9)
	r := NewConn(&buf, 0)
	typing := []byte("\x01\x07s4xk2ba Some was of")
	sizes := []int64{}
	for _, f := range []Frame{{Type: 9, Payload: typing}, {Type: 9, Payload: append(typing, 'x')}, {Type: 2, Payload: typing}, {Type: 9}} {
		before := w.BytesOut()
		if err := w.WriteFrame(f); err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, w.BytesOut()-before)
		got, err := r.ReadFrame()
		if err != nil || got.Type != f.Type || !bytes.Equal(got.Payload, f.Payload) {
			t.Fatalf("read back %v %q, %v", got.Type, got.Payload, err)
		}
	}
	if sizes[1] > 10 || sizes[2] != int64(2+len(typing)) || sizes[3] != 2 {
		t.Errorf("frames cost %v bytes: a repeat deflated, the other type and the empty frame raw", sizes)
	}
}

// TestIncomingProgress feeds a large frame in two parts and checks that
// the reader reports how much of it has arrived in between.
func TestIncomingProgress(t *testing.T) {
	payload := make([]byte, 100_000)
	rand.New(rand.NewSource(1)).Read(payload)
	var raw bytes.Buffer
	w := NewConn(&raw, 0)
	w.WritePreamble()
	if err := w.WriteFrame(Frame{Type: 5, Payload: payload}); err != nil {
		t.Fatal(err)
	}
	wireBytes := raw.Bytes()
	_, hdr := binary.Uvarint(wireBytes[6:]) // after the preamble and type byte
	start := 6 + hdr
	total := int64(len(wireBytes) - start)

	x, y := net.Pipe()
	r := NewConn(y, 0)
	if p := r.Incoming(); p != (Progress{}) {
		t.Errorf("progress before any frame: %+v", p)
	}
	type result struct {
		f   Frame
		err error
	}
	got := make(chan result, 1)
	go func() {
		if err := r.ReadPreamble(); err != nil {
			got <- result{err: err}
			return
		}
		f, err := r.ReadFrame()
		got <- result{f, err}
	}()
	const part = 40_000
	// net.Pipe's Write returns once the reader has taken every byte; the
	// reader counts them a moment later.
	if _, err := x.Write(wireBytes[:part]); err != nil {
		t.Fatal(err)
	}
	want := Progress{Done: int64(part - start), Total: total}
	for deadline := time.Now().Add(5 * time.Second); r.Incoming() != want && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if p := r.Incoming(); p != want {
		t.Errorf("midway: %+v, want %+v", p, want)
	}
	if _, err := x.Write(wireBytes[part:]); err != nil {
		t.Fatal(err)
	}
	res := <-got
	if res.err != nil || !bytes.Equal(res.f.Payload, payload) {
		t.Fatalf("frame: %d bytes, %v", len(res.f.Payload), res.err)
	}
	if p := r.Incoming(); p != (Progress{}) {
		t.Errorf("progress after the frame: %+v", p)
	}
}

// TestLongMessageInParts: a message far longer than a frame (a pasted
// annex of 9 MB) crosses as parts no longer than MaxPayload, arrives
// whole, and shows its progress against its full length.
func TestLongMessageInParts(t *testing.T) {
	payload := make([]byte, 9<<20)
	rand.New(rand.NewSource(2)).Read(payload[:4<<20]) // half incompressible
	var raw bytes.Buffer
	w := NewConn(&raw, 0)
	if err := w.WriteFrame(Frame{Type: 6, Payload: payload}); err != nil {
		t.Fatal(err)
	}
	// Walk the frames on the wire.
	b := raw.Bytes()
	frames := 0
	for len(b) > 0 {
		n, w := binary.Uvarint(b[1:])
		if n > MaxPayload {
			t.Fatalf("frame %d is %d bytes", frames, n)
		}
		b = b[1+w+int(n):]
		frames++
	}
	if want := len(payload)/PartSize + 1; frames < want-1 || frames > want+1 {
		t.Errorf("%d frames for %d bytes", frames, len(payload))
	}
	x, y := net.Pipe()
	r := NewConn(y, 0)
	type result struct {
		f   Frame
		err error
	}
	got := make(chan result, 1)
	go func() { f, err := r.ReadFrame(); got <- result{f, err} }()
	wireBytes := raw.Bytes()
	half := len(wireBytes) / 2
	if _, err := x.Write(wireBytes[:half]); err != nil {
		t.Fatal(err)
	}
	// Midway, progress is counted against the whole message.
	var p Progress
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if p = r.Incoming(); p.Total == int64(len(payload)) && p.Done > 0 {
			break
		}
	}
	if p.Total != int64(len(payload)) || p.Done <= 0 || p.Done >= p.Total {
		t.Errorf("midway: %+v, want some of %d", p, len(payload))
	}
	if _, err := x.Write(wireBytes[half:]); err != nil {
		t.Fatal(err)
	}
	res := <-got
	if res.err != nil || res.f.Type != 6 || !bytes.Equal(res.f.Payload, payload) {
		t.Fatalf("got type %d, %d bytes, %v", res.f.Type, len(res.f.Payload), res.err)
	}
	if p := r.Incoming(); p != (Progress{}) {
		t.Errorf("progress after the message: %+v", p)
	}
}

// TestPartsBadInput: caps hold on both sides and malformed parts are refused.
func TestPartsBadInput(t *testing.T) {
	w := NewConn(rw{}, -1)
	w.SetMaxMessage(1 << 20)
	if err := w.WriteFrame(Frame{Type: 6, Payload: make([]byte, 1<<20+1)}); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("writing over the cap: %v", err)
	}
	if err := w.WriteFrame(Frame{Type: TypePart, Payload: []byte("x")}); err == nil {
		t.Error("wrote a bare part")
	}
	frame := func(typ Type, payload []byte) []byte {
		return append(binary.AppendUvarint([]byte{byte(typ)}, uint64(len(payload))), payload...)
	}
	first := func(total int, data []byte) []byte {
		return frame(TypePart, append(binary.AppendUvarint(nil, uint64(total)), data...))
	}
	for _, c := range []struct {
		name string
		in   []byte
		want error
	}{
		{"announces more than the cap", first(2<<20, []byte("ab")), ErrFrameTooLarge},
		{"parts longer than the message", append(first(3, []byte("abc")), frame(6, []byte("d"))...), ErrMalformed},
		{"ends short", append(first(10, []byte("abc")), frame(6, []byte("d"))...), ErrMalformed},
		{"ends long", append(first(4, []byte("abc")), frame(6, []byte("de"))...), ErrMalformed},
		{"stream ends mid-message", first(10, []byte("abc")), io.ErrUnexpectedEOF},
	} {
		r := NewConn(rw{bytes.NewReader(c.in)}, -1)
		r.SetMaxMessage(1 << 20)
		if _, err := r.ReadFrame(); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// A good one, to show the helpers build what the writer would.
	r := NewConn(rw{bytes.NewReader(append(first(4, []byte("abc")), frame(6, []byte("d"))...))}, -1)
	if f, err := r.ReadFrame(); err != nil || string(f.Payload) != "abcd" || f.Type != 6 {
		t.Errorf("hand-made parts: %q, %v", f.Payload, err)
	}
}

// TestIdleCompressorKeepsContext: an idle connection frees its
// compressor and keeps only the last 32 KiB it sent; the next frame is
// deflated over that window, the stream goes on, and what it repeats
// still costs a few bytes.
func TestIdleCompressorKeepsContext(t *testing.T) {
	var buf bytes.Buffer
	w := NewConn(rw{}, 0)
	w.w = &buf
	r := NewConn(rw{&buf}, 0)
	rng := rand.New(rand.NewSource(5))
	change := make([]byte, 400)
	rng.Read(change)
	w.WriteFrame(Frame{Type: 3, Payload: change})
	w.idle()
	if w.zw != nil {
		t.Fatal("the idle connection kept its compressor")
	}
	before := w.BytesOut()
	w.WriteFrame(Frame{Type: 3, Payload: change})
	if n := w.BytesOut() - before; n > 20 {
		t.Errorf("a 400-byte payload repeated after idling cost %d bytes", n)
	}
	sent := [][]byte{change, change}
	for i := 0; i < 300; i++ {
		p := make([]byte, rng.Intn(40_000))
		if rng.Intn(2) == 0 {
			rng.Read(p)
		} else if len(sent) > 0 {
			prev := sent[rng.Intn(len(sent))]
			copy(p, bytes.Repeat(prev, len(p)/max(len(prev), 1)+1))
		}
		sent = append(sent, p)
		if err := w.WriteFrame(Frame{Type: 3, Payload: p}); err != nil {
			t.Fatal(err)
		}
		if rng.Intn(3) == 0 {
			w.idle()
		}
	}
	for i, want := range sent {
		got, err := r.ReadFrame()
		if err != nil || !bytes.Equal(got.Payload, want) {
			t.Fatalf("frame %d: %v, %d bytes vs %d", i, err, len(got.Payload), len(want))
		}
	}
}

// TestBudgetAcrossConnections: connections sharing a budget cannot
// assemble more than it between them; a sender that stalls inside a
// message holds only what it sent, and gives it back when its message
// completes or its connection fails.
func TestBudgetAcrossConnections(t *testing.T) {
	encode := func(n int) []byte {
		p := make([]byte, n)
		rand.New(rand.NewSource(int64(n))).Read(p)
		var raw bytes.Buffer
		if err := NewConn(&raw, -1).WriteFrame(Frame{Type: 6, Payload: p}); err != nil {
			t.Fatal(err)
		}
		return raw.Bytes()
	}
	b := NewBudget(300 << 10)
	read := func(wireBytes []byte) error {
		r := NewConn(rw{bytes.NewReader(wireBytes)}, 0)
		r.SetBudget(b)
		_, err := r.ReadFrame()
		return err
	}
	if err := read(encode(700 << 10)); !errors.Is(err, ErrBusy) {
		t.Fatalf("a 700 KiB message within a 300 KiB budget: %v", err)
	}
	if err := read(encode(400 << 10)); err != nil {
		t.Fatalf("a 400 KiB message (one part held): %v", err)
	}
	whole := encode(400 << 10)
	if err := read(whole[:len(whole)/2]); err == nil {
		t.Fatal("a cut message was read")
	}
	if b.Left() != 300<<10 {
		t.Fatalf("%d bytes of the budget not given back", 300<<10-b.Left())
	}

	// A sender that stalls after its first part holds it; another
	// connection's long message is refused meanwhile, and read once the
	// first completes.
	pr, pw := io.Pipe()
	stalled := NewConn(rw{pr}, 0)
	stalled.SetBudget(b)
	got := make(chan error, 1)
	go func() { _, err := stalled.ReadFrame(); got <- err }()
	first := PartSize + 16 // the first part's frame, header and length included
	pw.Write(whole[:first])
	for b.Left() == 300<<10 {
		time.Sleep(time.Millisecond)
	}
	if err := read(encode(400 << 10)); !errors.Is(err, ErrBusy) {
		t.Fatalf("while another message holds the budget: %v", err)
	}
	pw.Write(whole[first:])
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if err := read(encode(400 << 10)); err != nil {
		t.Fatalf("after the stalled message completed: %v", err)
	}
}
