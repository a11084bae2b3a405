// Package online is BPF Draft's one network service, for the window and
// the command line alike: a libp2p node on the data dir's identity; live
// sessions with every relay the drafts' invites name, with co-authors
// found on the local network and with peers given by hand, each re-dialed
// with backoff when it drops; one-shot syncs; invites that register a
// draft with relays (and rotate its secret there first). It sums the sync
// engine's per-peer status into what the window's status bar says, from
// what peers have confirmed.
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
	docsync "github.com/igf-bpf/bpfdraft/sync"
	"github.com/igf-bpf/bpfdraft/sync/p2p"
)

// Config says how to go online.
type Config struct {
	Listen []string // multiaddrs; default: TCP and QUIC on all interfaces, random ports
	MDNS   bool     // find co-authors on the local network
	Peers  []string // more peers' multiaddrs (ending in /p2p/ID)
	Draft  string   // sync only this draft (empty: every draft with an invite)
	Logger *slog.Logger
}

// Online is a workspace's presence on the network.
type Online struct {
	ws   *app.Workspace
	node *p2p.Node
	eng  *docsync.Engine
	log  *slog.Logger
	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu      sync.Mutex         // Protects the fields below.
	live    bool               // Keep sessions are wanted
	targets map[string]*target // by peer id
	manual  []string
	kicked  time.Time // when Sync now was last asked for

	linkMu     sync.Mutex // Protects the fields below (linkbytes.go).
	linkSaved  LinkBytes  // the node's count when it was last added to today's
	linkToday  linkDay    // today's count as last stored
	lastLink   LinkBytes
	lastLinkAt time.Time
}

// target is one peer kept connected.
type target struct {
	addr    string
	lan     bool // found on the local network: a stranger until it shares a draft
	cancel  context.CancelFunc
	lastErr error
	reports int // sessions ended since it was last dialed
}

// Open starts the node without dialing anyone: for one-shot commands.
func Open(ws *app.Workspace, dataDir string, cfg Config) (*Online, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	key, err := p2p.LoadKey(filepath.Join(dataDir, "identity.key"))
	if err != nil {
		return nil, err
	}
	lib := ws.SyncLibrary()
	if cfg.Draft != "" {
		// Said now, not by each connection's handshake.
		if secret, err := ws.DraftSecret(context.Background(), cfg.Draft); err != nil {
			return nil, err
		} else if secret == nil {
			return nil, app.NoInvite(cfg.Draft)
		}
		lib = app.OnlyDraft(lib, cfg.Draft)
	}
	node, eng, err := NewNode(p2p.Config{Key: key, Listen: cfg.Listen, MDNS: cfg.MDNS, Logger: log}, lib)
	if err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(context.Background())
	o := &Online{ws: ws, node: node, eng: eng, log: log, ctx: ctx, stop: stop, targets: map[string]*target{},
		manual: slices.Clone(cfg.Peers)}
	o.loadLink()
	return o, nil
}

// NewNode starts a libp2p node whose sync sessions an engine over lib
// runs, and returns both (the engine holds the sessions' status).
func NewNode(cfg p2p.Config, lib docsync.Library) (*p2p.Node, *docsync.Engine, error) {
	self, err := p2p.PeerIDOf(cfg.Key)
	if err != nil {
		return nil, nil, err
	}
	eng := docsync.New(lib, self, cfg.Logger)
	cfg.Sessions = eng
	node, err := p2p.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	return node, eng, nil
}

// Start puts the workspace online and keeps it there: live sessions with
// the drafts' relays, the peers given and co-authors on the local network.
// dataDir holds its identity key.
func Start(ws *app.Workspace, dataDir string, cfg Config) (*Online, error) {
	o, err := Open(ws, dataDir, cfg)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	o.live = true
	o.mu.Unlock()
	o.Refresh()
	o.wg.Add(2)
	go o.discover()
	go o.heartbeat()
	return o, nil
}

// Close ends every session and the node, and waits for them.
func (o *Online) Close() error {
	o.stop()
	err := o.node.Close()
	o.wg.Wait()
	o.tally() // the node's counts outlive its connections
	return err
}

// ID returns this machine's peer id.
func (o *Online) ID() string { return o.node.ID() }

// Addrs returns the addresses others can reach this machine at.
func (o *Online) Addrs() []string { return o.node.Addrs() }

// Refresh starts sessions with relays named since (a join or an invite
// with a relay adds them).
func (o *Online) Refresh() {
	addrs, err := o.relays()
	if err != nil {
		o.log.Warn("Could not read the drafts' relays", "err", err)
		return
	}
	for _, a := range addrs {
		o.node.KnowRelay(a)
	}
	for _, a := range o.peers(addrs) {
		o.keep(a, false)
	}
}

// peers lists the peers given by hand, then more, deduplicated.
func (o *Online) peers(more ...[]string) []string {
	o.mu.Lock()
	out := slices.Clone(o.manual)
	o.mu.Unlock()
	for _, m := range more {
		out = append(out, m...)
	}
	return dedupe(out)
}

// relays lists the relays named by the invites of every draft here.
func (o *Online) relays() ([]string, error) {
	access, err := o.ws.Access(o.ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range access {
		out = append(out, a.Relays...)
	}
	return dedupe(out), nil
}

// ErrBadAddr is returned for a peer address that cannot be dialed.
var ErrBadAddr = errors.New("not a peer address")

// CheckAddr says whether addr is a peer's multiaddr ending in /p2p/ID.
func CheckAddr(addr string) error {
	if _, err := p2p.ParseAddr(addr); err != nil {
		return fmt.Errorf("%w: %v", ErrBadAddr, err)
	}
	return nil
}

// AddPeer keeps a session with one more peer.
func (o *Online) AddPeer(addr string) error {
	if _, err := p2p.ParseAddr(addr); err != nil {
		return fmt.Errorf("%w: %v", ErrBadAddr, err)
	}
	o.mu.Lock()
	o.manual = append(o.manual, addr)
	o.mu.Unlock()
	o.keep(addr, false)
	return nil
}

// keep starts a live session with the peer at addr unless one runs.
func (o *Online) keep(addr string, lan bool) {
	ai, err := p2p.ParseAddr(addr)
	if err != nil {
		o.log.Warn("Ignoring a peer address that cannot be dialed", "addr", addr, "err", err)
		return
	}
	id := ai.ID.String()
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.targets[id]; ok || id == o.node.ID() || !o.live || o.ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancel(o.ctx)
	t := &target{addr: addr, lan: lan, cancel: cancel}
	o.targets[id] = t
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		o.node.Keep(ctx, ai, func(r p2p.Result) {
			o.ended(r)
			o.mu.Lock()
			t.lastErr = r.Err
			t.reports++
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
				o.keep(ai.Addrs[0].String()+"/p2p/"+ai.ID.String(), true)
			}
		}
	}
}

// SyncNow re-dials every peer and relay at once instead of waiting out a
// backoff or trusting a connection that may have died silently; the
// status says it is under way until each has answered.
func (o *Online) SyncNow() {
	o.mu.Lock()
	old := o.targets
	o.targets = map[string]*target{}
	o.kicked = time.Now()
	o.mu.Unlock()
	for _, t := range old {
		t.cancel()
	}
	for _, t := range old {
		o.keep(t.addr, t.lan)
	}
	o.Refresh()
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
	Peers    int       // co-authors and relays connected now that share the draft (or any draft)
	Known    int       // co-authors and relays being dialed
	Pending  int       // changes connected peers still lack
	LastSync time.Time // when a peer last agreed on the draft
	LastErr  error     // why the last attempt failed, if none is connected
	Kicked   bool      // Sync now was asked for and not every peer has answered yet
	// Refused says why a peer stopped syncing the draft in its last
	// session (over a relay's quota, a damaged copy); "" once it syncs.
	Refused string

	// Bytes of the messages arriving now, of their total: a joiner's
	// first copy or a long catch-up on a slow link takes a while.
	Received, Receiving int64
}

// Status sums the engine's per-peer status for one draft (every draft
// when draft is empty). Only peers that proved they share a draft count:
// strangers on the local network do not.
func (o *Online) Status(draft string) Status {
	var st Status
	peers := map[string]bool{}
	sharing := map[string]bool{} // peers that ever shared a draft with us
	o.mu.Lock()
	kicked := o.kicked
	o.mu.Unlock()
	answered := map[string]bool{} // peers in agreement since Sync now
	allSynced := true
	for _, s := range o.eng.Status() {
		sharing[s.Peer] = true
		if s.Connected && s.Synced && s.LastSynced.After(kicked) {
			answered[s.Peer] = true
		}
		if draft != "" && s.Draft != draft {
			continue
		}
		if s.LastSynced.After(st.LastSync) {
			st.LastSync = s.LastSynced
		}
		if s.Problem != "" {
			st.Refused = s.Problem
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
	for _, in := range o.eng.Incoming() {
		st.Received += in.Done
		st.Receiving += in.Total
	}
	o.mu.Lock()
	for id, t := range o.targets {
		if t.lan && !sharing[id] {
			continue
		}
		st.Known++
		if t.lastErr != nil {
			st.LastErr = t.lastErr
		}
		if t.reports == 0 && !answered[id] && time.Since(kicked) < kickedFor {
			st.Kicked = true
		}
	}
	o.mu.Unlock()
	switch {
	case st.Peers > 0 && allSynced && !st.Kicked:
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

// kickedFor bounds how long Sync now shows as under way for a peer that
// does not answer: the status then says what is known.
const kickedFor = 30 * time.Second

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
