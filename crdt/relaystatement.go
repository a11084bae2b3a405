package crdt

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/automerge/automerge-go"
)

// A relay statement says, signed by a co-facilitator, which relays a
// draft uses, under which access key (the public half of the key its
// current secret stands for, sync/draftkey), and who may sign the next
// statement. Statements form a chain: each names the one before by hash
// and has the next version; the first is signed by the draft's creator,
// proven by the draft's first change, whose hash is the draft's id and
// whose actor is the creator's device. A relay accepts a draft, a new key
// or a new list of relays only as such a chain, so a co-author who holds
// the secret cannot take a draft over at a relay, nor anyone register a
// draft id that is not theirs; peers read the same chain to know which
// relays a draft uses.
type RelayStatement struct {
	DraftID string
	Version uint64
	Prev    [32]byte // hash of the statement before (zero for the first)
	Access  ed25519.PublicKey
	Relays  []string // multiaddrs ending in /p2p/ID
	Admins  []string // fingerprints of the co-facilitators who may sign the next
	Signer  Cert
	Sig     []byte
}

const statementDomain = "bpfdraft/relays/1\x00"

// Bounds a relay holds a statement to: it reads them from peers.
const (
	maxStatementRelays = 32
	maxStatementAdmins = 256
	maxStatementField  = 512
	// MaxStatementChain bounds the statements a registration carries.
	MaxStatementChain = 4096
)

// ErrStatement is returned for a relay statement, or a chain of them,
// that does not verify.
var ErrStatement = errors.New("relay statement refused")

func appendField(b []byte, s []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func (s RelayStatement) signed() []byte {
	b := append([]byte(statementDomain), 1)
	b = appendField(b, []byte(s.DraftID))
	b = binary.AppendUvarint(b, s.Version)
	b = append(b, s.Prev[:]...)
	b = appendField(b, s.Access)
	b = binary.AppendUvarint(b, uint64(len(s.Relays)))
	for _, r := range s.Relays {
		b = appendField(b, []byte(r))
	}
	b = binary.AppendUvarint(b, uint64(len(s.Admins)))
	for _, a := range s.Admins {
		b = appendField(b, []byte(a))
	}
	b = appendField(b, s.Signer.Key)
	b = append(b, s.Signer.Salt[:]...)
	b = appendField(b, s.Signer.Person)
	return appendField(b, s.Signer.Link)
}

// Encode returns the statement as it travels and is stored.
func (s RelayStatement) Encode() []byte { return appendField(s.signed(), s.Sig) }

// Hash names the statement for the next one's Prev.
func (s RelayStatement) Hash() [32]byte { return sha256.Sum256(s.Encode()) }

// SignStatement signs s as the signer's person.
func (sg *Signer) SignStatement(s RelayStatement) RelayStatement {
	s.Signer = sg.cert
	s.Sig = ed25519.Sign(sg.key, s.signed())
	return s
}

// DecodeStatement reads what Encode wrote, within its bounds.
func DecodeStatement(b []byte) (RelayStatement, error) {
	var s RelayStatement
	r := &reader{b: b}
	if len(b) < len(statementDomain)+1 || !bytes.HasPrefix(b, []byte(statementDomain)) || b[len(statementDomain)] != 1 {
		return s, fmt.Errorf("%w: not a relay statement", ErrStatement)
	}
	r.take(len(statementDomain) + 1)
	field := func() []byte {
		n := r.uleb()
		if r.err != nil || n > maxStatementField || n > uint64(len(r.b)) {
			r.err = ErrStatement
			return nil
		}
		return bytes.Clone(r.take(int(n)))
	}
	s.DraftID = string(field())
	s.Version = r.uleb()
	copy(s.Prev[:], r.take(32))
	s.Access = field()
	n := r.uleb()
	if n > maxStatementRelays {
		r.err = ErrStatement
	}
	for i := uint64(0); i < n && r.err == nil; i++ {
		s.Relays = append(s.Relays, string(field()))
	}
	n = r.uleb()
	if n > maxStatementAdmins {
		r.err = ErrStatement
	}
	for i := uint64(0); i < n && r.err == nil; i++ {
		s.Admins = append(s.Admins, string(field()))
	}
	s.Signer.Key = field()
	copy(s.Signer.Salt[:], r.take(8))
	if p := field(); len(p) > 0 {
		s.Signer.Person = p
	}
	if l := field(); len(l) > 0 {
		s.Signer.Link = l
	}
	s.Sig = field()
	if r.err != nil || len(r.b) != 0 {
		return RelayStatement{}, fmt.Errorf("%w: malformed", ErrStatement)
	}
	return s, nil
}

// verifyOne checks a statement's shape and signature (not who signed).
func (s RelayStatement) verifyOne() error {
	if len(s.Access) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: an access key of %d bytes", ErrStatement, len(s.Access))
	}
	if err := s.Signer.check(); err != nil {
		return fmt.Errorf("%w: %v", ErrStatement, err)
	}
	if !ed25519.Verify(s.Signer.Key, s.signed(), s.Sig) {
		return fmt.Errorf("%w: a signature that does not verify", ErrStatement)
	}
	return nil
}

// CreatorOf returns the fingerprint of a draft's creator, proven by the
// draft's first change (genesis) and its device's certificate: the
// change's hash gives the draft's id, and its actor is the device's.
func CreatorOf(draftID string, genesis []byte, device Cert) (string, error) {
	if err := checkChunks(genesis); err != nil {
		return "", fmt.Errorf("%w: the draft's first change: %v", ErrStatement, err)
	}
	hs, err := changeHeaders(genesis)
	if err != nil || len(hs) != 1 {
		return "", fmt.Errorf("%w: the draft's first change is not one change", ErrStatement)
	}
	h := hs[0]
	if len(h.deps) != 0 || DraftIDOf(h.hash) != draftID {
		return "", fmt.Errorf("%w: that is not the first change of draft %s", ErrStatement, draftID)
	}
	if err := device.check(); err != nil || device.Actor() != h.actor {
		return "", fmt.Errorf("%w: the certificate is not the first change's device", ErrStatement)
	}
	return device.PersonID(), nil
}

// VerifyChain checks a chain of statements of a draft whose creator is
// creator (CreatorOf), from the first: each has the next version, names
// the one before, and is signed by a person the one before lists as an
// admin (the first, by the creator). It returns the last.
func VerifyChain(draftID, creator string, chain []RelayStatement) (RelayStatement, error) {
	if len(chain) == 0 || len(chain) > MaxStatementChain {
		return RelayStatement{}, fmt.Errorf("%w: a chain of %d statements", ErrStatement, len(chain))
	}
	var prev *RelayStatement
	for i := range chain {
		if err := VerifyNext(draftID, creator, prev, chain[i]); err != nil {
			return RelayStatement{}, fmt.Errorf("statement %d: %w", i+1, err)
		}
		prev = &chain[i]
	}
	return *prev, nil
}

// VerifyNext checks that next may follow prev (nil: next is the first):
// what a relay holding prev checks of a new statement.
func VerifyNext(draftID, creator string, prev *RelayStatement, next RelayStatement) error {
	if next.DraftID != draftID {
		return fmt.Errorf("%w: of another draft", ErrStatement)
	}
	if err := next.verifyOne(); err != nil {
		return err
	}
	signer := next.Signer.PersonID()
	if prev == nil {
		if next.Version != 1 || next.Prev != ([32]byte{}) || signer != creator {
			return fmt.Errorf("%w: the first statement must be the creator's", ErrStatement)
		}
		return nil
	}
	if next.Version != prev.Version+1 || next.Prev != prev.Hash() {
		return fmt.Errorf("%w: it does not follow version %d", ErrStatement, prev.Version)
	}
	if signer != creator && !slices.Contains(prev.Admins, signer) {
		return fmt.Errorf("%w: signed by %s, who is not a co-facilitator of the draft", ErrStatement, FormatFingerprint(signer))
	}
	return nil
}

// Genesis returns the draft's first change, as a chunk (what CreatorOf
// reads), or nil for a draft made before signatures.
func (d *Doc) Genesis() ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	cs, err := d.am.Changes()
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if len(c.Dependencies()) == 0 && DraftIDOf(c.Hash().String()) == d.tr.id {
			return c.Save(), nil
		}
	}
	return nil, nil
}

// CreatorCert returns the certificate of the device that made the
// draft's first change, if this copy holds it.
func (d *Doc) CreatorCert() (Cert, bool) {
	g, err := d.Genesis()
	if err != nil || g == nil {
		return Cert{}, false
	}
	hs, err := changeHeaders(g)
	if err != nil || len(hs) != 1 {
		return Cert{}, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.tr.certs[hs[0].actor]
	return c, ok
}

// KindRelays is the kind of commit that adds a relay statement.
const KindRelays Kind = "rs"

// relaysList is the root list of relay statements: every one written or
// delivered, valid or not; RelayChain reads the chain that counts.
const relaysList = "relays"

// AddRelayStatement appends a statement to the draft, in a commit of its
// own kind. Anyone may append one (a statement proves itself); only a
// chain from the creator counts.
func (d *Doc) AddRelayStatement(s RelayStatement) error {
	root := d.am.RootMap()
	d.begin(KindRelays, "")
	v, err := root.Get(relaysList)
	if err != nil {
		return err
	}
	if v.Kind() != automerge.KindList {
		if err := root.Set(relaysList, automerge.NewList()); err != nil {
			return err
		}
		if v, err = root.Get(relaysList); err != nil {
			return err
		}
	}
	return v.List().Append(base64.StdEncoding.EncodeToString(s.Encode()))
}

// RelayChain returns the chain of relay statements that counts, from the
// creator's first: at each step, of the statements that may follow, the
// one with the smallest hash (two co-facilitators who changed the relays
// apart: every peer keeps the same one). Empty when the draft has none,
// or this copy cannot prove its creator (a draft made before signatures).
func (d *Doc) RelayChain() []RelayStatement {
	v, err := d.am.RootMap().Get(relaysList)
	if err != nil || v.Kind() != automerge.KindList {
		return nil
	}
	genesis, err := d.Genesis()
	cert, ok := d.CreatorCert()
	if err != nil || genesis == nil || !ok {
		return nil
	}
	creator, err := CreatorOf(d.tr.id, genesis, cert)
	if err != nil {
		return nil
	}
	vals, err := v.List().Values()
	if err != nil {
		return nil
	}
	var all []RelayStatement
	for _, x := range vals {
		if x.Kind() != automerge.KindStr {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(x.Str())
		if err != nil {
			continue
		}
		if s, err := DecodeStatement(raw); err == nil {
			all = append(all, s)
		}
	}
	var chain []RelayStatement
	var prev *RelayStatement
	for len(chain) < MaxStatementChain {
		var best *RelayStatement
		for i := range all {
			if VerifyNext(d.tr.id, creator, prev, all[i]) != nil {
				continue
			}
			if h := all[i].Hash(); best == nil || bytes.Compare(h[:], hashOf(best)) < 0 {
				best = &all[i]
			}
		}
		if best == nil {
			break
		}
		chain = append(chain, *best)
		prev = &chain[len(chain)-1]
	}
	return chain
}

// EncodeCert returns a certificate as a registration carries it.
func EncodeCert(c Cert) []byte {
	b := appendField(nil, c.Key)
	b = append(b, c.Salt[:]...)
	b = appendField(b, c.Person)
	return appendField(b, c.Link)
}

// DecodeCert reads what EncodeCert wrote.
func DecodeCert(b []byte) (Cert, error) {
	var c Cert
	r := &reader{b: b}
	field := func() []byte {
		n := r.uleb()
		if r.err != nil || n > maxStatementField || n > uint64(len(r.b)) {
			r.err = ErrStatement
			return nil
		}
		return bytes.Clone(r.take(int(n)))
	}
	c.Key = field()
	copy(c.Salt[:], r.take(8))
	if p := field(); len(p) > 0 {
		c.Person = p
	}
	if l := field(); len(l) > 0 {
		c.Link = l
	}
	if r.err != nil || len(r.b) != 0 {
		return Cert{}, fmt.Errorf("%w: a malformed certificate", ErrStatement)
	}
	return c, nil
}

func hashOf(s *RelayStatement) []byte {
	h := s.Hash()
	return h[:]
}
