// Package online keeps a workspace connected while the window is open:
// a libp2p node on the data dir's identity, live sessions with every
// relay the drafts' invites name, with peers found on the local network
// and with peers given by hand, each re-dialed with backoff when it
// drops. It sums the sync engine's per-peer status into the one line the
// window's status bar shows.
package online

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/sync/p2p"
)

// Config says how to go online.
type Config struct {
	Listen []string // multiaddrs; default: TCP and QUIC on all interfaces, random ports
	MDNS   bool     // find co-authors on the local network
	Peers  []string // more peers' multiaddrs (ending in /p2p/ID)
	Logger *slog.Logger
}

// Online is a workspace's presence on the network.
type Online struct {
	ws   *app.Workspace
	node *p2p.Node
	log  *slog.Logger
	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu      sync.Mutex         // Protects the fields below.
	targets map[string]*target // by peer id
	manual  []string
}

// target is one peer kept connected.
type target struct {
	addr    string
	cancel  context.CancelFunc
	lastErr error
	tries   int
}

// Start puts the workspace online. dataDir holds its identity key.
func Start(ws *app.Workspace, dataDir string, cfg Config) (*Online, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	key, err := p2p.LoadKey(filepath.Join(dataDir, "identity.key"))
	if err != nil {
		return nil, err
	}
	node, err := p2p.New(p2p.Config{Key: key, Listen: cfg.Listen, MDNS: cfg.MDNS, Library: ws.SyncLibrary(), Logger: log})
	if err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(context.Background())
	o := &Online{ws: ws, node: node, log: log, ctx: ctx, stop: stop, targets: map[string]*target{}, manual: cfg.Peers}
	o.Refresh()
	o.wg.Add(1)
	go o.discover()
	return o, nil
}

// Close ends every session and the node.
func (o *Online) Close() error {
	o.stop()
	err := o.node.Close()
	o.wg.Wait()
	return err
}

// Addrs returns the addresses others can reach this machine at.
func (o *Online) Addrs() []string { return o.node.Addrs() }

// Refresh starts sessions with relays named since (a join or an invite
// with a relay adds them).
func (o *Online) Refresh() {
	access, err := o.ws.Access(o.ctx)
	if err != nil {
		o.log.Warn("Could not read the drafts' relays", "err", err)
		return
	}
	addrs := slices.Clone(o.manual)
	for _, a := range access {
		addrs = append(addrs, a.Relays...)
	}
	for _, a := range addrs {
		o.keep(a)
	}
}

// ErrBadAddr is returned for a peer address that cannot be dialed.
var ErrBadAddr = errors.New("not a peer address")

// AddPeer keeps a session with one more peer.
func (o *Online) AddPeer(addr string) error {
	if _, err := p2p.ParseAddr(addr); err != nil {
		return fmt.Errorf("%w: %v", ErrBadAddr, err)
	}
	o.mu.Lock()
	o.manual = append(o.manual, addr)
	o.mu.Unlock()
	o.keep(addr)
	return nil
}

// keep starts a live session with the peer at addr unless one runs.
func (o *Online) keep(addr string) {
	ai, err := p2p.ParseAddr(addr)
	if err != nil {
		o.log.Warn("Ignoring a peer address that cannot be dialed", "addr", addr, "err", err)
		return
	}
	id := ai.ID.String()
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.targets[id]; ok || id == o.node.ID() {
		return
	}
	ctx, cancel := context.WithCancel(o.ctx)
	t := &target{addr: addr, cancel: cancel}
	o.targets[id] = t
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		o.node.Keep(ctx, ai, func(r p2p.Result) {
			o.mu.Lock()
			t.lastErr, t.tries = r.Err, t.tries+1
			o.mu.Unlock()
		})
	}()
}

// discover keeps sessions with co-authors found on the local network.
func (o *Online) discover() {
	defer o.wg.Done()
	for {
		select {
		case <-o.ctx.Done():
			return
		case ai := <-o.node.Found():
			if len(ai.Addrs) > 0 { // one address is enough: libp2p learns the others
				o.keep(ai.Addrs[0].String() + "/p2p/" + ai.ID.String())
			}
		}
	}
}

// SyncNow re-dials every peer at once instead of waiting out a backoff.
func (o *Online) SyncNow() {
	o.mu.Lock()
	var addrs []string
	for id, t := range o.targets {
		if !o.connected(id) {
			t.cancel()
			delete(o.targets, id)
			addrs = append(addrs, t.addr)
		}
	}
	o.mu.Unlock()
	for _, a := range addrs {
		o.keep(a)
	}
	o.Refresh()
}

func (o *Online) connected(peer string) bool {
	for _, s := range o.node.Engine().Status() {
		if s.Peer == peer && s.Connected {
			return true
		}
	}
	return false
}

// State is what the status bar says.
type State int

// The states, from worst to best.
const (
	Offline    State = iota // no peer or relay known to dial
	Connecting              // peers known, none reached yet
	Syncing                 // connected, some draft not yet in agreement
	Synced                  // connected, every shared draft agrees
)

// Status is the network as the status bar shows it.
type Status struct {
	State    State
	Peers    int       // peers connected now
	Known    int       // peers and relays being dialed
	Pending  int       // changes connected peers still lack
	LastSync time.Time // when a peer last agreed on a draft
	LastErr  error     // why the last attempt failed, if none is connected

	// Bytes of the messages arriving now, of their total: a joiner's
	// first copy or a long catch-up on a slow link takes a while.
	Received, Receiving int64
}

// Status sums the engine's per-peer, per-draft status.
func (o *Online) Status() Status {
	var st Status
	peers := map[string]bool{}
	allSynced := true
	for _, s := range o.node.Engine().Status() {
		if s.LastSynced.After(st.LastSync) {
			st.LastSync = s.LastSynced
		}
		if !s.Connected {
			continue
		}
		peers[s.Peer] = true
		if !s.Synced {
			allSynced = false
		}
		if s.Pending > 0 {
			st.Pending += s.Pending
		}
	}
	st.Peers = len(peers)
	for _, in := range o.node.Engine().Incoming() {
		st.Received += in.Done
		st.Receiving += in.Total
	}
	o.mu.Lock()
	st.Known = len(o.targets)
	for _, t := range o.targets {
		if t.lastErr != nil {
			st.LastErr = t.lastErr
		}
	}
	o.mu.Unlock()
	switch {
	case st.Peers > 0 && allSynced:
		st.State = Synced
		st.LastErr = nil
	case st.Peers > 0:
		st.State = Syncing
		st.LastErr = nil
	case st.Known > 0:
		st.State = Connecting
	default:
		st.State = Offline
	}
	return st
}
