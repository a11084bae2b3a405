package p2p

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/igf-bpf/bpfdraft/sync/wire"
)

// RegisterProtocolID is the protocol by which a draft's owner asks a
// relay to store and forward the draft.
const RegisterProtocolID = protocol.ID("/bpfdraft/register/1")

const (
	frameRegister wire.Type = 1
	frameReply    wire.Type = 2
)

// Registration asks a relay to keep a draft, or tells it of a new access
// key or list of relays: the draft's first change and its device's
// certificate, which prove who created the draft, and the chain of relay
// statements from the creator's (crdt.RelayStatement), the newest of which
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

func (r Registration) encode() []byte {
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

func decodeRegistration(b []byte) (Registration, error) {
	var r Registration
	bad := fmt.Errorf("%w: registration", wire.ErrMalformed)
	field := func() ([]byte, bool) {
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) || n > maxRegField {
			return nil, false
		}
		f := b[w : w+int(n)]
		b = b[w+int(n):]
		return f, true
	}
	id, ok1 := field()
	genesis, ok2 := field()
	creator, ok3 := field()
	if !ok1 || !ok2 || !ok3 || len(id) > 64 {
		return r, bad
	}
	n, w := binary.Uvarint(b)
	if w <= 0 || n > maxRegChain || n > uint64(len(b)) {
		return r, bad
	}
	b = b[w:]
	r = Registration{DraftID: string(id), Genesis: genesis, Creator: creator}
	for range n {
		s, ok := field()
		if !ok {
			return Registration{}, bad
		}
		r.Chain = append(r.Chain, s)
	}
	if len(b) != 0 {
		return Registration{}, bad
	}
	return r, nil
}

// ErrRefused is returned when a relay refuses a registration.
var ErrRefused = errors.New("relay refused")

// Register asks the relay at addr to store and forward a draft.
func (n *Node) Register(ctx context.Context, addr string, reg Registration) error {
	ai, err := ParseAddr(addr)
	if err != nil {
		return fmt.Errorf("relay address %q: %w", addr, err)
	}
	if err := n.host.Connect(ctx, ai); err != nil {
		return fmt.Errorf("connecting to relay: %w", err)
	}
	s, err := n.host.NewStream(ctx, ai.ID, RegisterProtocolID)
	if err != nil {
		return fmt.Errorf("relay %s does not take registrations: %w", ai.ID.ShortString(), err)
	}
	defer s.Close()
	if d, ok := ctx.Deadline(); ok {
		s.SetDeadline(d)
	}
	c := wire.NewConn(s, -1)
	if err := c.WritePreamble(); err != nil {
		return err
	}
	if err := c.WriteFrame(wire.Frame{Type: frameRegister, Payload: reg.encode()}); err != nil {
		return err
	}
	if err := c.ReadPreamble(); err != nil {
		return err
	}
	f, err := c.ReadFrame()
	if err != nil {
		return fmt.Errorf("reading the relay's answer: %w", err)
	}
	if f.Type != frameReply || len(f.Payload) == 0 {
		return fmt.Errorf("%w: relay answer", wire.ErrMalformed)
	}
	if f.Payload[0] != 0 {
		return fmt.Errorf("%w: %s", ErrRefused, f.Payload[1:])
	}
	return nil
}

// HandleRegistrations makes the node answer registrations with decide:
// nil accepts, an error refuses with its text.
func (n *Node) HandleRegistrations(decide func(ctx context.Context, peer string, r Registration) error) {
	n.host.SetStreamHandler(RegisterProtocolID, func(s network.Stream) {
		n.wg.Add(1)
		defer n.wg.Done()
		defer s.Close()
		s.SetDeadline(time.Now().Add(30 * time.Second))
		peer := s.Conn().RemotePeer().String()
		source := sourceOf(s.Conn().RemoteMultiaddr())
		opened, ok := n.openings.take(n.ctx, source)
		if !ok {
			n.refusals.warn(n.log, "Refused registrations: too many still opening", "source", source, "peer", shortID(peer))
			s.Reset()
			return
		}
		defer opened()
		c := wire.NewConn(s, -1)
		if err := c.ReadPreamble(); err != nil {
			return
		}
		if err := c.WritePreamble(); err != nil {
			return
		}
		f, err := c.ReadFrame()
		if err != nil || f.Type != frameRegister {
			n.log.Warn("Bad registration request", "peer", shortID(peer), "err", err)
			return
		}
		reply := []byte{0}
		reg, err := decodeRegistration(f.Payload)
		if err == nil {
			reg.Source = source
			err = decide(n.ctx, peer, reg)
		}
		if err != nil {
			reply = append([]byte{1}, err.Error()...)
		}
		c.WriteFrame(wire.Frame{Type: frameReply, Payload: reply})
	})
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[len(id)-8:]
	}
	return id
}
