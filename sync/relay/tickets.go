package relay

import (
	"crypto/rand"
	"crypto/subtle"
	"sync"
	"time"
)

// ticketBook holds, per peer, the single-use nonce the relay gave it at
// the end of its last opening (blobwire.Ticket): its next session signs
// its openings over it and sends them in its first flight. One ticket a
// peer, the newest; taken once; in memory only (a restarted relay takes
// none, and the peer opens a round trip later, as without one).
type ticketBook struct {
	mu sync.Mutex
	m  map[string]ticket
}

type ticket struct {
	nonce [16]byte
	until time.Time
}

// Tickets last a month (a laptop that syncs now and then), and the book
// holds at most maxTickets peers: past it, expired ones go first, then
// any.
const (
	ticketLife = 30 * 24 * time.Hour
	maxTickets = 200_000
)

// give makes a new ticket for a peer, replacing the one it had.
func (b *ticketBook) give(peer string) []byte {
	var t ticket
	rand.Read(t.nonce[:])
	t.until = time.Now().Add(ticketLife)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string]ticket{}
	}
	if len(b.m) >= maxTickets {
		now := time.Now()
		for p, old := range b.m {
			if now.After(old.until) {
				delete(b.m, p)
			}
		}
		for p := range b.m {
			if len(b.m) < maxTickets {
				break
			}
			delete(b.m, p)
		}
	}
	b.m[peer] = t
	return t.nonce[:]
}

// take reports whether nonce is the peer's current ticket, unexpired,
// and uses it up.
func (b *ticketBook) take(peer string, nonce []byte) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.m[peer]
	if !ok || time.Now().After(t.until) || subtle.ConstantTimeCompare(t.nonce[:], nonce) != 1 {
		return false
	}
	delete(b.m, peer)
	return true
}
