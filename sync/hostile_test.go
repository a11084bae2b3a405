package docsync

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"math/rand"
	"testing"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// hostileReplica is a co-author's copy of a draft that answers with what
// a hostile peer would send instead of what the draft holds.
type hostileReplica struct {
	Replica
	payload func() []byte
}

func (h hostileReplica) Generate(st *crdt.SyncState) ([]byte, int, bool, error) {
	msg, n, ok, err := h.Replica.Generate(st)
	if err != nil || !ok {
		return msg, n, ok, err
	}
	return h.payload(), n, true, nil
}

func (h hostileReplica) Changes(since []string) ([]byte, int, error) {
	_, n, err := h.Replica.Changes(since)
	return h.payload(), max(n, 1), err
}

func (h hostileReplica) Whole() ([]byte, []byte, []string, int, error) {
	_, seals, heads, n, err := h.Replica.Whole()
	return h.payload(), seals, heads, n, err
}

// TestHostilePeer: a co-author whose copy of one draft sends garbage, a
// Automerge-looking document with a forged length, or a deflate bomb, in
// every message of that draft. The victim stays up, refuses that draft
// alone, keeps its own copy readable, and in the same session receives
// the hostile peer's honest edit of another draft; then it syncs that
// draft on with a third peer (issue 13's hostile-peer suite).
func TestHostilePeer(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	garbage := func() []byte {
		b := make([]byte, 1+rng.Intn(3000))
		rng.Read(b)
		return b
	}
	forged := func() []byte {
		// The magic bytes of an Automerge chunk, a checksum, a change type
		// and a length claiming far more than follows.
		return append([]byte{0x85, 0x6f, 0x4a, 0x83, 1, 2, 3, 4, 1, 0xff, 0xff, 0xff, 0xff, 0x0f}, garbage()...)
	}
	bomb := func() []byte {
		// 64 MiB of zeros deflate to about 64 KB.
		var z bytes.Buffer
		w, _ := flate.NewWriter(&z, flate.BestCompression)
		w.Write(make([]byte, 64<<20))
		w.Close()
		return append([]byte{0x85, 0x6f, 0x4a, 0x83, 1, 2, 3, 4, 2}, z.Bytes()...)
	}
	// An Automerge sync message (type 0x42; no heads, needs or haves) that
	// carries one change: the forged chunk.
	message := func() []byte {
		c := forged()
		return append(binary.AppendUvarint([]byte{0x42, 0, 0, 0, 1}, uint64(len(c))), c...)
	}
	payloads := map[string]func() []byte{"garbage": garbage, "forged length": forged, "deflate bomb": bomb, "message with a forged change": message}
	for name, payload := range payloads {
		hostilePeerCase(t, name, payload, false)
		hostilePeerCase(t, name+", to a peer joining", payload, true)
	}
}

func hostilePeerCase(t *testing.T, name string, payload func() []byte, joining bool) {
	t.Run(name, func(t *testing.T) {
		hostile, victim, third := newPeer("hostile"), newPeer("victim"), newPeer("third")
		base := baseDraft(t)
		sx, sy := NewSecret(), NewSecret()
		hx := hostile.lib.add(t, "x", base, sx)
		var vx *memDraft
		if joining {
			vx = victim.lib.add(t, "x", nil, sx) // fetched whole: the snapshot is the payload
		} else {
			vx = victim.lib.add(t, "x", base, sx)
		}
		hy := hostile.lib.add(t, "y", base, sy)
		vy := victim.lib.add(t, "y", base, sy)
		ty := third.lib.add(t, "y", base, sy)
		sec := base.Sections()[0].ID
		hx.edit(t, func(d *crdt.Doc) error { return d.AppendBody(sec, " hostile") })
		hy.edit(t, func(d *crdt.Doc) error { return d.AppendBody(sec, " an honest edit") })
		if !joining {
			vx.edit(t, func(d *crdt.Doc) error { return d.AppendBody(sec, " the victim's own") })
		}
		before := vx.text()
		hostile.lib.hostile = map[string]func(Replica) Replica{
			"x": func(r Replica) Replica { return hostileReplica{r, payload} },
		}

		sh, sv, eh, ev := connect(t, hostile, victim, true)
		t.Logf("hostile: %v %v; victim: %v %v", eh, sh.Failed, ev, sv.Failed)
		if vy.text() != hy.text() {
			t.Errorf("the honest draft did not arrive (victim: %v, failed %v)", ev, sv.Failed)
		}
		if vx.text() != before {
			t.Errorf("the victim's copy of the hostile draft changed: %q", vx.text())
		}
		if !joining {
			if _, err := crdt.Load(mustSave(t, vx)); err != nil {
				t.Errorf("the victim's copy no longer loads: %v", err)
			}
		}
		mustSync(t, victim, third)
		if ty.text() != hy.text() {
			t.Error("the honest edit did not go on to the third peer")
		}
	})
}

func mustSave(t *testing.T, d *memDraft) []byte {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	b, err := d.doc.Save()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
