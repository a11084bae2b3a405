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
	sv, err := decodeStored(data)
	if err != nil {
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

// decodeStored checks and reads what encodeStored wrote.
func decodeStored(data []byte) (storedView, error) {
	var sv storedView
	if len(data) < sha256.Size {
		return sv, errors.New("stored view cut short")
	}
	zr := flate.NewReader(bytes.NewReader(data[sha256.Size:]))
	defer zr.Close()
	raw, err := io.ReadAll(io.LimitReader(zr, maxViewBytes+1))
	if err != nil {
		return sv, err
	}
	if len(raw) > maxViewBytes {
		return sv, fmt.Errorf("stored view larger than %d bytes", maxViewBytes)
	}
	if sum := sha256.Sum256(raw); !bytes.Equal(sum[:], data[:sha256.Size]) {
		return sv, errors.New("stored view fails its checksum")
	}
	err = json.Unmarshal(raw, &sv)
	return sv, err
}

// A named version's state never changes, so its snapshot is stored once
// (sqlitestore.SetVersionView), keyed by the version's heads: showing or
// exporting the version then reads it, where forking the document at its
// heads would load the whole history first.

// versionViewFormat numbers the layout of a stored version; a copy in
// another is made again. 2: participants verified as the draft verifies
// them (before, a device's person was unknown in a past state, and each
// device counted as a person of its own).
const versionViewFormat = 2

func encodeVersionSnapshot(snap crdt.Snapshot, heads []string) ([]byte, error) {
	return encodeStored(storedView{Format: versionViewFormat, Meta: snap.Meta, Sections: snap.Sections,
		Participants: snap.Participants, Roles: snap.Roles, Heads: heads})
}

func decodeVersionSnapshot(data []byte, v crdt.Version) (crdt.Snapshot, error) {
	sv, err := decodeStored(data)
	if err != nil {
		return crdt.Snapshot{}, err
	}
	if sv.Format != versionViewFormat || sv.Meta.ID == "" || !sameHeads(sv.Heads, v.Heads) {
		return crdt.Snapshot{}, errViewFormat
	}
	return crdt.Snapshot{Meta: sv.Meta, Sections: sv.Sections, Participants: sv.Participants, Roles: sv.Roles}, nil
}

func sameHeads(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// storedVersion returns a version's stored snapshot, if there is a
// readable one.
func (s *Session) storedVersion(v crdt.Version) (crdt.Snapshot, bool) {
	ctx := context.Background()
	data, err := s.w.store.VersionView(ctx, s.id, v.ID, v.Heads)
	if err != nil {
		if !errors.Is(err, sqlitestore.ErrStale) {
			s.w.log.Warn("Could not read the stored copy of a version; loading the draft", "draft", s.id, "version", v.ID, "err", err)
		}
		return crdt.Snapshot{}, false
	}
	snap, err := decodeVersionSnapshot(data, v)
	if err != nil || snap.Meta.ID != s.id {
		s.w.log.Warn("The stored copy of a version is unreadable; loading the draft", "draft", s.id, "version", v.ID, "err", err)
		if !s.w.store.ReadOnly() {
			s.w.store.DropVersionView(ctx, s.id, v.ID)
		}
		return crdt.Snapshot{}, false
	}
	return snap, true
}

// keepVersion stores a version's snapshot for the next reader.
func (s *Session) keepVersion(v crdt.Version, snap crdt.Snapshot) {
	if s.w.store.ReadOnly() {
		return
	}
	data, err := encodeVersionSnapshot(snap, v.Heads)
	if err == nil {
		err = s.w.store.SetVersionView(context.Background(), s.id, v.ID, v.Heads, data)
	}
	if err != nil {
		s.w.log.Warn("Could not keep a copy of a version", "draft", s.id, "version", v.ID, "err", err)
	}
}

// keepVersions stores the snapshot of every named version that has none,
// while the document is loaded anyway (the session is ending).
func (s *Session) keepVersions() {
	o := &s.o
	vs := s.view.Load().Versions
	if o.doc == nil || len(vs) == 0 || s.w.store.ReadOnly() {
		return
	}
	have, err := s.w.store.VersionsWithViews(context.Background(), s.id)
	if err != nil {
		return
	}
	for _, v := range vs {
		if have[v.ID] || len(o.doc.Known(v.Heads)) != len(v.Heads) {
			continue
		}
		if snap, err := o.doc.SnapshotAt(v.Heads); err == nil {
			s.keepVersion(v, snap)
		}
	}
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
	s.keepVersions()
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
