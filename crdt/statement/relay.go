package statement

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
)

// Relay is a relay statement: it says, signed by a co-facilitator, which
// relays a draft uses, under which access key (the public half of the key
// its current secret stands for, sync/draftkey), and who may sign the
// next statement. Statements form a chain: each names the one before by
// hash and has the next version; the first is signed by the draft's
// creator, proven by the draft's first change, whose hash is the draft's
// id and whose actor is the creator's device. A relay accepts a draft, a
// new key or a new list of relays only as such a chain, so a co-author
// who holds the secret cannot take a draft over at a relay, nor anyone
// register a draft id that is not theirs; peers read the same chain (it
// travels in the draft) to know which relays a draft uses.
type Relay struct {
	DraftID string
	Version uint64
	Prev    [32]byte // hash of the statement before (zero for the first)
	Access  ed25519.PublicKey
	Relays  []string // multiaddrs ending in /p2p/ID
	Admins  []string // fingerprints of the co-facilitators who may sign the next
	Signer  Cert
	Sig     []byte
}

const relayDomain = "bpfdraft/relays/1\x00"

// Bounds a relay holds a statement to: it reads them from peers.
const (
	maxRelays = 32
	maxAdmins = 256
	maxField  = 512
	// MaxChain bounds the statements a registration carries.
	MaxChain = 4096
)

// ErrRefused is returned for a relay statement, or a chain of them, that
// does not verify.
var ErrRefused = errors.New("relay statement refused")

func appendField(b []byte, s []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// SignedBytes returns what the signer's signature covers: everything but
// the signature.
func (s Relay) SignedBytes() []byte {
	b := append([]byte(relayDomain), 1)
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
	return appendCert(b, s.Signer)
}

func appendCert(b []byte, c Cert) []byte {
	b = appendField(b, c.Key)
	b = append(b, c.Salt[:]...)
	b = appendField(b, c.Person)
	return appendField(b, c.Link)
}

// Encode returns the statement as it travels and is stored.
func (s Relay) Encode() []byte { return appendField(s.SignedBytes(), s.Sig) }

// Hash names the statement for the next one's Prev.
func (s Relay) Hash() [32]byte { return sha256.Sum256(s.Encode()) }

// fields reads what appendField wrote, each within maxField; the first
// error sticks and makes every later read return nothing.
type fields struct {
	b   []byte
	err error
}

func (f *fields) number() uint64 {
	if f.err != nil {
		return 0
	}
	n, w := binary.Uvarint(f.b)
	if w <= 0 {
		f.err = ErrRefused
		return 0
	}
	f.b = f.b[w:]
	return n
}

func (f *fields) bytes(n int) []byte {
	if f.err != nil || n > len(f.b) {
		f.err = ErrRefused
		return nil
	}
	out := bytes.Clone(f.b[:n])
	f.b = f.b[n:]
	return out
}

func (f *fields) field() []byte {
	n := f.number()
	if n > maxField {
		f.err = ErrRefused
	}
	return f.bytes(int(min(n, maxField)))
}

func (f *fields) cert() Cert {
	var c Cert
	c.Key = f.field()
	copy(c.Salt[:], f.bytes(8))
	if p := f.field(); len(p) > 0 {
		c.Person = p
	}
	if l := f.field(); len(l) > 0 {
		c.Link = l
	}
	return c
}

// Decode reads what Encode wrote, within its bounds.
func Decode(b []byte) (Relay, error) {
	var s Relay
	if len(b) < len(relayDomain)+1 || !bytes.HasPrefix(b, []byte(relayDomain)) || b[len(relayDomain)] != 1 {
		return s, fmt.Errorf("%w: not a relay statement", ErrRefused)
	}
	f := &fields{b: b[len(relayDomain)+1:]}
	s.DraftID = string(f.field())
	s.Version = f.number()
	copy(s.Prev[:], f.bytes(32))
	s.Access = f.field()
	n := f.number()
	if n > maxRelays {
		f.err = ErrRefused
	}
	for i := uint64(0); i < n && f.err == nil; i++ {
		s.Relays = append(s.Relays, string(f.field()))
	}
	if n = f.number(); n > maxAdmins {
		f.err = ErrRefused
	}
	for i := uint64(0); i < n && f.err == nil; i++ {
		s.Admins = append(s.Admins, string(f.field()))
	}
	s.Signer = f.cert()
	s.Sig = f.field()
	if f.err != nil || len(f.b) != 0 {
		return Relay{}, fmt.Errorf("%w: malformed", ErrRefused)
	}
	return s, nil
}

// EncodeCert returns a certificate as a registration carries it.
func EncodeCert(c Cert) []byte { return appendCert(nil, c) }

// DecodeCert reads what EncodeCert wrote.
func DecodeCert(b []byte) (Cert, error) {
	f := &fields{b: b}
	c := f.cert()
	if f.err != nil || len(f.b) != 0 {
		return Cert{}, fmt.Errorf("%w: a malformed certificate", ErrRefused)
	}
	return c, nil
}

// verifyOne checks a statement's shape and signature (not who signed).
func (s Relay) verifyOne() error {
	if len(s.Access) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: an access key of %d bytes", ErrRefused, len(s.Access))
	}
	if err := s.Signer.Check(); err != nil {
		return fmt.Errorf("%w: %v", ErrRefused, err)
	}
	if !ed25519.Verify(s.Signer.Key, s.SignedBytes(), s.Sig) {
		return fmt.Errorf("%w: a signature that does not verify", ErrRefused)
	}
	return nil
}

// CreatorOf returns the fingerprint of a draft's creator, proven by the
// draft's first change (genesis, one Automerge change chunk) and its
// device's certificate: the change's hash gives the draft's id, and its
// actor is the device's.
func CreatorOf(draftID string, genesis []byte, device Cert) (string, error) {
	hash, deps, actor, err := changeHead(genesis)
	if err != nil {
		return "", fmt.Errorf("%w: the draft's first change: %v", ErrRefused, err)
	}
	if deps != 0 || DraftIDOf(hash) != draftID {
		return "", fmt.Errorf("%w: that is not the first change of draft %s", ErrRefused, draftID)
	}
	if err := device.Check(); err != nil || device.Actor() != actor {
		return "", fmt.Errorf("%w: the certificate is not the first change's device", ErrRefused)
	}
	return device.PersonID(), nil
}

// changeMagic starts every Automerge chunk.
var changeMagic = []byte{0x85, 0x6f, 0x4a, 0x83}

// changeHead reads one uncompressed Automerge change chunk as far as a
// relay needs: magic (4 bytes), checksum (4), type (1, a change), length
// (LEB128) and body, whose SHA-256 with the type and length is the
// change's hash (the checksum is its first four bytes); the body starts
// with the dependencies (a count, then 32-byte hashes) and the actor (a
// length, then its bytes).
func changeHead(chunk []byte) (hash string, deps uint64, actor string, err error) {
	if len(chunk) < 10 || !bytes.Equal(chunk[:4], changeMagic) || chunk[8] != 1 {
		return "", 0, "", errors.New("not a change chunk")
	}
	n, w := binary.Uvarint(chunk[9:])
	if w <= 0 || n != uint64(len(chunk)-9-w) {
		return "", 0, "", errors.New("not one whole chunk")
	}
	sum := sha256.Sum256(chunk[8:])
	if !bytes.Equal(sum[:4], chunk[4:8]) {
		return "", 0, "", errors.New("a chunk that fails its checksum")
	}
	f := &fields{b: chunk[9+w:]}
	if deps = f.number(); deps > uint64(len(f.b)/32) {
		return "", 0, "", errors.New("more dependencies than bytes")
	}
	f.bytes(int(deps) * 32)
	a := f.field()
	if f.err != nil {
		return "", 0, "", errors.New("a change cut short")
	}
	return hex.EncodeToString(sum[:]), deps, hex.EncodeToString(a), nil
}

// VerifyChain checks a chain of statements of a draft whose creator is
// creator (CreatorOf), from the first: each has the next version, names
// the one before, and is signed by a person the one before lists as an
// admin (the first, by the creator). It returns the last.
func VerifyChain(draftID, creator string, chain []Relay) (Relay, error) {
	if len(chain) == 0 || len(chain) > MaxChain {
		return Relay{}, fmt.Errorf("%w: a chain of %d statements", ErrRefused, len(chain))
	}
	var prev *Relay
	for i := range chain {
		if err := VerifyNext(draftID, creator, prev, chain[i]); err != nil {
			return Relay{}, fmt.Errorf("statement %d: %w", i+1, err)
		}
		prev = &chain[i]
	}
	return *prev, nil
}

// VerifyNext checks that next may follow prev (nil: next is the first):
// what a relay holding prev checks of a new statement.
func VerifyNext(draftID, creator string, prev *Relay, next Relay) error {
	if next.DraftID != draftID {
		return fmt.Errorf("%w: of another draft", ErrRefused)
	}
	if err := next.verifyOne(); err != nil {
		return err
	}
	signer := next.Signer.PersonID()
	if prev == nil {
		if next.Version != 1 || next.Prev != ([32]byte{}) || signer != creator {
			return fmt.Errorf("%w: the first statement must be the creator's", ErrRefused)
		}
		return nil
	}
	if next.Version != prev.Version+1 || next.Prev != prev.Hash() {
		return fmt.Errorf("%w: it does not follow version %d", ErrRefused, prev.Version)
	}
	if signer != creator && !slices.Contains(prev.Admins, signer) {
		return fmt.Errorf("%w: signed by %s, who is not a co-facilitator of the draft", ErrRefused, FormatFingerprint(signer))
	}
	return nil
}
