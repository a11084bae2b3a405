package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt"
	docsync "github.com/igf-bpf/bpfdraft/sync"
	"github.com/igf-bpf/bpfdraft/sync/p2p"
	"github.com/igf-bpf/bpfdraft/sync/wire"
)

// Store is the relay's own data: app.Workspace over the relay's data dir.
type Store interface {
	SyncLibrary() docsync.Library
	// DraftSecret returns the registered secret of a draft, or nil.
	DraftSecret(ctx context.Context, draftID string) ([]byte, error)
	RegisterDraft(ctx context.Context, draftID string, secret []byte, peer string) error
	Registrations(ctx context.Context, peer string) (int, error)
	DraftBytes(ctx context.Context, draftID string) (int64, error)
	RegistrantBytes(ctx context.Context, draftID string) (int64, error)
	TotalBytes(ctx context.Context) (int64, error)
}

// Config sets up a relay. Zero quotas take the defaults.
// DefaultMemoryLimit is the soft limit bpfrelay gives the Go heap unless
// told otherwise: with it, the garbage collector runs before a burst of
// sessions doubles the heap, which is where a relay's memory went under
// load; Automerge's memory is outside it.
const DefaultMemoryLimit = 128 << 20

type Config struct {
	KeyFile string
	Listen  []string
	Store   Store
	// AllowPeers lists the peer ids that may register drafts; with Open,
	// anyone may. A relay with neither takes no new drafts.
	AllowPeers map[string]bool
	Open       bool
	// MaxDraftBytes stops storing a draft's changes beyond this size (default 64 MiB).
	MaxDraftBytes int64
	// MaxRegistrantBytes caps all the drafts one peer registered (default 256 MiB).
	MaxRegistrantBytes int64
	// MaxTotalBytes caps what the relay stores in all (default 8 GiB).
	MaxTotalBytes int64
	// MaxDraftsPerPeer caps registrations per peer (default 100).
	MaxDraftsPerPeer int
	// MaxSessionsPerPeer caps concurrent sync sessions per peer (default 8).
	MaxSessionsPerPeer int
	// MaxSessionsPerMinute caps new sync sessions per peer per minute (default 60).
	MaxSessionsPerMinute int
	// MaxRegistrationsPerHour caps new drafts registered from one source
	// address in an hour (default 100): peer ids cost nothing to make.
	MaxRegistrationsPerHour int
	// MaxInboundBytes caps the bytes of long messages being received, all
	// sessions together (default: the largest message the draft quota
	// allows, 80 MiB with the default quota): past it a session is told to
	// try again later.
	MaxInboundBytes int64
	// MaxCatchUpDrafts bounds the drafts open at once in sessions still
	// catching up (default 500): what a burst of peers syncing at once
	// costs in memory; later sessions wait for earlier ones.
	MaxCatchUpDrafts int
	Logger           *slog.Logger
}

// Relay is a running relay.
type Relay struct {
	node *p2p.Node
	cfg  Config
	log  *slog.Logger

	mu     sync.Mutex             // Protects open and starts.
	open   map[string]int         // peer → sessions now
	starts map[string][]time.Time // peer → session starts in the last minute

	total   atomic.Int64 // bytes stored, measured at start and kept up to date by merges
	trimmed atomic.Int64 // when the C heap was last trimmed (Unix ns)

	regMu  sync.Mutex             // Protects regLog.
	regLog map[string][]time.Time // source → new registrations in the last hour
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
	if cfg.MaxCatchUpDrafts == 0 {
		cfg.MaxCatchUpDrafts = 500
	}
	key, err := p2p.LoadKey(cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	r := &Relay{cfg: cfg, log: cfg.Logger, open: map[string]int{}, starts: map[string][]time.Time{}}
	total, err := cfg.Store.TotalBytes(context.Background())
	if err != nil {
		return nil, fmt.Errorf("measuring the relay's store: %w", err)
	}
	r.total.Store(total)
	// A draft up to the quota must fit in one message (its snapshot to a
	// joiner), with room for the records around it.
	maxMessage := max(wire.MaxMessage, int(min(cfg.MaxDraftBytes, 1<<40))+16<<20)
	if cfg.MaxInboundBytes == 0 {
		// Room for the largest message the quota allows: drafts that size
		// are rare, and a second one waits its turn rather than the relay
		// holding both.
		cfg.MaxInboundBytes = int64(maxMessage)
	}
	r.node, err = p2p.New(p2p.Config{Key: key, Listen: cfg.Listen, Library: quotaLibrary{cfg.Store.SyncLibrary(), r},
		Logger: cfg.Logger, RelayService: true, Admit: r.admit, MaxMessage: maxMessage, InboundBudget: cfg.MaxInboundBytes,
		MaxCatchUp: cfg.MaxCatchUpDrafts})
	if err != nil {
		return nil, err
	}
	r.node.HandleRegistrations(r.register)
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
	log := r.log.With("peer", peer, "draft", reg.DraftID)
	if !r.cfg.Open && !r.cfg.AllowPeers[peer] {
		log.Warn("Registration refused: peer not on the allow-list")
		return fmt.Errorf("this relay only takes drafts from listed peers; ask its operator to add your peer id, %s", peer)
	}
	if len(reg.Secret) != docsync.SecretSize || reg.DraftID == "" {
		return errors.New("malformed registration")
	}
	old, err := r.cfg.Store.DraftSecret(ctx, reg.DraftID)
	if err != nil {
		return fmt.Errorf("relay storage: %w", err)
	}
	switch {
	case old == nil:
		n, err := r.cfg.Store.Registrations(ctx, peer)
		if err != nil {
			return fmt.Errorf("relay storage: %w", err)
		}
		if n >= r.cfg.MaxDraftsPerPeer {
			log.Warn("Registration refused: draft quota reached", "drafts", n)
			return fmt.Errorf("%w: %d drafts per peer", ErrOverQuota, r.cfg.MaxDraftsPerPeer)
		}
		if !r.allowRegistration(reg.Source) {
			log.Warn("Registration refused: too many from this address", "source", reg.Source)
			return fmt.Errorf("%w: %d new drafts an hour from one address; try again later", ErrOverQuota, r.cfg.MaxRegistrationsPerHour)
		}
	case string(old) == string(reg.Secret):
		return nil // already registered
	case !docsync.CheckRotation(old, reg.DraftID, reg.Secret, reg.Proof):
		log.Warn("Registration refused: new secret without proof of the current one")
		return errors.New("this draft is registered under another secret; only a holder of that secret can change it")
	}
	if err := r.cfg.Store.RegisterDraft(ctx, reg.DraftID, reg.Secret, peer); err != nil {
		return fmt.Errorf("relay storage: %w", err)
	}
	log.Info("Draft registered")
	return nil
}

// allowRegistration counts a new registration from source, unless the
// source already made its hourly share.
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

// admit limits concurrent and new sync sessions per peer.
func (r *Relay) admit(peer string) (func(), bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	recent := within(r.starts[peer], now, time.Minute)
	r.starts[peer] = recent
	if r.open[peer] >= r.cfg.MaxSessionsPerPeer || len(recent) >= r.cfg.MaxSessionsPerMinute {
		return nil, false
	}
	r.open[peer]++
	r.starts[peer] = append(recent, now)
	return func() {
		r.mu.Lock()
		r.open[peer]--
		r.mu.Unlock()
		r.trim()
	}, true
}

// trim gives the C heap's free pages back after sessions end, at most
// every few seconds: each session opens its drafts in Automerge, whose
// memory the C allocator would otherwise keep at the high-water mark of
// the busiest minute.
func (r *Relay) trim() {
	now := time.Now().UnixNano()
	last := r.trimmed.Load()
	if now-last < int64(3*time.Second) || !r.trimmed.CompareAndSwap(last, now) {
		return
	}
	crdt.ReleaseMemory()
}

// quotaLibrary refuses changes for drafts that outgrew the quota.
type quotaLibrary struct {
	docsync.Library
	r *Relay
}

func (q quotaLibrary) Open(ctx context.Context, id string) (docsync.Replica, error) {
	rep, err := q.Library.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	return quotaReplica{rep, q.r, id}, nil
}

// quotaReplica checks the quotas before every path that stores a peer's
// changes (Automerge's messages, pushes and snapshots) and keeps the
// relay's total current after it.
type quotaReplica struct {
	docsync.Replica
	r  *Relay
	id string
}

func (q quotaReplica) Receive(ctx context.Context, st *crdt.SyncState, msg, seals []byte) (int, error) {
	var n int
	err := q.store(ctx, len(msg)+len(seals), func() (err error) { n, err = q.Replica.Receive(ctx, st, msg, seals); return err })
	return n, err
}

func (q quotaReplica) MergeWhole(ctx context.Context, data, seals []byte) (int, []string, error) {
	var n int
	var heads []string
	err := q.store(ctx, len(data)+len(seals), func() (err error) { n, heads, err = q.Replica.MergeWhole(ctx, data, seals); return err })
	return n, heads, err
}

// store runs merge if incoming more bytes keep the draft, its registrant
// and the relay within their quotas.
func (q quotaReplica) store(ctx context.Context, incoming int, merge func() error) error {
	cfg := q.r.cfg
	in := int64(incoming)
	before, err := cfg.Store.DraftBytes(ctx, q.id)
	if err != nil {
		return err
	}
	refuse := func(what string, have, limit int64) error {
		q.r.log.Warn("Refusing changes: over quota", "draft", q.id, "quota", what, "bytes", have+in, "limit", limit)
		return fmt.Errorf("%w: %s would hold %s, over the %s allowed; ask the relay's operator", ErrOverQuota, what, docsync.HumanBytes(have+in), docsync.HumanBytes(limit))
	}
	if before+in > cfg.MaxDraftBytes {
		return refuse("draft "+q.id, before, cfg.MaxDraftBytes)
	}
	reg, err := cfg.Store.RegistrantBytes(ctx, q.id)
	if err != nil {
		return err
	}
	if reg+in > cfg.MaxRegistrantBytes {
		return refuse("the drafts of the peer that registered "+q.id, reg, cfg.MaxRegistrantBytes)
	}
	if total := q.r.total.Load(); total+in > cfg.MaxTotalBytes {
		return refuse("this relay", total, cfg.MaxTotalBytes)
	}
	err = merge()
	if after, aerr := cfg.Store.DraftBytes(ctx, q.id); aerr == nil {
		q.r.total.Add(after - before)
	}
	return err
}
