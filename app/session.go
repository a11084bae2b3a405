package app

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/igf-bpf/bpfdraft/app/textop"
	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/crdt/sqlitestore"
)

// ErrClosed is returned by a session that was closed.
var ErrClosed = errors.New("the draft was closed")

// Session is one open draft, owned by one goroutine. Everything that
// touches the document runs there, in order: typing from the window,
// changes from peers and other processes, writes from the command line,
// commits and saving. Callers never lock anything around Automerge:
//
//   - the window sends typing with Subscription.Edit and never waits;
//     what was applied, and text from elsewhere, comes back as events;
//   - reads (Sections, Section, Meta, Snapshot) come from a View the
//     owner publishes after each change, so they never wait either;
//   - everything else (a write, a heading, a sync message) is a call the
//     owner runs in turn, which returns once it is on disk.
//
// Typing is kept beside the document until it is committed (per
// Options.CommitEvery edits, after Options.IdleCommit without one, or
// when another kind of edit comes), so that sync, which reads the
// committed document only, never cuts it short.
//
// A workspace keeps one Session per draft: the window, a sync connection
// and an import that open the same draft share it. Every Session
// returned must be closed.
type Session struct {
	w  *Workspace
	id string

	refs int // holders of this session; protected by w.mu

	calls chan call
	edits editQueue
	stop  chan struct{} // closed to make the owner finish
	done  chan struct{} // closed when the owner has finished
	once  sync.Once

	view   atomic.Pointer[View]
	status atomic.Pointer[saveStatus]
	bases  baseIDs // identities of committed texts, for previews

	// Set when opened from a stored view, never changed: the heads of the
	// document that view shows, which are the session's until loaded.
	viewHeads []string
	docLoaded atomic.Bool
	// consensusKept is the heads (joined) this session last kept the
	// consensus for (stances.go): an answer kept is not written again.
	consensusKept atomic.Pointer[string]
	// sealCheck is how long the last load spent checking the stored
	// seals (SealCheckTime), for the cold-open benchmark.
	sealCheck atomic.Int64

	subMu sync.Mutex // Protects subs and watchers.
	subs  map[*Subscription]bool
	watch map[chan struct{}]bool // true: also told of this workspace's own edits

	o owned // touched by the owner goroutine only
}

// owned is the state only the owner goroutine touches.
type owned struct {
	notCounted    [2]int // public comments and responses without the role, as comments() last read them
	doc           *crdt.Doc
	seen          int64    // highest chunk seq loaded into doc
	own           []int64  // seqs of chunks this session wrote after seen (already in doc)
	persisted     []string // heads of what is on disk
	unsaved       bool     // a commit failed to reach the disk; retried each second
	pendingCreate bool     // joined by invite, not yet received: nothing on disk
	chunks        int      // chunks on disk for this draft, roughly
	registered    bool     // the local participant is in the document's registry
	sum           sqlitestore.Summary
	filled        map[string]bool // section id → has text; valid while sumOK
	sumOK         bool
	typing        typing
	texts         map[string]*sectionText // revision and recent edits of each section's text
	idle          *time.Timer
	retry         *time.Ticker      // while unsaved
	outbox        []textEvent       // logged edits not yet sent to subscribers
	committed     map[string]string // each section's committed text, as last read
	ledger        *crdt.Ledger      // who wrote what, built on first use (attribution.go)
	auth          *crdt.Authority   // the judge of roles for ledger as it stood (authority)
	authLedger    *crdt.Ledger      // the ledger auth was made for,
	authChanges   int               // and how many changes it held then
}

// saveStatus is whether what was committed is on disk, as published.
type saveStatus struct{ err error }

// call is one piece of work for the owner.
type call struct {
	fn       func() error
	done     chan error
	ifLoaded bool // runs only if the document is loaded: there is nothing to do otherwise
}

// View is the draft as it stands, typing included: what the window
// shows. The owner publishes a new one after every change; a View and
// its slices are never modified, by the owner or by readers.
type View struct {
	Meta         crdt.Meta
	Sections     []crdt.Section // visible, in order
	Removed      []crdt.Section
	Participants []crdt.Participant
	Versions     []crdt.Version       // named versions, oldest first
	Roles        map[string]crdt.Role // each device's role in the draft, by actor
	Journaled    int                  // decisions and comments recorded: changes when either does
	Comments     int                  // comments recorded (with their replies and resolutions)
	Creator      string               // the device that created the draft
	Refused      Refused              // what counts for nothing: grants and versions without the role
	revs         map[string]uint64
	typing       viewTyping // the typing not committed yet, for previews (preview.go)
}

// viewTyping is a view's typing: op turns base, the section's committed
// text, into the text the view shows.
type viewTyping struct {
	section string
	base    string
	op      textop.Op
}

// Rev returns the revision of a section's text in this view: the edits
// an editor holding this text has seen.
func (v *View) Rev(section string) uint64 { return v.revs[section] }

// Session opens a draft by id.
func (w *Workspace) Session(ctx context.Context, id string) (*Session, error) {
	if _, err := w.store.Draft(ctx, id); err != nil {
		return nil, err
	}
	return w.session(ctx, id, false)
}

// ReadSession opens a draft for a command that may only read it. The
// draft as it stood when a session last let go of it is read from its
// stored view, if nothing was written since; the document itself is
// loaded only when a call needs it (a write, the history, a sync).
// Reading a long draft so costs what its text costs, not what loading
// its whole history into Automerge costs.
func (w *Workspace) ReadSession(ctx context.Context, id string) (*Session, error) {
	if _, err := w.store.Draft(ctx, id); err != nil {
		return nil, err
	}
	if s := w.held(id); s != nil {
		return s, nil
	}
	v, heads, seq, ok := w.storedView(ctx, id)
	if !ok {
		return w.session(ctx, id, false)
	}
	s := w.newSession(id)
	s.view.Store(v)
	s.viewHeads = heads
	w.log.Debug("Read a draft from its stored view", "draft", id, "seq", seq)
	return w.register(s), nil
}

// session returns the shared session of a draft, loading it on first use.
// With joining set, a draft that is not here yet but has access (joined
// by invite) opens empty, to be filled by sync.
func (w *Workspace) session(ctx context.Context, id string, joining bool) (*Session, error) {
	if s := w.held(id); s != nil {
		// Opened by ReadSession: load the document now, so that what
		// cannot be read says so here.
		if err := s.Load(); err != nil {
			s.Close(ctx)
			return nil, err
		}
		return s, nil
	}
	s := w.newSession(id)
	if err := s.load(ctx, joining); err != nil {
		return nil, err
	}
	if afterLoad != nil {
		afterLoad(id)
	}
	r := w.register(s)
	if r == s {
		// Another session of the draft may have written between this
		// one's read and its registration, and the workspace's polling,
		// having seen that write already, will not look again: take it
		// in now.
		if _, err := s.Refresh(ctx); err != nil && !errors.Is(err, ErrClosed) {
			w.log.Warn("Could not load edits made while the draft was opening", "draft", id, "err", err)
		}
	}
	return r, nil
}

// afterLoad lets a test act between a session's read and its registration.
var afterLoad func(id string)

// held returns the draft's open session, held once more, or nil.
func (w *Workspace) held(id string) *Session {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.sessions[id]
	if s != nil {
		s.refs++
	}
	return s
}

// register makes s the draft's shared session and starts its owner,
// unless another goroutine opened the draft meanwhile.
func (w *Workspace) register(s *Session) *Session {
	id := s.id
	w.mu.Lock()
	defer w.mu.Unlock()
	if other := w.sessions[id]; other != nil { // opened meanwhile by another goroutine
		other.refs++
		return other
	}
	s.refs = 1
	w.sessions[id] = s
	w.owners.Add(1)
	go s.run()
	return s
}

func (w *Workspace) newSession(id string) *Session {
	s := &Session{w: w, id: id, calls: make(chan call), stop: make(chan struct{}), done: make(chan struct{}),
		subs: map[*Subscription]bool{}, watch: map[chan struct{}]bool{}}
	s.edits.ready = make(chan struct{}, 1)
	s.status.Store(&saveStatus{})
	return s
}

// load reads the draft's chunks into a document and publishes its view.
func (s *Session) load(ctx context.Context, joining bool) error {
	w, id := s.w, s.id
	start := time.Now()
	chunks, seals, err := w.store.ChunksAndSeals(ctx, id, 0)
	if err != nil {
		return err
	}
	var doc *crdt.Doc
	pending := false
	if len(chunks) == 0 {
		if !joining {
			return fmt.Errorf("%w: draft %s has no stored document", ErrNotFound, id)
		}
		if _, err := w.store.Access(ctx, id); err != nil {
			return err
		}
		if doc, err = s.emptyDoc(); err != nil {
			return err
		}
		pending = true
	} else {
		raw := make([][]byte, len(chunks))
		for i, c := range chunks {
			raw[i] = c.Data
		}
		if doc, err = crdt.LoadChunks(raw); err != nil {
			return fmt.Errorf("draft %s cannot be read (%w); other drafts are unaffected. `bpfdraft repair %s` sets the damaged part aside (nothing is deleted) and the next sync brings those edits back from co-authors; or `bpfdraft import` an .automerge export of it", id, err, id)
		}
		doc.SetDraftID(id)
		if err := doc.SetSigner(w.signer); err != nil {
			return err
		}
		checking := time.Now()
		s.loadSeals(doc, seals)
		s.sealCheck.Store(int64(time.Since(checking)))
	}
	doc.SetClock(w.opts.Now)
	shown := s.view.Load() // from the stored view, when opened by ReadSession
	s.o = owned{persisted: doc.Heads(), chunks: len(chunks), pendingCreate: pending,
		texts: map[string]*sectionText{}}
	if len(chunks) > 0 {
		s.o.seen = chunks[len(chunks)-1].Seq
	}
	if shown == nil {
		s.o.doc = doc
		s.publish()
	} else {
		// Editors may hold the stored view's texts, and the document can
		// hold more (written since the view was read): what it adds
		// reaches them as edits from elsewhere would.
		s.o.committed = map[string]string{}
		for _, list := range [][]crdt.Section{shown.Sections, shown.Removed} {
			for _, sec := range list {
				s.o.committed[sec.ID] = sec.Body
			}
		}
		s.absorb(func() error { s.o.doc = doc; return nil })
	}
	s.docLoaded.Store(true)
	w.log.Debug("Loaded a draft's document", "draft", id, "chunks", len(chunks), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// ID returns the draft id.
func (s *Session) ID() string { return s.id }

// run is the owner: it does the calls and the typing sent to the
// session, in order, and commits typing by the batching rule.
func (s *Session) run() {
	defer s.w.owners.Done()
	defer close(s.done)
	for {
		var idle, retry <-chan time.Time
		if s.o.idle != nil {
			idle = s.o.idle.C
		}
		if s.o.retry != nil {
			retry = s.o.retry.C
		}
		select {
		case c := <-s.calls:
			if s.o.doc == nil && c.ifLoaded {
				c.done <- nil
				continue
			}
			if err := s.loaded(); err != nil {
				c.done <- err
				continue
			}
			s.applyEdits() // edits sent before a call are applied before it
			c.done <- c.fn()
		case <-s.edits.ready:
			if err := s.loaded(); err != nil {
				s.refuseEdits(err)
				continue
			}
			s.applyEdits()
		case <-idle:
			s.o.idle = nil
			s.commitTyping()
		case <-retry:
			s.commitTyping()
			s.persist()
		case <-s.stop:
			if s.o.doc != nil {
				s.applyEdits()
				s.commitTyping()
				s.keepView()
			} else {
				s.refuseEdits(ErrClosed)
			}
			s.stopTimers()
			return
		}
	}
}

// loaded loads the document of a session opened from its stored view,
// the first time a call or an edit needs it.
func (s *Session) loaded() error {
	if s.o.doc != nil {
		return nil
	}
	return s.load(context.Background(), false)
}

// do runs fn on the owner and returns its error. It fails with ErrClosed
// once the session is closed.
func (s *Session) do(fn func() error) error { return s.send(call{fn: fn}) }

// doIfLoaded is do for work that has nothing to do while the document
// is not loaded (saving what was typed).
func (s *Session) doIfLoaded(fn func() error) error { return s.send(call{fn: fn, ifLoaded: true}) }

func (s *Session) send(c call) error {
	c.done = make(chan error, 1)
	select {
	case s.calls <- c:
		return <-c.done
	case <-s.done:
		return ErrClosed
	}
}

// Close commits and saves pending typing and lets go of the session; the
// last holder to close it stops its owner and waits for it.
func (s *Session) Close(ctx context.Context) error {
	err := s.Flush(ctx)
	if errors.Is(err, ErrClosed) {
		err = nil
	}
	s.w.mu.Lock()
	s.refs--
	last := s.refs <= 0
	if last && s.w.sessions[s.id] == s {
		delete(s.w.sessions, s.id)
	}
	s.w.mu.Unlock()
	if last {
		s.shutdown()
	}
	return err
}

// shutdown stops the owner, waits for it and ends every subscription.
func (s *Session) shutdown() {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	s.subMu.Lock()
	for sub := range s.subs {
		sub.end()
		delete(s.subs, sub)
	}
	for ch := range s.watch {
		close(ch)
		delete(s.watch, ch)
	}
	s.subMu.Unlock()
}

func (s *Session) stopTimers() {
	if s.o.idle != nil {
		s.o.idle.Stop()
		s.o.idle = nil
	}
	if s.o.retry != nil {
		s.o.retry.Stop()
		s.o.retry = nil
	}
}

// Subscribe returns a channel that receives a value whenever the document
// changes because of another process or peer (not because of edits made
// through this workspace). cancel stops the subscription.
func (s *Session) Subscribe() (ch <-chan struct{}, cancel func()) { return s.subscribe(false) }

// Watch is Subscribe that also reports edits made through this workspace,
// once committed: what a sync connection needs to push them out.
func (s *Session) Watch() (ch <-chan struct{}, cancel func()) { return s.subscribe(true) }

func (s *Session) subscribe(own bool) (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	s.subMu.Lock()
	s.watch[c] = own
	s.subMu.Unlock()
	return c, func() {
		s.subMu.Lock()
		if _, ok := s.watch[c]; ok {
			delete(s.watch, c)
			close(c)
		}
		s.subMu.Unlock()
	}
}

// notify tells watchers the document changed; own says the change was
// made through this workspace.
func (s *Session) notify(own bool) {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	for c, wantsOwn := range s.watch {
		if own && !wantsOwn {
			continue
		}
		select {
		case c <- struct{}{}:
		default: // a notification is already waiting
		}
	}
}

// View returns the draft as it stands now, typing included.
func (s *Session) View() *View { return s.view.Load() }

// Snapshot returns a plain copy of the document, typing included.
func (s *Session) Snapshot() crdt.Snapshot {
	v := s.View()
	return crdt.Snapshot{Meta: v.Meta, Sections: slices.Clone(v.Sections), Participants: slices.Clone(v.Participants), Roles: v.Roles}
}

// Meta returns the draft's cover data.
func (s *Session) Meta() crdt.Meta { return s.View().Meta }

// Sections returns the visible sections in order, a copy the caller may change.
func (s *Session) Sections() []crdt.Section { return slices.Clone(s.View().Sections) }

// RemovedHeadings lists removed sections.
func (s *Session) RemovedHeadings() []crdt.Section { return slices.Clone(s.View().Removed) }

// Section finds a visible section by its 1-based number or its id.
func (s *Session) Section(ref string) (crdt.Section, error) {
	return findSection(s.View().Sections, ref)
}

func findSection(secs []crdt.Section, ref string) (crdt.Section, error) {
	ref = strings.TrimSpace(ref)
	if n, err := strconv.Atoi(ref); err == nil {
		if n < 1 || n > len(secs) {
			return crdt.Section{}, fmt.Errorf("%w: section %d; this draft has sections 1 to %d", ErrNotFound, n, len(secs))
		}
		return secs[n-1], nil
	}
	// An annex by its letter ("A", "b"), as the publication labels it.
	if h, p, ok := crdt.ParseCited(ref); ok && p == 0 && len(ref) <= 3 {
		if i := slices.Index(crdt.HeadingLabels(secs), h); i >= 0 && secs[i].Annex {
			return secs[i], nil
		}
	}
	var prefixed []crdt.Section
	for _, sec := range secs {
		if sec.ID == ref {
			return sec, nil
		}
		if len(ref) >= MinPrefix && strings.HasPrefix(sec.ID, ref) {
			prefixed = append(prefixed, sec)
		}
	}
	switch len(prefixed) {
	case 1:
		return prefixed[0], nil
	case 0:
		return crdt.Section{}, fmt.Errorf("%w: no section %q; give a number from 1 to %d or a section id (`bpfdraft heading DRAFT list` lists them)", ErrNotFound, ref, len(secs))
	}
	return crdt.Section{}, fmt.Errorf("%w: %q starts the ids of %d sections; give more of it (`bpfdraft heading DRAFT list` lists them)", ErrAmbiguous, ref, len(prefixed))
}

// publish builds the view again from the document and the typing, and
// keeps the committed texts it read for the next absorb.
func (s *Session) publish() {
	o := &s.o
	snap, removed := o.doc.SnapshotWithRemoved()
	o.committed = make(map[string]string, len(snap.Sections)+len(removed))
	for _, list := range [][]crdt.Section{snap.Sections, removed} {
		for _, sec := range list {
			o.committed[sec.ID] = sec.Body
		}
	}
	s.stamp(&View{Meta: snap.Meta, Sections: snap.Sections, Removed: removed,
		Participants: snap.Participants, Versions: s.versions(), Roles: s.roles(),
		Journaled: o.doc.JournalLen(crdt.JournalDecisions) + o.doc.JournalLen(crdt.JournalComments),
		Comments:  o.doc.JournalLen(crdt.JournalComments), Creator: o.doc.Creator(), Refused: s.refused()})
}

// versions returns the named versions that count (crdt.Authority): a
// version's fields are anyone's to write, so they are read from the
// history, which needs the ledger; a draft that names none does not
// build it.
func (s *Session) versions() []crdt.Version {
	if len(s.o.doc.Versions()) == 0 {
		return nil
	}
	_, auth, err := s.authority()
	if err != nil {
		s.w.log.Warn("Could not read the draft's history for its versions", "draft", s.id, "err", err)
		return nil
	}
	return auth.Versions()
}

// roles returns every device's role now. A grant's fields are anyone's
// to write, so where the draft holds any, the roles are read from the
// history (crdt.Authority: the grants written by co-facilitators); a
// draft without grants has only its creator's, and builds no ledger.
func (s *Session) roles() map[string]crdt.Role {
	if !s.o.doc.HasGrants() {
		return s.o.doc.Roles()
	}
	_, auth, err := s.authority()
	if err != nil {
		s.w.log.Warn("Could not read the draft's history for its roles", "draft", s.id, "err", err)
		return s.o.doc.Roles()
	}
	return auth.RolesNow(s.o.doc.Creator())
}

// restamp publishes the view again with the texts' revisions and the
// typing as they stand, without reading the document.
func (s *Session) restamp() { s.stamp(s.view.Load().again()) }

// again returns a copy of the view for stamp to fill anew: the same
// document, its texts' lists cloned (stamp lays the typing over them),
// without the revisions and typing stamp sets.
func (v *View) again() *View {
	nv := *v
	nv.Sections, nv.Removed = slices.Clone(v.Sections), slices.Clone(v.Removed)
	nv.revs, nv.typing = nil, viewTyping{}
	return &nv
}

// stamp gives a new view the texts' revisions and the typing, and
// publishes it.
func (s *Session) stamp(v *View) {
	v.revs = make(map[string]uint64, len(s.o.texts))
	for id, t := range s.o.texts {
		v.revs[id] = t.rev
	}
	if t := s.o.typing; t.active() {
		s.overlay(v, t.section, string(t.text))
		v.typing = viewTyping{section: t.section, base: t.base, op: t.op}
	}
	s.view.Store(v)
}

func (s *Session) overlay(v *View, section, text string) {
	for _, list := range [][]crdt.Section{v.Sections, v.Removed} {
		for i := range list {
			if list[i].ID == section {
				list[i].Body = text
			}
		}
	}
}

// beginWrite checks that a local participant is set and registers it
// in the document the first time this session writes.
func (s *Session) beginWrite(ctx context.Context) error {
	if s.o.registered {
		return nil
	}
	prof, ok, err := s.w.Profile(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNoProfile
	}
	changed, err := s.o.doc.SetParticipant(participant(prof))
	if err != nil {
		return err
	}
	if changed {
		if err := s.commit(ctx); err != nil && !s.o.unsaved {
			return err
		}
		// The view names this participant from now on (the log and the
		// contributions read names from it).
		v := s.view.Load().again()
		v.Participants = s.o.doc.ParticipantList()
		s.stamp(v)
	}
	s.o.registered = true
	return nil
}

// commit commits what the document holds pending (a structural edit),
// saves it and tells watchers.
func (s *Session) commit(ctx context.Context) error {
	pi, _ := s.o.doc.Pending()
	committed, err := s.o.doc.Commit()
	if err != nil {
		return err
	}
	if committed {
		s.touchSummary(pi)
	}
	return s.persist()
}

// touchSummary keeps the drafts-list summary current. Reading every
// section's text per commit would dominate the cost of typing, so a text
// edit re-reads only its own section; anything else rebuilds the summary.
func (s *Session) touchSummary(pi crdt.ChangeInfo) {
	o := &s.o
	if !o.sumOK || pi.Kind != crdt.KindEdit {
		o.sumOK = false
		return
	}
	body, ok := o.committed[pi.Section]
	if !ok {
		o.sumOK = false
		return
	}
	if _, visible := o.filled[pi.Section]; !visible {
		return // a removed section: not counted
	}
	o.filled[pi.Section] = strings.TrimSpace(body) != ""
	o.sum.Filled = 0
	for _, f := range o.filled {
		if f {
			o.sum.Filled++
		}
	}
}

func (s *Session) summary() sqlitestore.Summary {
	o := &s.o
	if o.sumOK {
		return o.sum
	}
	// From the view and the committed texts publish read last: reading
	// the document again would read every section's text again.
	v := s.view.Load()
	o.sum = sqlitestore.Summary{ID: v.Meta.ID, Title: v.Meta.Title, Template: string(v.Meta.Template),
		Year: v.Meta.Year, Sections: len(v.Sections), Created: v.Meta.Created}
	o.filled = map[string]bool{}
	for _, sec := range v.Sections {
		o.filled[sec.ID] = strings.TrimSpace(o.committed[sec.ID]) != ""
		if o.filled[sec.ID] {
			o.sum.Filled++
		}
	}
	o.sumOK = true
	return o.sum
}

// persist appends everything committed but not yet on disk as one
// chunk, and tells watchers. A failure (a full disk) keeps it in memory,
// says so in SaveProblem, and is retried each second.
func (s *Session) persist() error {
	err := s.write()
	s.setSaved(err)
	return err
}

func (s *Session) setSaved(err error) {
	o := &s.o
	o.unsaved = err != nil
	if err != nil && o.retry == nil {
		o.retry = time.NewTicker(time.Second)
	}
	if err == nil && o.retry != nil {
		o.retry.Stop()
		o.retry = nil
	}
	if cur := s.status.Load(); cur.err != err {
		s.status.Store(&saveStatus{err: err})
	}
}

func (s *Session) write() error {
	o := &s.o
	ctx := context.Background()
	if o.pendingCreate {
		return s.create(ctx)
	}
	// Most calls find nothing new; comparing heads spares a walk of the history.
	if slices.Equal(o.doc.Heads(), o.persisted) {
		return nil
	}
	data, n, err := o.doc.ChangesSince(o.persisted)
	if err != nil || n == 0 {
		return err
	}
	seals := o.doc.UnsavedSeals()
	seq, err := s.w.store.Append(ctx, s.summary(), data, sealRows(seals))
	if err != nil {
		return err
	}
	o.doc.MarkSaved(seals)
	o.persisted = o.doc.Heads()
	o.chunks++
	if seq == o.seen+1 {
		o.seen = seq // no other process wrote in between: nothing to reload
	} else {
		o.own = append(o.own, seq)
	}
	s.notify(true)
	if s.w.opts.CompactAfter > 0 && o.chunks >= s.w.opts.CompactAfter {
		if err := s.compact(ctx); err != nil {
			// The edit itself is safely stored; compaction retries later.
			s.w.log.Warn("Could not compact draft", "draft", s.id, "err", err)
		}
	}
	return nil
}

// create stores a draft received by sync for the first time, once what
// arrived is a whole draft.
func (s *Session) create(ctx context.Context) error {
	o := &s.o
	if o.doc.Valid() != nil {
		return nil // nothing yet, or not the whole draft: keep waiting
	}
	snap, err := o.doc.Save()
	if err != nil {
		return err
	}
	seals := o.doc.UnsavedSeals()
	seq, err := s.w.store.CreateDraft(ctx, s.summary(), snap, sealRows(seals))
	if errors.Is(err, sqlitestore.ErrExists) {
		// Another process received it first: add ours to what it stored.
		seq, err = s.w.store.Append(ctx, s.summary(), snap, sealRows(seals))
	}
	if err != nil {
		return err
	}
	o.doc.MarkSaved(seals)
	o.own = append(o.own, seq)
	o.pendingCreate, o.chunks = false, 1
	o.persisted = o.doc.Heads()
	s.w.log.Info("Received a joined draft", "draft", s.id)
	s.notify(true)
	return nil
}

// compact replaces the draft's chunks with one snapshot.
func (s *Session) compact(ctx context.Context) error {
	o := &s.o
	seq, err := s.w.store.Compact(ctx, s.id, o.seen, func(newer []sqlitestore.Chunk) ([]byte, error) {
		err := s.absorb(func() error {
			for _, c := range newer {
				if err := o.doc.LoadStored(c.Data); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		return o.doc.Save()
	})
	if err != nil {
		return err
	}
	o.seen, o.chunks, o.own = seq, 1, nil
	if !o.unsaved {
		o.persisted = o.doc.Heads()
	}
	return nil
}

// Compact replaces the draft's stored chunks with one snapshot now.
func (s *Session) Compact(ctx context.Context) error {
	return s.do(func() error {
		s.commitTyping()
		if err := s.commit(ctx); err != nil {
			return err
		}
		return s.compact(ctx)
	})
}

// SealCheckTime returns how long loading the document spent reading and
// verifying the draft's stored seals.
func (s *Session) SealCheckTime() time.Duration { return time.Duration(s.sealCheck.Load()) }

// absorbAdmitted merges changes from a peer or a file once they pass
// their seals and their authors' roles (crdt.Doc.AdmitJudged), and
// tells editors. Owner only.
func (s *Session) absorbAdmitted(data []byte, seals []crdt.Seal) error {
	admit := func() error {
		err := s.o.doc.AdmitJudged(data, seals, s.judgeLedger)
		if errors.Is(err, crdt.ErrTainted) {
			// A joiner's empty copy took a whole draft that was then
			// refused: it starts empty again, before anything sees it
			// (absorb would take the refused text for a layout to put
			// back).
			fresh, ferr := s.emptyDoc()
			if ferr != nil {
				return errors.Join(err, ferr)
			}
			s.o.doc = fresh
		}
		return err
	}
	if err := s.absorb(admit); err != nil {
		s.o.ledger = nil // it may hold the refused changes
		return err
	}
	return nil
}

// emptyDoc returns an empty document for this draft, signing as this
// process: what a joined draft starts from.
func (s *Session) emptyDoc() (*crdt.Doc, error) {
	doc, err := crdt.Empty(s.w.actor)
	if err != nil {
		return nil, err
	}
	doc.SetDraftID(s.id)
	if err := doc.SetSigner(s.w.signer); err != nil {
		return nil, err
	}
	doc.SetClock(s.w.opts.Now)
	return doc, nil
}

// loadSeals gives the document the seals stored for the draft (read
// with its chunks). Each is verified again: the file may have been
// copied or edited.
func (s *Session) loadSeals(doc *crdt.Doc, rows []sqlitestore.SealRow) {
	seals := make([]crdt.Seal, 0, len(rows))
	bad := 0
	for _, r := range rows {
		sl, err := crdt.DecodeSeal(r.Data)
		if err != nil {
			bad++
			continue
		}
		seals = append(seals, sl)
	}
	if bad += doc.AddSeals(seals); bad > 0 {
		s.w.log.Warn("Stored signatures that do not verify were left out; the changes they were for show as unverified", "draft", s.id, "count", bad)
	}
}

// Refresh loads edits other processes wrote to the data file since the
// session last looked, and tells subscribers if anything changed.
func (s *Session) Refresh(ctx context.Context) (bool, error) {
	var changed bool
	err := s.do(func() error {
		o := &s.o
		chunks, seals, err := s.w.store.ChunksAndSeals(ctx, s.id, o.seen)
		if err != nil || len(chunks) == 0 {
			return err
		}
		before := strings.Join(o.doc.Heads(), ",")
		if o.pendingCreate {
			// Another process stored the joined draft first: from now on
			// this one appends to it.
			o.pendingCreate, o.unsaved, o.persisted = false, true, nil
		}
		err = s.absorb(func() error {
			for _, c := range chunks {
				if err := o.doc.LoadStored(c.Data); err != nil {
					return fmt.Errorf("loading chunk %d of draft %s: %w", c.Seq, s.id, err)
				}
				o.seen = c.Seq
				if c.Snapshot {
					o.chunks = 1
				} else {
					o.chunks++
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		s.loadSeals(o.doc, seals)
		if !o.unsaved {
			o.persisted = o.doc.Heads()
		} else if err := s.persist(); err != nil {
			s.w.log.Warn("Could not save edits", "draft", s.id, "err", err)
		}
		changed = strings.Join(o.doc.Heads(), ",") != before
		if changed {
			s.notify(false)
		}
		return nil
	})
	return changed, err
}

// admit merges changes from a file or a peer after checking their seals
// (crdt.Doc.Admit), and saves them with the seals.
func (s *Session) admit(ctx context.Context, data []byte, seals []crdt.Seal) error {
	return s.do(func() error {
		if err := s.absorbAdmitted(data, seals); err != nil {
			return err
		}
		if err := s.persist(); err != nil {
			return err
		}
		s.notify(false)
		return nil
	})
}

// Load loads the document of a session opened by ReadSession now (the
// window does so in the background, so that the first edit does not
// wait for it), and says what kept it from loading.
func (s *Session) Load() error { return s.do(func() error { return nil }) }

// Applied returns once every edit sent to the session before it was
// called has been applied.
func (s *Session) Applied() { s.do(func() error { return nil }) }

// SaveProblem says why the last edits could not be written to disk
// (nil once they are). They are kept in memory meanwhile, and saving is
// tried again each second.
func (s *Session) SaveProblem() error { return s.status.Load().err }

// Flush commits and saves pending typing now.
func (s *Session) Flush(ctx context.Context) error {
	return s.doIfLoaded(func() error {
		s.commitTyping()
		if err := s.commit(ctx); err != nil {
			return err
		}
		if s.o.unsaved {
			return s.SaveProblem()
		}
		return nil
	})
}

// Write replaces a section's text (or appends to it), storing only the
// difference so that concurrent edits elsewhere in the section survive.
// It returns the code points added and removed.
func (s *Session) Write(ctx context.Context, sectionRef, text string, appendText bool) (added, removed int, err error) {
	text = crdt.CleanBody(text) // control characters are not text (crdt/lines.go)
	err = s.edit(ctx, func() error {
		sec, err := findSection(s.o.doc.Sections(), sectionRef)
		if err != nil {
			return err
		}
		v := s.View()
		was := textLength(v.Sections, v.Meta.Cover)
		now := was + utf8.RuneCountInString(text)
		if !appendText {
			now -= utf8.RuneCountInString(sec.Body)
		}
		if err := checkGrowth(was, now); err != nil {
			return err
		}
		if appendText {
			if err := s.o.doc.AppendBody(sec.ID, text); err != nil {
				return err
			}
			added = len([]rune(text))
			return nil
		}
		// A character-level diff keeps every character that stays: the
		// ledger attributes it to whoever wrote it, and comments
		// anchored to it stay put.
		if !utf8.ValidString(text) {
			return crdt.ErrInvalidText
		}
		cur, err := s.o.doc.Body(sec.ID)
		if err != nil {
			return err
		}
		for _, sp := range textop.DiffStrings(cur, text).Splices() {
			if err := s.o.doc.Splice(sec.ID, sp.Pos, sp.Del, sp.Insert); err != nil {
				return err
			}
			added += utf8.RuneCountInString(sp.Insert)
			removed += sp.Del
		}
		return nil
	})
	return added, removed, err
}

// edit runs one change on the owner, after committing typing, commits it
// and tells open editors what it did to their text.
func (s *Session) edit(ctx context.Context, f func() error) error {
	return s.do(func() error {
		if err := s.beginWrite(ctx); err != nil {
			return err
		}
		s.commitTyping()
		if err := s.absorb(f); err != nil {
			return err
		}
		return s.commit(ctx)
	})
}

// AddHeading inserts a new section at 1-based position pos (0 or beyond
// the end appends) and returns its id.
func (s *Session) AddHeading(ctx context.Context, title, hint string, pos int) (string, error) {
	var id string
	err := s.edit(ctx, func() error {
		n := len(s.o.doc.Sections())
		at := pos - 1
		if pos <= 0 || pos > n+1 {
			at = n
		}
		var err error
		id, err = s.o.doc.AddSection(title, hint, at)
		return err
	})
	return id, err
}

// RenameHeading renames a section given by number or id.
func (s *Session) RenameHeading(ctx context.Context, ref, title string) error {
	return s.edit(ctx, func() error {
		sec, err := findSection(s.o.doc.Sections(), ref)
		if err != nil {
			return err
		}
		return s.o.doc.RenameSection(sec.ID, title)
	})
}

// MoveHeading moves a section to 1-based position to.
func (s *Session) MoveHeading(ctx context.Context, ref string, to int) error {
	return s.edit(ctx, func() error {
		sec, err := findSection(s.o.doc.Sections(), ref)
		if err != nil {
			return err
		}
		return s.o.doc.MoveSection(sec.ID, to-1)
	})
}

// RemoveHeading hides a section; its text is kept and RestoreHeading brings it back.
func (s *Session) RemoveHeading(ctx context.Context, ref string) error {
	return s.edit(ctx, func() error {
		sec, err := findSection(s.o.doc.Sections(), ref)
		if err != nil {
			return err
		}
		return s.o.doc.RemoveSection(sec.ID)
	})
}

// RestoreHeading shows a removed section again, by id.
func (s *Session) RestoreHeading(ctx context.Context, id string) error {
	return s.edit(ctx, func() error { return s.o.doc.RestoreSection(id) })
}

// SetTitle renames the draft.
func (s *Session) SetTitle(ctx context.Context, title string) error {
	return s.edit(ctx, func() error { return s.o.doc.SetTitle(title) })
}

// SetAnnex marks a heading as an annex (published after the headings,
// lettered A, B, C) or as a numbered heading again.
func (s *Session) SetAnnex(ctx context.Context, id string, annex bool) error {
	return s.edit(ctx, func() error { return s.o.doc.SetAnnex(id, annex) })
}

// SetTheme sets the BPF theme.
func (s *Session) SetTheme(ctx context.Context, theme string) error {
	return s.edit(ctx, func() error { return s.o.doc.SetTheme(theme) })
}

// SetYear sets the year.
func (s *Session) SetYear(ctx context.Context, year int) error {
	return s.edit(ctx, func() error { return s.o.doc.SetYear(year) })
}

// SetMetaText rewrites a free-text cover field (co-facilitators, cover
// summary, dissemination list) as the difference from its current value.
func (s *Session) SetMetaText(ctx context.Context, f crdt.MetaField, text string) error {
	return s.edit(ctx, func() error {
		_, _, err := s.o.doc.ReplaceMeta(f, text)
		return err
	})
}

// Save returns the whole draft as an .automerge file, typing included,
// with its devices' seals after the document (crdt.WithSeals).
func (s *Session) Save(ctx context.Context) ([]byte, error) {
	var data []byte
	err := s.do(func() error {
		s.commitTyping()
		var err error
		if data, err = s.o.doc.Save(); err != nil {
			return err
		}
		data, err = crdt.WithSeals(data, s.o.doc.Seals())
		return err
	})
	return data, err
}

// history returns the document's history, read on the owner.
func (s *Session) history() ([]crdt.Contribution, error) {
	var h []crdt.Contribution
	err := s.do(func() error {
		var err error
		h, err = s.o.doc.History()
		return err
	})
	return h, err
}

// textOf returns a section's text as it stands, typing included.
func (s *Session) textOf(section string) ([]rune, error) {
	if s.o.typing.section == section && s.o.typing.active() {
		return s.o.typing.text, nil
	}
	if b, ok := s.o.committed[section]; ok {
		return []rune(b), nil
	}
	b, err := s.o.doc.Body(section)
	return []rune(b), err
}

// repair puts back what a change just merged removed from the draft's
// layout (crdt.Repair), from the view before it and the committed texts,
// and saves the repair at once: the draft never stays unreadable.
func (s *Session) repair(old *View, texts map[string]string) {
	committed := func(secs []crdt.Section) []crdt.Section {
		out := slices.Clone(secs)
		for i := range out {
			out[i].Body = texts[out[i].ID]
		}
		return out
	}
	was := crdt.Snapshot{Meta: old.Meta, Sections: committed(old.Sections), Participants: old.Participants}
	changed, err := s.o.doc.Repair(was, committed(old.Removed))
	if err == nil && changed {
		err = s.commit(context.Background())
	}
	if err != nil {
		s.w.log.Error("Could not repair the draft's layout", "draft", s.id, "err", err)
		return
	}
	if changed {
		s.w.log.Warn("A co-author's change removed part of the draft's layout; it was put back", "draft", s.id)
	}
}

// absorb runs f, which changes the committed document (a merge, a load,
// a write), and carries what it did to each section's text to the
// typing not yet committed and to every open editor, as exact edits.
// The texts are read once, after f: those before are kept from the last
// read (publish) and from committed typing.
func (s *Session) absorb(f func() error) error {
	o := &s.o
	before, old := o.committed, s.view.Load()
	err := f()
	if cerr := o.doc.Check(); cerr != nil && old != nil && len(old.Sections)+len(old.Removed) > 0 {
		s.repair(old, before)
	}
	o.sumOK = false
	s.publish()
	for id, now := range o.committed {
		was, ok := before[id]
		if ok && was == now {
			continue
		}
		op := textop.DiffStrings(was, now)
		if o.typing.active() && o.typing.section == id {
			// The typing was made on the text before: it moves past the
			// change, and the change moves past it to reach the editor.
			// Where both insert at one place, the typing comes first, as
			// the person's caret stays before text that lands on it.
			t2, op2, terr := textop.Transform(o.typing.op, op)
			if terr != nil {
				s.w.log.Error("Typing could not be carried through a merge; it is committed as it stood", "draft", s.id, "err", terr)
				continue
			}
			o.typing.op, o.typing.base = t2, now
			text, _ := t2.Apply([]rune(now))
			o.typing.text = text
			op = op2
		}
		s.logText(id, op, nil)
	}
	if len(s.o.outbox) > 0 {
		s.restamp() // the revisions moved, and the typing with them
	}
	s.sendTexts(!sameOutline(old, s.view.Load()))
	return err
}

// sameOutline reports whether two views differ only in their texts: an
// editor then needs nothing but the text events.
func sameOutline(a, b *View) bool {
	if a.Meta != b.Meta || len(a.Sections) != len(b.Sections) || len(a.Removed) != len(b.Removed) ||
		!slices.Equal(a.Participants, b.Participants) || len(a.Versions) != len(b.Versions) ||
		a.Journaled != b.Journaled || !maps.Equal(a.Roles, b.Roles) {
		return false
	}
	for _, pair := range [][2][]crdt.Section{{a.Sections, b.Sections}, {a.Removed, b.Removed}} {
		for i := range pair[0] {
			x, y := pair[0][i], pair[1][i]
			if x.ID != y.ID || x.Heading != y.Heading || x.Hint != y.Hint {
				return false
			}
		}
	}
	return true
}
