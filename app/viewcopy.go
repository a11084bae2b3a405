package app

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/crdt/sqlitestore"
)

// A stored view is the View a session last published, kept in the data
// file when the session ends so that the next command that only reads
// the draft shows it without loading the document. Loading costs about
// 5 µs and 0.9 KB per operation in the pinned Automerge core, deleted
// characters included; a stored view costs what its text costs.
//
// The copy is derived data, never synced: it serves only while no chunk
// was written after it (sqlitestore.View), and anything unexpected in it
// (another format, damage) makes the reader load the document instead.

// viewFormat numbers the stored layout; a copy in another is ignored.
const viewFormat = 1

// maxViewBytes bounds what a stored view may decompress to: a copy past
// it is ignored and the document loaded instead.
const maxViewBytes = 64 << 20

type storedView struct {
	Format       int
	Meta         crdt.Meta
	Sections     []crdt.Section
	Removed      []crdt.Section
	Participants []crdt.Participant
	Versions     []crdt.Version
	Roles        map[string]crdt.Role
	Journaled    int
	Comments     int
	Creator      string
	Refused      Refused
	Heads        []string // of the document the view shows; none in a copy made before they were kept
}

func encodeView(v *View, heads []string) ([]byte, error) {
	return encodeStored(storedView{Format: viewFormat, Meta: v.Meta, Sections: v.Sections,
		Removed: v.Removed, Participants: v.Participants, Versions: v.Versions, Roles: v.Roles,
		Journaled: v.Journaled, Comments: v.Comments, Creator: v.Creator, Refused: v.Refused, Heads: heads})
}

// encodeStored writes the SHA-256 of the JSON, then the JSON deflated:
// deflate has no check of its own, and a damaged copy that still
// inflated to valid JSON would show a draft wrong without a word.
func encodeStored(sv storedView) ([]byte, error) {
	raw, err := json.Marshal(sv)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	buf := bytes.NewBuffer(sum[:])
	zw, err := flate.NewWriter(buf, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var errViewFormat = errors.New("stored view in another format")

func decodeView(data []byte) (*View, []string, error) {
	if len(data) < sha256.Size {
		return nil, nil, errors.New("stored view cut short")
	}
	zr := flate.NewReader(bytes.NewReader(data[sha256.Size:]))
	defer zr.Close()
	raw, err := io.ReadAll(io.LimitReader(zr, maxViewBytes+1))
	if err != nil {
		return nil, nil, err
	}
	if len(raw) > maxViewBytes {
		return nil, nil, fmt.Errorf("stored view larger than %d bytes", maxViewBytes)
	}
	if sum := sha256.Sum256(raw); !bytes.Equal(sum[:], data[:sha256.Size]) {
		return nil, nil, errors.New("stored view fails its checksum")
	}
	var sv storedView
	if err := json.Unmarshal(raw, &sv); err != nil {
		return nil, nil, err
	}
	if sv.Format != viewFormat {
		return nil, nil, errViewFormat
	}
	if sv.Meta.ID == "" {
		return nil, nil, errors.New("stored view names no draft")
	}
	return &View{Meta: sv.Meta, Sections: sv.Sections, Removed: sv.Removed, Participants: sv.Participants,
		Versions: sv.Versions, Roles: sv.Roles, Journaled: sv.Journaled, Comments: sv.Comments,
		Creator: sv.Creator, Refused: sv.Refused, revs: map[string]uint64{}}, sv.Heads, nil
}

// storedView returns the draft's stored view, the heads of the document
// it shows and the chunk it reflects, or ok false when there is none that
// is current and readable.
func (w *Workspace) storedView(ctx context.Context, id string) (v *View, heads []string, seq int64, ok bool) {
	data, seq, err := w.store.View(ctx, id)
	if err != nil {
		if !errors.Is(err, sqlitestore.ErrStale) {
			w.log.Warn("Could not read the stored view of a draft; loading it whole", "draft", id, "err", err)
		}
		return nil, nil, 0, false
	}
	if v, heads, err = decodeView(data); err != nil || v.Meta.ID != id {
		w.log.Warn("The stored view of a draft is unreadable; loading it whole", "draft", id, "err", err)
		if !w.store.ReadOnly() {
			// The session replaces it when it ends.
			w.store.DropView(ctx, id)
		}
		return nil, nil, 0, false
	}
	return v, heads, seq, true
}

// keepView stores the view of everything on disk for the next reader,
// when the session ends. It first takes in chunks other processes wrote
// since it last looked, so that the copy covers every chunk up to the
// newest; a chunk written after that makes the store refuse it.
func (s *Session) keepView() {
	o := &s.o
	if o.doc == nil || o.unsaved || o.pendingCreate || s.w.store.ReadOnly() {
		return
	}
	ctx := context.Background()
	chunks, err := s.w.store.Chunks(ctx, s.id, o.seen)
	if err != nil {
		return
	}
	for _, c := range chunks {
		if !slices.Contains(o.own, c.Seq) {
			if err := o.doc.LoadStored(c.Data); err != nil {
				return // loading the draft again will report it
			}
		}
		o.seen = c.Seq
	}
	o.own = nil
	if stored, err := s.w.store.ViewSeq(ctx, s.id); err != nil || stored == o.seen {
		return // the stored copy is this one
	}
	s.publish()
	data, err := encodeView(s.view.Load(), o.doc.Heads())
	if err != nil {
		s.w.log.Warn("Could not encode a view of the draft", "draft", s.id, "err", err)
		return
	}
	if _, err := s.w.store.SetView(ctx, s.id, o.seen, data); err != nil {
		s.w.log.Warn("Could not keep a view of the draft", "draft", s.id, "err", err)
	}
}
