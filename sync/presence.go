package docsync

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/igf-bpf/bpfdraft/sync/wire"
)

// Presence: who has a draft open now, and where they are. It travels on
// live connections only, as frames of its own, and is never stored: not
// in the document, not on disk. Each side keeps, per draft, the latest
// entry of every origin (a window), and passes an entry it had not seen
// on to its other connections of that draft, so that co-authors meeting
// through a relay see each other. An entry lives for its time to live
// (the origin announces itself again well before it ends) or until its
// origin says it left; a window that vanishes without saying so is gone
// when its entry expires.
//
// A peer's entries are bounded like everything it sends: a frame of them
// is small (maxPresenceFrame), an entry's data too (MaxPresenceData), a
// draft holds a bounded number of origins (maxOrigins), and an entry
// claims at most maxPresenceTTL.

// PresenceEntry is one origin's presence in a draft.
type PresenceEntry struct {
	Origin  string // who announces it: a peer id
	Seq     uint64 // grows with each announcement of the origin
	Data    []byte // what the app says (a name, a place); empty: the origin left
	Expires time.Time
}

const (
	// MaxPresenceData bounds an entry's data.
	MaxPresenceData = 512
	// PresenceTTL is how long an announcement holds; origins announce
	// again every third of it.
	PresenceTTL       = 30 * time.Second
	maxPresenceTTL    = 2 * time.Minute
	maxOrigins        = 256
	maxOriginLen      = 128
	maxPresenceFrame  = 64 << 10
	framePresence     = wire.Type(8) // records: sender's offer index, length, entries
	presenceHeartbeat = PresenceTTL / 3
)

// presenceTable is the engine's presence for every draft, and, as a
// second table, its typing previews (preview.go).
type presenceTable struct {
	mu     sync.Mutex
	drafts map[string]map[string]PresenceEntry // draft → origin → entry
	watch  map[chan struct{}]bool              // told of every change

	// Previews only. A preview lives seconds and a window must stop
	// showing one that expired, so expiry is swept by a timer that tells
	// watchers; and since a relay holds previews of every draft its peers
	// type in, the bytes held over all drafts are capped.
	maxHeld int // bytes of origins and data held over all drafts; 0: no cap
	held    int
	sweeps  bool
	sweepAt time.Time
	sweep   *time.Timer
}

func entrySize(e PresenceEntry) int { return len(e.Origin) + len(e.Data) }

// update keeps an entry if it is newer than the one held; it reports
// whether it did.
func (t *presenceTable) update(draft string, e PresenceEntry, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.drafts == nil {
		t.drafts = map[string]map[string]PresenceEntry{}
	}
	d := t.drafts[draft]
	if d == nil {
		d = map[string]PresenceEntry{}
		t.drafts[draft] = d
	}
	old, had := d[e.Origin]
	if had && old.Seq >= e.Seq {
		return false
	}
	if !had && len(d) >= maxOrigins {
		t.expireLocked(d, now)
		if len(d) >= maxOrigins {
			return false // a flood of origins: the ones held stay
		}
	}
	if t.maxHeld > 0 && t.held-entrySize(old)+entrySize(e) > t.maxHeld {
		for _, d := range t.drafts {
			t.expireLocked(d, now)
		}
		old = d[e.Origin]
		if t.held-entrySize(old)+entrySize(e) > t.maxHeld {
			return false // a flood of drafts: what is held stays
		}
	}
	t.held += entrySize(e) - entrySize(old)
	d[e.Origin] = e
	if t.sweeps && (t.sweep == nil || e.Expires.Before(t.sweepAt)) {
		t.armLocked(e.Expires, now)
	}
	t.notifyLocked()
	return true
}

func (t *presenceTable) expireLocked(d map[string]PresenceEntry, now time.Time) bool {
	expired := false
	for o, e := range d {
		if !now.Before(e.Expires) {
			t.held -= entrySize(e)
			delete(d, o)
			expired = true
		}
	}
	return expired
}

// armLocked sets the sweep for at.
func (t *presenceTable) armLocked(at, now time.Time) {
	if t.sweep != nil {
		t.sweep.Stop()
	}
	t.sweepAt = at
	t.sweep = time.AfterFunc(at.Sub(now), t.sweepNow)
}

// sweepNow drops expired entries, tells watchers if there were any, and
// sets the sweep for the next one to expire.
func (t *presenceTable) sweepNow() {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	t.sweep = nil
	expired := false
	var next time.Time
	for id, d := range t.drafts {
		if t.expireLocked(d, now) {
			expired = true
		}
		if len(d) == 0 {
			delete(t.drafts, id) // a draft nobody types in holds nothing
		}
		for _, e := range d {
			if next.IsZero() || e.Expires.Before(next) {
				next = e.Expires
			}
		}
	}
	if !next.IsZero() {
		t.armLocked(next, now)
	}
	if expired {
		t.notifyLocked()
	}
}

func (t *presenceTable) notifyLocked() {
	for ch := range t.watch {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// live returns a draft's entries not expired, left ones included (they
// must travel on), by origin.
func (t *presenceTable) live(draft string, now time.Time) []PresenceEntry {
	t.mu.Lock()
	defer t.mu.Unlock()
	d := t.drafts[draft]
	t.expireLocked(d, now)
	out := make([]PresenceEntry, 0, len(d))
	for _, e := range d {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b PresenceEntry) int {
		switch {
		case a.Origin < b.Origin:
			return -1
		case a.Origin > b.Origin:
			return 1
		}
		return 0
	})
	return out
}

// others returns what a window shows of a draft: the entries of every
// origin but self, not expired and not empty (an empty one says its
// origin left, and only travels), by origin.
func (t *presenceTable) others(draft, self string, now time.Time) []PresenceEntry {
	var out []PresenceEntry
	for _, p := range t.live(draft, now) {
		if p.Origin != self && len(p.Data) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// watchChanges signals every change of the table, in any draft, until
// the function it returns is called.
func (t *presenceTable) watchChanges() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	t.mu.Lock()
	if t.watch == nil {
		t.watch = map[chan struct{}]bool{}
	}
	t.watch[ch] = true
	t.mu.Unlock()
	return ch, func() {
		t.mu.Lock()
		delete(t.watch, ch)
		t.mu.Unlock()
	}
}

// SetPresence announces this side's presence in a draft to every peer
// syncing it, now and again every PresenceHeartbeat while it holds (the
// caller calls it again, or Engine.Heartbeat does); nil data says this
// side left.
func (e *Engine) SetPresence(draft string, data []byte) error {
	if len(data) > MaxPresenceData {
		return fmt.Errorf("presence of %d bytes is more than %d", len(data), MaxPresenceData)
	}
	e.presenceMu.Lock()
	e.presenceSeq++
	seq := e.presenceSeq
	if e.mine == nil {
		e.mine = map[string][]byte{}
	}
	if data == nil {
		delete(e.mine, draft)
	} else {
		e.mine[draft] = slices.Clone(data)
	}
	e.presenceMu.Unlock()
	ttl := PresenceTTL
	if data == nil {
		ttl = presenceHeartbeat // long enough to travel, then gone
	}
	e.presence.update(draft, PresenceEntry{Origin: e.self, Seq: seq, Data: slices.Clone(data), Expires: time.Now().Add(ttl)}, time.Now())
	e.kick(draft)
	return nil
}

// Heartbeat announces again this side's presence in every draft it is
// present in, before the last announcement expires. A window calls it
// every presenceHeartbeat.
func (e *Engine) Heartbeat() {
	e.presenceMu.Lock()
	mine := make(map[string][]byte, len(e.mine))
	for d, data := range e.mine {
		mine[d] = data
	}
	e.presenceMu.Unlock()
	for d, data := range mine {
		e.SetPresence(d, data)
	}
}

// PresenceHeartbeat is how often a window announces its presence again.
const PresenceHeartbeat = presenceHeartbeat

// Presence returns who else is present in a draft now: every origin but
// this side, with data, not expired.
func (e *Engine) Presence(draft string) []PresenceEntry {
	return e.presence.others(draft, e.self, time.Now())
}

// WatchPresence signals every change of presence, in any draft.
func (e *Engine) WatchPresence() (<-chan struct{}, func()) {
	return e.presence.watchChanges()
}

// kick wakes the live conversations syncing a draft, to send presence.
func (e *Engine) kick(draft string) {
	e.wake(draft, func(c *conversation) chan struct{} { return c.presenceKick })
}

// wake signals a channel of every live conversation syncing a draft, and
// every live connection to a relay that holds it.
func (e *Engine) wake(draft string, ch func(*conversation) chan struct{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for c := range e.conns {
		if c.live && c.ids[draft] {
			select {
			case ch(c) <- struct{}{}:
			default:
			}
		}
	}
	for rc := range e.relays {
		if rc.ids[draft] {
			select {
			case rc.kick <- struct{}{}:
			default:
			}
		}
	}
}

// Entries travel as: origin length, origin, seq, seconds to live, data
// length, data (uvarints but the bytes).
func encodePresence(es []PresenceEntry, now time.Time) []byte {
	var b []byte
	for _, e := range es {
		ttl := max(e.Expires.Sub(now), 0)
		b = binary.AppendUvarint(b, uint64(len(e.Origin)))
		b = append(b, e.Origin...)
		b = binary.AppendUvarint(b, e.Seq)
		b = binary.AppendUvarint(b, uint64(ttl/time.Second)+1)
		b = binary.AppendUvarint(b, uint64(len(e.Data)))
		b = append(b, e.Data...)
	}
	return b
}

func decodePresence(b []byte, now time.Time) ([]PresenceEntry, error) {
	return decodeEntries(b, now, MaxPresenceData)
}

// decodeEntries reads entries as encodePresence wrote them, each with at
// most maxData bytes of data.
func decodeEntries(b []byte, now time.Time, maxData uint64) ([]PresenceEntry, error) {
	var out []PresenceEntry
	field := func(limit uint64) ([]byte, error) {
		n, w := binary.Uvarint(b)
		if w <= 0 || n > limit || n > uint64(len(b)-w) {
			return nil, fmt.Errorf("%w: presence field", wire.ErrMalformed)
		}
		v := b[w : w+int(n)]
		b = b[w+int(n):]
		return v, nil
	}
	number := func() (uint64, error) {
		n, w := binary.Uvarint(b)
		if w <= 0 {
			return 0, fmt.Errorf("%w: presence number", wire.ErrMalformed)
		}
		b = b[w:]
		return n, nil
	}
	for len(b) > 0 {
		origin, err := field(maxOriginLen)
		if err != nil {
			return nil, err
		}
		seq, err := number()
		if err != nil {
			return nil, err
		}
		secs, err := number()
		if err != nil {
			return nil, err
		}
		data, err := field(maxData)
		if err != nil {
			return nil, err
		}
		if len(origin) == 0 {
			return nil, fmt.Errorf("%w: presence without an origin", wire.ErrMalformed)
		}
		ttl := min(time.Duration(min(secs, 1<<20))*time.Second, maxPresenceTTL)
		out = append(out, PresenceEntry{Origin: string(origin), Seq: seq, Data: slices.Clone(data), Expires: now.Add(ttl)})
	}
	return out, nil
}

// sendPresence writes, for every draft of this live connection, the
// entries the peer has not had from us: each origin's newer ones.
func (c *conversation) sendPresence() error {
	now := time.Now()
	var recs []record
	for _, ds := range c.order {
		if ds.failed != nil {
			continue
		}
		var fresh []PresenceEntry
		for _, p := range c.e.presence.live(ds.id, now) {
			if p.Origin == c.remote || ds.presenceSent[p.Origin] >= p.Seq {
				continue // the peer's own, or told already
			}
			if ds.presenceSent == nil {
				ds.presenceSent = map[string]uint64{}
			}
			ds.presenceSent[p.Origin] = p.Seq
			fresh = append(fresh, p)
		}
		if len(fresh) > 0 {
			recs = append(recs, record{index: ds.outIndex, msg: encodePresence(fresh, now)})
		}
	}
	if len(recs) == 0 {
		return nil
	}
	payload := encodeRecords(recs)
	if len(payload) > maxPresenceFrame {
		return nil // more presence than a frame holds: the next heartbeat tries again
	}
	return c.conn.WriteFrame(wire.Frame{Type: framePresence, Payload: payload})
}

// receivePresence takes a peer's presence frame: newer entries are kept
// and passed on to the draft's other live connections.
func (c *conversation) receivePresence(payload []byte) error {
	if len(payload) > maxPresenceFrame {
		return fmt.Errorf("%w: a presence frame of %d bytes", wire.ErrMalformed, len(payload))
	}
	recs, err := decodeRecords(payload)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, r := range recs {
		ds := c.byIndex[r.index]
		if ds == nil || ds.failed != nil {
			continue // a draft not shared here: nothing to show
		}
		es, err := decodePresence(r.msg, now)
		if err != nil {
			return err
		}
		changed := false
		for _, e := range es {
			if e.Origin == c.e.self {
				continue // our own, come back round
			}
			if c.e.presence.update(ds.id, e, now) {
				changed = true
				if ds.presenceSent == nil {
					ds.presenceSent = map[string]uint64{}
				}
				ds.presenceSent[e.Origin] = e.Seq // the peer has it: not back to it
			}
		}
		if changed {
			c.e.kick(ds.id)
		}
	}
	return nil
}
