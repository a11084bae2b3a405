package docsync

import (
	"fmt"
	"maps"
	"time"

	"github.com/igf-bpf/bpfdraft/sync/blobwire"
	"github.com/igf-bpf/bpfdraft/sync/wire"
)

// Presence and typing previews reach co-authors who meet only through a
// relay as they do between peers, sealed under the draft's content key:
// the relay passes them to the draft's other live sessions, keeping and
// reading none. What a sealed pass holds: a kind byte, then entries as
// encodePresence writes them, each with its origin, since the relay
// cannot say whose they are.
const (
	passPresence = 0
	passPreview  = 1
)

// relayEphemeral is what a live relay connection has passed on, per
// draft and origin, so that each entry goes once.
type relayEphemeral struct {
	presence, previews map[string]map[string]uint64 // draft → origin → seq
	previewAt          time.Time
	previewTimer       *time.Timer
}

func sentTo(m map[string]map[string]uint64, draft string) map[string]uint64 {
	if m[draft] == nil {
		m[draft] = map[string]uint64{}
	}
	return m[draft]
}

// register makes the engine wake this connection for presence and
// previews of its drafts.
func (rc *relayConn) register() func() {
	rc.ids = map[string]bool{}
	for _, d := range rc.open {
		rc.ids[d.id] = true
	}
	rc.kick = make(chan struct{}, 1)
	rc.eph = relayEphemeral{presence: map[string]map[string]uint64{}, previews: map[string]map[string]uint64{}}
	rc.e.mu.Lock()
	rc.e.relays[rc] = struct{}{}
	rc.e.mu.Unlock()
	return func() {
		rc.e.mu.Lock()
		delete(rc.e.relays, rc)
		rc.e.mu.Unlock()
		if rc.eph.previewTimer != nil {
			rc.eph.previewTimer.Stop()
		}
	}
}

// previewDue returns a channel that fires when a deferred preview frame
// is due, or nil.
func (rc *relayConn) previewDue() <-chan time.Time {
	if rc.eph.previewTimer == nil {
		return nil
	}
	return rc.eph.previewTimer.C
}

// sendEphemeral seals and passes the entries the relay's other sessions
// have not had from us: presence at once, previews at most once per
// previewEvery.
func (rc *relayConn) sendEphemeral(timerFired bool) error {
	now := time.Now()
	if timerFired {
		rc.eph.previewTimer = nil
	}
	previewsNow := rc.eph.previewTimer == nil && now.Sub(rc.eph.previewAt) >= previewEvery
	var recs []blobwire.PassRecord
	for _, d := range rc.open {
		if d.failed != nil {
			continue
		}
		for _, kind := range []byte{passPresence, passPreview} {
			table, sent := &rc.e.presence, rc.eph.presence
			if kind == passPreview {
				if !previewsNow {
					continue
				}
				table, sent = &rc.e.previews, rc.eph.previews
			}
			live := table.live(d.id, now)
			had := sentTo(sent, d.id)
			if len(had) > len(live) {
				held := make(map[string]bool, len(live))
				for _, p := range live {
					held[p.Origin] = true
				}
				maps.DeleteFunc(had, func(o string, _ uint64) bool { return !held[o] })
			}
			var fresh []PresenceEntry
			for _, p := range live {
				if had[p.Origin] < p.Seq {
					had[p.Origin] = p.Seq
					fresh = append(fresh, p)
				}
			}
			if len(fresh) == 0 {
				continue
			}
			plain := append([]byte{kind}, encodePresence(fresh, now)...)
			if len(plain) > blobwire.MaxPass-64 {
				continue // more than a pass holds: the next heartbeat tries again
			}
			recs = append(recs, blobwire.PassRecord{Index: d.index, Data: d.keys.SealEphemeral(plain)})
			if kind == passPreview {
				rc.eph.previewAt = now
			}
		}
	}
	if !previewsNow && rc.eph.previewTimer == nil {
		rc.eph.previewTimer = time.NewTimer(previewEvery - now.Sub(rc.eph.previewAt))
	}
	if len(recs) == 0 {
		return nil
	}
	return rc.conn.WriteFrame(wire.Frame{Type: blobwire.Pass, Payload: blobwire.EncodePass(recs)})
}

// receiveEphemeral opens passes from the relay and keeps what is newer;
// a pass that does not open (the relay altered it, or a peer without the
// draft's keys sent it) is dropped.
func (rc *relayConn) receiveEphemeral(payload []byte) error {
	recs, err := blobwire.DecodePass(payload)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, r := range recs {
		d, err := rc.draft(r.Index)
		if err != nil {
			return err
		}
		if d.failed != nil {
			continue
		}
		plain, err := d.keys.OpenEphemeral(r.Data)
		if err != nil || len(plain) == 0 || plain[0] > passPreview {
			rc.e.log.Debug("Dropped a pass from a relay that does not open", "draft", d.id)
			continue
		}
		table, sent, maxData := &rc.e.presence, rc.eph.presence, uint64(MaxPresenceData)
		if plain[0] == passPreview {
			table, sent, maxData = &rc.e.previews, rc.eph.previews, MaxPreviewData
		}
		es, err := decodeEntries(plain[1:], now, maxData)
		if err != nil {
			return fmt.Errorf("a sealed pass: %w", err)
		}
		changed := false
		for _, e := range es {
			if e.Origin == rc.e.self {
				continue // our own, come back round
			}
			if plain[0] == passPreview {
				e.Expires = now.Add(PreviewTTL)
			}
			if table.update(d.id, e, now) {
				changed = true
				sentTo(sent, d.id)[e.Origin] = e.Seq // the relay's sessions have it
			}
		}
		if changed {
			if plain[0] == passPreview {
				rc.e.wake(d.id, func(c *conversation) chan struct{} { return c.previewKick })
			} else {
				rc.e.kick(d.id)
			}
		}
	}
	return nil
}
