package p2p

import (
	"context"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/igf-bpf/bpfdraft/sync/wire"
)

// BlobsProtocolID is the protocol between a peer and a relay that stores
// drafts as sealed blobs (sync/blobwire).
const BlobsProtocolID = protocol.ID("/bpfdraft/blobs/1")

// blobsHandshake bounds how long a blobs session may take to open a
// draft: a stream that says nothing holds an opening no longer. An
// opening is a few hundred bytes, seconds even at 32 kbit/s.
const blobsHandshake = 8 * time.Second

// Busy is what a relay says to a session it has no room for: the peer
// retries, and tells its person so.
const Busy = "the relay is busy; retrying"

// SayBusy tells the peer at the other end of rw, in the blobs protocol's
// words, that the relay is busy, instead of cutting the stream.
func SayBusy(rw io.ReadWriter) {
	c := wire.NewConn(rw, -1)
	c.WritePreamble()
	c.WriteFrame(wire.Frame{Type: wire.TypeError, Payload: []byte(Busy)})
}

// HandleBlobs makes the node answer blobs sessions with serve (a relay's).
// A session holds one of the node's openings, counted by source address,
// until it calls proved; until then it must open a draft within a few
// seconds.
func (n *Node) HandleBlobs(serve func(ctx context.Context, rw io.ReadWriter, peer string, proved func()) error) {
	n.host.SetStreamHandler(BlobsProtocolID, func(s network.Stream) {
		n.wg.Add(1)
		defer n.wg.Done()
		defer s.Close()
		remote := s.Conn().RemotePeer()
		source := sourceOf(s.Conn().RemoteMultiaddr())
		opened, ok := n.openings.take(n.ctx, source)
		if !ok {
			n.refusals.warn(n.log, "Refused sessions: too many still opening", "source", source)
			s.SetDeadline(time.Now().Add(2 * time.Second))
			SayBusy(s)
			return
		}
		defer opened()
		defer n.protect(remote)()
		s.SetDeadline(time.Now().Add(blobsHandshake))
		stop := context.AfterFunc(n.ctx, func() { s.Reset() })
		defer stop()
		err := serve(n.ctx, s, remote.String(), func() {
			s.SetDeadline(time.Time{})
			opened()
		})
		if err != nil && n.ctx.Err() == nil {
			n.log.Info("Relay session ended", "peer", remote.ShortString(), "err", err)
		}
	})
}
