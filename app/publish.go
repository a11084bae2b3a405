package app

import (
	"strings"

	"github.com/igf-bpf/bpfdraft/app/export"
)

// Publication lays out the draft for publishing: as a named version had
// it (its name or id), or as it stands for "current" or "". forComment
// marks it a draft for public comment (a version whose name says "public
// comment" is one anyway); any other output, once public comments came
// in, ends with a summary of how they were handled.
func (s *Session) Publication(ref string, forComment bool) (export.Publication, error) {
	return s.publication(ref, forComment, false)
}

// BracketedPublication is Publication with the contested paragraphs in
// square brackets, each with a note of the stakeholder groups that object
// (issue 27): a draft for public comment that shows what is not agreed.
func (s *Session) BracketedPublication(ref string, forComment bool) (export.Publication, error) {
	return s.publication(ref, forComment, true)
}

func (s *Session) publication(ref string, forComment, brackets bool) (export.Publication, error) {
	vs, err := s.SnapshotOf(ref)
	if err != nil {
		return export.Publication{}, err
	}
	forComment = forComment || strings.Contains(strings.ToLower(vs.Version.Name), "public comment")
	e := export.Edition{Version: vs.Version.Name, VersionID: vs.Version.ID, Date: vs.Version.At, ForComment: forComment}
	if e.Date.IsZero() {
		e.Date = s.w.opts.Now()
	}
	// After a public-comment round, the output says how it went.
	if d, err := s.Disposition(); err == nil && len(d.Rows) > 0 && !e.ForComment {
		e.Consultation = d.SummaryLine()
	}
	if brackets {
		if e.Brackets, err = s.Brackets(ref); err != nil {
			return export.Publication{}, err
		}
	}
	return export.Build(vs.Snapshot, e), nil
}
