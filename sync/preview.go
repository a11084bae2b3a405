package docsync

import (
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/igf-bpf/bpfdraft/sync/wire"
)

// Typing previews: what a window's person has typed and not committed
// yet, sent to live peers as it is typed, so that a co-author sees it
// within a round trip instead of at the next commit (a second or twenty
// keys later). They travel like presence (presence.go), in a table of
// their own: on live connections only, the latest entry per origin and
// draft, passed on to the draft's other live connections, never stored,
// never part of the document or its history. The data is the app's
// (app.EncodePreview); the engine only carries it.
//
// Why not commit faster instead: every commit is an Automerge change
// that every peer keeps and every future joiner downloads, so a change
// per key would grow each draft's history, and its bytes on the wire,
// for good. A preview costs bytes once, to the peers online now.
//
// Bytes matter, since previews follow every key: a connection sends at
// most one preview frame every previewEvery (what changed meanwhile goes
// in the next, the latest state winning), an entry from the sending
// window itself omits its origin, and preview frames are deflated
// whatever their size (wire.Conn.DeflateAlways): each repeats the one
// before with a character more, which the connection's deflate context
// sends in a few bytes.
//
// A preview lives PreviewTTL after it arrives: the typing it shows is
// committed within a second of the last key, and an origin that stops
// sending (a window that vanished) has its preview expire. A peer's
// previews are bounded like its presence: an entry's data
// (MaxPreviewData), a frame (maxPreviewFrame), the origins of a draft
// (maxOrigins), and the bytes held over all drafts (maxPreviewHeld).

const (
	// MaxPreviewData bounds one preview's data.
	MaxPreviewData = 2 << 10
	// PreviewTTL is how long a preview is shown after it arrived.
	PreviewTTL      = 5 * time.Second
	maxPreviewFrame = 64 << 10
	maxPreviewHeld  = 4 << 20
	previewEvery    = 45 * time.Millisecond
	framePreview    = wire.Type(9) // entries: sender's offer index, origin, seq, data
)

// SetPreview sets this side's preview of a draft: what its person typed
// and has not committed, as the app encodes it. Empty data says there is
// none (peers drop the one they hold). Live peers get it within
// previewEvery; fast typing costs one frame per previewEvery, not one per
// call.
func (e *Engine) SetPreview(draft string, data []byte) error {
	if len(data) > MaxPreviewData {
		return fmt.Errorf("preview of %d bytes is more than %d", len(data), MaxPreviewData)
	}
	e.presenceMu.Lock()
	e.previewSeq++
	seq := e.previewSeq
	e.presenceMu.Unlock()
	now := time.Now()
	e.previews.update(draft, PresenceEntry{Origin: e.self, Seq: seq, Data: slices.Clone(data), Expires: now.Add(PreviewTTL)}, now)
	e.wake(draft, func(c *conversation) chan struct{} { return c.previewKick })
	return nil
}

// Previews returns the previews of a draft from every origin but this
// side, not expired and not empty, by origin.
func (e *Engine) Previews(draft string) []PresenceEntry {
	return e.previews.others(draft, e.self, time.Now())
}

// WatchPreviews signals every change of previews, in any draft: one
// arriving, replaced or expiring. It is apart from WatchPresence because
// previews change at typing speed and presence twice a second at most.
func (e *Engine) WatchPreviews() (<-chan struct{}, func()) {
	return e.previews.watchChanges()
}

// previewSoon sends the previews the peer lacks now, or, if a frame went
// less than previewEvery ago, once that time is up.
func (c *conversation) previewSoon() error {
	if c.previewTimer != nil {
		return nil // the frame due then takes the latest
	}
	if wait := previewEvery - time.Since(c.previewAt); wait > 0 {
		c.previewTimer = time.NewTimer(wait)
		return nil
	}
	return c.sendPreviews()
}

// An entry travels as: seq, sender's offer index, origin length (0: the
// sender itself), origin, data length plus one, data (uvarints but the
// bytes); the frame's last entry gives 0 for its length, its data running
// to the end. Each entry names its draft, so that a frame of one entry,
// the usual one, needs no count, and a long frame splits anywhere. The
// order is the deflate context's: from one key's preview to the next only
// the seq and the end of the data change, so all that lies between is one
// back-reference.
func appendPreview(b []byte, index int, origin string, seq uint64, data []byte, last bool) []byte {
	b = binary.AppendUvarint(b, seq)
	b = binary.AppendUvarint(b, uint64(index))
	b = binary.AppendUvarint(b, uint64(len(origin)))
	b = append(b, origin...)
	if last {
		b = append(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(data))+1)
	}
	return append(b, data...)
}

// eachPreview decodes a frame's entries, calling f for each unless f is
// nil (then it only checks them). Nothing is copied: f keeps what it
// needs.
func eachPreview(b []byte, f func(index int, origin []byte, seq uint64, data []byte)) error {
	number := func(limit uint64) (uint64, error) {
		n, w := binary.Uvarint(b)
		if w <= 0 || n > limit {
			return 0, fmt.Errorf("%w: preview number", wire.ErrMalformed)
		}
		b = b[w:]
		return n, nil
	}
	field := func(n uint64) ([]byte, error) {
		if n > uint64(len(b)) {
			return nil, fmt.Errorf("%w: preview field past the end", wire.ErrMalformed)
		}
		v := b[:n]
		b = b[n:]
		return v, nil
	}
	for len(b) > 0 {
		seq, err := number(1<<64 - 1)
		if err != nil {
			return err
		}
		index, err := number(maxOffers)
		if err != nil {
			return err
		}
		n, err := number(maxOriginLen)
		if err != nil {
			return err
		}
		origin, err := field(n)
		if err != nil {
			return err
		}
		if n, err = number(MaxPreviewData + 1); err != nil {
			return err
		}
		if n == 0 { // the last entry: its data runs to the end
			n = uint64(len(b)) + 1
			if len(b) > MaxPreviewData {
				return fmt.Errorf("%w: preview data of %d bytes", wire.ErrMalformed, len(b))
			}
		}
		data, err := field(n - 1)
		if err != nil {
			return err
		}
		if f != nil {
			f(int(index), origin, seq, data)
		}
	}
	return nil
}

// sendPreviews writes the entries the peer has not had from us, each
// origin's latest, for every draft of this live connection.
func (c *conversation) sendPreviews() error {
	now := time.Now()
	type entry struct {
		index  int
		origin string
		p      PresenceEntry
	}
	var frame []entry
	size := 0
	flush := func() error {
		if len(frame) == 0 {
			return nil
		}
		var payload []byte
		for i, e := range frame {
			payload = appendPreview(payload, e.index, e.origin, e.p.Seq, e.p.Data, i == len(frame)-1)
		}
		before := c.conn.BytesOut()
		err := c.conn.WriteFrame(wire.Frame{Type: framePreview, Payload: payload})
		c.st.PreviewFrames++
		c.st.PreviewBytes += c.conn.BytesOut() - before
		frame, size = frame[:0], 0
		return err
	}
	for _, ds := range c.order {
		if ds.failed != nil {
			continue
		}
		live := c.e.previews.live(ds.id, now)
		if len(ds.previewSent) > len(live) {
			// Forget origins whose previews expired: the map stays as small
			// as the table, and an origin that starts counting again (its
			// window restarted) is sent once its old entry is gone.
			held := make(map[string]bool, len(live))
			for _, p := range live {
				held[p.Origin] = true
			}
			maps.DeleteFunc(ds.previewSent, func(o string, _ uint64) bool { return !held[o] })
		}
		for _, p := range live {
			if p.Origin == c.remote || ds.previewSent[p.Origin] >= p.Seq {
				continue // the peer's own, or told already
			}
			if ds.previewSent == nil {
				ds.previewSent = map[string]uint64{}
			}
			ds.previewSent[p.Origin] = p.Seq
			origin := p.Origin
			if origin == c.e.self {
				origin = "" // the connection says who
			}
			// At most what the entry takes with its length given.
			n := len(appendPreview(nil, ds.outIndex, origin, p.Seq, nil, false)) + binary.MaxVarintLen16 + len(p.Data)
			if size+n > maxPreviewFrame {
				if err := flush(); err != nil {
					return err
				}
			}
			frame = append(frame, entry{ds.outIndex, origin, p})
			size += n
		}
	}
	if len(frame) > 0 {
		c.previewAt = now
	}
	return flush()
}

// receivePreviews takes a peer's preview frame: newer entries are kept
// and passed on to the draft's other live connections. A frame that does
// not decode, whole, is refused before anything of it is kept.
func (c *conversation) receivePreviews(payload []byte) error {
	if len(payload) > maxPreviewFrame {
		return fmt.Errorf("%w: a preview frame of %d bytes", wire.ErrMalformed, len(payload))
	}
	if err := eachPreview(payload, nil); err != nil {
		return err
	}
	now := time.Now()
	changed := map[*draftSession]bool{}
	eachPreview(payload, func(index int, origin []byte, seq uint64, data []byte) {
		ds := c.byIndex[index]
		if ds == nil || ds.failed != nil {
			return // a draft not shared here: nothing to show
		}
		o := c.remote
		if len(origin) > 0 {
			o = string(origin)
		}
		if o == c.e.self {
			return // our own, come back round
		}
		if !c.e.previews.update(ds.id, PresenceEntry{Origin: o, Seq: seq, Data: slices.Clone(data), Expires: now.Add(PreviewTTL)}, now) {
			return
		}
		if ds.previewSent == nil {
			ds.previewSent = map[string]uint64{}
		}
		ds.previewSent[o] = seq // the peer has it: not back to it
		changed[ds] = true
	})
	for ds := range changed {
		c.e.wake(ds.id, func(c *conversation) chan struct{} { return c.previewKick })
	}
	return nil
}
