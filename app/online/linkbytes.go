package online

import (
	"context"
	"encoding/json"
	"time"

	"github.com/igf-bpf/bpfdraft/sync/p2p"
)

// What syncing costs on the link, for a person on a metered connection
// (issue 26): the last sync's bytes and today's. Today's count is kept
// in the data dir's sync state under one key, reset when the day (local
// time) changes, so a window and `sync --once` runs add up. Two
// processes tallying in the same instant may lose one's increment: a
// count for the person, not a bill.

const linkKey = "link-bytes"

// LinkBytes is what the link carried each way.
type LinkBytes = p2p.LinkBytes

// linkDay is today's count as stored.
type linkDay struct {
	Day      string `json:"day"` // 2006-01-02, local time
	Sent     int64  `json:"sent"`
	Received int64  `json:"received"`
}

// LinkStatus is what the status details show.
type LinkStatus struct {
	Last   LinkBytes // the last sync session to end, with any peer
	LastAt time.Time // when it ended; zero before the first
	Today  LinkBytes // everything this machine's syncing carried today
}

func today() string { return time.Now().Format(time.DateOnly) }

// tally adds what the node carried since the last tally to today's
// stored count.
func (o *Online) tally() {
	o.linkMu.Lock()
	defer o.linkMu.Unlock()
	now := o.node.LinkBytes()
	delta := now.Sub(o.linkSaved)
	if delta == (LinkBytes{}) {
		return
	}
	ctx := context.Background()
	lib := o.ws.SyncLibrary()
	var d linkDay
	if b, err := lib.LoadState(ctx, linkKey, ""); err == nil && len(b) > 0 {
		json.Unmarshal(b, &d) // a damaged count starts again at zero
	}
	if d.Day != today() {
		d = linkDay{Day: today()}
	}
	d.Sent += delta.Sent
	d.Received += delta.Received
	b, _ := json.Marshal(d)
	if err := lib.SaveState(ctx, linkKey, "", b); err != nil {
		o.log.Warn("Could not save today's count of bytes on the link", "err", err)
		return
	}
	o.linkSaved = now
	o.linkToday = d
}

// ended notes a session's cost and tallies the day.
func (o *Online) ended(r Result) {
	o.linkMu.Lock()
	o.lastLink, o.lastLinkAt = r.Link, time.Now()
	o.linkMu.Unlock()
	o.tally()
}

// Link returns the last session's bytes on the link and today's.
func (o *Online) Link() LinkStatus {
	o.linkMu.Lock()
	defer o.linkMu.Unlock()
	st := LinkStatus{Last: o.lastLink, LastAt: o.lastLinkAt}
	if o.linkToday.Day == today() {
		st.Today = LinkBytes{Sent: o.linkToday.Sent, Received: o.linkToday.Received}
	}
	st.Today = st.Today.Add(o.node.LinkBytes().Sub(o.linkSaved))
	return st
}

// loadLink reads today's count when the node starts.
func (o *Online) loadLink() {
	b, err := o.ws.SyncLibrary().LoadState(context.Background(), linkKey, "")
	if err != nil || len(b) == 0 {
		return
	}
	var d linkDay
	if json.Unmarshal(b, &d) == nil && d.Day == today() {
		o.linkToday = d
	}
}
