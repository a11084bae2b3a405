package p2p

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// TestHalfOpenFlood: 300 sync streams from 30 throwaway identities on one
// host open and say nothing (issue 13, item 10). The node refuses all but
// a few of them, logs the burst in a line or two, ends the ones it took
// when their opening exchange times out, and a co-author on another
// address syncs meanwhile.
func TestHalfOpenFlood(t *testing.T) {
	ctx := context.Background()
	owner := newMachine(t, "Owner", "/ip4/127.0.0.1/tcp/0")
	owner.eng.SetHandshakeTimeout(2 * time.Second)
	coauthor := newMachine(t, "Co-author", "/ip4/127.0.0.2/tcp/0")
	id, err := owner.ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Under attack"})
	if err != nil {
		t.Fatal(err)
	}
	owner.write(t, id, "1", "Still syncing. ")
	inv, err := owner.ws.Invite(ctx, id, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := coauthor.ws.Join(ctx, inv.Code()); err != nil {
		t.Fatal(err)
	}

	target, err := peer.AddrInfoFromString(owner.node.Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		streams []network.Stream
		opened  int
	)
	var wg sync.WaitGroup
	for i := 0; i < 30; i++ {
		h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.Close() })
		if err := h.Connect(ctx, *target); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 10; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := h.NewStream(ctx, target.ID, ProtocolID)
				if err != nil {
					return
				}
				// Half a preamble, then nothing: the stream is negotiated
				// and the owner's handler runs.
				if _, err := s.Write([]byte("BP")); err != nil {
					return
				}
				mu.Lock()
				streams, opened = append(streams, s), opened+1
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	time.Sleep(300 * time.Millisecond) // let the owner take or refuse them all

	r := syncOnce(t, coauthor, owner)
	if got := coauthor.section(t, id, "1"); got != "Still syncing. " || len(r.Stats.Drafts) != 1 {
		t.Fatalf("the co-author got %q during the flood", got)
	}
	owner.node.openings.mu.Lock()
	held := owner.node.openings.all
	owner.node.openings.mu.Unlock()
	if held > maxOpeningsPerSource {
		t.Errorf("%d half-open sessions held from one source", held)
	}
	// The ones taken end when their opening exchange times out; those
	// waiting for an opening take the freed ones until their wait ends.
	deadline := time.Now().Add(openingWait + 10*time.Second)
	for held > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		owner.node.openings.mu.Lock()
		held = owner.node.openings.all
		owner.node.openings.mu.Unlock()
		if held > maxOpeningsPerSource {
			t.Fatalf("%d half-open sessions held from one source", held)
		}
	}
	if held > 0 {
		t.Errorf("%d half-open sessions still held after the handshake deadline", held)
	}
	logs := owner.log.String()
	if n := strings.Count(logs, "Refused sync sessions"); n == 0 || n > 2 {
		t.Errorf("%d log lines for one burst of refusals", n)
	}
	for _, s := range streams {
		s.Reset()
	}
}
