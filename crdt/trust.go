package crdt

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/automerge/automerge-go"
)

// trust is what a Doc knows of its devices: the certificates and seals
// it verified, and the signer of its own changes. Guarded by Doc.mu.
type trust struct {
	id      string          // the draft id seals are made for
	signer  *Signer         // this process's device, or nil
	certs   map[string]Cert // actor → its verified certificate
	seals   map[string]Seal // actor → its newest verified seal (Seq set)
	dirty   map[string]bool // actors whose seal is not yet saved
	genesis string          // the first change's hash, once found
	// recent keeps each device's last few seals: what is sent is what is
	// saved, which can lag a seal just received (a failed save).
	recent map[string][]Seal
	// waiting holds changes that passed the seal check but that Automerge
	// keeps back until their dependencies arrive, and waitSeals the seals
	// of such changes. A Bloom filter false positive leaves a change out
	// of a sync message while the changes after it are sent; the peer
	// sends it later, alone, and the seal that covers it is on a change
	// waiting here. Both are in memory only, as Automerge's queue is.
	waiting   map[string]header // by hash, without the chunk
	waitSeals []Seal
}

func (t *trust) init() {
	if t.certs == nil {
		t.certs, t.seals, t.dirty = map[string]Cert{}, map[string]Seal{}, map[string]bool{}
		t.recent, t.waiting = map[string][]Seal{}, map[string]header{}
	}
}

// keep records a verified seal (its Seq set to its change's), unless a
// newer one of the same device is known.
func (t *trust) keep(sl Seal) {
	t.init()
	actor := sl.Cert.Actor()
	if _, ok := t.certs[actor]; !ok {
		t.certs[actor] = sl.Cert
	}
	if old, ok := t.seals[actor]; ok && old.Seq >= sl.Seq {
		return
	}
	t.seals[actor], t.dirty[actor] = sl, true
	r := append(t.recent[actor], sl)
	if len(r) > 4 {
		r = r[len(r)-4:]
	}
	t.recent[actor] = r
}

// SetDraftID tells the document which draft it is, for seals: the id
// comes from where the draft is kept (the data file, an invite), never
// from the document, whose meta.id anyone can rewrite.
func (d *Doc) SetDraftID(id string) {
	d.mu.Lock()
	d.tr.id = id
	d.mu.Unlock()
}

// DraftID returns the id set by SetDraftID.
func (d *Doc) DraftID() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tr.id
}

// Signed reports whether the draft was made with signatures: then every
// change must be sealed by its device, and authority comes only from
// sealed changes. Drafts made before keep working as before, their
// changes shown as unverified.
func (d *Doc) Signed() bool { return SignedID(d.DraftID()) }

// SetSigner makes later commits carry the signer's actor and be sealed
// with its key.
func (d *Doc) SetSigner(s *Signer) error {
	if err := d.SetActor(s.Actor()); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tr.init()
	d.tr.signer = s
	d.tr.certs[s.Actor()] = s.Cert()
	return nil
}

// sealLocked seals a change this process just committed.
func (d *Doc) sealLocked(hash automerge.ChangeHash) error {
	t := &d.tr
	if t.signer == nil || t.id == "" {
		return nil
	}
	sl, err := t.signer.seal(t.id, hash.String())
	if err != nil {
		return err
	}
	ch, err := d.am.Change(hash)
	if err != nil {
		return err
	}
	sl.Seq = ch.ActorSeq()
	t.keep(sl)
	return nil
}

// AddSeals takes seals read back from this machine's data file. Each is
// checked again (a copied or edited file proves nothing), unless this
// Doc already holds it (each poll that finds another process's writes
// reads them all); one that does not verify, or names a change this copy
// lacks or another device's, is left out and counted.
func (d *Doc) AddSeals(seals []Seal) (ignored int) {
	id := d.DraftID()
	for _, sl := range seals {
		d.mu.Lock()
		held := d.tr.seals[sl.Cert.Actor()].Hash == sl.Hash
		if held {
			delete(d.tr.dirty, sl.Cert.Actor()) // the file has it
		}
		d.mu.Unlock()
		if held {
			continue
		}
		seq, ok := d.sealedSeq(id, sl)
		if !ok {
			ignored++
			continue
		}
		sl.Seq = seq
		d.mu.Lock()
		d.tr.keep(sl)
		if a := sl.Cert.Actor(); d.tr.seals[a].Hash == sl.Hash {
			delete(d.tr.dirty, a) // it came from the file
		}
		d.mu.Unlock()
	}
	return ignored
}

// sealedSeq verifies a seal against this copy: its signature, and that
// its change is here and its device's. It returns the change's seq.
func (d *Doc) sealedSeq(id string, sl Seal) (uint64, bool) {
	if sl.verify(id) != nil {
		return 0, false
	}
	h, err := automerge.NewChangeHash(sl.Hash)
	if err != nil {
		return 0, false
	}
	ch, err := d.am.Change(h)
	if err != nil || ch.ActorID() != sl.Cert.Actor() {
		return 0, false
	}
	return ch.ActorSeq(), true
}

// Seals returns the newest seal of every device, sorted by actor.
func (d *Doc) Seals() []Seal {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Seal, 0, len(d.tr.seals))
	for _, sl := range d.tr.seals {
		out = append(out, sl)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Cert.Actor() < out[j].Cert.Actor() })
	return out
}

// UnsavedSeals returns the seals made or received since MarkSaved.
func (d *Doc) UnsavedSeals() []Seal {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []Seal
	for actor := range d.tr.dirty {
		out = append(out, d.tr.seals[actor])
	}
	return out
}

// MarkSaved notes that these seals are on disk.
func (d *Doc) MarkSaved(seals []Seal) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, sl := range seals {
		a := sl.Cert.Actor()
		if cur, ok := d.tr.seals[a]; ok && cur.Hash == sl.Hash {
			delete(d.tr.dirty, a)
		}
	}
}

// CertOf returns the verified certificate of a device, if any.
func (d *Doc) CertOf(actor string) (Cert, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.tr.certs[actor]
	return c, ok
}

// sealedCerts returns the certificates of devices that wrote here (a
// seal of theirs is held): this process's own device is not a
// participant until it writes.
func (d *Doc) sealedCerts() map[string]Cert {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]Cert, len(d.tr.seals))
	for a := range d.tr.seals {
		if c, ok := d.tr.certs[a]; ok {
			out[a] = c
		}
	}
	return out
}

// trustFor returns what a read-only copy of the document (a past state,
// Doc.at) needs to verify its participants: copies of the certificates
// and seals this one verified. A device's binding to its person does not
// change with time, so a version shows its authors as the draft does.
func (d *Doc) trustFor() trust {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := trust{id: d.tr.id, genesis: d.tr.genesis, certs: make(map[string]Cert, len(d.tr.certs)), seals: make(map[string]Seal, len(d.tr.seals))}
	for a, c := range d.tr.certs {
		t.certs[a] = c
	}
	for a, s := range d.tr.seals {
		t.seals[a] = s
	}
	return t
}

// certs returns a copy of the verified certificates.
func (d *Doc) certs() map[string]Cert {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]Cert, len(d.tr.certs))
	for a, c := range d.tr.certs {
		out[a] = c
	}
	return out
}

// header is what admitting a change needs of it.
type header struct {
	hash  string
	actor string
	seq   uint64
	deps  []string
	kind  Kind
	raw   []byte // the change chunk
}

func headerOf(c *automerge.Change) header {
	info, _ := decodeInfo(c.Message())
	h := header{hash: c.Hash().String(), actor: c.ActorID(), seq: c.ActorSeq(), kind: info.Kind, raw: c.Save()}
	for _, d := range c.Dependencies() {
		h.deps = append(h.deps, d.String())
	}
	return h
}

// changeHeaders reads what admitting and sealing need of each change
// chunk in data (changes, not a whole document), without Automerge.
func changeHeaders(data []byte) ([]header, error) {
	chunks, err := splitChunks(data)
	if err != nil {
		return nil, err
	}
	out := make([]header, 0, len(chunks))
	for _, c := range chunks {
		p, err := parseChange(c)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(c[8:])
		info, _ := decodeInfo(string(p.message))
		h := header{hash: hex.EncodeToString(sum[:]), actor: hex.EncodeToString(p.actor), seq: p.seq, kind: info.Kind, raw: c}
		for _, dep := range p.deps {
			h.deps = append(h.deps, hex.EncodeToString(dep))
		}
		out = append(out, h)
	}
	return out, nil
}

// holds reports whether the document holds the change with this hash.
func (d *Doc) holds(hash string) bool {
	h, err := automerge.NewChangeHash(hash)
	if err != nil {
		return false
	}
	_, err = d.am.Change(h)
	return err == nil
}

// isDocument reports whether data starts with a whole-document chunk
// (a snapshot or a saved file) rather than changes.
func isDocument(data []byte) bool { return len(data) > 8 && data[8] == 0 }

// Admit checks changes from elsewhere (a peer's push, snapshot or sync
// message, a file) against their seals, and merges them only if they
// pass: in a draft made with signatures every new change must be covered
// by a valid seal of its own device, and no change but the draft's first
// may start a history of its own. A draft made before signatures takes
// what it is given, as before, and keeps the seals that verify. Nothing
// is merged when anything fails.
func (d *Doc) Admit(data []byte, seals []Seal) error {
	return d.admit(data, seals, foreignOps(len(data)), nil)
}

// AdmitJudged is Admit that also refuses the changes of a person a
// co-facilitator removed, written knowing the removal (RoleRemoved in
// their own causal past); changes made apart from it (neither knowing
// the other) are taken, as a decision made apart from a withdrawal
// counts. ledger is called only when that can matter (the draft or the
// changes hold grants) and must return the caller's ledger of d, up to
// date: the new changes are added to it to be judged, so after an error
// the caller must drop it.
func (d *Doc) AdmitJudged(data []byte, seals []Seal, ledger func() (*Ledger, error)) error {
	return d.admit(data, seals, foreignOps(len(data)), ledger)
}

func (d *Doc) admit(data []byte, seals []Seal, maxOps int, ledger func() (*Ledger, error)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	if _, err := d.Commit(); err != nil {
		return err
	}
	if err := checkChunks(data); err != nil {
		return err
	}
	if err := checkActions(data, maxOps); err != nil {
		return err
	}
	if isDocument(data) && len(d.am.Heads()) == 0 {
		// A joiner's first copy: loaded once, here, and checked after;
		// loading it aside first would double the time and memory of
		// every join. Refused, it stays loaded: ErrTainted tells the
		// caller to drop this Doc.
		d.forgetBodies()
		if err := d.am.LoadIncremental(data); err != nil {
			return fmt.Errorf("%w: %v", ErrRefused, err)
		}
		cs, err := d.am.Changes()
		if err != nil {
			return fmt.Errorf("%w: %w: %v", ErrTainted, ErrCorrupt, err)
		}
		news := make([]header, len(cs))
		for i, c := range cs {
			news[i] = headerOf(c)
		}
		keep, err := d.checkSeals(news, seals)
		if err == nil {
			err = d.refuseRemoved(news, keep, ledger)
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrTainted, err)
		}
		d.keepSeals(keep, nil)
		return nil
	}
	keep, news, err := d.vet(data, seals)
	if err != nil {
		return err
	}
	if err := d.refuseRemoved(news, keep, ledger); err != nil {
		return err
	}
	d.forgetBodies()
	if err := d.am.LoadIncremental(data); err != nil {
		return fmt.Errorf("%w: %v", ErrRefused, err)
	}
	d.keepSeals(keep, news)
	return nil
}

// keepSeals records, once changes are merged, the seals that admitted
// them: those of changes Automerge applied are kept; those of changes it
// keeps back wait with them (see trust.waiting), as do the changes. What
// waited and is now applied moves over.
func (d *Doc) keepSeals(keep []Seal, news []header) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tr.init()
	for _, h := range news {
		if !d.holds(h.hash) {
			h.raw = nil
			d.tr.waiting[h.hash] = h
		}
	}
	seals := append(d.tr.waitSeals, keep...)
	d.tr.waitSeals = nil
	for _, sl := range seals {
		if d.holds(sl.Hash) {
			d.tr.keep(sl)
		} else {
			d.tr.waitSeals = append(d.tr.waitSeals, sl)
		}
	}
	for h := range d.tr.waiting {
		if d.holds(h) {
			delete(d.tr.waiting, h)
		}
	}
}

// waitingChanges returns the changes and seals held back (trust.waiting).
func (d *Doc) waitingChanges() ([]header, []Seal) {
	d.mu.Lock()
	defer d.mu.Unlock()
	hs := make([]header, 0, len(d.tr.waiting))
	for _, h := range d.tr.waiting {
		hs = append(hs, h)
	}
	return hs, slices.Clone(d.tr.waitSeals)
}

// vet checks checked chunks (a document, or changes) against seals
// without merging anything, and returns the seals to keep once merged.
func (d *Doc) vet(data []byte, seals []Seal) ([]Seal, []header, error) {
	var cs []*automerge.Change
	var err error
	if isDocument(data) {
		scratch := automerge.New()
		if err := scratch.LoadIncremental(data); err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrRefused, err)
		}
		if cs, err = scratch.Changes(); err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
	} else {
		// Changes are read here, not by Automerge, which loads a list of
		// changes only when each one's dependencies are among them.
		hs, err := changeHeaders(data)
		if err != nil {
			return nil, nil, err
		}
		var news []header
		for _, h := range hs {
			if ins, del, err := textCounts(h.raw); err != nil {
				return nil, nil, err
			} else if ins > MaxInsertPerChange {
				return nil, nil, fmt.Errorf("%w: one change inserts %d characters, more than a whole draft may hold", ErrOversized, ins)
			} else if del > MaxInsertPerChange {
				return nil, nil, fmt.Errorf("%w: one change deletes %d characters, more than a whole draft holds", ErrOversized, del)
			}
			if !d.holds(h.hash) {
				news = append(news, h)
			}
		}
		keep, err := d.checkSeals(news, seals)
		return keep, news, err
	}
	var news []header
	for _, c := range cs {
		if _, err := d.am.Change(c.Hash()); err != nil {
			news = append(news, headerOf(c))
		}
	}
	keep, err := d.checkSeals(news, seals)
	return keep, news, err
}

// MaxInsertPerChange bounds what one change from elsewhere may insert
// (characters, and list entries): a whole draft's text (app.MaxDraftText,
// 200,000) and room for its journals. No write of BPF Draft goes beyond,
// since the text it would make is refused first; a change that does was
// made to exhaust memory (a million characters fit in 1.3 KB of run
// lengths) and is refused before Automerge loads it.
const MaxInsertPerChange = 200_000 + 8_192

// Oversized reports whether stored data (changes, not a whole document)
// holds a change inserting, or deleting, more than MaxInsertPerChange: a
// draft that
// took one before peers refused them, which repair sets aside.
func Oversized(data []byte) bool {
	if checkChunks(data) != nil {
		return false // damage, which repair finds otherwise
	}
	chunks, err := splitChunks(data)
	if err != nil {
		return false
	}
	for _, c := range chunks {
		if c[8] == 0 {
			continue
		}
		if ins, del, err := textCounts(c); err == nil && (ins > MaxInsertPerChange || del > MaxInsertPerChange) {
			return true
		}
	}
	return false
}

// ErrOversized is returned for a change that inserts more than
// MaxInsertPerChange.
var ErrOversized = errors.New("a change larger than any draft")

// ErrTainted is returned, with the reason, when a whole document given
// to an empty Doc was loaded and then refused: the Doc holds it and must
// be dropped.
var ErrTainted = errors.New("a refused copy was loaded into an empty draft")

// ErrRemoved is returned for changes by a person a co-facilitator
// removed from the draft, written after they knew it.
var ErrRemoved = errors.New("changes by a participant removed from the draft, written after the removal")

// refuseRemoved judges new changes by their authors' roles in their own
// past, with the new changes added to the ledger (grants among them
// count too: a co-author who never took the new code may bring the
// removal and the removed person's later change together).
func (d *Doc) refuseRemoved(news []header, keep []Seal, ledger func() (*Ledger, error)) error {
	if ledger == nil || len(news) == 0 {
		return nil
	}
	grants := d.HasGrants()
	for _, h := range news {
		grants = grants || h.kind == KindRole
	}
	if !grants {
		return nil
	}
	l, err := ledger()
	if err != nil {
		return err
	}
	pending := news
	for len(pending) > 0 {
		var later []header
		for _, h := range pending {
			ok, err := l.addRaw(h.hash, h.deps, h.raw)
			if err != nil {
				return err
			}
			if !ok {
				later = append(later, h)
			}
		}
		if len(later) == len(pending) {
			break // waiting for changes nobody sent: Automerge keeps them back too
		}
		pending = later
	}
	parts := d.Participants()
	for _, sl := range keep {
		a := sl.Cert.Actor()
		if _, ok := parts[a]; !ok && d.Signed() {
			parts[a] = Participant{Actor: a, Person: sl.Cert.PersonID()}
		}
	}
	auth := l.Authority(d.Creator(), parts)
	for _, h := range news {
		ref, ok := l.byHash[h.hash]
		if ok && auth.RoleAt(ref, h.actor) == RoleRemoved {
			name := parts[h.actor].Name
			if name == "" {
				name = FormatFingerprint(personOf(parts, h.actor))
			}
			return fmt.Errorf("%w: change %s by %s", ErrRemoved, short(h.hash), name)
		}
	}
	return nil
}

// checkSeals decides whether new changes may be merged, given their seals,
// and returns the seals to keep, each with its change's Seq.
//
// A seal covers its device's changes in its change's causal past. The
// walk from it goes through the new changes and those held back waiting
// for theirs (trust.waiting), whose seals start walks too: they were
// checked when those changes came. Each device's walk has its own
// visited set, since one device's changes can lie between another's.
func (d *Doc) checkSeals(news []header, seals []Seal) ([]Seal, error) {
	id := d.DraftID()
	certs := d.certs()
	waiting, waitSeals := d.waitingChanges()
	nodes := slices.Clone(news)
	at := make(map[string]int, len(news)+len(waiting))
	for i, h := range news {
		at[h.hash] = i
	}
	for _, h := range waiting {
		if _, ok := at[h.hash]; !ok {
			at[h.hash] = len(nodes)
			nodes = append(nodes, h)
		}
	}
	var keep []Seal
	starts := map[string][]int{} // actor → the nodes its seals are on
	for _, sl := range seals {
		i, ok := at[sl.Hash]
		if !ok {
			continue // a change the copy holds: nothing new to cover
		}
		if err := sl.verify(id); err != nil {
			return nil, err
		}
		actor := sl.Cert.Actor()
		if nodes[i].actor != actor {
			return nil, fmt.Errorf("%w: a seal of device %s on a change of %s", ErrUnsealed, short(actor), short(nodes[i].actor))
		}
		if c, ok := certs[actor]; ok && !c.Equal(sl.Cert) {
			// The actor is derived from the key and salt, so only a
			// different person link can differ: the first one stands.
			return nil, fmt.Errorf("%w: device %s with a second person link", ErrUnsealed, short(actor))
		}
		sl.Seq = nodes[i].seq
		keep = append(keep, sl)
		starts[actor] = append(starts[actor], i)
	}
	for _, sl := range waitSeals {
		if i, ok := at[sl.Hash]; ok {
			starts[sl.Cert.Actor()] = append(starts[sl.Cert.Actor()], i)
		}
	}
	uncovered := map[string]int{} // actor → its new changes not yet covered
	for _, h := range news {
		uncovered[h.actor]++
	}
	covered := make([]bool, len(news))
	for actor, stack := range starts {
		seen := make(map[int]bool, len(stack))
		for len(stack) > 0 && uncovered[actor] > 0 {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[j] {
				continue
			}
			seen[j] = true
			if j < len(news) && news[j].actor == actor && !covered[j] {
				covered[j] = true
				uncovered[actor]--
			}
			for _, dep := range nodes[j].deps {
				if k, ok := at[dep]; ok && !seen[k] {
					stack = append(stack, k)
				}
			}
		}
	}
	if !SignedID(id) {
		return keep, nil
	}
	for i, h := range news {
		if len(h.deps) == 0 && DraftIDOf(h.hash) != id {
			return nil, fmt.Errorf("%w: a change that starts a history of its own in draft %s", ErrUnsealed, id)
		}
		if !covered[i] {
			return nil, fmt.Errorf("%w: change %s of device %s", ErrUnsealed, short(h.hash), short(h.actor))
		}
	}
	return keep, nil
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// Sealed reports, for every change of the draft, whether a verified seal
// of its own device covers it (by hash). What a draft made with
// signatures admitted is all sealed; changes from before signatures are
// not, and are shown as unverified.
func (d *Doc) Sealed() (map[string]bool, error) {
	if _, err := d.Commit(); err != nil {
		return nil, err
	}
	cs, err := d.am.Changes()
	if err != nil {
		return nil, err
	}
	byHash := make(map[string]*automerge.Change, len(cs))
	for _, c := range cs {
		byHash[c.Hash().String()] = c
	}
	out := make(map[string]bool, len(cs))
	for _, sl := range d.Seals() {
		actor := sl.Cert.Actor()
		stack := []string{sl.Hash}
		seen := map[string]bool{}
		for len(stack) > 0 {
			h := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			c, ok := byHash[h]
			if !ok || seen[h] {
				continue
			}
			seen[h] = true
			if c.ActorID() == actor {
				out[h] = true
			}
			for _, dep := range c.Dependencies() {
				stack = append(stack, dep.String())
			}
		}
	}
	return out, nil
}

// entrySig returns the signature of this process's participant entry
// in a draft made with signatures, or nil.
func (d *Doc) entrySig(p Participant) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tr.signer == nil || !SignedID(d.tr.id) {
		return nil
	}
	return ed25519.Sign(d.tr.signer.key, entryMessage(d.tr.id, p.Actor, p))
}

// verifyEntry applies what the certificates prove to a registry entry:
// a device with a verified certificate is its person's (the entry's
// person id is replaced by the fingerprint), and what the entry says of
// them counts only when their key signed it.
func verifyEntry(id string, p Participant, sig []byte, cert Cert, hasCert bool) (Participant, bool) {
	if !SignedID(id) {
		return p, true // as before signatures: what the entry says
	}
	if !hasCert {
		return p, false
	}
	p.Person = cert.PersonID()
	if !ed25519.Verify(cert.Key, entryMessage(id, p.Actor, p), sig) {
		p.Name, p.Group, p.Region, p.Role = "", "", "", ""
		return p, true
	}
	if p.Role == "" {
		p.Role = RoleParticipant // left out when stated by default
	}
	p.Verified = true
	return p, true
}

// Seal block encoding, beside changes on the wire and in files:
//
//	count | per seal: flags | hash (index into the changes, or 32 bytes) | signature (64) | certificate
//
// flags: 1 a certificate follows (key 32, salt 8), 2 it is linked
// (person 32, link 64), 4 the hash is an index into the changes sent
// with the block. A receiver that holds an earlier change of a device
// holds its certificate, so a push leaves it out then.
const (
	sealCert   = 1
	sealLinked = 2
	sealIndex  = 4
)

// EncodeSeals encodes seals for changes sent in the given order
// (batch: their hashes; nil for a whole document). withCert says which
// devices' certificates to send.
func EncodeSeals(seals []Seal, batch []string, withCert func(actor string) bool) []byte {
	if len(seals) == 0 {
		return nil
	}
	if len(seals) == 1 && len(batch) > 0 && seals[0].Hash == batch[len(batch)-1] &&
		withCert != nil && !withCert(seals[0].Cert.Actor()) {
		// The commonest block of all, a small edit's: the one device's
		// seal of the last change, whose certificate the peer holds.
		return append([]byte{0}, seals[0].Sig...)
	}
	at := make(map[string]int, len(batch))
	for i, h := range batch {
		at[h] = i
	}
	b := binary.AppendUvarint(nil, uint64(len(seals)))
	for _, sl := range seals {
		var flags byte
		cert := withCert == nil || withCert(sl.Cert.Actor())
		if cert {
			flags |= sealCert
			if sl.Cert.Person != nil {
				flags |= sealLinked
			}
		}
		i, indexed := at[sl.Hash]
		if indexed {
			flags |= sealIndex
		}
		b = append(b, flags)
		if indexed {
			b = binary.AppendUvarint(b, uint64(i))
		} else {
			raw, _ := hex.DecodeString(sl.Hash)
			b = append(b, raw...)
		}
		b = append(b, sl.Sig...)
		if cert {
			b = append(append(b, sl.Cert.Key...), sl.Cert.Salt[:]...)
			if sl.Cert.Person != nil {
				b = append(append(b, sl.Cert.Person...), sl.Cert.Link...)
			}
		}
	}
	return b
}

// A draft file (export --format automerge) is the Automerge document
// followed by one more change: empty, by a device of its own, whose
// message carries the seals of the draft's devices after sealsMessage.
// Automerge's own tools read the file as a document with one more
// change that writes nothing; BPF Draft takes the seals out of it and
// drops it (SplitFile). A file without it is a draft from before
// signatures, or a document from elsewhere.
const sealsMessage = "bpfdraft seals 1\n"

// WithSeals appends seals to a saved document, as a draft file holds
// them.
func WithSeals(doc []byte, seals []Seal) ([]byte, error) {
	if len(seals) == 0 {
		return doc, nil
	}
	am, err := loadAutomerge(doc, storedOps)
	if err != nil {
		return nil, err
	}
	heads := am.Heads()
	if err := am.SetActorID(NewActor()); err != nil {
		return nil, err
	}
	msg := sealsMessage + base64.StdEncoding.EncodeToString(EncodeSeals(seals, nil, nil))
	if _, err := am.Commit(msg, automerge.CommitOptions{AllowEmpty: true}); err != nil {
		return nil, err
	}
	cs, err := am.Changes(heads...)
	if err != nil || len(cs) != 1 {
		return nil, fmt.Errorf("adding the seals to the file: %v", err)
	}
	return append(append([]byte(nil), doc...), cs[0].Save()...), nil
}

// SplitFile separates a draft file into the document and its seals.
func SplitFile(b []byte) (doc []byte, seals []Seal, err error) {
	chunks, err := splitChunks(b)
	if err != nil || len(chunks) < 2 {
		return b, nil, nil // Load reports what is wrong with it
	}
	last := chunks[len(chunks)-1]
	p, err := parseChange(last)
	if err != nil || !bytes.HasPrefix(p.message, []byte(sealsMessage)) {
		return b, nil, nil
	}
	if len(p.data) != 0 {
		return nil, nil, fmt.Errorf("%w: the file's signatures come with edits", ErrCorrupt)
	}
	raw, err := base64.StdEncoding.DecodeString(string(p.message[len(sealsMessage):]))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: the file's signatures cannot be read", ErrCorrupt)
	}
	var d Doc
	if seals, err = d.DecodeSeals(raw, nil, nil); err != nil {
		return nil, nil, err
	}
	return b[:len(b)-len(last)], seals, nil
}

// EncodeSeal encodes one seal whole, as the data file keeps it.
func EncodeSeal(sl Seal) []byte { return EncodeSeals([]Seal{sl}, nil, nil) }

// DecodeSeal reads what EncodeSeal wrote.
func DecodeSeal(b []byte) (Seal, error) {
	var d Doc
	out, err := d.DecodeSeals(b, nil, nil)
	if err != nil || len(out) != 1 {
		return Seal{}, fmt.Errorf("%w: a stored seal", ErrCorrupt)
	}
	return out[0], nil
}

// rawSeal is one entry of a seal block as written: its change by place
// among the changes sent (at, or -1) or by hash, its signature, and its
// certificate when one was sent.
type rawSeal struct {
	at   uint64
	hash string
	sig  []byte
	cert *Cert
}

const (
	noPlace   = ^uint64(0)
	lastPlace = noPlace - 1 // the last of the changes sent
)

// parseSealBlock reads a seal block's entries, within the block's own
// length: every seal takes at least 66 bytes of it.
func parseSealBlock(b []byte) ([]rawSeal, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if len(b) == 1+ed25519.SignatureSize && b[0] == 0 {
		// A count of 0 before a signature: the one seal of the last
		// change, its certificate held (EncodeSeals).
		return []rawSeal{{at: lastPlace, sig: bytes.Clone(b[1:])}}, nil
	}
	r := &reader{b: b}
	n := r.uleb()
	if n > uint64(len(b)/66) {
		return nil, fmt.Errorf("%w: %d seals in %d bytes", ErrCorrupt, n, len(b))
	}
	out := make([]rawSeal, 0, n)
	for ; n > 0 && r.err == nil; n-- {
		flags := r.take(1)
		if r.err != nil {
			break
		}
		rs := rawSeal{at: noPlace}
		if flags[0]&sealIndex != 0 {
			rs.at = r.uleb()
		} else {
			rs.hash = hex.EncodeToString(r.take(32))
		}
		rs.sig = append([]byte(nil), r.take(ed25519.SignatureSize)...)
		if flags[0]&sealCert != 0 {
			c := &Cert{Key: append(ed25519.PublicKey(nil), r.take(32)...)}
			copy(c.Salt[:], r.take(8))
			if flags[0]&sealLinked != 0 {
				c.Person = append(ed25519.PublicKey(nil), r.take(32)...)
				c.Link = append([]byte(nil), r.take(ed25519.SignatureSize)...)
			}
			rs.cert = c
		}
		out = append(out, rs)
	}
	if r.err != nil {
		return nil, r.err
	}
	return out, nil
}

// DecodeSeals reads a seal block sent with changes in the given order
// (batch: their hashes; data: the changes). A seal without its
// certificate takes the one this copy verified for the device of the
// change it names.
func (d *Doc) DecodeSeals(b []byte, batch []string, data []byte) ([]Seal, error) {
	raws, err := parseSealBlock(b)
	if err != nil || len(raws) == 0 {
		return nil, err
	}
	var actors []string // the batch's changes' actors, read when needed
	out := make([]Seal, 0, len(raws))
	for _, rs := range raws {
		sl := Seal{Hash: rs.hash, Sig: rs.sig}
		at := -1
		if rs.at == lastPlace && len(batch) > 0 {
			rs.at = uint64(len(batch) - 1)
		}
		if rs.at != noPlace {
			if rs.at >= uint64(len(batch)) {
				return nil, fmt.Errorf("%w: a seal of change %d of %d", ErrCorrupt, rs.at, len(batch))
			}
			at = int(rs.at)
			sl.Hash = batch[at]
		}
		if rs.cert != nil {
			sl.Cert = *rs.cert
			out = append(out, sl)
			continue
		}
		if actors == nil {
			actors = batchActors(data)
		}
		if at < 0 {
			at = slices.Index(batch, sl.Hash)
		}
		actor := ""
		if at >= 0 && at < len(actors) {
			actor = actors[at]
		}
		c, ok := d.CertOf(actor)
		if !ok {
			return nil, fmt.Errorf("%w: a seal of device %s, whose certificate this copy lacks", ErrUnsealed, short(actor))
		}
		sl.Cert = c
		out = append(out, sl)
	}
	return out, nil
}

// batchActors returns the actor of each change chunk in data.
func batchActors(data []byte) []string {
	hs, err := changeHeaders(data)
	if err != nil {
		return nil
	}
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.actor
	}
	return out
}

// SealsFor returns the seals covering the change chunks in data (what a
// peer holding everything else lacks), and which of them the peer needs
// the certificate of: those of devices whose first change is in data.
// Each device's seal is the one of its last change in data: its newest
// when data reaches it; for this process's own device, made now when
// data stops short of it (a commit since what data was read from).
func (d *Doc) SealsFor(data []byte) (seals []Seal, withCert func(string) bool) {
	hs, err := changeHeaders(data)
	if err != nil {
		return d.Seals(), nil // send everything, certificates included
	}
	type span struct {
		min, max uint64
		last     string
	}
	spans := map[string]*span{}
	for _, h := range hs {
		sp, ok := spans[h.actor]
		if !ok {
			sp = &span{min: h.seq}
			spans[h.actor] = sp
		}
		sp.min = min(sp.min, h.seq)
		if h.seq >= sp.max {
			sp.max, sp.last = h.seq, h.hash
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for a, sp := range spans {
		sl, ok := d.tr.seals[a]
		if ok && sl.Hash != sp.last {
			for _, r := range d.tr.recent[a] {
				if r.Hash == sp.last {
					sl = r
				}
			}
		}
		if sl.Hash != sp.last && d.tr.signer != nil && d.tr.signer.Actor() == a && d.tr.id != "" {
			if own, err := d.tr.signer.seal(d.tr.id, sp.last); err == nil {
				sl, ok = own, true
			}
		}
		if ok {
			seals = append(seals, sl)
		}
	}
	sort.Slice(seals, func(i, j int) bool { return seals[i].Hash < seals[j].Hash })
	return seals, func(actor string) bool { return spans[actor] != nil && spans[actor].min <= 1 }
}

// SealBlock encodes the seals a peer needs with data: every device's for
// a whole document; for changes, the seals covering them, each naming
// its change by its place in data, without the certificates of devices
// the peer already holds changes of. devices are those the seals are
// of: the peer knows each of them once it has the block.
func (d *Doc) SealBlock(data []byte) (block []byte, devices []string) {
	seals := d.Seals()
	var batch []string
	var withCert func(string) bool // nil: by hash, certificates included
	if !isDocument(data) {
		seals, withCert = d.SealsFor(data)
		if batch, _ = ChunkHashes(data); batch == nil {
			withCert = nil
		}
	}
	for _, sl := range seals {
		devices = append(devices, sl.Cert.Actor())
	}
	return EncodeSeals(seals, batch, withCert), devices
}

// SyncSealBlock encodes the seals covering the changes of an Automerge
// sync message, whole (its changes come in any order, maybe compressed).
func (d *Doc) SyncSealBlock(msg []byte) []byte {
	changes := SyncChanges(msg)
	if len(changes) == 0 {
		return nil
	}
	seals, _ := d.SealsFor(changes)
	return EncodeSeals(seals, nil, nil)
}

// OpenSealBlock decodes a block that came with data (see SealBlock).
func (d *Doc) OpenSealBlock(block, data []byte) ([]Seal, error) {
	if len(block) == 0 {
		return nil, nil
	}
	if isDocument(data) {
		return d.DecodeSeals(block, nil, nil)
	}
	batch, _ := ChunkHashes(data)
	return d.DecodeSeals(block, batch, data)
}

// IdentifyDraft returns the id of the draft a saved document holds: for
// a draft made with signatures, the id its first change's hash gives,
// provided a seal of that change's device verifies for it; otherwise
// the document's meta.id, which a draft from before signatures goes by.
// A document whose meta.id is a signed draft's but whose first change
// is not proven by the seals given is refused: its signatures are
// missing.
func IdentifyDraft(doc *Doc, seals []Seal) (string, error) {
	cs, err := doc.am.Changes()
	if err != nil {
		return "", err
	}
	for _, c := range cs {
		if len(c.Dependencies()) > 0 {
			continue
		}
		id := DraftIDOf(c.Hash().String())
		for _, sl := range seals {
			if sl.Cert.Actor() == c.ActorID() && sl.verify(id) == nil {
				return id, nil
			}
		}
	}
	m, err := mapAt(doc.am.RootMap(), "meta")
	if err != nil {
		return "", ErrNotDraft
	}
	id, _ := strAt(m, "id")
	if SignedID(id) {
		return "", fmt.Errorf("%w: draft %s was made with signatures and this copy lacks them (export it again with this version)", ErrUnsealed, id)
	}
	return id, nil
}

// BlockActors returns the devices whose certificates a seal block
// carries: with the devices whose certificates it holds (Devices), a
// receiver knows every device of a push, which the push may so name by
// prefix (CompactChangesFor).
func BlockActors(block []byte) []string {
	raws, err := parseSealBlock(block)
	if err != nil {
		return nil
	}
	var out []string
	for _, rs := range raws {
		if rs.cert != nil {
			out = append(out, rs.cert.Actor())
		}
	}
	return out
}

// Devices returns the actors whose certificates this copy verified.
func (d *Doc) Devices() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]string, 0, len(d.tr.certs))
	for a := range d.tr.certs {
		out = append(out, a)
	}
	return out
}

// ChangeChunk returns the chunk of a change this copy holds, or nil: the
// base a relay blob's changes are coded after (CompactChangesAfter).
func (d *Doc) ChangeChunk(hash string) []byte {
	h, err := automerge.NewChangeHash(hash)
	if err != nil {
		return nil
	}
	c, err := d.am.Change(h)
	if err != nil {
		return nil
	}
	return c.Save()
}
