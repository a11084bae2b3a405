package app

import (
	"github.com/igf-bpf/bpfdraft/app/export"
)

// Publication lays out the draft for publishing: as a named version had
// it (its name or id), or as it stands for "current" or "". forComment
// marks it a draft for public comment (a version whose name says "public
// comment" is one anyway).
func (s *Session) Publication(ref string, forComment bool) (export.Publication, error) {
	vs, err := s.SnapshotOf(ref)
	if err != nil {
		return export.Publication{}, err
	}
	e := export.Edition{Version: vs.Version.Name, Date: vs.Version.At, ForComment: forComment}
	if e.Date.IsZero() {
		e.Date = s.w.opts.Now()
	}
	return export.Build(vs.Snapshot, e), nil
}
