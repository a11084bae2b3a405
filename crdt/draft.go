package crdt

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/automerge/automerge-go"
)

// Layout of one draft inside its Automerge document:
//
//	meta:         {id, template, title, theme, year, lang, created, creator,
//	               cofacilitators: Text, cover: Text, dissemination: Text}
//	sections:     {sectionID: {heading, hint, order, removed, body: Text}}
//	participants: {actorID: {person, name, group, region, role}}
//	versions:     {versionID: {name, heads, actor, at}}      (versions.go)
//	roles:        {personID: {role, by, at}}                 (roles.go)
//	decisions:    [entry]   comments: [entry]                (journal.go)
//
// Sections live in a map keyed by a stable id and carry a fractional
// order key (see order.go). Removing a section sets removed=true instead
// of deleting the key, so text someone typed into it offline is never
// dropped by the merge and the section can be restored.

// Meta is the document's cover data.
type Meta struct {
	ID             string
	Template       Template
	Title          string
	Theme          string
	Year           int
	Language       string
	Created        time.Time
	CoFacilitators string // one name per line
	Rapporteur     string // one name per line
	Cover          string // short cover summary
	Dissemination  string // institutions to send the output to, one per line
}

// MetaField names a free-text field of Meta that can be edited as text.
type MetaField string

// The editable text fields of Meta.
const (
	FieldCoFacilitators MetaField = "cofacilitators"
	FieldRapporteur     MetaField = "rapporteur"
	FieldCover          MetaField = "cover"
	FieldDissemination  MetaField = "dissemination"
)

// Section is a plain copy of one section.
type Section struct {
	ID      string
	Heading string
	Hint    string // its own hint, or the template's for a template heading
	Body    string
	Removed bool
	Annex   bool // published after the headings, lettered A, B, C
	order   string
}

// Participant is one device's entry in the registry: the actor that
// signs its changes, and the person behind it.
type Participant struct {
	Actor  string
	Person string // stable id of the person; one person may have several actors
	Name   string
	Group  Group
	Region Region
	Role   Role
	// Verified: the device's certificate ties it to Person and the
	// person's key signed what the entry says (drafts made with
	// signatures show nothing else of a device).
	Verified bool
}

// Snapshot is a plain copy of the whole document, for readers such as
// exporters that must not touch Automerge.
type Snapshot struct {
	Meta         Meta
	Sections     []Section // visible sections in order
	Participants []Participant
	Roles        map[string]Role // the role each actor holds (Doc.Roles), not the one its entry claims
}

// Doc is one draft. Reads are safe from any goroutine; edits and commits
// should come from one owner (app.Session), which decides when to commit.
//
// Every edit is part of a pending commit whose ChangeInfo the Doc tracks
// itself: an edit of another kind or section commits what was pending
// first, so every change in the history names exactly one kind and one
// section. Automerge closes an open transaction with an empty message
// whenever the document is saved, merged or asked for its heads; the Doc
// commits pending edits with their metadata before any of those.
type Doc struct {
	am *automerge.Doc

	mu     sync.Mutex // Protects now, pend, dirty and bodies.
	now    func() time.Time
	pend   ChangeInfo                 // metadata of the pending commit
	dirty  bool                       // edits made since the last commit
	made   int                        // changes this Doc has committed
	bodies map[string]*automerge.Text // section id → its body, saving lookups per keystroke

	from    string // where the edits being made came from (SetSource)
	creator string // the creating actor, once looked up
	tr      trust  // certificates and seals; see trust.go
}

// NewID returns a random identifier of n bytes as lower-case base32.
func NewID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// NewActor returns a fresh Automerge actor id (hex).
func NewActor() string { return automerge.NewActorID() }

// New creates a draft from a template, its headings in English. The
// creation is committed with the given actor and time.
func New(actor string, tmpl Template, title, theme string, year int, now time.Time) (*Doc, error) {
	return NewIn(actor, tmpl, English, title, theme, year, now)
}

// NewIn creates a draft whose template headings and hints are in lang.
func NewIn(actor string, tmpl Template, lang Language, title, theme string, year int, now time.Time) (*Doc, error) {
	if err := checkNew(tmpl, lang, title, theme); err != nil {
		return nil, err
	}
	am := automerge.New()
	if err := am.SetActorID(actor); err != nil {
		return nil, fmt.Errorf("setting actor: %w", err)
	}
	d := &Doc{am: am, now: func() time.Time { return now }}
	return d, d.create(NewID(10), actor, tmpl, lang, title, theme, year, now)
}

// NewSigned creates a draft made with signatures, its first change by
// the signer's device: an empty change whose hash names the draft
// (DraftIDOf), so that whoever made it is the creator for good and no
// later change can claim to be. The draft's id is the Doc's DraftID.
func NewSigned(s *Signer, tmpl Template, lang Language, title, theme string, year int, now time.Time) (*Doc, error) {
	if err := checkNew(tmpl, lang, title, theme); err != nil {
		return nil, err
	}
	d := &Doc{am: automerge.New(), now: func() time.Time { return now }}
	if err := d.SetSigner(s); err != nil {
		return nil, err
	}
	at := now.Truncate(time.Second)
	// A random word in its message makes every draft's first change,
	// so its id, its own: one device may begin two drafts in a second.
	h, err := d.am.Commit(ChangeInfo{Kind: KindBegin, Section: NewID(10)}.encode(), automerge.CommitOptions{Time: &at, AllowEmpty: true})
	if err != nil {
		return nil, err
	}
	id := DraftIDOf(h.String())
	d.mu.Lock()
	d.tr.id, d.tr.genesis = id, h.String()
	err = d.sealLocked(h)
	d.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return d, d.create(id, "", tmpl, lang, title, theme, year, now)
}

func checkNew(tmpl Template, lang Language, title, theme string) error {
	if _, err := ParseTemplate(string(tmpl)); err != nil {
		return err
	}
	if _, err := ParseLanguage(string(lang)); err != nil {
		return err
	}
	if err := checkLine("a title", title); err != nil {
		return err
	}
	return checkLine("a theme", theme)
}

// create writes a new draft's meta, headings and journals as one change.
// creator is recorded only for drafts made before signatures (signed
// drafts name their creator by their id).
func (d *Doc) create(id, creator string, tmpl Template, lang Language, title, theme string, year int, now time.Time) error {
	d.begin(KindCreate, "")
	am := d.am
	root := am.RootMap()
	meta := automerge.NewMap()
	if err := root.Set("meta", meta); err != nil {
		return err
	}
	mm, err := mapAt(root, "meta")
	if err != nil {
		return err
	}
	for k, v := range map[string]any{
		"id": id, "template": string(tmpl), "title": title, "theme": theme,
		"year": int64(year), "lang": string(lang), "created": now.UTC().Truncate(time.Millisecond),
	} {
		if err := mm.Set(k, v); err != nil {
			return err
		}
	}
	for _, f := range []MetaField{FieldCoFacilitators, FieldRapporteur, FieldCover, FieldDissemination} {
		if err := mm.Set(string(f), automerge.NewText("")); err != nil {
			return err
		}
	}
	if err := root.Set("sections", automerge.NewMap()); err != nil {
		return err
	}
	if err := root.Set("participants", automerge.NewMap()); err != nil {
		return err
	}
	// The journals exist from the start, so peers never create them
	// concurrently (see journal.go).
	for _, j := range []string{JournalDecisions, JournalComments} {
		if err := root.Set(j, automerge.NewList()); err != nil {
			return err
		}
	}
	prev := ""
	for _, h := range tmpl.HeadingsIn(lang) {
		prev = keyBetween(prev, "")
		// Template hints are not stored: Section fills them in from the
		// template while the heading keeps its template title.
		if _, err := d.putSection(NewID(4), h.Title, "", prev); err != nil {
			return err
		}
	}
	if creator != "" {
		if err := mm.Set("creator", creator); err != nil {
			return err
		}
	}
	if _, err := d.Commit(); err != nil {
		return err
	}
	d.SetClock(nil)
	return nil
}

// Load reads a document saved by Save (or an .automerge file from another
// machine) and checks that it is a BPF draft.
func Load(data []byte) (*Doc, error) {
	am, err := loadAutomerge(data, foreignOps(len(data)))
	if err != nil {
		return nil, err
	}
	d := &Doc{am: am, now: time.Now}
	if err := d.check(); err != nil {
		return nil, err
	}
	return d, nil
}

// loadAutomerge loads bytes into a fresh document. Automerge's loader
// rejects malformed input with an error; a panic in the binding is turned
// into ErrCorrupt as a last line of defence for files from elsewhere.
func loadAutomerge(data []byte, maxOps int) (am *automerge.Doc, err error) {
	defer func() {
		if r := recover(); r != nil {
			am, err = nil, fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	if err := checkChunks(data); err != nil {
		return nil, err
	}
	if err := checkActions(data, maxOps); err != nil {
		return nil, err
	}
	if am, err = automerge.Load(data); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return am, nil
}

// LoadChunks rebuilds a draft from chunks stored on this machine (a
// snapshot followed by incremental saves, or only incrementals).
func LoadChunks(chunks [][]byte) (*Doc, error) {
	if len(chunks) == 0 {
		return nil, fmt.Errorf("%w: no data", ErrCorrupt)
	}
	// The first chunk goes through Load, which reads a whole document
	// far faster than LoadIncremental replays it.
	am, err := loadAutomerge(chunks[0], storedOps)
	if err != nil {
		return nil, fmt.Errorf("chunk 0: %w", err)
	}
	for i, c := range chunks[1:] {
		if err := loadInto(am, c, storedOps); err != nil {
			return nil, fmt.Errorf("chunk %d: %w", i+1, err)
		}
	}
	d := &Doc{am: am, now: time.Now}
	if err := d.check(); err != nil {
		return nil, err
	}
	return d, nil
}

func loadInto(am *automerge.Doc, data []byte, maxOps int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	if err := checkChunks(data); err != nil {
		return err
	}
	if err := checkActions(data, maxOps); err != nil {
		return err
	}
	// Every chunk passed its checksum: what Automerge refuses now is a
	// disagreement of histories, not damage.
	if err := am.LoadIncremental(data); err != nil {
		return fmt.Errorf("%w: %v", ErrRefused, err)
	}
	return nil
}

// check verifies the document has the draft layout.
func (d *Doc) check() error {
	m, err := mapAt(d.am.RootMap(), "meta")
	if err != nil {
		return ErrNotDraft
	}
	id, _ := strAt(m, "id")
	tmpl, _ := strAt(m, "template")
	if id == "" || tmpl == "" {
		return ErrNotDraft
	}
	if _, err := mapAt(d.am.RootMap(), "sections"); err != nil {
		return ErrNotDraft
	}
	return nil
}

// LoadIncremental merges bytes from Save, SaveIncremental or Changes,
// from elsewhere, into d.
func (d *Doc) LoadIncremental(data []byte) error {
	return d.loadIncremental(data, foreignOps(len(data)))
}

// LoadStored is LoadIncremental for chunks read back from this machine's
// data file (another process's writes and compactions), which may hold a
// draft grown past what is taken from elsewhere.
func (d *Doc) LoadStored(data []byte) error { return d.loadIncremental(data, storedOps) }

func (d *Doc) loadIncremental(data []byte, maxOps int) error {
	if _, err := d.Commit(); err != nil {
		return err
	}
	d.forgetBodies()
	return loadInto(d.am, data, maxOps)
}

// Merge folds other's changes into d. Both stay valid.
func (d *Doc) Merge(other *Doc) error {
	if _, err := d.Commit(); err != nil {
		return err
	}
	if _, err := other.Commit(); err != nil {
		return err
	}
	d.forgetBodies()
	_, err := d.am.Merge(other.am)
	return err
}

// Save commits pending edits and returns the whole document in
// Automerge's compressed format.
func (d *Doc) Save() ([]byte, error) {
	if _, err := d.Commit(); err != nil {
		return nil, err
	}
	return d.am.Save(), nil
}

// SetActor commits pending edits and makes later commits carry the given actor id.
func (d *Doc) SetActor(actor string) error {
	if _, err := d.Commit(); err != nil {
		return err
	}
	return d.am.SetActorID(actor)
}

// SetClock sets what stamps commits (nil: time.Now). Replays of recorded
// traces set it to the trace's clock.
func (d *Doc) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	d.mu.Lock()
	d.now = now
	d.mu.Unlock()
}

// Actor returns the actor id of later commits.
func (d *Doc) Actor() string { return d.am.ActorID() }

// ID returns the draft id stored in the document.
func (d *Doc) ID() string {
	if id := d.DraftID(); id != "" {
		return id // where the draft is kept says which it is; meta.id is anyone's to write
	}
	m, err := mapAt(d.am.RootMap(), "meta")
	if err != nil {
		return ""
	}
	s, _ := strAt(m, "id")
	return s
}

// Heads commits pending edits and returns the heads as hex strings.
func (d *Doc) Heads() []string {
	d.Commit() // an error here resurfaces on the next write
	hs := d.am.Heads()
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.String()
	}
	sort.Strings(out)
	return out
}

// ChangesSince returns the raw changes not reachable from heads,
// concatenated in a form LoadIncremental accepts, and how many there are.
func (d *Doc) ChangesSince(heads []string) ([]byte, int, error) {
	cs, err := d.changesSince(heads)
	if err != nil || len(cs) == 0 {
		return nil, 0, err
	}
	return automerge.SaveChanges(cs), len(cs), nil
}

// ChangesBetween returns the changes reachable from upto but not from
// since: what a peer holding since lacks of the document as it stood at
// upto (the heads saved on disk, while newer ones are not).
func (d *Doc) ChangesBetween(since, upto []string) ([]byte, int, error) {
	all, err := d.changesSince(since)
	if err != nil || len(all) == 0 {
		return nil, 0, err
	}
	newer, err := d.changesSince(upto)
	if err != nil {
		return nil, 0, err
	}
	skip := make(map[automerge.ChangeHash]bool, len(newer))
	for _, c := range newer {
		skip[c.Hash()] = true
	}
	keep := all[:0]
	for _, c := range all {
		if !skip[c.Hash()] {
			keep = append(keep, c)
		}
	}
	if len(keep) == 0 {
		return nil, 0, nil
	}
	return automerge.SaveChanges(keep), len(keep), nil
}

// changesSince commits pending edits and returns the changes not
// reachable from heads.
func (d *Doc) changesSince(heads []string) ([]*automerge.Change, error) {
	if _, err := d.Commit(); err != nil {
		return nil, err
	}
	hs := make([]automerge.ChangeHash, 0, len(heads))
	for _, h := range heads {
		ch, err := automerge.NewChangeHash(h)
		if err != nil {
			return nil, fmt.Errorf("head %q: %w", h, err)
		}
		hs = append(hs, ch)
	}
	return d.am.Changes(hs...)
}

// Meta returns the cover data.
func (d *Doc) Meta() Meta {
	var m Meta
	mm, err := mapAt(d.am.RootMap(), "meta")
	if err != nil {
		return m
	}
	m.ID, _ = strAt(mm, "id")
	if id := d.DraftID(); id != "" {
		m.ID = id
	}
	t, _ := strAt(mm, "template")
	m.Template = Template(t)
	m.Title, _ = strAt(mm, "title")
	m.Theme, _ = strAt(mm, "theme")
	m.Title, m.Theme = cleanLine(m.Title), cleanLine(m.Theme)
	m.Language, _ = strAt(mm, "lang")
	if v, err := mm.Get("year"); err == nil && v.Kind() == automerge.KindInt64 {
		m.Year = int(v.Int64())
	}
	if v, err := mm.Get("created"); err == nil && v.Kind() == automerge.KindTime {
		m.Created = v.Time().UTC()
	}
	m.CoFacilitators, _ = textAt(mm, string(FieldCoFacilitators))
	m.Rapporteur, _ = textAt(mm, string(FieldRapporteur))
	m.Cover, _ = textAt(mm, string(FieldCover))
	m.Dissemination, _ = textAt(mm, string(FieldDissemination))
	return m
}

// SetTitle renames the draft.
func (d *Doc) SetTitle(title string) error {
	if strings.TrimSpace(title) == "" {
		return fmt.Errorf("%w: a draft needs a title", ErrInvalid)
	}
	if err := checkLine("a title", title); err != nil {
		return err
	}
	return d.setMetaString("title", title)
}

// SetTheme sets the BPF theme.
func (d *Doc) SetTheme(theme string) error {
	if err := checkLine("a theme", theme); err != nil {
		return err
	}
	return d.setMetaString("theme", theme)
}

// SetYear sets the year of the output.
func (d *Doc) SetYear(year int) error {
	mm, err := mapAt(d.am.RootMap(), "meta")
	if err != nil {
		return err
	}
	d.begin(KindMeta, "year")
	return mm.Set("year", int64(year))
}

func (d *Doc) setMetaString(key, v string) error {
	if !utf8.ValidString(v) {
		return ErrInvalidText
	}
	mm, err := mapAt(d.am.RootMap(), "meta")
	if err != nil {
		return err
	}
	d.begin(KindMeta, key)
	return mm.Set(key, v)
}

// ReplaceMeta rewrites a free-text meta field as the minimal diff from its
// current value.
func (d *Doc) ReplaceMeta(f MetaField, text string) (added, removed int, err error) {
	t, err := d.metaText(f)
	if err != nil {
		return 0, 0, err
	}
	return d.replaceText(t, KindMeta, string(f), text)
}

func (d *Doc) metaText(f MetaField) (*automerge.Text, error) {
	switch f {
	case FieldCoFacilitators, FieldRapporteur, FieldCover, FieldDissemination:
	default:
		return nil, fmt.Errorf("%w: meta field %q", ErrInvalid, f)
	}
	mm, err := mapAt(d.am.RootMap(), "meta")
	if err != nil {
		return nil, err
	}
	v, err := mm.Get(string(f))
	if err != nil {
		return nil, err
	}
	if v.Kind() != automerge.KindText {
		d.begin(KindMeta, string(f))
		if err := mm.Set(string(f), automerge.NewText("")); err != nil {
			return nil, err
		}
		if v, err = mm.Get(string(f)); err != nil {
			return nil, err
		}
	}
	return v.Text(), nil
}

// Sections returns the visible sections in order.
func (d *Doc) Sections() []Section {
	all := d.allSections(true)
	out := all[:0]
	for _, s := range all {
		if !s.Removed {
			out = append(out, s)
		}
	}
	return out
}

// RemovedSections returns the sections that were removed, which keep
// their text and can be restored.
func (d *Doc) RemovedSections() []Section {
	var out []Section
	for _, s := range d.allSections(true) {
		if s.Removed {
			out = append(out, s)
		}
	}
	return out
}

// allSections reads every section, with its text when withBodies is set.
func (d *Doc) allSections(withBodies bool) []Section {
	sm, err := mapAt(d.am.RootMap(), "sections")
	if err != nil {
		return nil
	}
	vals, err := sm.Values()
	if err != nil {
		return nil
	}
	out := make([]Section, 0, len(vals))
	for id, v := range vals {
		if v.Kind() != automerge.KindMap {
			continue
		}
		m := v.Map()
		s := Section{ID: id}
		s.Heading, _ = strAt(m, "heading")
		s.Hint, _ = strAt(m, "hint")
		s.Heading, s.Hint = cleanLine(s.Heading), cleanLine(s.Hint)
		if s.Hint == "" {
			s.Hint = templateHint(s.Heading)
		}
		s.order, _ = strAt(m, "order")
		if withBodies {
			s.Body, _ = textAt(m, "body")
		}
		if rv, err := m.Get("removed"); err == nil && rv.Kind() == automerge.KindBool {
			s.Removed = rv.Bool()
		}
		if av, err := m.Get("annex"); err == nil && av.Kind() == automerge.KindBool {
			s.Annex = av.Bool()
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].order != out[j].order {
			return out[i].order < out[j].order
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Section returns one section by id, removed or not.
func (d *Doc) Section(id string) (Section, error) {
	for _, s := range d.allSections(true) {
		if s.ID == id {
			return s, nil
		}
	}
	return Section{}, fmt.Errorf("section %q: %w", id, ErrNotFound)
}

func (d *Doc) sectionMap(id string) (*automerge.Map, error) {
	sm, err := mapAt(d.am.RootMap(), "sections")
	if err != nil {
		return nil, err
	}
	m, err := mapAt(sm, id)
	if err != nil {
		return nil, fmt.Errorf("section %q: %w", id, ErrNotFound)
	}
	return m, nil
}

// body returns a section's text object. A section's body is created with
// the section and never replaced, so the object is cached by id; merges
// and loads drop the cache all the same, as they may bring a section a
// concurrent replica created.
func (d *Doc) body(id string) (*automerge.Text, error) {
	d.mu.Lock()
	t, ok := d.bodies[id]
	d.mu.Unlock()
	if ok {
		return t, nil
	}
	m, err := d.sectionMap(id)
	if err != nil {
		return nil, err
	}
	v, err := m.Get("body")
	if err != nil {
		return nil, err
	}
	if v.Kind() != automerge.KindText {
		return nil, fmt.Errorf("section %q has no text body: %w", id, ErrNotDraft)
	}
	t = v.Text()
	d.mu.Lock()
	if d.bodies == nil {
		d.bodies = map[string]*automerge.Text{}
	}
	d.bodies[id] = t
	d.mu.Unlock()
	return t, nil
}

func (d *Doc) forgetBodies() {
	d.mu.Lock()
	d.bodies = nil
	d.mu.Unlock()
}

// Body returns one section's text without reading the others.
func (d *Doc) Body(id string) (string, error) {
	t, err := d.body(id)
	if err != nil {
		return "", err
	}
	return t.Get()
}

// BodyLen returns the length of a section's text in code points.
func (d *Doc) BodyLen(id string) (int, error) {
	t, err := d.body(id)
	if err != nil {
		return 0, err
	}
	return t.Len(), nil
}

// Splice edits a section's text. Positions and lengths are Unicode code
// points; anything outside the text is ErrRange, and invalid UTF-8 is
// ErrInvalidText, so no edit can land in the middle of a character.
func (d *Doc) Splice(id string, pos, del int, insert string) error {
	t, err := d.body(id)
	if err != nil {
		return err
	}
	return d.splice(t, KindEdit, id, pos, del, insert)
}

// SpliceAs is Splice in a commit of another kind than an edit: a review
// decision that reverts a contribution, which reviews then tell apart
// from contributions.
func (d *Doc) SpliceAs(kind Kind, id string, pos, del int, insert string) error {
	t, err := d.body(id)
	if err != nil {
		return err
	}
	return d.splice(t, kind, id, pos, del, insert)
}

func (d *Doc) splice(t *automerge.Text, kind Kind, section string, pos, del int, insert string) error {
	if !utf8.ValidString(insert) {
		return ErrInvalidText
	}
	n := t.Len()
	if pos < 0 || del < 0 || pos > n || del > n-pos {
		return fmt.Errorf("%w: splice at %d deleting %d in a text of %d characters", ErrRange, pos, del, n)
	}
	if del == 0 && insert == "" {
		return nil
	}
	d.begin(kind, section)
	return t.Splice(pos, del, insert)
}

// ReplaceBody rewrites a section's text to text, applying only the
// difference so that concurrent edits elsewhere in the section survive.
// It returns the code points added and removed.
func (d *Doc) ReplaceBody(id, text string) (added, removed int, err error) {
	t, err := d.body(id)
	if err != nil {
		return 0, 0, err
	}
	return d.replaceText(t, KindEdit, id, text)
}

func (d *Doc) replaceText(t *automerge.Text, kind Kind, section, text string) (added, removed int, err error) {
	if !utf8.ValidString(text) {
		return 0, 0, ErrInvalidText
	}
	cur, err := t.Get()
	if err != nil {
		return 0, 0, err
	}
	for _, s := range Diff(cur, text) {
		if err := d.splice(t, kind, section, s.Pos, s.Del, s.Insert); err != nil {
			return added, removed, err
		}
		added += utf8.RuneCountInString(s.Insert)
		removed += s.Del
	}
	return added, removed, nil
}

// AppendBody adds text at the end of a section.
func (d *Doc) AppendBody(id, text string) error {
	t, err := d.body(id)
	if err != nil {
		return err
	}
	return d.splice(t, KindEdit, id, t.Len(), 0, text)
}

func (d *Doc) putSection(id, heading, hint, order string) (string, error) {
	sm, err := mapAt(d.am.RootMap(), "sections")
	if err != nil {
		return "", err
	}
	if err := sm.Set(id, automerge.NewMap()); err != nil {
		return "", err
	}
	m, err := mapAt(sm, id)
	if err != nil {
		return "", err
	}
	fields := map[string]any{"heading": heading, "order": order, "removed": false}
	if hint != "" {
		fields["hint"] = hint
	}
	for k, v := range fields {
		if err := m.Set(k, v); err != nil {
			return "", err
		}
	}
	if err := m.Set("body", automerge.NewText("")); err != nil {
		return "", err
	}
	return id, nil
}

// AddSection inserts a new empty section at index at (0-based among the
// visible sections; len(Sections()) appends) and returns its id.
func (d *Doc) AddSection(heading, hint string, at int) (string, error) {
	if strings.TrimSpace(heading) == "" {
		return "", fmt.Errorf("%w: a heading needs a title", ErrInvalid)
	}
	if err := checkLine("a heading", heading); err != nil {
		return "", err
	}
	if err := checkLine("a hint", hint); err != nil {
		return "", err
	}
	if !utf8.ValidString(heading) || !utf8.ValidString(hint) {
		return "", ErrInvalidText
	}
	vis := d.Sections()
	if at < 0 || at > len(vis) {
		return "", fmt.Errorf("%w: position %d of %d headings", ErrRange, at+1, len(vis))
	}
	id := NewID(4)
	for d.hasSection(id) {
		id = NewID(4)
	}
	d.begin(KindHeadAdd, id)
	order, err := d.orderAt(vis, at, "")
	if err != nil {
		return "", err
	}
	return d.putSection(id, heading, hint, order)
}

func (d *Doc) hasSection(id string) bool {
	_, err := d.sectionMap(id)
	return err == nil
}

// orderAt returns an order key for a section placed at index at of vis,
// where vis excludes the section being placed (skip). Equal neighbour keys,
// left by concurrent inserts, are first spread apart.
func (d *Doc) orderAt(vis []Section, at int, skip string) (string, error) {
	others := make([]Section, 0, len(vis))
	for _, s := range vis {
		if s.ID != skip {
			others = append(others, s)
		}
	}
	for i := 1; i < len(others); i++ {
		if others[i].order <= others[i-1].order || others[i].order == "" {
			keys := spreadKeys(len(others))
			for j := range others {
				m, err := d.sectionMap(others[j].ID)
				if err != nil {
					return "", err
				}
				if err := m.Set("order", keys[j]); err != nil {
					return "", err
				}
				others[j].order = keys[j]
			}
			break
		}
	}
	lo, hi := "", ""
	if at > 0 {
		lo = others[at-1].order
	}
	if at < len(others) {
		hi = others[at].order
	}
	return keyBetween(lo, hi), nil
}

// RenameSection changes a section's heading. Concurrent renames resolve
// to one of them (last writer wins), never to a mix of both.
func (d *Doc) RenameSection(id, heading string) error {
	if strings.TrimSpace(heading) == "" {
		return fmt.Errorf("%w: a heading needs a title", ErrInvalid)
	}
	if err := checkLine("a heading", heading); err != nil {
		return err
	}
	if !utf8.ValidString(heading) {
		return ErrInvalidText
	}
	m, err := d.sectionMap(id)
	if err != nil {
		return err
	}
	d.begin(KindHeadRename, id)
	return m.Set("heading", heading)
}

// MoveSection puts a visible section at index to (0-based) among the
// visible sections.
func (d *Doc) MoveSection(id string, to int) error {
	vis := d.Sections()
	found := false
	for _, s := range vis {
		found = found || s.ID == id
	}
	if !found {
		return fmt.Errorf("section %q: %w", id, ErrNotFound)
	}
	if to < 0 || to >= len(vis) {
		return fmt.Errorf("%w: position %d of %d headings", ErrRange, to+1, len(vis))
	}
	d.begin(KindHeadMove, id)
	order, err := d.orderAt(vis, to, id)
	if err != nil {
		return err
	}
	m, err := d.sectionMap(id)
	if err != nil {
		return err
	}
	return m.Set("order", order)
}

// RemoveSection hides a section. Its text stays in the document, so an
// offline edit to it is not lost, and RestoreSection brings it back.
func (d *Doc) RemoveSection(id string) error { return d.setRemoved(id, KindHeadRemove, true) }

// RestoreSection shows a removed section again.
func (d *Doc) RestoreSection(id string) error { return d.setRemoved(id, KindHeadRestore, false) }

// SetAnnex marks a section as an annex (published after the headings,
// lettered A, B, C, its paragraphs numbered A.1, A.2) or as a heading again.
func (d *Doc) SetAnnex(id string, annex bool) error {
	m, err := d.sectionMap(id)
	if err != nil {
		return err
	}
	d.begin(KindHeadAnnex, id)
	return m.Set("annex", annex)
}

func (d *Doc) setRemoved(id string, kind Kind, removed bool) error {
	m, err := d.sectionMap(id)
	if err != nil {
		return err
	}
	d.begin(kind, id)
	return m.Set("removed", removed)
}

// SetParticipant records the person behind the document's current actor
// if the registry does not already say exactly that. It reports whether
// anything changed.
func (d *Doc) SetParticipant(p Participant) (bool, error) {
	if err := checkLine("a name", p.Name); err != nil {
		return false, err
	}
	p.Actor = d.Actor()
	if c, ok := d.CertOf(p.Actor); ok && d.Signed() {
		p.Person = c.PersonID()
	}
	p.Verified = false
	if cur, ok := d.Participants()[p.Actor]; ok {
		cur.Verified = false
		if cur == p {
			return false, nil
		}
	}
	signed := p
	if signed.Role == RoleParticipant {
		signed.Role = ""
	}
	sig := d.entrySig(signed)
	pm, err := mapAt(d.am.RootMap(), "participants")
	if err != nil {
		if err := d.am.RootMap().Set("participants", automerge.NewMap()); err != nil {
			return false, err
		}
		if pm, err = mapAt(d.am.RootMap(), "participants"); err != nil {
			return false, err
		}
	}
	d.begin(KindProfile, "")
	if err := pm.Set(p.Actor, automerge.NewMap()); err != nil {
		return false, err
	}
	m, err := mapAt(pm, p.Actor)
	if err != nil {
		return false, err
	}
	fields := map[string]string{"person": p.Person, "name": p.Name, "group": string(p.Group), "region": string(p.Region), "role": string(p.Role)}
	if sig != nil {
		// The person is the certificate's; the entry says the rest,
		// signed, and leaves out the role everyone states by default
		// (bytes every co-author downloads).
		delete(fields, "person")
		if p.Role == RoleParticipant || p.Role == "" {
			delete(fields, "role")
		}
		if err := m.Set("sig", sig); err != nil {
			return false, err
		}
	}
	for k, v := range fields {
		if err := m.Set(k, v); err != nil {
			return false, err
		}
	}
	return true, nil
}

// Participants returns the registry keyed by actor id.
func (d *Doc) Participants() map[string]Participant {
	out := map[string]Participant{}
	id, certs := d.DraftID(), d.sealedCerts()
	var vals map[string]*automerge.Value
	if pm, err := mapAt(d.am.RootMap(), "participants"); err == nil {
		vals, _ = pm.Values()
	}
	for actor, v := range vals {
		if v.Kind() != automerge.KindMap {
			continue
		}
		m := v.Map()
		p := Participant{Actor: actor}
		p.Person, _ = strAt(m, "person")
		p.Name, _ = strAt(m, "name")
		p.Name = cleanLine(p.Name)
		g, _ := strAt(m, "group")
		r, _ := strAt(m, "region")
		ro, _ := strAt(m, "role")
		p.Group, p.Region, p.Role = Group(g), Region(r), Role(ro)
		var sig []byte
		if v, err := m.Get("sig"); err == nil && v.Kind() == automerge.KindBytes {
			sig = v.Bytes()
		}
		c, hasCert := certs[actor]
		if p, ok := verifyEntry(id, p, sig, c, hasCert); ok {
			out[actor] = p
		}
	}
	// A device that wrote without an entry is still its person's.
	for actor, c := range certs {
		if _, ok := out[actor]; !ok && SignedID(id) {
			out[actor] = Participant{Actor: actor, Person: c.PersonID()}
		}
	}
	return out
}

// Snapshot returns a plain copy of the document.
func (d *Doc) Snapshot() Snapshot {
	s, _ := d.SnapshotWithRemoved()
	return s
}

// SnapshotWithRemoved is Snapshot and the removed sections, read in one
// pass: reading a section's text is the costly part, and a caller that
// needs both would otherwise read every text twice.
func (d *Doc) SnapshotWithRemoved() (Snapshot, []Section) {
	var removed []Section
	s := Snapshot{Meta: d.Meta()}
	for _, sec := range d.allSections(true) {
		if sec.Removed {
			removed = append(removed, sec)
		} else {
			s.Sections = append(s.Sections, sec)
		}
	}
	s.Participants = d.ParticipantList()
	s.Roles = d.Roles()
	return s, removed
}

// ParticipantList returns the registry by name (then actor id).
func (d *Doc) ParticipantList() []Participant {
	var ps []Participant
	for _, p := range d.Participants() {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Name != ps[j].Name {
			return ps[i].Name < ps[j].Name
		}
		return ps[i].Actor < ps[j].Actor
	})
	return ps
}

// Commit records the pending edits as one change carrying their
// metadata, stamped by the document's clock. It reports false when there
// was nothing to commit.
func (d *Doc) Commit() (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.commitLocked()
}

func (d *Doc) commitLocked() (bool, error) {
	if !d.dirty {
		return false, nil
	}
	// Whole seconds are all the contribution log shows; milliseconds
	// would cost every change a byte or two on disk and on the wire.
	at := d.now().Truncate(time.Second)
	h, err := d.am.Commit(d.pend.encode(), automerge.CommitOptions{Time: &at, AllowEmpty: true})
	if err != nil {
		return false, err
	}
	if err := d.sealLocked(h); err != nil {
		return false, err
	}
	d.dirty = false
	d.pend = ChangeInfo{}
	d.made++
	return true, nil
}

// Made counts the changes this Doc has committed since it was loaded:
// local edits, as against changes merged in.
func (d *Doc) Made() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.made
}

// Pending returns the kind and section of the edits not yet committed.
func (d *Doc) Pending() (ChangeInfo, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pend, d.dirty
}

// begin opens (or continues) the pending commit for an edit of kind in
// section, first committing pending edits of another kind or section.
func (d *Doc) begin(kind Kind, section string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dirty && (d.pend.Kind != kind || d.pend.Section != section || d.pend.From != d.from) {
		// An error here means Automerge refused a commit of valid edits;
		// they stay pending and go out with the next commit.
		d.commitLocked()
	}
	if !d.dirty {
		d.pend = ChangeInfo{Kind: kind, Section: section, From: d.from}
		d.dirty = true
	}
}

// SetSource names the file the edits that follow came from (an import),
// until it is set to "" again; it goes in their changes' messages.
func (d *Doc) SetSource(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.from = cleanLine(name)
	if r := []rune(d.from); len(r) > maxSourceRunes {
		d.from = string(r[:maxSourceRunes])
	}
}

// maxSourceRunes bounds a source's name in a change message.
const maxSourceRunes = 120

func mapAt(m *automerge.Map, key string) (*automerge.Map, error) {
	v, err := m.Get(key)
	if err != nil {
		return nil, err
	}
	if v.Kind() != automerge.KindMap {
		return nil, fmt.Errorf("%q is not a map: %w", key, ErrNotFound)
	}
	return v.Map(), nil
}

func strAt(m *automerge.Map, key string) (string, error) {
	v, err := m.Get(key)
	if err != nil {
		return "", err
	}
	if v.Kind() != automerge.KindStr {
		return "", errors.New("not a string")
	}
	return v.Str(), nil
}

func textAt(m *automerge.Map, key string) (string, error) {
	v, err := m.Get(key)
	if err != nil {
		return "", err
	}
	if v.Kind() != automerge.KindText {
		return "", errors.New("not text")
	}
	return v.Text().Get()
}

// Salvage loads what it can of a draft's chunks: it skips chunks that
// fail their checks (damaged) and returns their indexes. doc is nil when
// what is left does not make a draft (the first snapshot was damaged, say):
// the whole draft must then come again from a peer or an export.
func Salvage(chunks [][]byte) (doc *Doc, damaged []int) {
	var am *automerge.Doc
	for i, c := range chunks {
		if checkChunks(c) != nil {
			damaged = append(damaged, i)
			continue
		}
		if am == nil {
			var err error
			if am, err = loadAutomerge(c, storedOps); err != nil {
				damaged = append(damaged, i)
			}
			continue
		}
		if err := loadInto(am, c, storedOps); err != nil && errors.Is(err, ErrCorrupt) {
			damaged = append(damaged, i)
		}
	}
	if am == nil {
		return nil, damaged
	}
	d := &Doc{am: am, now: time.Now}
	if d.check() != nil {
		return nil, damaged
	}
	return d, damaged
}
