package p2p

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	ma "github.com/multiformats/go-multiaddr"
)

// Limits on inbound sessions that have not yet proved access to a draft.
// Peer ids cost nothing to make, so these count by source address too:
// half-open streams from many identities on one host must not crowd out
// the participants who are proving access.
const (
	maxOpenings           = 128 // all sources together
	maxOpeningsPerSource  = 16
	maxOpeningsPerNetwork = 32 // per /24 (IPv4) or /48 (IPv6): addresses are cheap within one
)

// openingWait is how long a session waits for an opening before it is
// refused: a burst of participants behind one address (a university's
// network) waits a moment for handshakes that take milliseconds, while
// half-open streams, which hold theirs until the handshake deadline, get
// only the other sources' share. A relay whose cores are saturated takes
// seconds to finish handshakes: with 10 s, a quarter of 200 peers syncing
// at once were refused. It stays under the caller's 30 s handshake
// deadline, which counts this wait.
const openingWait = 20 * time.Second

// openings counts inbound sessions still in their opening exchange.
type openings struct {
	mu        sync.Mutex // Protects all, bySource, byNetwork and freed.
	all       int
	bySource  map[string]int
	byNetwork map[string]int
	freed     chan struct{} // closed (and replaced) when an opening is released
}

// take reserves an opening for source, waiting up to openingWait for one,
// or reports that the limits stayed reached.
func (o *openings) take(ctx context.Context, source string) (release func(), ok bool) {
	deadline := time.NewTimer(openingWait)
	defer deadline.Stop()
	for {
		release, freed, ok := o.try(source)
		if ok {
			return release, true
		}
		select {
		case <-freed:
		case <-deadline.C:
			return nil, false
		case <-ctx.Done():
			return nil, false
		}
	}
}

func (o *openings) try(source string) (func(), <-chan struct{}, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.freed == nil {
		o.freed = make(chan struct{})
	}
	network := networkOf(source)
	if o.all >= maxOpenings || o.bySource[source] >= maxOpeningsPerSource || o.byNetwork[network] >= maxOpeningsPerNetwork {
		return nil, o.freed, false
	}
	if o.bySource == nil {
		o.bySource, o.byNetwork = map[string]int{}, map[string]int{}
	}
	o.all++
	o.bySource[source]++
	o.byNetwork[network]++
	var once sync.Once
	return func() {
		once.Do(func() {
			o.mu.Lock()
			defer o.mu.Unlock()
			o.all--
			if o.bySource[source]--; o.bySource[source] == 0 {
				delete(o.bySource, source)
			}
			if o.byNetwork[network]--; o.byNetwork[network] == 0 {
				delete(o.byNetwork, network)
			}
			close(o.freed)
			o.freed = make(chan struct{})
		})
	}, nil, true
}

// networkOf returns the /24 of an IPv4 source, the /48 of an IPv6 one,
// or the source itself: one operator holds a whole such block.
func networkOf(source string) string {
	ip, err := netip.ParseAddr(source)
	if err != nil {
		return source
	}
	bits := 48
	if ip.Is4() || ip.Is4In6() {
		ip, bits = ip.Unmap(), 24
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return source
	}
	return p.String()
}

// sourceOf returns the host part of a remote address (the IP), or the
// whole address when it has none.
func sourceOf(a ma.Multiaddr) string {
	if a == nil {
		return ""
	}
	for _, p := range []int{ma.P_IP4, ma.P_IP6} {
		if v, err := a.ValueForProtocol(p); err == nil {
			return v
		}
	}
	return a.String()
}

// burstLog writes one line for a burst of the same event rather than one
// per event: a flood of refused streams must not become a flood of logs.
type burstLog struct {
	mu     sync.Mutex // Protects last and missed.
	last   map[string]time.Time
	missed map[string]int
}

const burstEvery = 10 * time.Second

func (b *burstLog) warn(log *slog.Logger, msg string, args ...any) {
	b.mu.Lock()
	now := time.Now()
	if b.last == nil {
		b.last, b.missed = map[string]time.Time{}, map[string]int{}
	}
	if now.Sub(b.last[msg]) < burstEvery {
		b.missed[msg]++
		b.mu.Unlock()
		return
	}
	missed := b.missed[msg]
	b.last[msg], b.missed[msg] = now, 0
	b.mu.Unlock()
	if missed > 0 {
		args = append(args, "more_since_last_line", missed)
	}
	log.Warn(msg, args...)
}
