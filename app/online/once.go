package online

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
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
	results := o.syncAll(ctx, targets, relays)
	for _, r := range results {
		o.ended(r)
	}
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

// syncAll syncs once with every target in parallel, one address per peer;
// a target among relays is dialed as one (p2p.Node.SyncRelay).
func (o *Online) syncAll(ctx context.Context, targets, relays []string) []Result {
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
		go func() {
			defer wg.Done()
			if slices.Contains(relays, byPeer[id]) {
				results[i] = o.node.SyncRelay(ctx, byPeer[id], true)
			} else {
				results[i] = o.node.Sync(ctx, byPeer[id], true)
			}
		}()
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
	for _, a := range relays {
		o.node.KnowRelay(a)
	}
	var wg sync.WaitGroup
	for _, t := range o.peers(relays) {
		ai, err := p2p.ParseAddr(t)
		if err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			o.node.Keep(ctx, ai, func(r Result) {
				o.ended(r)
				if report != nil {
					report(r)
				}
			})
		}()
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
// (or a new one with rotate, which revokes older codes). A draft with
// relays first says so in a statement this co-facilitator signs into the
// draft (app.Session.StateRelays: its relays and the access key of its
// secret), which every relay of it is then given; only a co-facilitator
// may. A relay that refuses or cannot be reached is reported
// (*RelaysBehind, with the invite): the draft and its code have changed
// here, and any co-author's next sync brings that relay the statement.
// reg may be nil when the draft has no relay.
func Invite(ctx context.Context, ws *app.Workspace, reg Registrar, draftID string, relays []string, rotate bool) (app.Invite, error) {
	current, err := ws.DraftSecret(ctx, draftID)
	if err != nil {
		return app.Invite{}, err
	}
	var newSecret []byte
	if rotate || current == nil {
		newSecret = docsync.NewSecret()
	}
	return InviteWithSecret(ctx, ws, reg, draftID, relays, newSecret)
}

// RelaysBehind is returned with an invite when some of the draft's relays
// did not take its newest statement.
type RelaysBehind struct {
	Failed map[string]error // by relay address
}

// Unwrap gives each relay's reason, for errors.Is.
func (e *RelaysBehind) Unwrap() []error { return slices.Collect(maps.Values(e.Failed)) }

func (e *RelaysBehind) Error() string {
	var b strings.Builder
	for _, addr := range slices.Sorted(maps.Keys(e.Failed)) {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "relay %s not updated: %v", addr, e.Failed[addr])
	}
	b.WriteString(" (the draft and its code have changed here; the relay is told at the next sync that reaches it)")
	return b.String()
}

// InviteWithSecret is Invite with the new secret given (nil: keep the
// current one): for tests and benchmarks that need to know it.
func InviteWithSecret(ctx context.Context, ws *app.Workspace, reg Registrar, draftID string, relays []string, newSecret []byte) (app.Invite, error) {
	for _, r := range relays {
		if _, err := p2p.ParseAddr(r); err != nil {
			return app.Invite{}, fmt.Errorf("%w: %q: %v (it must end in /p2p/PEER-ID, as bpfrelay prints it)", ErrBadRelay, r, err)
		}
	}
	current, err := ws.DraftSecret(ctx, draftID)
	if err != nil {
		return app.Invite{}, err
	}
	// The relays already serving the draft stay in its invite (a relay
	// added is added, not swapped in): those its co-facilitators list,
	// never one a code alone named here (which could be anyone's).
	existing, err := ws.Relays(ctx, draftID)
	if err != nil {
		return app.Invite{}, err
	}
	if s, err := ws.Session(ctx, draftID); err == nil {
		if listed := s.ListedRelays(); listed != nil {
			existing = listed
		}
		s.Close(ctx)
	}
	all := slices.Clone(existing)
	for _, r := range relays {
		if !slices.Contains(all, r) {
			all = append(all, r)
		}
	}
	var behind *RelaysBehind
	// Relays are told when the draft's statement changes: a new secret,
	// or a relay added. A plain invite only prints the code.
	changes := newSecret != nil || len(all) > len(existing)
	if len(all) > 0 && changes {
		if reg == nil {
			return app.Invite{}, ErrNeedsNetwork
		}
		serve := current
		if newSecret != nil {
			serve = newSecret
		}
		access, err := AccessKey(draftID, serve)
		if err != nil {
			return app.Invite{}, err
		}
		s, err := ws.Session(ctx, draftID)
		if err != nil {
			return app.Invite{}, err
		}
		proof, err := s.StateRelays(ctx, all, access)
		s.Close(ctx)
		if err != nil {
			return app.Invite{}, err
		}
		r := p2p.Registration{DraftID: draftID, Genesis: proof.Genesis, Creator: proof.Creator, Chain: proof.Chain}
		rctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		for _, addr := range all {
			if err := reg.Register(rctx, addr, r); err != nil {
				if behind == nil {
					behind = &RelaysBehind{Failed: map[string]error{}}
				}
				behind.Failed[addr] = err
			}
		}
	}
	var rs []string
	if len(all) > 0 {
		rs = all
	}
	inv, err := ws.Invite(ctx, draftID, rs, newSecret)
	if err == nil && behind != nil {
		return inv, behind
	}
	return inv, err
}

// AccessKey returns the public half of the access key a draft's secret
// stands for: what a relay keeps to check that a peer holds the secret.
func AccessKey(draftID string, secret []byte) ([]byte, error) {
	keys, err := draftkey.Derive(draftID, secret)
	if err != nil {
		return nil, err
	}
	return keys.AccessKey(), nil
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
// here switches to the code's secret and relays (app.JoinReplacing); with
// addRelays, it takes relays its co-facilitators do not list, to receive
// from (app.JoinAddingRelays).
func (o *Online) Join(ctx context.Context, code string, replace, addRelays bool) (app.Invite, error) {
	join := o.ws.Join
	switch {
	case replace:
		join = o.ws.JoinReplacing
	case addRelays:
		join = o.ws.JoinAddingRelays
	}
	inv, err := join(ctx, code)
	if err == nil {
		o.Refresh()
	}
	return inv, err
}
