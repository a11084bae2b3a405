package p2p

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/connmgr"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	libp2pquic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	ma "github.com/multiformats/go-multiaddr"
	msmux "github.com/multiformats/go-multistream"

	"github.com/igf-bpf/bpfdraft/sync/wire"
)

// ProtocolID is the libp2p protocol of draft sync.
const ProtocolID = protocol.ID("/bpfdraft/sync/1")

// mdnsService is the name BPF Draft peers announce on the LAN.
const mdnsService = "bpfdraft"

// Sessions runs the sync protocols on streams the node carries: the
// document engine (package sync, made for this node's peer id, PeerIDOf)
// on a participant's machine. A relay has none: it serves blobs
// (HandleBlobs) and so links neither the engine nor Automerge.
type Sessions interface {
	// Answer serves a co-author who called; it calls the function
	// wire.WithHandshakeDone put in ctx once the caller proved access.
	Answer(ctx context.Context, rw io.ReadWriter, remote string) (wire.Stats, error)
	// Run syncs with a co-author we called, RunRelay with a relay.
	Run(ctx context.Context, rw io.ReadWriter, remote string, once bool) (wire.Stats, error)
	RunRelay(ctx context.Context, rw io.ReadWriter, remote string, once bool) (wire.Stats, error)
}

// Config sets up a Node.
type Config struct {
	Key      crypto.PrivKey
	Listen   []string // multiaddrs; default: TCP and QUIC on all interfaces, random ports
	Relays   []string // relay multiaddrs (with /p2p/): used for circuits and as sync peers
	MDNS     bool     // find peers on the LAN
	Sessions Sessions // nil: the node answers no sync stream and can dial none
	Logger   *slog.Logger
	// Relay makes this node a circuit relay v2 for others (cmd/bpfrelay).
	RelayService bool

	connManager connmgr.ConnManager // tests: one that trims at once
}

// Node is this machine on the libp2p network.
type Node struct {
	host  host.Host
	eng   Sessions
	log   *slog.Logger
	gater *gater
	mdns  mdns.Service

	ctx    context.Context // cancelled by Close; for stream handlers
	cancel context.CancelFunc
	wg     sync.WaitGroup

	found chan peer.AddrInfo // peers found by mDNS, for Serve

	openings openings
	refusals burstLog
	sessions atomic.Int64 // numbers the connection-manager tags of sessions

	meter    *meter     // TCP connections' bytes (linkbytes.go)
	quicDone quicClosed // QUIC connections' bytes, once closed

	spokeMu sync.Mutex              // Protects spoke.
	spoke   map[peer.ID]protocol.ID // the protocol each peer answered in, this process
}

// relayResources raises libp2p's connection limits for a relay. The
// defaults scale with the machine's memory and suit a peer: on a small
// VPS they admit under a hundred inbound connections, and fewer than
// fifty still in their handshake, so a relay dropped most of 500
// participants syncing at once. A relay's own limits (openings, sessions
// per peer, quotas) bound what those connections can cost.
func relayResources() (network.ResourceManager, error) {
	limits := rcmgr.PartialLimitConfig{
		System: rcmgr.ResourceLimits{
			ConnsInbound: 4096, Conns: 8192,
			StreamsInbound: 16384, Streams: 32768,
		},
		Transient: rcmgr.ResourceLimits{
			ConnsInbound: 1024, Conns: 2048,
			StreamsInbound: 2048, Streams: 4096,
		},
	}.Build(rcmgr.DefaultLimits.AutoScale())
	rm, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(limits))
	if err != nil {
		return nil, fmt.Errorf("libp2p resource limits: %w", err)
	}
	return rm, nil
}

// New starts a node listening on cfg.Listen.
func New(cfg Config) (*Node, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if len(cfg.Listen) == 0 {
		cfg.Listen = []string{"/ip4/0.0.0.0/tcp/0", "/ip4/0.0.0.0/udp/0/quic-v1"}
	}
	var relays []peer.AddrInfo
	for _, r := range cfg.Relays {
		ai, err := peer.AddrInfoFromString(r)
		if err != nil {
			return nil, fmt.Errorf("relay address %q: %w (it must end in /p2p/PEER-ID)", r, err)
		}
		relays = append(relays, *ai)
	}
	g := newGater()
	n := &Node{log: cfg.Logger, gater: g, found: make(chan peer.AddrInfo, 16), eng: cfg.Sessions, meter: &meter{}}
	opts := []libp2p.Option{
		libp2p.Identity(cfg.Key),
		libp2p.ListenAddrStrings(cfg.Listen...),
		libp2p.ConnectionGater(g),
		libp2p.EnableHolePunching(),
		// Noise alone on TCP: offering TLS too costs its certificates on
		// every connection (measured: 6.6 KB per connection with both,
		// 2.7 KB with Noise), a lot on a 32 kbit/s link. QUIC brings its
		// own TLS 1.3.
		libp2p.Security(noise.ID, newBatchedNoise),
		// TCP whose dialer sends Noise's first message with its proposal
		// of it (lazysec.go), and QUIC; no WebSocket, WebTransport or
		// WebRTC, which nothing here listens on.
		libp2p.Transport(tcpCounted(n.meter)),
		libp2p.Transport(libp2pquic.NewTransport),
		libp2p.SwarmOpts(swarm.WithDialRanker(tcpFirst)), // transports.go
		libp2p.UserAgent("bpfdraft"),
		// Nothing here pings: without the handler, identify lists one
		// protocol fewer on every connection.
		libp2p.Ping(false),
	}
	if cfg.connManager != nil {
		opts = append(opts, libp2p.ConnectionManager(cfg.connManager))
	}
	var rm network.ResourceManager
	var err error
	if cfg.RelayService {
		if rm, err = relayResources(); err != nil {
			return nil, err
		}
		// A relay asks no one who they are (identify.go).
		rm = quietIdentify{rm, func(peer.ID) bool { return true }}
		opts = append(opts, libp2p.EnableRelayService(), libp2p.ForceReachabilityPublic())
	} else {
		limits := rcmgr.DefaultLimits
		libp2p.SetDefaultServiceLimits(&limits)
		if rm, err = rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(limits.AutoScale())); err != nil {
			return nil, fmt.Errorf("libp2p resource limits: %w", err)
		}
		// Nor does a participant ask a peer it knows is a relay.
		rm = quietIdentify{rm, func(p peer.ID) bool { return n.spoken(p) == BlobsProtocolID }}
		if len(relays) > 0 {
			opts = append(opts, libp2p.EnableAutoRelayWithStaticRelays(relays))
		}
	}
	opts = append(opts, libp2p.ResourceManager(rm))
	h, err := libp2p.New(opts...)
	if err != nil {
		rm.Close()
		return nil, fmt.Errorf("starting libp2p: %w", err)
	}
	n.host = h
	n.ctx, n.cancel = context.WithCancel(context.Background())
	h.Network().Notify(&n.quicDone)
	if cfg.Sessions != nil {
		h.SetStreamHandler(ProtocolID, n.handle)
	}
	if cfg.MDNS {
		n.mdns = mdns.NewMdnsService(h, mdnsService, notifee{n})
		if err := n.mdns.Start(); err != nil {
			n.log.Warn("LAN discovery unavailable", "err", err)
			n.mdns = nil
		}
	}
	return n, nil
}

type notifee struct{ n *Node }

func (f notifee) HandlePeerFound(ai peer.AddrInfo) {
	if ai.ID == f.n.host.ID() {
		return
	}
	select {
	case f.n.found <- ai:
	default: // Serve is busy; mDNS announces again
	}
}

// ID returns the node's peer id.
func (n *Node) ID() string { return n.host.ID().String() }

// Addrs returns the node's full multiaddrs (ending in /p2p/ID).
func (n *Node) Addrs() []string {
	ais, _ := peer.AddrInfoToP2pAddrs(&peer.AddrInfo{ID: n.host.ID(), Addrs: n.host.Addrs()})
	out := make([]string, len(ais))
	for i, a := range ais {
		out[i] = a.String()
	}
	return out
}

// PeerIDOf returns the peer id a node with this key has: what the sync
// engine binds its proofs to, made before the node.
func PeerIDOf(key crypto.PrivKey) (string, error) {
	id, err := peer.IDFromPrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("peer id of the key: %w", err)
	}
	return id.String(), nil
}

// Close stops the node and waits for its sessions.
func (n *Node) Close() error {
	n.cancel()
	if n.mdns != nil {
		n.mdns.Close()
	}
	err := n.host.Close()
	n.wg.Wait()
	return err
}

// handle serves one inbound sync stream.
func (n *Node) handle(s network.Stream) {
	n.wg.Add(1)
	defer n.wg.Done()
	defer s.Close()
	remote := s.Conn().RemotePeer()
	source := sourceOf(s.Conn().RemoteMultiaddr())
	opened, ok := n.openings.take(n.ctx, source)
	if !ok {
		n.refusals.warn(n.log, "Refused sync sessions: too many still opening", "source", source, "peer", remote.ShortString())
		s.Reset()
		return
	}
	defer opened()
	defer n.protect(remote)()
	// The answering side follows the caller: it says when it has nothing
	// more, and stays while the caller keeps the stream open. The opening
	// is released once the peer proves access to a draft.
	st, err := n.eng.Answer(wire.WithHandshakeDone(n.ctx, opened), s, remote.String())
	n.finished(remote, st, err, "inbound")
}

func (n *Node) finished(remote peer.ID, st wire.Stats, err error, dir string) {
	log := n.log.With("peer", remote.ShortString(), "dir", dir, "up", st.BytesOut, "down", st.BytesIn,
		"changes_in", st.ChangesIn, "changes_out", st.ChangesOut)
	switch {
	case errors.Is(err, wire.ErrReopen):
		log.Info("Relay took a statement it had missed; opening the drafts again")
	case err != nil && !errors.Is(err, context.Canceled):
		log.Warn("Sync session ended with an error", "err", err)
	case len(st.Drafts) == 0 && dir == "inbound":
		// It proved nothing: put it off for a while, rather than answer it
		// again and again. (When we dialed, our caller hears why instead.)
		d := n.gater.block(remote)
		log.Info("Peer shares no draft with us", "paused", d)
	case len(st.Drafts) == 0:
		log.Info("Peer shares no draft with us")
	default:
		n.gater.forgive(remote)
		log.Info("Sync session done", "drafts", len(st.Drafts))
	}
}

// Result is what one sync with one peer did.
type Result struct {
	Peer  string
	Relay bool // the peer is a relay, which holds sealed blobs
	Stats wire.Stats
	Err   error
	// Link is what the session cost on the link: its connection's bytes
	// while it ran, the connection's set-up too when it dialed one.
	Link LinkBytes
}

// Sync dials the peer at addr (a multiaddr ending in /p2p/ID) and syncs
// every shared draft. With once it returns when both sides agree;
// otherwise it keeps the session live until ctx ends.
func (n *Node) Sync(ctx context.Context, addr string, once bool) Result {
	ai, err := peer.AddrInfoFromString(addr)
	if err != nil {
		return Result{Peer: addr, Err: fmt.Errorf("peer address %q: %w (it must end in /p2p/PEER-ID)", addr, err)}
	}
	return n.SyncPeer(ctx, *ai, once)
}

// SyncRelay is Sync with a peer known to be a relay (an invite names
// it): the session's stream opens at once in the relay's protocol (see
// openStream), saving the round trips a dialed sync would spend finding
// out what the peer is.
func (n *Node) SyncRelay(ctx context.Context, addr string, once bool) Result {
	ai, err := peer.AddrInfoFromString(addr)
	if err != nil {
		return Result{Peer: addr, Err: fmt.Errorf("relay address %q: %w (it must end in /p2p/PEER-ID)", addr, err)}
	}
	n.remember(ai.ID, BlobsProtocolID)
	return n.SyncPeer(ctx, *ai, once)
}

// KnowRelay notes that the peer at addr is a relay (an invite names it):
// sessions with it propose the relay's protocol without asking, over
// TCP, and neither side runs identify (identify.go).
func (n *Node) KnowRelay(addr string) error {
	ai, err := peer.AddrInfoFromString(addr)
	if err != nil {
		return fmt.Errorf("relay address %q: %w (it must end in /p2p/PEER-ID)", addr, err)
	}
	if n.spoken(ai.ID) == "" {
		n.remember(ai.ID, BlobsProtocolID)
	}
	return nil
}

// remember notes the protocol a peer speaks.
func (n *Node) remember(id peer.ID, proto protocol.ID) {
	n.spokeMu.Lock()
	defer n.spokeMu.Unlock()
	if n.spoke == nil {
		n.spoke = map[peer.ID]protocol.ID{}
	}
	n.spoke[id] = proto
}

func (n *Node) spoken(id peer.ID) protocol.ID {
	n.spokeMu.Lock()
	defer n.spokeMu.Unlock()
	return n.spoke[id]
}

// SyncPeer is Sync with a parsed address.
func (n *Node) SyncPeer(ctx context.Context, ai peer.AddrInfo, once bool) Result {
	res := Result{Peer: ai.ID.String()}
	if ai.ID == n.host.ID() {
		res.Err = errors.New("that address is this node itself")
		return res
	}
	// Retries are paced by Keep and by whoever asked for this sync; libp2p's
	// own dial backoff would otherwise keep refusing a relay that just
	// restarted for minutes.
	if sw, ok := n.host.Network().(*swarm.Swarm); ok {
		sw.Backoff().Clear(ai.ID)
	}
	if n.eng == nil {
		res.Err = errors.New("this node runs no sync sessions")
		return res
	}
	dialed := n.host.Network().Connectedness(ai.ID) != network.Connected
	if err := n.connect(ctx, ai); err != nil {
		res.Err = fmt.Errorf("connecting: %w", err)
		return res
	}
	res = n.syncStream(ctx, ai, once, dialed)
	if errors.Is(res.Err, wire.ErrReopen) {
		// The relay took a statement it had missed: open the drafts again.
		link := res.Link
		res = n.syncStream(ctx, ai, once, false)
		res.Link = res.Link.Add(link)
		if errors.Is(res.Err, wire.ErrReopen) {
			res.Err = errors.New("the relay took the draft's statements but still does not open it; try again later")
		}
	}
	return res
}

// syncStream runs one sync session on a new stream to a connected peer.
func (n *Node) syncStream(ctx context.Context, ai peer.AddrInfo, once, dialed bool) (res Result) {
	res.Peer = ai.ID.String()
	// A small edit fits a relayed circuit's limits; bulk goes to the relay's own peer.
	sctx := network.WithAllowLimitedConn(ctx, "draft sync")
	guess := n.spoken(ai.ID)
	s, err := n.openStream(sctx, ai.ID, guess)
	if err != nil {
		res.Err = fmt.Errorf("opening sync stream: %w", err)
		return res
	}
	if read := n.meter.reader(s.Conn()); read != nil {
		var start LinkBytes
		if !dialed {
			start = read()
		}
		defer func() { res.Link = read().Sub(start) }()
	}
	res = n.runStream(ctx, s, ai.ID, once)
	if guess != "" && errors.Is(res.Err, msmux.ErrNotSupported[protocol.ID]{}) {
		// It no longer speaks what it did: ask it, as with a new peer.
		n.forget(ai.ID)
		if s, err = n.openStream(sctx, ai.ID, ""); err != nil {
			res.Err = fmt.Errorf("opening sync stream: %w", err)
			return res
		}
		res = n.runStream(ctx, s, ai.ID, once)
	}
	return res
}

// connect dials a peer unless connected. libp2p's Connect then waits for
// identify (a round trip and a kilobyte each way) before it returns; a
// peer whose protocol is known needs nothing identify says, so its
// session starts as soon as the secure channel is up, identify going on
// beside it.
func (n *Node) connect(ctx context.Context, ai peer.AddrInfo) error {
	proto := n.spoken(ai.ID)
	if proto == "" {
		return n.host.Connect(ctx, ai)
	}
	if proto == BlobsProtocolID {
		// A relay is reached over TCP where it listens on TCP: over QUIC
		// a dialed sync of a 20-character edit costs 69 KB on a slow,
		// lossy link against 6 KB (padded initial packets, certificates,
		// acknowledgements and their losses), and a day's work from
		// three peers kept open 128 KB against 26 KB (docs/BENCHMARKS.md,
		// issue 26). libp2p's dialer would prefer the QUIC address
		// identify taught it; only the TCP ones are kept for the dial.
		if tcp := tcpAddrs(ai.Addrs); len(tcp) > 0 && n.host.Network().Connectedness(ai.ID) != network.Connected {
			known := tcpAddrs(n.host.Peerstore().Addrs(ai.ID))
			n.host.Peerstore().ClearAddrs(ai.ID)
			n.host.Peerstore().AddAddrs(ai.ID, known, peerstore.TempAddrTTL)
			ai.Addrs = tcp
		}
	}
	n.host.Peerstore().AddAddrs(ai.ID, ai.Addrs, peerstore.TempAddrTTL)
	switch n.host.Network().Connectedness(ai.ID) {
	case network.Connected:
		return nil
	case network.Limited:
		if ok, _ := network.GetAllowLimitedConn(ctx); ok {
			return nil
		}
	}
	_, err := n.host.Network().DialPeer(ctx, ai.ID)
	return err
}

// tcpAddrs keeps the TCP addresses of a list.
func tcpAddrs(addrs []ma.Multiaddr) []ma.Multiaddr {
	var out []ma.Multiaddr
	for _, a := range addrs {
		if _, err := a.ValueForProtocol(ma.P_TCP); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// runStream runs the session a stream's protocol says.
func (n *Node) runStream(ctx context.Context, s network.Stream, id peer.ID, once bool) Result {
	res := Result{Peer: id.String()}
	defer s.Close()
	defer n.protect(id)()
	stop := context.AfterFunc(ctx, func() { s.Reset() })
	defer stop()
	if s.Protocol() == BlobsProtocolID {
		res.Relay = true
		res.Stats, res.Err = n.eng.RunRelay(ctx, s, id.String(), once)
	} else {
		res.Stats, res.Err = n.eng.Run(ctx, s, id.String(), once)
	}
	if res.Err == nil {
		n.remember(id, s.Protocol())
	}
	n.finished(id, res.Stats, res.Err, "outbound")
	return res
}

func (n *Node) forget(id peer.ID) {
	n.spokeMu.Lock()
	defer n.spokeMu.Unlock()
	delete(n.spoke, id)
}

// openStream opens a sync stream to a connected peer. A relay speaks the
// blobs protocol, a co-author the sync protocol. When which is not known,
// libp2p's NewStream waits for identify to learn it, or asks the peer: a
// round trip or two before the first byte of the session. When it is
// (guess), the stream opens at once and proposes it lazily: the proposal
// goes out with the session's first message and the peer's
// acknowledgement comes back with its answer. A peer that refuses it
// fails the session's first read (msmux.ErrNotSupported), and the caller
// asks again.
func (n *Node) openStream(ctx context.Context, id peer.ID, guess protocol.ID) (network.Stream, error) {
	if guess == "" {
		return n.host.NewStream(ctx, id, ProtocolID, BlobsProtocolID)
	}
	s, err := n.host.Network().NewStream(network.WithNoDial(ctx, "connected"), id)
	if err != nil {
		return nil, err
	}
	if err := s.SetProtocol(guess); err != nil {
		s.Reset()
		return nil, err
	}
	return &lazyStream{Stream: s, rw: msmux.NewMSSelect(s, guess)}, nil
}

// lazyStream is a stream whose protocol is proposed with its first write.
type lazyStream struct {
	network.Stream
	rw msmux.LazyConn
}

func (s *lazyStream) Read(b []byte) (int, error)  { return s.rw.Read(b) }
func (s *lazyStream) Write(b []byte) (int, error) { return s.rw.Write(b) }

// Close does not wait for the peer's acknowledgement of the proposal
// (the session read it already, or failed): a peer gone quiet must not
// hold it.
func (s *lazyStream) Close() error {
	_ = s.Stream.SetReadDeadline(time.Now().Add(time.Second))
	return s.rw.Close()
}

func (s *lazyStream) CloseWrite() error {
	_ = s.rw.Flush()
	return s.Stream.CloseWrite()
}

// protect keeps libp2p's connection manager from closing the connection
// to remote while a sync session runs on it: past 192 connections (a
// relay with 200 peers) it trims, and cut sessions of a load run short.
// Each session has a tag of its own, so one ending does not unprotect
// another with the same peer.
func (n *Node) protect(remote peer.ID) (unprotect func()) {
	tag := fmt.Sprint("bpfdraft-sync-", n.sessions.Add(1))
	cm := n.host.ConnManager()
	cm.Protect(remote, tag)
	return func() { cm.Unprotect(remote, tag) }
}

// Found delivers peers that mDNS finds on the LAN.
func (n *Node) Found() <-chan peer.AddrInfo { return n.found }

// ParseAddr checks a peer multiaddr.
func ParseAddr(s string) (peer.AddrInfo, error) {
	m, err := ma.NewMultiaddr(s)
	if err != nil {
		return peer.AddrInfo{}, err
	}
	ai, err := peer.AddrInfoFromP2pAddr(m)
	if err != nil {
		return peer.AddrInfo{}, err
	}
	return *ai, nil
}
