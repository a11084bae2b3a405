package app

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/crdt/sqlitestore"
)

var (
	// ErrNoProfile is returned by writes before the local participant is set.
	ErrNoProfile = errors.New("no local participant yet: run `bpfdraft profile --name NAME --group GROUP --region REGION` first")
	// ErrNotFound is returned for a draft or section reference that matches nothing.
	ErrNotFound = errors.New("not found")
	// ErrAmbiguous is returned for a reference that matches more than one draft.
	ErrAmbiguous = errors.New("ambiguous")
	// ErrDiskFull is returned when an edit could not be written for lack
	// of room; it is kept in memory and written with the next edit.
	ErrDiskFull = sqlitestore.ErrDiskFull
)

// FileName is the SQLite file inside a data dir.
const FileName = "bpfdraft.db"

// Options tune a Workspace. The zero value is what the app uses.
type Options struct {
	Logger *slog.Logger
	// Now stamps commits; nil means time.Now. Benchmarks replaying a trace set it.
	Now func() time.Time
	// CommitEvery commits typing after this many keystrokes (0: 20; <0: never).
	CommitEvery int
	// IdleCommit commits typing after this pause (0: 1s; <0: never).
	IdleCommit time.Duration
	// CompactAfter compacts a draft once it has this many chunks (0: 256).
	CompactAfter int
	// Poll is how often to look for other processes' writes (0: 250ms; <0: never).
	Poll time.Duration
	// MaxDataSize caps the data file, in bytes (0: no cap). Writes past it
	// fail as on a full disk, and are kept in memory until there is room.
	MaxDataSize int64
}

// leaseStale is how long a process may miss heartbeats before its actor
// id is given to another process.
const leaseStale = 30 * time.Second

// Workspace is one data dir opened by this process.
type Workspace struct {
	store     *sqlitestore.Store
	log       *slog.Logger
	opts      Options
	holder    string             // lease token of this process
	actor     string             // Automerge actor id leased for this process
	signer    *crdt.Signer       // seals this process's changes; its actor is actor
	dir       string             // the data dir
	personKey ed25519.PrivateKey // nil on a linked device (device.go)

	mu       sync.Mutex          // Protects sessions and their refs.
	sessions map[string]*Session // open drafts by id

	stop     chan struct{} // closed by Close
	stopOnce sync.Once
	wg       sync.WaitGroup // the watcher
	owners   sync.WaitGroup // the sessions' owner goroutines
}

// Open opens the data dir (creating it if needed) and starts watching it
// for other processes' writes.
func Open(ctx context.Context, dataDir string, opts Options) (*Workspace, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CommitEvery == 0 {
		opts.CommitEvery = 20
	}
	if opts.IdleCommit == 0 {
		opts.IdleCommit = time.Second
	}
	if opts.CompactAfter == 0 {
		opts.CompactAfter = 256
	}
	if opts.Poll == 0 {
		opts.Poll = 250 * time.Millisecond
	}
	st, err := sqlitestore.Open(ctx, filepath.Join(dataDir, FileName), opts.Logger)
	if err != nil {
		return nil, err
	}
	if opts.MaxDataSize > 0 {
		if err := st.SetMaxSize(ctx, opts.MaxDataSize); err != nil {
			st.Close()
			return nil, err
		}
	}
	w := &Workspace{store: st, log: opts.Logger, opts: opts, holder: crdt.NewID(8),
		sessions: map[string]*Session{}, stop: make(chan struct{})}
	// A new actor is this process's own whether or not the file records
	// it (the record only says which processes wrote): on a full disk the
	// record fails and reading drafts must still work.
	person, signer, err := loadSigner(dataDir)
	if err != nil {
		if !st.ReadOnly() && !st.Unwritable() {
			st.Close()
			return nil, err
		}
		// Nothing can be written here anyway: reading needs no key.
		w.log.Warn("No person key; this process can only read", "err", err)
		_, key, _ := ed25519.GenerateKey(nil)
		person, signer = key, crdt.NewSigner(key)
	}
	// The actor is derived from the key and a fresh salt (crdt.Cert.Actor).
	w.dir, w.personKey, w.signer, w.actor = dataDir, person, signer, signer.Actor()
	if _, err := st.LeaseActor(ctx, w.holder, leaseStale, w.signer.Actor); err != nil {
		w.log.Warn("Could not record this process's actor id", "err", err)
	}
	w.wg.Add(1)
	go w.watch()
	return w, nil
}

// Rollback reports saved edits found missing from the data file when it
// was opened (a damaged or lost write-ahead log), or nil.
func (w *Workspace) Rollback() *sqlitestore.Rollback { return w.store.Rollback() }

// Close flushes open sessions, releases this process's actor id and closes the store.
func (w *Workspace) Close() error {
	var err error
	w.stopOnce.Do(func() {
		close(w.stop)
		w.wg.Wait()
		w.mu.Lock()
		open := make([]*Session, 0, len(w.sessions))
		for _, s := range w.sessions {
			s.refs = 1 // whoever still holds it, it closes now
			open = append(open, s)
		}
		w.mu.Unlock()
		ctx := context.Background()
		for _, s := range open {
			err = errors.Join(err, s.Close(ctx))
		}
		w.owners.Wait()
		// Neither loses an edit (a lease not released expires; a log not
		// checkpointed is read at the next open), and on a full disk both
		// can fail after every edit was saved: a command must not then say
		// it failed, or a retry would write its text twice.
		if rerr := errors.Join(w.store.ReleaseActor(ctx, w.holder), w.store.Close()); rerr != nil {
			w.log.Warn("Closing the data file did not finish tidying up; nothing saved is lost", "err", rerr)
		}
	})
	return err
}

// Path returns the SQLite file of this workspace.
func (w *Workspace) Path() string { return w.store.Path() }

// Actor returns the Automerge actor id this process commits with.
func (w *Workspace) Actor() string { return w.actor }

// watch heartbeats the actor lease and brings open sessions up to date
// with writes made by other processes on the same data dir.
func (w *Workspace) watch() {
	defer w.wg.Done()
	poll := w.opts.Poll
	if poll < 0 {
		poll = leaseStale / 3
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	lastBeat := time.Now()
	var seen int64
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
		}
		ctx := context.Background()
		if time.Since(lastBeat) > leaseStale/3 {
			if err := w.store.Heartbeat(ctx, w.holder); err != nil {
				w.log.Warn("Could not renew actor lease", "err", err)
			}
			lastBeat = time.Now()
		}
		if w.opts.Poll < 0 {
			continue
		}
		max, err := w.store.MaxSeq(ctx)
		if err != nil {
			w.log.Warn("Could not poll the data file", "err", err)
			continue
		}
		if max == seen {
			continue
		}
		seen = max
		w.mu.Lock()
		open := make([]*Session, 0, len(w.sessions))
		for _, s := range w.sessions {
			open = append(open, s)
		}
		w.mu.Unlock()
		for _, s := range open {
			if _, err := s.Refresh(ctx); err != nil && !errors.Is(err, ErrClosed) {
				w.log.Warn("Could not load another process's edits", "draft", s.id, "err", err)
			}
		}
	}
}

// Profile is the local participant: who this data dir's edits are from.
type Profile struct {
	Person string // stable random id, the person in drafts made before signatures
	// Fingerprint names the person's key (crdt.Fingerprint): the
	// person in drafts made with signatures, shown for checking by phone.
	Fingerprint string
	Name        string
	Group       crdt.Group
	Region      crdt.Region
	Role        crdt.Role
}

// Profile returns the local participant; ok is false until one is set.
func (w *Workspace) Profile(ctx context.Context) (p Profile, ok bool, err error) {
	get := func(k string) string {
		if err != nil {
			return ""
		}
		var v string
		v, err = w.store.Setting(ctx, "profile."+k)
		return v
	}
	p = Profile{Person: get("person"), Name: get("name"), Group: crdt.Group(get("group")),
		Region: crdt.Region(get("region")), Role: crdt.Role(get("role")), Fingerprint: w.signer.PersonID()}
	return p, err == nil && p.Name != "", err
}

// SetProfile validates and stores the local participant. The person id is
// kept across changes of name or group.
func (w *Workspace) SetProfile(ctx context.Context, p Profile) (Profile, error) {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		return p, fmt.Errorf("%w: a name is required", crdt.ErrInvalid)
	}
	var err error
	if p.Group, err = crdt.ParseGroup(string(p.Group)); err != nil {
		return p, err
	}
	if p.Region, err = crdt.ParseRegion(string(p.Region)); err != nil {
		return p, err
	}
	if p.Role == "" {
		p.Role = crdt.RoleParticipant
	}
	if p.Role, err = crdt.ParseRole(string(p.Role)); err != nil {
		return p, err
	}
	old, _, err := w.Profile(ctx)
	if err != nil {
		return p, err
	}
	p.Person = old.Person
	if p.Person == "" {
		p.Person = crdt.NewID(8)
	}
	return p, w.store.SetSettings(ctx, map[string]string{
		"profile.person": p.Person, "profile.name": p.Name, "profile.group": string(p.Group),
		"profile.region": string(p.Region), "profile.role": string(p.Role),
	})
}

// DraftInfo is one row of the drafts list.
type DraftInfo = sqlitestore.Summary

// Drafts lists the live drafts, most recently changed first.
func (w *Workspace) Drafts(ctx context.Context) ([]DraftInfo, error) {
	return w.store.List(ctx, false)
}

// Trash lists drafts that were deleted and can be restored.
func (w *Workspace) Trash(ctx context.Context) ([]DraftInfo, error) {
	all, err := w.store.List(ctx, true)
	if err != nil {
		return nil, err
	}
	var out []DraftInfo
	for _, d := range all {
		if !d.Deleted.IsZero() {
			out = append(out, d)
		}
	}
	return out, nil
}

// NewDraft describes a draft to create.
type NewDraft struct {
	Template crdt.Template
	Language crdt.Language // of the template's headings and hints; English when empty
	Title    string
	Theme    string
	Year     int
}

// Create makes a new draft from a template and returns its id.
func (w *Workspace) Create(ctx context.Context, nd NewDraft) (string, error) {
	prof, ok, err := w.Profile(ctx)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", ErrNoProfile
	}
	if strings.TrimSpace(nd.Title) == "" {
		return "", fmt.Errorf("%w: a draft needs a title", crdt.ErrInvalid)
	}
	if nd.Year == 0 {
		nd.Year = w.opts.Now().Year()
	}
	if nd.Language == "" {
		nd.Language = crdt.English
	}
	doc, err := crdt.NewSigned(w.signer, nd.Template, nd.Language, nd.Title, nd.Theme, nd.Year, w.opts.Now())
	if err != nil {
		return "", err
	}
	doc.SetClock(w.opts.Now)
	if _, err := doc.SetParticipant(participant(prof)); err != nil {
		return "", err
	}
	snap, err := doc.Save()
	if err != nil {
		return "", err
	}
	if _, err := w.store.CreateDraft(ctx, summarize(doc), snap, sealRows(doc.UnsavedSeals())); err != nil {
		return "", err
	}
	w.log.Info("Created draft", "draft", doc.ID(), "template", nd.Template)
	return doc.ID(), nil
}

func participant(p Profile) crdt.Participant {
	return crdt.Participant{Person: p.Person, Name: p.Name, Group: p.Group, Region: p.Region, Role: p.Role}
}

// sealRows encodes seals for the data file.
func sealRows(seals []crdt.Seal) []sqlitestore.SealRow {
	out := make([]sqlitestore.SealRow, len(seals))
	for i, sl := range seals {
		out[i] = sqlitestore.SealRow{Actor: sl.Cert.Actor(), Seq: sl.Seq, Data: crdt.EncodeSeal(sl)}
	}
	return out
}

// Signer returns what seals this process's changes.
func (w *Workspace) Signer() *crdt.Signer { return w.signer }

func summarize(doc *crdt.Doc) sqlitestore.Summary {
	m := doc.Meta()
	secs := doc.Sections()
	filled := 0
	for _, s := range secs {
		if strings.TrimSpace(s.Body) != "" {
			filled++
		}
	}
	return sqlitestore.Summary{ID: m.ID, Title: m.Title, Template: string(m.Template), Year: m.Year,
		Sections: len(secs), Filled: filled, Created: m.Created}
}

// Resolve finds a live draft by id, unique id prefix or exact title.
func (w *Workspace) Resolve(ctx context.Context, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", fmt.Errorf("%w: empty draft reference", ErrNotFound)
	}
	all, err := w.store.List(ctx, false)
	if err != nil {
		return "", err
	}
	var byPrefix, byTitle []DraftInfo
	for _, d := range all {
		if d.ID == ref {
			return d.ID, nil
		}
		if len(ref) >= MinPrefix && strings.HasPrefix(d.ID, strings.ToLower(ref)) {
			byPrefix = append(byPrefix, d)
		}
		if d.Title == ref {
			byTitle = append(byTitle, d)
		}
	}
	for _, cands := range [][]DraftInfo{byPrefix, byTitle} {
		switch len(cands) {
		case 0:
			continue
		case 1:
			return cands[0].ID, nil
		default:
			var ids []string
			for _, c := range cands {
				ids = append(ids, c.ID+" ("+c.Title+")")
			}
			sort.Strings(ids)
			return "", fmt.Errorf("%w: %q matches %s; give more of the id", ErrAmbiguous, ref, strings.Join(ids, ", "))
		}
	}
	if len(ref) < MinPrefix {
		return "", fmt.Errorf("%w: no draft %q; give at least %d characters of its id, or its title (`bpfdraft list` shows them)", ErrNotFound, ref, MinPrefix)
	}
	return "", fmt.Errorf("%w: no draft %q; `bpfdraft list` shows the drafts here", ErrNotFound, ref)
}

// MinPrefix is the shortest start of an id that names a draft or a
// section: one character named a draft that `delete 6` would then delete.
const MinPrefix = 4

// Delete moves a draft to the trash; Restore brings it back. Nothing is
// erased: the document stays in the data file.
func (w *Workspace) Delete(ctx context.Context, id string) error {
	return w.store.SetDeleted(ctx, id, true)
}

// Unwritable reports that the data directory cannot be written: the
// drafts are there to read, and every change is refused with the reason.
func (w *Workspace) Unwritable() bool { return w.store.Unwritable() }

// Restore takes a draft out of the trash.
func (w *Workspace) Restore(ctx context.Context, id string) error {
	sum, err := w.store.Draft(ctx, id)
	if err != nil {
		return err
	}
	if sum.Deleted.IsZero() {
		return fmt.Errorf("%w: %s (%s) is not in the trash", ErrNotDeleted, id, sum.Title)
	}
	return w.store.SetDeleted(ctx, id, false)
}

// ErrNotDeleted says a draft to restore is not in the trash.
var ErrNotDeleted = errors.New("nothing to restore")

// Import reads an .automerge file from another machine: a draft this data
// dir doesn't hold becomes a new draft; one it holds (same id) is merged
// into it. It returns the draft id and whether it merged.
func (w *Workspace) Import(ctx context.Context, file []byte) (id string, merged bool, err error) {
	data, seals, err := crdt.SplitFile(file)
	if err != nil {
		return "", false, fmt.Errorf("importing: %w", err)
	}
	ops, err := crdt.Operations(data)
	if err != nil {
		return "", false, fmt.Errorf("importing: %w", err)
	}
	if ops > MaxImportOperations {
		return "", false, fmt.Errorf("importing: %w: the file holds %d operations (every character ever typed in the draft, deleted ones too), over the %d an import takes (loading it would take seconds and gigabytes); get this draft by sync with an invite instead; nothing was changed", ErrTooLarge, ops, MaxImportOperations)
	}
	loaded, err := crdt.Load(data)
	if err != nil {
		return "", false, fmt.Errorf("importing: %w", err)
	}
	if id, err = crdt.IdentifyDraft(loaded, seals); err != nil {
		return "", false, fmt.Errorf("importing: %w", err)
	}
	// What the file holds is checked as a peer's push is: every change
	// of a draft made with signatures must be sealed by its device.
	doc, err := crdt.Empty(w.actor)
	if err != nil {
		return "", false, err
	}
	doc.SetDraftID(id)
	if err := doc.SetSigner(w.signer); err != nil {
		return "", false, err
	}
	if err := doc.Admit(data, seals); err != nil {
		return "", false, fmt.Errorf("importing: %w; nothing was changed", err)
	}
	if err := doc.Valid(); err != nil {
		return "", false, fmt.Errorf("importing: %w", err)
	}
	if n := textLength(doc.Sections(), doc.Meta().Cover); n > MaxDraftText {
		return "", false, fmt.Errorf("importing: %w", tooLarge(n))
	}
	sum, err := w.store.Draft(ctx, id)
	switch {
	case errors.Is(err, sqlitestore.ErrNotFound):
		if _, err := w.store.CreateDraft(ctx, summarize(doc), data, sealRows(doc.UnsavedSeals())); err != nil {
			return "", false, err
		}
		w.log.Info("Imported new draft", "draft", id)
		return id, false, nil
	case err != nil:
		return "", false, err
	}
	if !sum.Deleted.IsZero() {
		if err := w.store.SetDeleted(ctx, id, false); err != nil {
			return "", false, err
		}
	}
	s, err := w.Session(ctx, id)
	if errors.Is(err, crdt.ErrCorrupt) {
		// Our copy is damaged: set the damage aside and merge the good
		// copy into what is left (or make it the whole draft again).
		r, rerr := w.Repair(ctx, id)
		if rerr != nil {
			return "", false, errors.Join(err, rerr)
		}
		if r.Refetch {
			if err := w.restoreWhole(ctx, id, data); err != nil {
				return "", false, err
			}
			if err := w.store.PutSeals(ctx, id, sealRows(doc.UnsavedSeals())); err != nil {
				return "", false, err
			}
			w.log.Info("Imported a draft over its damaged copy", "draft", id)
			return id, true, nil
		}
		s, err = w.Session(ctx, id)
	}
	if err != nil {
		return "", false, err
	}
	defer s.Close(ctx)
	if err := s.admit(ctx, data, seals); err != nil {
		return "", false, err
	}
	w.log.Info("Merged imported draft", "draft", id)
	return id, true, nil
}
