package docsync

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
)

// SecretSize is the size of a draft secret in bytes.
const SecretSize = 32

const (
	tagSize   = 8
	macSize   = 16
	nonceSize = 16
)

// ErrUnauthorized is returned when a peer proves access to no draft we share.
var ErrUnauthorized = errors.New("peer proved access to no shared draft")

// Access is what the local side needs to sync a draft: its id and the
// secret that invitees hold.
type Access struct {
	DraftID string
	Secret  []byte
	// Empty says this side holds no copy yet (joined by invite): a peer
	// that holds one sends it a snapshot instead of every change.
	Empty bool
	// Relays are the relays the draft names (multiaddrs ending in
	// /p2p/ID): nothing of it goes to any other relay.
	Relays []string
}

// NewSecret returns a fresh random draft secret.
func NewSecret() []byte {
	b := make([]byte, SecretSize)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return b
}

func mac(secret []byte, parts ...[]byte) []byte {
	h := hmac.New(sha256.New, secret)
	for _, p := range parts {
		var n [2]byte
		n[0], n[1] = byte(len(p)>>8), byte(len(p))
		h.Write(n[:]) // length prefixes keep field boundaries unambiguous
		h.Write(p)
	}
	return h.Sum(nil)
}

// sessionTag names a draft in an offer on one connection: a MAC under
// the draft's secret over the draft, who offers to whom and both sides'
// fresh nonces. Only a holder of the secret can make it or recognise it,
// and it names nothing on any other connection: a stranger who is offered
// drafts learns how many, not which, and a tag it captured is worthless
// elsewhere (issue 24, finding 4).
func sessionTag(a Access, from, to string, fromNonce, toNonce []byte) []byte {
	return mac(a.Secret, []byte("bpfdraft tag v2"), []byte(a.DraftID), []byte(from), []byte(to), fromNonce, toNonce)[:tagSize]
}

// proof binds the secret to this connection: the draft, who proves to
// whom, and both sides' fresh nonces, so a captured proof is worthless on
// any other connection.
func proof(a Access, from, to string, fromNonce, toNonce []byte) []byte {
	return mac(a.Secret, []byte("bpfdraft auth v1"), []byte(a.DraftID), []byte(from), []byte(to), fromNonce, toNonce)[:macSize]
}

func newNonce() []byte {
	b := make([]byte, nonceSize)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}
