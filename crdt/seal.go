package crdt

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/igf-bpf/bpfdraft/crdt/statement"
)

// Signed authorship. Anyone holding a draft can write any key of it, so
// a value in the document says nothing about who wrote it; the change
// that wrote it does, once its author can be proven. Every person has an
// ed25519 key; every device (the Automerge actor a process writes with)
// has a certificate that ties it to that key; and a device seals what it
// writes: one signature over the hash of its newest change vouches for
// that change and for every earlier change of the same device in its
// causal past (a change's hash covers its dependencies' hashes), so a
// day of typing costs one signature per device, not one per change.
//
//   - An actor id is derived from the device's public key and a salt
//     (Cert.Actor): nobody can claim another device's actor without its
//     private key, and a process still takes a fresh actor each run.
//   - A device key is the person's own key, or a key the person's key
//     has linked (Cert.Link), as on a second machine.
//   - A person is named by the fingerprint of their key (Fingerprint):
//     short enough to read over the phone, long enough (80 bits) that no
//     one can make a key with someone else's.
//   - A seal signs (draft id, change hash), so a signed change cannot be
//     passed off in another draft.
//
// Seals travel beside the changes (sync frames, the export file, the
// seals table), never inside the document: a change cannot hold a
// signature of its own hash.

// Cert ties a device to a person (statement.Cert).
type Cert = statement.Cert

const (
	sealDomain  = "bpfdraft/seal/1\x00"
	entryDomain = "bpfdraft/participant/1\x00"
)

// ErrUnsealed is returned for changes no valid seal covers in a draft
// made with signatures, and for seals that do not verify.
var ErrUnsealed = statement.ErrUnsealed

// Fingerprint names a person by their key (statement.Fingerprint).
func Fingerprint(key ed25519.PublicKey) string { return statement.Fingerprint(key) }

// FormatFingerprint groups a fingerprint for reading aloud.
func FormatFingerprint(fp string) string { return statement.FormatFingerprint(fp) }

// Signer is a device's key, with the certificate that ties it to its
// person: what a process seals its changes and its participant entry
// with.
type Signer struct {
	key  ed25519.PrivateKey
	cert Cert
}

// NewSigner returns a signer for a process of the person whose key this
// is, with a fresh salt (so a fresh actor).
func NewSigner(person ed25519.PrivateKey) *Signer {
	s := &Signer{key: person, cert: Cert{Key: person.Public().(ed25519.PublicKey)}}
	rand.Read(s.cert.Salt[:])
	return s
}

// NewLinkedSigner returns a signer for a process of a device whose key
// the person's key linked (LinkDevice), with a fresh salt.
func NewLinkedSigner(device ed25519.PrivateKey, person ed25519.PublicKey, link []byte) (*Signer, error) {
	s := &Signer{key: device, cert: Cert{Key: device.Public().(ed25519.PublicKey), Person: person, Link: link}}
	if err := s.cert.Check(); err != nil {
		return nil, err
	}
	rand.Read(s.cert.Salt[:])
	return s, nil
}

// LinkDevice is the person's signature of a device's key: what makes that
// device's changes theirs.
func LinkDevice(person ed25519.PrivateKey, device ed25519.PublicKey) []byte {
	return statement.LinkDevice(person, device)
}

// Actor returns the actor id this signer's changes carry.
func (s *Signer) Actor() string { return s.cert.Actor() }

// Cert returns the signer's certificate.
func (s *Signer) Cert() Cert { return s.cert }

// PersonID returns the fingerprint of the signer's person.
func (s *Signer) PersonID() string { return s.cert.PersonID() }

// Seal is a device's signature over one of its changes in one draft: it
// vouches for that change and every earlier change of the same device in
// its causal past.
type Seal struct {
	Hash string // hex hash of the sealed change
	Sig  []byte
	Cert Cert
	Seq  uint64 // the sealed change's sequence number, once verified here
}

func sealMessage(draftID string, hash []byte) []byte {
	m := make([]byte, 0, len(sealDomain)+len(draftID)+1+len(hash))
	m = append(m, sealDomain...)
	m = append(m, draftID...)
	m = append(m, 0)
	return append(m, hash...)
}

// seal signs a change of this signer's in a draft.
func (s *Signer) seal(draftID, hash string) (Seal, error) {
	raw, err := hex.DecodeString(hash)
	if err != nil || len(raw) != 32 {
		return Seal{}, fmt.Errorf("%w: change hash %q", ErrInvalid, hash)
	}
	return Seal{Hash: hash, Sig: ed25519.Sign(s.key, sealMessage(draftID, raw)), Cert: s.cert}, nil
}

// verify checks a seal's certificate and signature for a draft (not
// whether its change exists, or is its device's).
func (sl Seal) verify(draftID string) error {
	if err := sl.Cert.Check(); err != nil {
		return err
	}
	raw, err := hex.DecodeString(sl.Hash)
	if err != nil || len(raw) != 32 {
		return fmt.Errorf("%w: a seal of no change", ErrUnsealed)
	}
	if !ed25519.Verify(sl.Cert.Key, sealMessage(draftID, raw), sl.Sig) {
		return fmt.Errorf("%w: a signature that does not verify", ErrUnsealed)
	}
	return nil
}

// entryMessage is what a participant entry's signature covers: the draft,
// the device and what the person says of themselves there.
func entryMessage(draftID, actor string, p Participant) []byte {
	var b []byte
	for _, f := range []string{draftID, actor, p.Name, string(p.Group), string(p.Region), string(p.Role)} {
		b = append(append(b, f...), 0)
	}
	return append([]byte(entryDomain), b...)
}

// DraftIDOf returns the id of a draft whose first change has this hash.
func DraftIDOf(hash string) string { return statement.DraftIDOf(hash) }

// SignedID reports whether a draft id is one made with signatures: 20
// characters of its first change's hash, against 16 random ones before.
func SignedID(id string) bool { return statement.SignedID(id) }
