package online

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	docsync "github.com/igf-bpf/bpfdraft/sync"
	"github.com/igf-bpf/bpfdraft/sync/draftkey"
	"github.com/igf-bpf/bpfdraft/sync/p2p"
)

// Result is what one sync with one peer moved.
type Result = p2p.Result

// ErrNoPeer is returned by a one-shot sync with no one to sync with.
var ErrNoPeer = errors.New("no peer to sync with: give --peer MULTIADDR, invite with --relay, or run `bpfdraft serve` on a co-author's machine on this network")

// SyncOnce syncs once with the drafts' relays, the peers given, the
// extra addresses and the co-authors that announce themselves on the
// local network within lan (0: none), all in parallel, and returns what
// each moved, one result per peer. The error says what to do when no
// peer could be reached or none shares a draft.
func (o *Online) SyncOnce(ctx context.Context, extra []string, lan time.Duration) ([]Result, error) {
	relays, err := o.relays()
	if err != nil {
		return nil, err
	}
	targets := o.peers(extra, relays)
	if lan > 0 {
		targets = append(targets, o.lanPeers(ctx, lan)...)
	}
	if len(targets) == 0 {
		return nil, ErrNoPeer
	}
	results := o.syncAll(ctx, targets)
	ok, shared, failed := 0, 0, 0
	var first error
	for _, r := range results {
		if r.Err == nil {
			ok++
			if len(r.Stats.Drafts) > 0 {
				shared++
			}
		}
		for _, id := range slices.Sorted(maps.Keys(r.Stats.Failed)) {
			if failed++; first == nil {
				first = fmt.Errorf("draft %s was not synced: %s", id, r.Stats.Failed[id])
			}
		}
	}
	switch {
	case failed > 1:
		// A draft a peer or relay stopped (a relay that no longer serves
		// it to this code, a quota, a damaged copy) is never "synced".
		return results, fmt.Errorf("%w (and %d more, above)", first, failed-1)
	case failed == 1:
		return results, first
	case ok == 0:
		return results, errors.New("no peer could be reached; your edits are safe here and will go out at the next sync")
	case shared == 0:
		return results, errors.New("no peer shares a draft with you: if you joined by invite, the code may be outdated (its owner can issue a new one with `bpfdraft invite DRAFT`)")
	}
	return results, nil
}

// syncAll syncs once with every target in parallel, one address per peer.
func (o *Online) syncAll(ctx context.Context, targets []string) []Result {
	byPeer := map[string]string{}
	var order []string
	for _, t := range targets {
		ai, err := p2p.ParseAddr(t)
		if err != nil {
			continue
		}
		if _, ok := byPeer[ai.ID.String()]; !ok {
			order = append(order, ai.ID.String())
		}
		byPeer[ai.ID.String()] = t
	}
	results := make([]Result, len(order))
	var wg sync.WaitGroup
	for i, id := range order {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = o.node.Sync(ctx, byPeer[id], true) }()
	}
	wg.Wait()
	return results
}

// lanPeers collects peers that announce themselves on the LAN for a while.
func (o *Online) lanPeers(ctx context.Context, d time.Duration) []string {
	var out []string
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case ai := <-o.node.Found():
			for _, a := range ai.Addrs {
				out = append(out, a.String()+"/p2p/"+ai.ID.String())
			}
		case <-t.C:
			return out
		case <-ctx.Done():
			return out
		}
	}
}

// Serve keeps live sessions with every relay and peer, and answers
// co-authors found on the local network, until ctx ends; report is told
// of every session that ends. It is what an always-on machine runs.
func (o *Online) Serve(ctx context.Context, report func(Result)) {
	relays, err := o.relays()
	if err != nil {
		o.log.Warn("Could not read the drafts' relays", "err", err)
	}
	var wg sync.WaitGroup
	for _, t := range o.peers(relays) {
		ai, err := p2p.ParseAddr(t)
		if err != nil {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); o.node.Keep(ctx, ai, report) }()
	}
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case ai := <-o.node.Found():
			wg.Add(1)
			go func() { defer wg.Done(); report(o.node.SyncPeer(ctx, ai, true)) }()
		}
	}
}

// Registrar gives a relay a draft's secret; a node does.
type Registrar interface {
	Register(ctx context.Context, relay string, reg p2p.Registration) error
}

// ErrBadRelay is returned for a relay address that cannot be dialed.
var ErrBadRelay = errors.New("not a relay address")

// ErrNeedsNetwork is returned when relays must be told of an invite and
// there is no network service to tell them.
var ErrNeedsNetwork = errors.New("registering with a relay needs the network, and sync is off")

// Invite returns a draft's invite, creating its secret the first time
// (or a new one with rotate, which revokes older codes). With relays,
// each is first given the secret (told of the rotation with a proof that
// the old secret's holder asked for it), so that it serves the draft; if
// one refuses or cannot be reached, nothing changes here. reg may be nil
// when relays is empty.
func Invite(ctx context.Context, ws *app.Workspace, reg Registrar, draftID string, relays []string, rotate bool) (app.Invite, error) {
	for _, r := range relays {
		if _, err := p2p.ParseAddr(r); err != nil {
			return app.Invite{}, fmt.Errorf("%w: %q: %v (it must end in /p2p/PEER-ID, as bpfrelay prints it)", ErrBadRelay, r, err)
		}
	}
	current, err := ws.DraftSecret(ctx, draftID)
	if err != nil {
		return app.Invite{}, err
	}
	var newSecret []byte
	if rotate || current == nil {
		newSecret = docsync.NewSecret()
	}
	// The relays already serving the draft stay in its invite (a relay
	// added is added, not swapped in), and on a rotation every one of them
	// must learn the new secret first, or the owner and the new code's
	// holders could no longer prove access there while the old code still
	// could: the registration goes to all, or nothing changes.
	existing, err := ws.Relays(ctx, draftID)
	if err != nil {
		return app.Invite{}, err
	}
	named := relays
	relays = append([]string(nil), existing...)
	for _, r := range named {
		if !slices.Contains(relays, r) {
			relays = append(relays, r)
		}
	}
	register := named
	if rotate && current != nil {
		register = relays
	}
	if len(register) > 0 {
		if reg == nil {
			return app.Invite{}, ErrNeedsNetwork
		}
		r, err := Registration(draftID, current, newSecret)
		if err != nil {
			return app.Invite{}, err
		}
		rctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		for _, addr := range register {
			if err := reg.Register(rctx, addr, r); err != nil {
				return app.Invite{}, fmt.Errorf("registering with relay %s: %w (nothing was changed)", addr, err)
			}
		}
	}
	var rs []string
	if len(relays) > 0 {
		rs = relays
	}
	return ws.Invite(ctx, draftID, rs, newSecret)
}

// Registration is what a relay is told of a draft: the public half of the
// access key of the secret it is to serve (newSecret, or current when
// nil), with, for a new secret, the current one's signature of it.
func Registration(draftID string, current, newSecret []byte) (p2p.Registration, error) {
	serve := current
	if newSecret != nil {
		serve = newSecret
	}
	keys, err := draftkey.Derive(draftID, serve)
	if err != nil {
		return p2p.Registration{}, err
	}
	r := p2p.Registration{DraftID: draftID, Access: keys.AccessKey()}
	if newSecret != nil && current != nil {
		old, err := draftkey.Derive(draftID, current)
		if err != nil {
			return p2p.Registration{}, err
		}
		r.Proof = old.SignAccess(draftkey.RotateMessage(draftID, r.Access))
	}
	return r, nil
}

// Invite is the package's Invite through this node, which then keeps the
// relays named connected.
func (o *Online) Invite(ctx context.Context, draftID string, relays []string, rotate bool) (app.Invite, error) {
	inv, err := Invite(ctx, o.ws, o.node, draftID, relays, rotate)
	if err == nil {
		o.Refresh()
	}
	return inv, err
}

// Join stores an invite's access and, when the service keeps sessions
// live, dials the relays it names at once. With replace, a draft already
// here switches to the code's secret and relays (app.JoinReplacing).
func (o *Online) Join(ctx context.Context, code string, replace bool) (app.Invite, error) {
	join := o.ws.Join
	if replace {
		join = o.ws.JoinReplacing
	}
	inv, err := join(ctx, code)
	if err == nil {
		o.Refresh()
	}
	return inv, err
}
