// Package statement holds what people sign outside a draft's changes,
// and what checking it takes without Automerge: device certificates
// (Cert), the fingerprints that name people, and the relay statements
// co-facilitators sign. A relay verifies statements with this package
// alone, so it never links Automerge.
package statement

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Cert ties a device to a person: its key signs the device's changes
// (the Automerge actor is derived from that key and a salt, Actor), and
// it is either the person's own key or one the person's key linked.
type Cert struct {
	Key    ed25519.PublicKey // the device's signing key
	Salt   [8]byte           // makes each process's actor its own
	Person ed25519.PublicKey // the person's key, when it is not Key itself
	Link   []byte            // the person's signature of Key, when Person is set
}

const (
	actorDomain  = "bpfdraft/actor/1\x00"
	linkDomain   = "bpfdraft/device/1\x00"
	personDomain = "bpfdraft/person/1\x00"
)

// ErrUnsealed is returned for changes no valid seal covers in a draft
// made with signatures, and for seals or certificates that do not verify.
var ErrUnsealed = errors.New("changes without a valid signature of their author")

// Actor returns the Automerge actor id the certificate's device writes
// with: the first 16 bytes of SHA-256 over its key and salt, in hex.
func (c Cert) Actor() string {
	h := sha256.New()
	h.Write([]byte(actorDomain))
	h.Write(c.Key)
	h.Write(c.Salt[:])
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// PersonKey returns the key of the person the device belongs to.
func (c Cert) PersonKey() ed25519.PublicKey {
	if c.Person != nil {
		return c.Person
	}
	return c.Key
}

// PersonID returns the fingerprint of the device's person.
func (c Cert) PersonID() string { return Fingerprint(c.PersonKey()) }

// Check verifies the certificate's shape and, for a linked device, the
// person's signature of its key.
func (c Cert) Check() error {
	if len(c.Key) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: a device key of %d bytes", ErrUnsealed, len(c.Key))
	}
	if c.Person == nil {
		return nil
	}
	if len(c.Person) != ed25519.PublicKeySize || !ed25519.Verify(c.Person, linkMessage(c.Key), c.Link) {
		return fmt.Errorf("%w: a device link its person did not sign", ErrUnsealed)
	}
	return nil
}

// Equal reports whether two certificates are the same.
func (c Cert) Equal(o Cert) bool {
	return string(c.Key) == string(o.Key) && c.Salt == o.Salt &&
		string(c.Person) == string(o.Person) && string(c.Link) == string(o.Link)
}

func linkMessage(key ed25519.PublicKey) []byte {
	return append([]byte(linkDomain), key...)
}

// LinkDevice is the person's signature of a device's key: what makes that
// device's changes theirs.
func LinkDevice(person ed25519.PrivateKey, device ed25519.PublicKey) []byte {
	return ed25519.Sign(person, linkMessage(device))
}

// Fingerprint names a person by their key: 16 lower-case base32
// characters (80 bits of SHA-256), the person id of drafts made with
// signatures. FormatFingerprint groups it for reading aloud.
func Fingerprint(key ed25519.PublicKey) string {
	sum := sha256.Sum256(append([]byte(personDomain), key...))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:10]))
}

// FormatFingerprint groups a fingerprint in fours ("abcd-efgh-…"), as
// people compare it over the phone. Anything else is returned as is.
func FormatFingerprint(fp string) string {
	if len(fp) != 16 {
		return fp
	}
	return fp[:4] + "-" + fp[4:8] + "-" + fp[8:12] + "-" + fp[12:]
}

// signedIDLen is the length of the id of a draft made with signatures:
// 20 base32 characters (100 bits) of its first change's hash, against
// 16 random ones before. The id so names the change that began the
// draft, and that change's device is its creator, which no later change
// can claim to be.
const signedIDLen = 20

// DraftIDOf returns the id of a draft whose first change has this hash.
func DraftIDOf(hash string) string {
	raw, err := hex.DecodeString(hash)
	if err != nil || len(raw) < 13 {
		return ""
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw[:13]))[:signedIDLen]
}

// SignedID reports whether a draft id is one made with signatures.
func SignedID(id string) bool { return len(id) == signedIDLen }
