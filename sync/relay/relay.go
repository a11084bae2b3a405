package relay

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt/statement"
	"github.com/igf-bpf/bpfdraft/sync/p2p"
	"github.com/igf-bpf/bpfdraft/sync/wire"
)

// DefaultMemoryLimit is the soft limit bpfrelay gives the Go heap unless
// told otherwise: with it, the garbage collector runs before a burst of
// sessions doubles the heap.
const DefaultMemoryLimit = 128 << 20

// Config sets up a relay. Zero quotas take the defaults.
type Config struct {
	KeyFile string
	Listen  []string
	Store   *Store
	// AllowPeers lists the peer ids that may register drafts; with Open,
	// anyone may. A relay with neither takes no new drafts.
	AllowPeers map[string]bool
	Open       bool
	// MaxDraftBytes stops storing a draft's blobs beyond this size (default 64 MiB).
	MaxDraftBytes int64
	// MaxRegistrantBytes caps all the drafts one peer registered (default 256 MiB).
	MaxRegistrantBytes int64
	// MaxTotalBytes caps what the relay stores in all (default 8 GiB).
	MaxTotalBytes int64
	// MaxDraftsPerPeer caps registrations per peer (default 100).
	MaxDraftsPerPeer int
	// MaxSessionsPerPeer caps concurrent sessions per peer (default 8).
	MaxSessionsPerPeer int
	// MaxSessionsPerMinute caps new sessions per peer per minute (default 60).
	MaxSessionsPerMinute int
	// MaxRegistrationsPerHour caps new drafts one co-facilitator registers
	// in an hour (default 100).
	MaxRegistrationsPerHour int
	// MaxInboundBytes caps the bytes of long messages being received, all
	// sessions together (default: the largest message the draft quota
	// allows): past it a session is told to try again later.
	MaxInboundBytes int64
	Logger          *slog.Logger
}

// Relay is a running relay.
type Relay struct {
	node *p2p.Node
	cfg  Config
	log  *slog.Logger

	mu     sync.Mutex             // Protects open, starts and drafts.
	open   map[string]int         // peer → sessions now
	starts map[string][]time.Time // peer → session starts in the last minute
	drafts map[string]*hub        // draft → its sessions now

	totalMu sync.Mutex // Protects total.
	total   int64      // bytes stored, measured at start and kept up to date

	regMu  sync.Mutex             // Protects regLog.
	regLog map[string][]time.Time // signing co-facilitator → new registrations in the last hour

	budget     *wire.Budget
	maxMessage int
	tickets    ticketBook // each peer's nonce for its next session's openings
	turns      turnBook   // who appends next to a draft (turns.go)
}

// ErrOverQuota is returned when a draft or peer exceeds the relay's quota.
var ErrOverQuota = errors.New("over this relay's quota")

// Start opens the relay's node and begins serving.
func Start(cfg Config) (*Relay, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxDraftBytes == 0 {
		cfg.MaxDraftBytes = 64 << 20
	}
	if cfg.MaxRegistrantBytes == 0 {
		cfg.MaxRegistrantBytes = 256 << 20
	}
	if cfg.MaxTotalBytes == 0 {
		cfg.MaxTotalBytes = 8 << 30
	}
	if cfg.MaxDraftsPerPeer == 0 {
		cfg.MaxDraftsPerPeer = 100
	}
	if cfg.MaxSessionsPerPeer == 0 {
		cfg.MaxSessionsPerPeer = 8
	}
	if cfg.MaxRegistrationsPerHour == 0 {
		cfg.MaxRegistrationsPerHour = 100
	}
	if cfg.MaxSessionsPerMinute == 0 {
		cfg.MaxSessionsPerMinute = 60
	}
	key, err := p2p.LoadKey(cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	r := &Relay{cfg: cfg, log: cfg.Logger, open: map[string]int{}, starts: map[string][]time.Time{}, drafts: map[string]*hub{}}
	if r.total, err = cfg.Store.TotalBytes(context.Background()); err != nil {
		return nil, fmt.Errorf("measuring the relay's store: %w", err)
	}
	// A draft up to the quota must fit in one message (its snapshot to a
	// joiner), with room for the records around it.
	r.maxMessage = max(wire.MaxMessage, int(min(cfg.MaxDraftBytes, 1<<40))+16<<20)
	if cfg.MaxInboundBytes == 0 {
		cfg.MaxInboundBytes = int64(r.maxMessage)
	}
	r.budget = wire.NewBudget(cfg.MaxInboundBytes)
	r.node, err = p2p.New(p2p.Config{Key: key, Listen: cfg.Listen, Logger: cfg.Logger, RelayService: true})
	if err != nil {
		return nil, err
	}
	r.node.HandleRegistrations(r.register)
	r.node.HandleBlobs(r.serve)
	r.log.Info("Relay started", "peer", r.node.ID(), "addrs", r.node.Addrs())
	return r, nil
}

// Addrs returns the relay's full multiaddrs, for invites.
func (r *Relay) Addrs() []string { return r.node.Addrs() }

// ID returns the relay's peer id.
func (r *Relay) ID() string { return r.node.ID() }

// Close stops the relay and waits for its sessions.
func (r *Relay) Close() error { return r.node.Close() }

func (r *Relay) register(ctx context.Context, peer string, reg p2p.Registration) error {
	return r.registerAs(ctx, peer, reg, false)
}

// registerAs is register; held takes only a newer statement of a draft
// the relay already holds, from anyone: a statement proves itself, and
// any member of the draft delivers one a relay missed.
func (r *Relay) registerAs(ctx context.Context, peer string, reg p2p.Registration, held bool) error {
	log := r.log.With("peer", peer, "draft", reg.DraftID)
	if held {
		if _, err := r.cfg.Store.Draft(ctx, reg.DraftID); err != nil {
			return errors.New("this relay does not hold the draft")
		}
	} else if !r.cfg.Open && !r.cfg.AllowPeers[peer] {
		log.Warn("Registration refused: peer not on the allow-list")
		return fmt.Errorf("this relay only takes drafts from listed peers; ask its operator to add your peer id, %s", peer)
	}
	cert, err := statement.DecodeCert(reg.Creator)
	if err != nil {
		return err
	}
	creator, err := statement.CreatorOf(reg.DraftID, reg.Genesis, cert)
	if err != nil {
		log.Warn("Registration refused: no proof of the draft's creator", "err", err)
		return err
	}
	chain := make([]statement.Relay, len(reg.Chain))
	for i, b := range reg.Chain {
		if chain[i], err = statement.Decode(b); err != nil {
			return err
		}
	}
	last, err := statement.VerifyChain(reg.DraftID, creator, chain)
	if err != nil {
		log.Warn("Registration refused: the relay statements do not verify", "err", err)
		return err
	}
	if !slices.ContainsFunc(last.Relays, func(a string) bool { return strings.HasSuffix(a, "/p2p/"+r.node.ID()) }) {
		return errors.New("the draft's co-facilitators do not list this relay among its relays")
	}
	signer := last.Signer.PersonID()
	old, err := r.cfg.Store.Draft(ctx, reg.DraftID)
	switch {
	case errors.Is(err, ErrNoDraft):
		n, _, err := r.cfg.Store.Registrations(ctx, creator)
		if err != nil {
			return fmt.Errorf("relay storage: %w", err)
		}
		if n >= r.cfg.MaxDraftsPerPeer {
			log.Warn("Registration refused: draft quota reached", "drafts", n)
			return fmt.Errorf("%w: %d drafts per creator", ErrOverQuota, r.cfg.MaxDraftsPerPeer)
		}
		if !r.allowRegistration(signer) {
			log.Warn("Registration refused: too many from this co-facilitator", "signer", signer)
			return fmt.Errorf("%w: %d new drafts an hour from one co-facilitator; try again later", ErrOverQuota, r.cfg.MaxRegistrationsPerHour)
		}
	case err != nil:
		return fmt.Errorf("relay storage: %w", err)
	case last.Version < old.Version:
		return fmt.Errorf("this relay holds a newer statement of the draft's relays (version %d, yours %d): sync the draft, then try again", old.Version, last.Version)
	case old.Version > 0 && chain[old.Version-1].Hash() != sha256.Sum256(old.Statement):
		return errors.New("another co-facilitator changed the draft's relays or code at the same time: sync the draft, then try again")
	case last.Version == old.Version && old.Access.Equal(last.Access):
		return nil // already registered
	}
	if err := r.cfg.Store.Register(ctx, reg.DraftID, Draft{Access: last.Access, Registrant: creator, Creator: creator,
		Statement: last.Encode(), Version: last.Version}); err != nil {
		return fmt.Errorf("relay storage: %w", err)
	}
	if old.Bytes > 0 && !old.Access.Equal(last.Access) {
		r.addTotal(-old.Bytes) // a new key drops what the old keys sealed
	}
	log.Info("Draft registered", "version", last.Version)
	return nil
}

// allowRegistration counts a new registration signed by a co-facilitator
// (by fingerprint), unless they already made their hourly share: counted
// per person, not per address, so that one flood does not shut out every
// co-facilitator behind the same conference Wi-Fi.
func (r *Relay) allowRegistration(source string) bool {
	r.regMu.Lock()
	defer r.regMu.Unlock()
	now := time.Now()
	if r.regLog == nil || len(r.regLog) > 65536 {
		// A flood from that many addresses is beyond per-source limits;
		// the per-peer and storage quotas still hold.
		r.regLog = map[string][]time.Time{}
	}
	recent := within(r.regLog[source], now, time.Hour)
	if len(recent) >= r.cfg.MaxRegistrationsPerHour {
		r.regLog[source] = recent
		return false
	}
	r.regLog[source] = append(recent, now)
	return true
}

// within keeps, in place, the times less than window before now.
func within(times []time.Time, now time.Time, window time.Duration) []time.Time {
	recent := times[:0]
	for _, t := range times {
		if now.Sub(t) < window {
			recent = append(recent, t)
		}
	}
	return recent
}

// admit limits concurrent and new sessions per peer.
func (r *Relay) admit(peer string) (func(), bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	recent := within(r.starts[peer], now, time.Minute)
	r.starts[peer] = recent
	if r.open[peer] >= r.cfg.MaxSessionsPerPeer || len(recent) >= r.cfg.MaxSessionsPerMinute {
		if len(recent) == 0 {
			delete(r.starts, peer)
		}
		return nil, false
	}
	r.open[peer]++
	r.starts[peer] = append(recent, now)
	return func() {
		r.mu.Lock()
		if r.open[peer]--; r.open[peer] == 0 {
			delete(r.open, peer)
		}
		r.mu.Unlock()
	}, true
}

// checkQuota says whether incoming more bytes keep draft d (registered by
// registrant), its registrant and the relay within their quotas.
func (r *Relay) checkQuota(ctx context.Context, id string, d Draft, incoming int64) error {
	refuse := func(what string, have, limit int64) error {
		r.log.Warn("Refusing a blob: over quota", "draft", id, "quota", what, "bytes", have+incoming, "limit", limit)
		return fmt.Errorf("%w: %s would hold %s, over the %s allowed; ask the relay's operator", ErrOverQuota, what, humanBytes(have+incoming), humanBytes(limit))
	}
	if d.Bytes+incoming > r.cfg.MaxDraftBytes {
		return refuse("draft "+id, d.Bytes, r.cfg.MaxDraftBytes)
	}
	_, reg, err := r.cfg.Store.Registrations(ctx, d.Registrant)
	if err != nil {
		return err
	}
	if reg+incoming > r.cfg.MaxRegistrantBytes {
		return refuse("the drafts of the peer that registered "+id, reg, r.cfg.MaxRegistrantBytes)
	}
	r.totalMu.Lock()
	total := r.total
	r.totalMu.Unlock()
	if total+incoming > r.cfg.MaxTotalBytes {
		return refuse("this relay", total, r.cfg.MaxTotalBytes)
	}
	return nil
}

func (r *Relay) addTotal(n int64) {
	r.totalMu.Lock()
	r.total += n
	r.totalMu.Unlock()
}

// humanBytes says n bytes as people read them.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// Accept takes a registration as the node takes one from peer: for
// benchmarks and tests that talk to the relay in-process.
func (r *Relay) Accept(ctx context.Context, peer string, reg p2p.Registration) error {
	return r.register(ctx, peer, reg)
}

// Serve runs one blobs session with peer over rw, as the node does for
// each stream it is opened: benchmarks feed it pipes, to count the bytes
// of the sync alone.
func (r *Relay) Serve(ctx context.Context, rw io.ReadWriter, peer string) error {
	return r.serve(ctx, rw, peer, func() {})
}
