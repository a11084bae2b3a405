package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// NameVersion freezes the draft as it stands, typing included, under a
// name every peer will see.
func (s *Session) NameVersion(ctx context.Context, name string) (crdt.Version, error) {
	var v crdt.Version
	err := s.edit(ctx, func() error {
		if err := s.mayDecide("name versions"); err != nil {
			return err
		}
		var err error
		v, err = s.o.doc.AddVersion(name, nil, s.w.opts.Now())
		return err
	})
	return v, err
}

// Versions lists the named versions, oldest first.
func (s *Session) Versions() []crdt.Version { return s.View().Versions }

// Current names the draft as it stands, where a version is asked for,
// and Creation the empty draft it started as (where a review starts
// from when no version was named). Versions cannot take these names.
const (
	Current  = "current"
	Creation = "creation"
)

// Version finds a named version by its id, a unique prefix of its id, or
// its name (the earliest, where peers named two alike). "current" is not
// a version: callers show the draft as it stands for it.
func (s *Session) Version(ref string) (crdt.Version, error) {
	ref = strings.TrimSpace(ref)
	vs := s.Versions()
	var byPrefix []crdt.Version
	for _, v := range vs {
		if v.ID == ref {
			return v, nil
		}
		if ref != "" && strings.HasPrefix(v.ID, strings.ToLower(ref)) {
			byPrefix = append(byPrefix, v)
		}
	}
	for _, v := range vs {
		if v.Name == ref {
			return v, nil
		}
	}
	switch len(byPrefix) {
	case 1:
		return byPrefix[0], nil
	case 0:
		return crdt.Version{}, fmt.Errorf("%w: no version %q; `bpfdraft versions DRAFT` lists them (or use %q)", ErrNotFound, ref, Current)
	}
	return crdt.Version{}, fmt.Errorf("%w: %q matches %d versions; give more of the id", ErrAmbiguous, ref, len(byPrefix))
}

// VersionSnapshot is the draft as a version had it (Version is zero for
// the draft as it stands).
type VersionSnapshot struct {
	crdt.Snapshot
	Version crdt.Version
}

// SnapshotAt returns the draft as it was at a version: its stored copy
// when there is one (viewcopy.go), else the document forked at the
// version's heads, which is then stored.
func (s *Session) SnapshotAt(v crdt.Version) (crdt.Snapshot, error) {
	if snap, ok := s.storedVersion(v); ok {
		s.w.log.Debug("Read a version from its stored copy", "draft", s.id, "version", v.ID)
		return snap, nil
	}
	var snap crdt.Snapshot
	err := s.do(func() error {
		var err error
		snap, err = s.o.doc.SnapshotAt(v.Heads)
		return err
	})
	if err == nil {
		s.keepVersion(v, snap)
	}
	return snap, err
}

// SnapshotOf returns the draft as a named version had it (its name or
// id), or as it stands for "current" or "".
func (s *Session) SnapshotOf(ref string) (VersionSnapshot, error) {
	if ref == "" || ref == Current {
		return VersionSnapshot{Snapshot: s.Snapshot()}, nil
	}
	v, err := s.Version(ref)
	if err != nil {
		return VersionSnapshot{}, err
	}
	snap, err := s.SnapshotAt(v)
	return VersionSnapshot{Snapshot: snap, Version: v}, err
}
