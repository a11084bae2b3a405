package online

import (
	"encoding/json"
	"strings"
	"time"
	"unicode"

	"github.com/igf-bpf/bpfdraft/app"
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
	return o.eng.SetPresence(draft, data)
}

// Leave tells them this window closed the draft.
func (o *Online) Leave(draft string) { o.eng.SetPresence(draft, nil) }

// Present returns the other windows that have a draft open now, from
// what reached this machine within the last presence's lifetime. A peer
// may send anything: what cannot be read is left out, and names are
// cleaned of control characters.
func (o *Online) Present(draft string) []Presence {
	var out []Presence
	for _, e := range o.eng.Presence(draft) {
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
func (o *Online) WatchPresence() (<-chan struct{}, func()) { return o.eng.WatchPresence() }

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
			o.eng.Heartbeat()
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

// PeerPreview is a co-author's typing not yet committed, from one window.
type PeerPreview struct {
	Origin  string // the window's peer id, as in Presence
	Preview app.Preview
}

// SetPreview sends co-authors syncing a draft live what this window's
// person has typed and not committed (Session.Preview): the window calls
// it each time its typing reached the draft's owner. Calls faster than
// the engine sends cost nothing more: the latest wins.
func (o *Online) SetPreview(draft string, p app.Preview) error {
	return o.eng.SetPreview(draft, app.EncodePreview(p))
}

// ClearPreview tells them this window has no typing to show: it closed
// the draft. A commit needs no clearing: co-authors stop showing the
// preview when the commit reaches them (it no longer fits their
// committed text), whereas a clear may reach them first, through a
// relay that has yet to save the commit, and the text would blink out.
func (o *Online) ClearPreview(draft string) { o.eng.SetPreview(draft, nil) }

// Previews returns the co-authors' previews of a draft that reached this
// machine and have not expired, by origin. What a peer sent that does not
// decode is left out.
func (o *Online) Previews(draft string) []PeerPreview {
	var out []PeerPreview
	for _, e := range o.eng.Previews(draft) {
		p, err := app.DecodePreview(e.Data)
		if err != nil {
			continue
		}
		out = append(out, PeerPreview{Origin: e.Origin, Preview: p})
	}
	return out
}

// WatchPreviews signals every change of previews: one arriving, replaced
// or expiring.
func (o *Online) WatchPreviews() (<-chan struct{}, func()) { return o.eng.WatchPreviews() }
