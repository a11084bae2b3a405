package online

import (
	"encoding/json"
	"strings"
	"time"
	"unicode"

	docsync "github.com/igf-bpf/bpfdraft/sync"
)

// Presence is one window's place in a draft, as co-authors see it: who,
// and where the caret is. It travels on live sessions and is never
// stored (docsync's presence).
type Presence struct {
	Origin  string `json:"-"`           // the window's peer id
	Person  string `json:"p,omitempty"` // the person's id in the draft's registry
	Name    string `json:"n,omitempty"` // as the person signs
	Section string `json:"s,omitempty"` // the section the caret is in
	Offset  int    `json:"o,omitempty"` // the caret, in code points
}

// SetPresence tells co-authors syncing a draft live that this window has
// it open, and where.
func (o *Online) SetPresence(draft string, p Presence) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return o.node.Engine().SetPresence(draft, data)
}

// Leave tells them this window closed the draft.
func (o *Online) Leave(draft string) { o.node.Engine().SetPresence(draft, nil) }

// Present returns the other windows that have a draft open now, from
// what reached this machine within the last presence's lifetime. A peer
// may send anything: what cannot be read is left out, and names are
// cleaned of control characters.
func (o *Online) Present(draft string) []Presence {
	var out []Presence
	for _, e := range o.node.Engine().Presence(draft) {
		var p Presence
		if err := json.Unmarshal(e.Data, &p); err != nil || p.Offset < 0 {
			continue
		}
		p.Origin, p.Name = e.Origin, clean(p.Name)
		out = append(out, p)
	}
	return out
}

// WatchPresence signals every change of presence.
func (o *Online) WatchPresence() (<-chan struct{}, func()) { return o.node.Engine().WatchPresence() }

// heartbeat announces this window's presence again before it expires.
func (o *Online) heartbeat() {
	defer o.wg.Done()
	t := time.NewTicker(docsync.PresenceHeartbeat)
	defer t.Stop()
	for {
		select {
		case <-o.ctx.Done():
			return
		case <-t.C:
			o.node.Engine().Heartbeat()
		}
	}
}

// clean keeps a name to one line of printable text.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return strings.TrimSpace(s)
}
