package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/crdt/sqlitestore"
)

// Session is one open draft. Its methods are safe for concurrent use;
// edits are committed per pause in typing (Options.IdleCommit) or per
// Options.CommitEvery keystrokes, and every commit is on disk before the
// method that made it returns (or, for typing, before Flush returns).
//
// A workspace keeps one Session per draft: the window, a sync connection
// and an import that open the same draft share it, so each sees the
// others' edits at once. Every Session returned must be closed.
type Session struct {
	w  *Workspace
	id string

	refs int // holders of this session; protected by w.mu

	mu            sync.Mutex // Protects everything below.
	doc           *crdt.Doc
	seen          int64    // highest chunk seq loaded into doc
	persisted     []string // heads of what is on disk
	unsaved       bool     // a commit failed to reach the disk; retried on the next write
	saveErr       error    // why, while unsaved after a failure
	pendingCreate bool     // joined by invite, not yet received: nothing on disk
	chunks        int      // chunks on disk for this draft, roughly
	keys          int      // keystrokes in the pending commit
	idle          *time.Timer
	registered    bool // the local participant is in the document's registry
	sum           sqlitestore.Summary
	filled        map[string]bool        // section id → has text; valid while sum is
	sumOK         bool                   // sum reflects the document
	subs          map[chan struct{}]bool // subscribers; true: also told of this process's own edits
	closed        bool
	unsynced      unsyncedCount // Unsynced's last count, for while typing is pending
}

// Session opens a draft by id.
func (w *Workspace) Session(ctx context.Context, id string) (*Session, error) {
	if _, err := w.store.Draft(ctx, id); err != nil {
		return nil, err
	}
	return w.session(ctx, id, false)
}

// session returns the shared session of a draft, loading it on first use.
// With joining set, a draft that is not here yet but has access (joined
// by invite) opens empty, to be filled by sync.
func (w *Workspace) session(ctx context.Context, id string, joining bool) (*Session, error) {
	w.mu.Lock()
	if s := w.sessions[id]; s != nil {
		s.refs++
		w.mu.Unlock()
		return s, nil
	}
	w.mu.Unlock()
	s, err := w.load(ctx, id, joining)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if other := w.sessions[id]; other != nil { // opened meanwhile by another goroutine
		other.refs++
		return other, nil
	}
	s.refs = 1
	w.sessions[id] = s
	return s, nil
}

func (w *Workspace) load(ctx context.Context, id string, joining bool) (*Session, error) {
	chunks, err := w.store.Chunks(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	var doc *crdt.Doc
	pending := false
	if len(chunks) == 0 {
		if !joining {
			return nil, fmt.Errorf("%w: draft %s has no stored document", ErrNotFound, id)
		}
		if _, err := w.store.Access(ctx, id); err != nil {
			return nil, err
		}
		if doc, err = crdt.Empty(w.actor); err != nil {
			return nil, err
		}
		pending = true
	} else {
		raw := make([][]byte, len(chunks))
		for i, c := range chunks {
			raw[i] = c.Data
		}
		if doc, err = crdt.LoadChunks(raw); err != nil {
			return nil, fmt.Errorf("draft %s cannot be read (%w); other drafts are unaffected; if you have an .automerge export of it, `bpfdraft import` it", id, err)
		}
		if err := doc.SetActor(w.actor); err != nil {
			return nil, err
		}
	}
	doc.SetClock(w.opts.Now)
	s := &Session{w: w, id: id, doc: doc, persisted: doc.Heads(), chunks: len(chunks), pendingCreate: pending,
		subs: map[chan struct{}]bool{}}
	if len(chunks) > 0 {
		s.seen = chunks[len(chunks)-1].Seq
	}
	return s, nil
}

// ID returns the draft id.
func (s *Session) ID() string { return s.id }

// Close commits and saves pending typing and lets go of the session; the
// last holder to close it detaches it from the workspace.
func (s *Session) Close(ctx context.Context) error {
	err := s.Flush(ctx)
	s.w.mu.Lock()
	s.refs--
	last := s.refs <= 0
	if last && s.w.sessions[s.id] == s {
		delete(s.w.sessions, s.id)
	}
	s.w.mu.Unlock()
	if !last {
		return err
	}
	s.mu.Lock()
	s.closed = true
	if s.idle != nil {
		s.idle.Stop()
	}
	for ch := range s.subs {
		close(ch)
		delete(s.subs, ch)
	}
	s.mu.Unlock()
	return err
}

// Subscribe returns a channel that receives a value whenever the document
// changes because of another process or peer (not because of edits made
// through this workspace). cancel stops the subscription.
func (s *Session) Subscribe() (ch <-chan struct{}, cancel func()) { return s.subscribe(false) }

// Watch is Subscribe that also reports edits made through this workspace:
// what a sync connection needs to push them out.
func (s *Session) Watch() (ch <-chan struct{}, cancel func()) { return s.subscribe(true) }

func (s *Session) subscribe(own bool) (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	s.mu.Lock()
	s.subs[c] = own
	s.mu.Unlock()
	return c, func() {
		s.mu.Lock()
		if _, ok := s.subs[c]; ok {
			delete(s.subs, c)
			close(c)
		}
		s.mu.Unlock()
	}
}

// notifyLocked tells subscribers the document changed; own says the
// change was made through this workspace.
func (s *Session) notifyLocked(own bool) {
	for c, wantsOwn := range s.subs {
		if own && !wantsOwn {
			continue
		}
		select {
		case c <- struct{}{}:
		default: // a notification is already waiting
		}
	}
}

// Snapshot returns a plain copy of the document.
func (s *Session) Snapshot() crdt.Snapshot { return s.doc.Snapshot() }

// Meta returns the draft's cover data.
func (s *Session) Meta() crdt.Meta { return s.doc.Meta() }

// Sections returns the visible sections in order.
func (s *Session) Sections() []crdt.Section { return s.doc.Sections() }

// Section finds a visible section by its 1-based number or its id.
func (s *Session) Section(ref string) (crdt.Section, error) {
	secs := s.doc.Sections()
	ref = strings.TrimSpace(ref)
	if n, err := strconv.Atoi(ref); err == nil {
		if n < 1 || n > len(secs) {
			return crdt.Section{}, fmt.Errorf("%w: section %d; this draft has sections 1 to %d", ErrNotFound, n, len(secs))
		}
		return secs[n-1], nil
	}
	for _, sec := range secs {
		if sec.ID == ref {
			return sec, nil
		}
	}
	return crdt.Section{}, fmt.Errorf("%w: no section %q; give a number from 1 to %d or a section id (`bpfdraft show DRAFT` lists them)", ErrNotFound, ref, len(secs))
}

// beginWriteLocked checks that a local participant is set and registers it
// in the document the first time this session writes.
func (s *Session) beginWriteLocked(ctx context.Context) error {
	if s.closed {
		return errors.New("session is closed")
	}
	if s.registered {
		return nil
	}
	prof, ok, err := s.w.Profile(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNoProfile
	}
	changed, err := s.doc.SetParticipant(participant(prof))
	if err != nil {
		return err
	}
	if changed {
		if err := s.commitLocked(ctx); err != nil {
			return err
		}
	}
	s.registered = true
	return nil
}

// commitLocked commits pending edits and writes them to disk.
func (s *Session) commitLocked(ctx context.Context) error {
	pi, _ := s.doc.Pending()
	committed, err := s.doc.Commit()
	if err != nil {
		return err
	}
	s.keys = 0
	if committed {
		s.touchSummaryLocked(pi)
	}
	return s.persistLocked(ctx)
}

// touchSummaryLocked keeps the drafts-list summary current. Reading every
// section's text per commit would dominate the cost of typing, so a text
// edit re-reads only its own section; anything else rebuilds the summary.
func (s *Session) touchSummaryLocked(pi crdt.ChangeInfo) {
	if !s.sumOK || pi.Kind != crdt.KindEdit {
		s.sumOK = false
		return
	}
	body, err := s.doc.Body(pi.Section)
	if err != nil {
		s.sumOK = false
		return
	}
	if _, visible := s.filled[pi.Section]; !visible {
		return // a removed section: not counted
	}
	s.filled[pi.Section] = strings.TrimSpace(body) != ""
	s.sum.Filled = 0
	for _, f := range s.filled {
		if f {
			s.sum.Filled++
		}
	}
}

func (s *Session) summaryLocked() sqlitestore.Summary {
	if s.sumOK {
		return s.sum
	}
	s.sum = summarize(s.doc)
	s.filled = map[string]bool{}
	for _, sec := range s.doc.Sections() {
		s.filled[sec.ID] = strings.TrimSpace(sec.Body) != ""
	}
	s.sumOK = true
	return s.sum
}

// persistLocked appends everything committed but not yet on disk as one
// chunk, and tells watchers.
func (s *Session) persistLocked(ctx context.Context) error {
	if s.pendingCreate {
		return s.createLocked(ctx)
	}
	// Most calls find nothing new; comparing heads spares a walk of the history.
	if slices.Equal(s.doc.Heads(), s.persisted) {
		s.unsaved, s.saveErr = false, nil
		return nil
	}
	data, n, err := s.doc.ChangesSince(s.persisted)
	if err != nil {
		return err
	}
	if n == 0 {
		s.unsaved, s.saveErr = false, nil
		return nil
	}
	s.notifyLocked(true)
	seq, err := s.w.store.Append(ctx, s.summaryLocked(), data)
	if err != nil {
		s.unsaved, s.saveErr = true, err
		return err
	}
	s.unsaved, s.saveErr = false, nil
	s.persisted = s.doc.Heads()
	s.chunks++
	if seq == s.seen+1 {
		s.seen = seq // no other process wrote in between: nothing to reload
	}
	if s.w.opts.CompactAfter > 0 && s.chunks >= s.w.opts.CompactAfter {
		if err := s.compactLocked(ctx); err != nil {
			// The edit itself is safely stored; compaction retries later.
			s.w.log.Warn("Could not compact draft", "draft", s.id, "err", err)
		}
	}
	return nil
}

// createLocked stores a draft received by sync for the first time, once
// what arrived is a whole draft.
func (s *Session) createLocked(ctx context.Context) error {
	if s.doc.Valid() != nil {
		return nil // nothing yet, or not the whole draft: keep waiting
	}
	snap, err := s.doc.Save()
	if err != nil {
		return err
	}
	err = s.w.store.CreateDraft(ctx, s.summaryLocked(), snap)
	if errors.Is(err, sqlitestore.ErrExists) {
		// Another process received it first: add ours to what it stored.
		_, err = s.w.store.Append(ctx, s.summaryLocked(), snap)
	}
	if err != nil {
		s.unsaved, s.saveErr = true, err
		return err
	}
	s.pendingCreate, s.unsaved, s.saveErr, s.chunks = false, false, nil, 1
	s.persisted = s.doc.Heads()
	s.w.log.Info("Received a joined draft", "draft", s.id)
	s.notifyLocked(true)
	return nil
}

// compactLocked replaces the draft's chunks with one snapshot.
func (s *Session) compactLocked(ctx context.Context) error {
	seq, err := s.w.store.Compact(ctx, s.id, s.seen, func(newer []sqlitestore.Chunk) ([]byte, error) {
		for _, c := range newer {
			if err := s.doc.LoadIncremental(c.Data); err != nil {
				return nil, err
			}
		}
		return s.doc.Save()
	})
	if err != nil {
		return err
	}
	s.seen, s.chunks = seq, 1
	if !s.unsaved {
		s.persisted = s.doc.Heads()
	}
	return nil
}

// Compact replaces the draft's stored chunks with one snapshot now.
func (s *Session) Compact(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.commitLocked(ctx); err != nil {
		return err
	}
	return s.compactLocked(ctx)
}

// Refresh loads edits other processes wrote to the data file since the
// session last looked, and tells subscribers if anything changed.
func (s *Session) Refresh(ctx context.Context) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false, nil
	}
	// Pending typing is committed first: loading closes Automerge's open
	// transaction, and the keystrokes must go out with their metadata.
	if err := s.commitLocked(ctx); err != nil {
		return false, err
	}
	chunks, err := s.w.store.Chunks(ctx, s.id, s.seen)
	if err != nil || len(chunks) == 0 {
		return false, err
	}
	before := strings.Join(s.doc.Heads(), ",")
	if s.pendingCreate {
		// Another process stored the joined draft first: from now on
		// this one appends to it.
		s.pendingCreate, s.unsaved, s.persisted = false, true, nil
	}
	for _, c := range chunks {
		if err := s.doc.LoadIncremental(c.Data); err != nil {
			return false, fmt.Errorf("loading chunk %d of draft %s: %w", c.Seq, s.id, err)
		}
		s.seen = c.Seq
		if c.Snapshot {
			s.chunks = 1
		} else {
			s.chunks++
		}
	}
	heads := s.doc.Heads()
	if !s.unsaved {
		s.persisted = heads
	} else if err := s.persistLocked(ctx); err != nil {
		s.w.log.Warn("Could not save edits", "draft", s.id, "err", err)
	}
	s.sumOK = false
	changed := strings.Join(heads, ",") != before
	if changed {
		s.notifyLocked(false)
	}
	return changed, nil
}

// merge folds another replica of this draft in and saves the result.
func (s *Session) merge(ctx context.Context, other *crdt.Doc) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.commitLocked(ctx); err != nil {
		return err
	}
	if err := s.doc.Merge(other); err != nil {
		return err
	}
	s.sumOK = false
	if err := s.persistLocked(ctx); err != nil {
		return err
	}
	s.notifyLocked(false)
	return nil
}

// Splice is one keystroke's worth of typing in a section: delete del code
// points at pos and insert text. It is committed with the typing around it
// after Options.CommitEvery keystrokes or a pause of Options.IdleCommit.
func (s *Session) Splice(ctx context.Context, sectionID string, pos, del int, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spliceLocked(ctx, sectionID, pos, del, text)
}

func (s *Session) spliceLocked(ctx context.Context, sectionID string, pos, del int, text string) error {
	if err := s.beginWriteLocked(ctx); err != nil {
		return err
	}
	if pi, dirty := s.doc.Pending(); dirty && (pi.Kind != crdt.KindEdit || pi.Section != sectionID) {
		if err := s.commitLocked(ctx); err != nil {
			return err
		}
	}
	if err := s.doc.Splice(sectionID, pos, del, text); err != nil {
		return err
	}
	s.keys++
	if every := s.w.opts.CommitEvery; every > 0 && s.keys >= every {
		return s.commitLocked(ctx)
	}
	s.armIdleLocked()
	return nil
}

// SpliceFrom is Splice for an edit computed against base, the section's
// text as the editor last showed it. If edits from elsewhere reached the
// section since (a merge landing between a keystroke and the window's
// refresh), the edit is carried through them so that it lands on the
// text the person meant rather than at a stale offset.
func (s *Session) SpliceFrom(ctx context.Context, sectionID, base string, pos, del int, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.doc.Body(sectionID)
	if err != nil {
		return err
	}
	if cur != base {
		pos, del = CarryRange(pos, del, []rune(base), []rune(cur))
	}
	return s.spliceLocked(ctx, sectionID, pos, del, text)
}

func (s *Session) armIdleLocked() {
	d := s.w.opts.IdleCommit
	if d < 0 {
		return
	}
	if s.idle == nil {
		s.idle = time.AfterFunc(d, func() {
			if err := s.Flush(context.Background()); err != nil {
				s.w.log.Warn("Could not save typing", "draft", s.id, "err", err)
			}
		})
		return
	}
	s.idle.Reset(d)
}

// SaveProblem says why the last edits could not be written to disk
// (nil once they are). They are kept in memory meanwhile, and every
// later edit tries again.
func (s *Session) SaveProblem() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.unsaved {
		return nil
	}
	return s.saveErr
}

// Flush commits and saves pending typing now.
func (s *Session) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commitLocked(ctx)
}

// Write replaces a section's text (or appends to it), storing only the
// difference so that concurrent edits elsewhere in the section survive.
// It returns the code points added and removed.
func (s *Session) Write(ctx context.Context, sectionRef, text string, appendText bool) (added, removed int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.beginWriteLocked(ctx); err != nil {
		return 0, 0, err
	}
	sec, err := s.Section(sectionRef)
	if err != nil {
		return 0, 0, err
	}
	if err := s.commitLocked(ctx); err != nil {
		return 0, 0, err
	}
	if appendText {
		if err := s.doc.AppendBody(sec.ID, text); err != nil {
			return 0, 0, err
		}
		added = len([]rune(text))
	} else if added, removed, err = s.doc.ReplaceBody(sec.ID, text); err != nil {
		return 0, 0, err
	}
	return added, removed, s.commitLocked(ctx)
}

// edit runs one structural change under the session lock and commits it.
func (s *Session) edit(ctx context.Context, f func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.beginWriteLocked(ctx); err != nil {
		return err
	}
	if err := s.commitLocked(ctx); err != nil {
		return err
	}
	if err := f(); err != nil {
		return err
	}
	return s.commitLocked(ctx)
}

// AddHeading inserts a new section at 1-based position pos (0 or beyond
// the end appends) and returns its id.
func (s *Session) AddHeading(ctx context.Context, title, hint string, pos int) (string, error) {
	var id string
	err := s.edit(ctx, func() error {
		n := len(s.doc.Sections())
		at := pos - 1
		if pos <= 0 || pos > n+1 {
			at = n
		}
		var err error
		id, err = s.doc.AddSection(title, hint, at)
		return err
	})
	return id, err
}

// RenameHeading renames a section given by number or id.
func (s *Session) RenameHeading(ctx context.Context, ref, title string) error {
	return s.edit(ctx, func() error {
		sec, err := s.Section(ref)
		if err != nil {
			return err
		}
		return s.doc.RenameSection(sec.ID, title)
	})
}

// MoveHeading moves a section to 1-based position to.
func (s *Session) MoveHeading(ctx context.Context, ref string, to int) error {
	return s.edit(ctx, func() error {
		sec, err := s.Section(ref)
		if err != nil {
			return err
		}
		return s.doc.MoveSection(sec.ID, to-1)
	})
}

// RemoveHeading hides a section; its text is kept and RestoreHeading brings it back.
func (s *Session) RemoveHeading(ctx context.Context, ref string) error {
	return s.edit(ctx, func() error {
		sec, err := s.Section(ref)
		if err != nil {
			return err
		}
		return s.doc.RemoveSection(sec.ID)
	})
}

// RestoreHeading shows a removed section again, by id.
func (s *Session) RestoreHeading(ctx context.Context, id string) error {
	return s.edit(ctx, func() error { return s.doc.RestoreSection(id) })
}

// RemovedHeadings lists removed sections.
func (s *Session) RemovedHeadings() []crdt.Section { return s.doc.RemovedSections() }

// SetTitle renames the draft.
func (s *Session) SetTitle(ctx context.Context, title string) error {
	return s.edit(ctx, func() error { return s.doc.SetTitle(title) })
}

// SetTheme sets the BPF theme.
func (s *Session) SetTheme(ctx context.Context, theme string) error {
	return s.edit(ctx, func() error { return s.doc.SetTheme(theme) })
}

// SetYear sets the year.
func (s *Session) SetYear(ctx context.Context, year int) error {
	return s.edit(ctx, func() error { return s.doc.SetYear(year) })
}

// SetMetaText rewrites a free-text cover field (co-facilitators, cover
// summary, dissemination list) as the difference from its current value.
func (s *Session) SetMetaText(ctx context.Context, f crdt.MetaField, text string) error {
	return s.edit(ctx, func() error {
		_, _, err := s.doc.ReplaceMeta(f, text)
		return err
	})
}

// Save returns the whole draft as an .automerge file.
func (s *Session) Save(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.commitLocked(ctx); err != nil {
		return nil, err
	}
	return s.doc.Save()
}
