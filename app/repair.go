package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/crdt/sqlitestore"
)

// Repaired says what Repair did to a damaged draft.
type Repaired struct {
	SetAside int // damaged chunks moved to quarantine (kept, not loaded)
	Kept     int // chunks still loaded
	// Refetch: what is left does not make a draft, so all of it was set
	// aside; the next sync fetches the draft whole from a co-author or a
	// relay (as a join does), or an import of an export brings it back.
	Refetch bool
}

// ErrNotDamaged is returned by Repair for a draft that loads fine.
var ErrNotDamaged = errors.New("the draft is not damaged")

// Repair sets the damaged chunks of a draft aside so the rest loads
// again: edits in them come back from co-authors with the next sync (or
// from an import of an export), since their copies have them. Nothing is
// deleted: set-aside chunks stay in the file's quarantine.
func (w *Workspace) Repair(ctx context.Context, id string) (Repaired, error) {
	var r Repaired
	if w.open(id) {
		return r, fmt.Errorf("draft %s is open in this process; close it first", id)
	}
	chunks, err := w.store.Chunks(ctx, id, 0)
	if err != nil {
		return r, err
	}
	// A change larger than any draft (taken before peers refused them)
	// is set aside first, unloaded: loading it takes gigabytes.
	var oversized []int64
	kept := chunks[:0:0]
	for _, c := range chunks {
		if !c.Snapshot && crdt.Oversized(c.Data) {
			oversized = append(oversized, c.Seq)
			continue
		}
		kept = append(kept, c)
	}
	if len(oversized) > 0 {
		if r.SetAside, err = w.store.Quarantine(ctx, id, oversized); err != nil {
			return r, err
		}
		chunks = kept
	}
	raw := make([][]byte, len(chunks))
	for i, c := range chunks {
		raw[i] = c.Data
	}
	if _, err := crdt.LoadChunks(raw); err == nil {
		if len(oversized) > 0 {
			r.Kept = len(chunks)
			w.log.Warn("Set aside changes larger than any draft", "draft", id, "set_aside", r.SetAside, "kept", r.Kept)
			return r, nil
		}
		return r, ErrNotDamaged
	}
	doc, damaged := crdt.Salvage(raw)
	var seqs []int64
	if doc == nil {
		r.Refetch = true
		for _, c := range chunks {
			seqs = append(seqs, c.Seq)
		}
	} else {
		for _, i := range damaged {
			seqs = append(seqs, chunks[i].Seq)
		}
	}
	n, err := w.store.Quarantine(ctx, id, seqs)
	if err != nil {
		return r, err
	}
	r.SetAside += n
	r.Kept = len(chunks) - n
	w.log.Warn("Damaged draft repaired", "draft", id, "set_aside", r.SetAside, "kept", r.Kept, "refetch", r.Refetch)
	return r, nil
}

// open reports whether a session of the draft is open in this process.
func (w *Workspace) open(id string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.sessions[id]
	return ok
}

// restore stores an imported document as the whole of a draft whose
// own chunks were all set aside (Repair with Refetch).
func (w *Workspace) restoreWhole(ctx context.Context, id string, data []byte) error {
	_, err := w.store.Compact(ctx, id, 0, func([]sqlitestore.Chunk) ([]byte, error) { return data, nil })
	return err
}
