package p2p

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/igf-bpf/bpfdraft/sync/blobwire"
	"github.com/igf-bpf/bpfdraft/sync/wire"
)

// RegisterProtocolID is the protocol by which a draft's owner asks a
// relay to store and forward the draft.
const RegisterProtocolID = protocol.ID("/bpfdraft/register/1")

const (
	frameRegister wire.Type = 1
	frameReply    wire.Type = 2
)

// Registration asks a relay to keep a draft (blobwire.Registration).
type Registration = blobwire.Registration

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
	if err := c.WriteFrame(wire.Frame{Type: frameRegister, Payload: reg.Encode()}); err != nil {
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
		reg, err := blobwire.DecodeRegistration(f.Payload)
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
