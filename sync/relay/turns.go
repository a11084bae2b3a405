package relay

import (
	"slices"
	"sync"
	"time"
)

// Turns to append. Co-authors who come back online at the same moment,
// each with a day's work, all append at the relay's next place; one
// wins, and every other blob crossed its link for nothing, to go again
// after the winner's, where the next race begins: n(n-1)/2 blobs wasted
// (three peers of bpfbench lowband's W3 wasted 4.8 KB of 23 KB). A blob
// cannot be moved to another place: it is sealed to its place in the
// draft's chain, which is how every peer knows the relay dropped or
// reordered none. So a peer that says it has blobs to append
// (blobwire.FlagWrites) gets the turn when no one holds it, and is held
// otherwise (blobwire.StatusHeld) until a Turn frame, sent after the
// blobs appended meanwhile. A turn ends when its holder appends, leaves,
// or lets leaseFor pass: a peer that never appends holds no one up for
// longer. A held peer's appends are answered "behind" and not stored.
// Peers that do not ask for turns (older versions, later typing in a
// live session) append as before, at the next place if it is free.

// leaseFor is how long a turn waits for its holder's blob: long enough
// for a day's work on a 32 kbit/s link (a 26 KB first copy takes 7 s).
const leaseFor = 30 * time.Second

// turnBook is every draft's turn: its holder and who waits, in order.
type turnBook struct {
	mu     sync.Mutex // Protects the fields below.
	drafts map[string]*turn
	grants uint64        // numbers the turns given, so a lapsed timer knows its own
	lease  time.Duration // how long a turn waits; leaseFor when zero (tests shorten it)
}

type turn struct {
	holder *session
	grant  uint64
	timer  *time.Timer
	queue  []waiter
}

type waiter struct {
	s     *session
	index int // the draft's index in s
}

// claim gives s the turn to append to draft id (its index i) if no one
// holds it, and says whether it did; otherwise s waits in line.
func (b *turnBook) claim(s *session, i int, id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drafts == nil {
		b.drafts = map[string]*turn{}
	}
	t := b.drafts[id]
	if t == nil {
		t = &turn{}
		b.drafts[id] = t
	}
	switch {
	case t.holder == nil:
		b.giveLocked(id, t, s)
		return true
	case t.holder == s:
		return true // the draft named twice in one opening
	case slices.ContainsFunc(t.queue, func(w waiter) bool { return w.s == s }):
		return false // once in line, however often it asks
	case len(t.queue) >= maxWaiting:
		// So many at once that waiting in line would take longer than
		// the race it avoids: this one appends as peers without turns do.
		return true
	}
	t.queue = append(t.queue, waiter{s, i})
	return false
}

// maxWaiting bounds a draft's line: each in it may hold the turn for
// leaseFor.
const maxWaiting = 32

// giveLocked makes s the holder, for leaseFor.
func (b *turnBook) giveLocked(id string, t *turn, s *session) {
	b.grants++
	g := b.grants
	t.holder, t.grant = s, g
	lease := b.lease
	if lease == 0 {
		lease = leaseFor
	}
	t.timer = time.AfterFunc(lease, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if cur := b.drafts[id]; cur == t && t.grant == g {
			b.passLocked(id, t)
		}
	})
}

// passLocked ends the holder's turn and gives it to the first in line
// still there, who hears it after the blobs appended meanwhile.
func (b *turnBook) passLocked(id string, t *turn) {
	if t.timer != nil {
		t.timer.Stop()
	}
	t.holder, t.timer = nil, nil
	if len(t.queue) == 0 {
		delete(b.drafts, id)
		return
	}
	w := t.queue[0]
	t.queue = t.queue[1:]
	b.giveLocked(id, t, w.s)
	w.s.mu.Lock()
	w.s.turns = append(w.s.turns, w.index)
	w.s.mu.Unlock()
	w.s.wake()
}

// appended ends s's turn for draft id, if it holds it.
func (b *turnBook) appended(s *session, id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t := b.drafts[id]; t != nil && t.holder == s {
		b.passLocked(id, t)
	}
}

// waiting says whether s is in line for draft id.
func (b *turnBook) waiting(s *session, id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.drafts[id]
	if t == nil {
		return false
	}
	for _, w := range t.queue {
		if w.s == s {
			return true
		}
	}
	return false
}

// leave takes s out of every line and passes on the turns it holds.
func (b *turnBook) leave(s *session, ids []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, id := range ids {
		t := b.drafts[id]
		if t == nil {
			continue
		}
		t.queue = slices.DeleteFunc(t.queue, func(w waiter) bool { return w.s == s })
		if t.holder == s {
			b.passLocked(id, t)
		} else if t.holder == nil && len(t.queue) == 0 {
			delete(b.drafts, id)
		}
	}
}
