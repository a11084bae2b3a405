// Package draftkey derives what a draft's secret stands for on the way
// through a relay, and seals what a relay keeps.
//
// A relay is run by whoever a Best Practice Forum finds, so it never gets
// the secret. From the secret, HKDF derives two keys that cannot be
// computed from each other: a content key (XChaCha20-Poly1305) under
// which peers encrypt every blob the relay stores and forwards, and an
// ed25519 access key whose public half the relay keeps to check that a
// peer holds the secret. The relay so checks access without being able
// to read, write or prove access itself.
//
// The blobs of one draft at one relay form a chain: blob n is sealed
// with its place n and the chain value of the blobs before it as
// associated data, and the chain value after it hashes that value with
// the blob. A relay that alters, drops, reorders or replays a blob, or
// serves one draft's blobs as another's, hands peers a blob that does not
// open.
package draftkey

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// Keys are the keys one draft secret stands for.
type Keys struct {
	draftID string
	content []byte
	access  ed25519.PrivateKey
}

// ErrOpen is returned for a blob that does not open: altered, out of its
// place, of another draft, or sealed under another secret.
var ErrOpen = errors.New("blob does not open")

// Derive returns the keys of a draft's secret. Each key comes from its own
// HKDF expansion, with the draft id in its label, so that one draft's keys
// say nothing of another's, nor the access key of the content key.
func Derive(draftID string, secret []byte) (*Keys, error) {
	if len(secret) < 16 {
		return nil, fmt.Errorf("draft secret of %d bytes is too short", len(secret))
	}
	content, err := hkdf.Key(sha256.New, secret, nil, "bpfdraft content v1 "+draftID, chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	seed, err := hkdf.Key(sha256.New, secret, nil, "bpfdraft relay access v1 "+draftID, ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return &Keys{draftID: draftID, content: content, access: ed25519.NewKeyFromSeed(seed)}, nil
}

// DraftID returns the draft the keys are of.
func (k *Keys) DraftID() string { return k.draftID }

// AccessKey returns the public half of the access key: what a relay keeps.
func (k *Keys) AccessKey() ed25519.PublicKey { return k.access.Public().(ed25519.PublicKey) }

// SignAccess signs msg with the access key.
func (k *Keys) SignAccess(msg []byte) []byte { return ed25519.Sign(k.access, msg) }

// VerifyAccess checks a signature made with SignAccess against the public
// access key a relay keeps. A key of the wrong size verifies nothing.
func VerifyAccess(key ed25519.PublicKey, msg, sig []byte) bool {
	return len(key) == ed25519.PublicKeySize && len(sig) == ed25519.SignatureSize && ed25519.Verify(key, msg, sig)
}

// OpenMessage is what a peer signs to open a draft at a relay: the draft,
// both sides' peer ids and both sides' fresh nonces, so that a signature
// is worth nothing on any other connection, to any other relay.
func OpenMessage(draftID, peer, relay string, peerNonce, relayNonce []byte) []byte {
	return fields("bpfdraft relay open v1", draftID, peer, relay, string(peerNonce), string(relayNonce))
}

// RotateMessage is what the holder of a draft's current access key signs
// to hand the draft to a new one.
func RotateMessage(draftID string, newKey ed25519.PublicKey) []byte {
	return fields("bpfdraft relay rotate v1", draftID, string(newKey))
}

func fields(parts ...string) []byte {
	var b []byte
	for _, p := range parts {
		b = binary.AppendUvarint(b, uint64(len(p))) // keeps field boundaries unambiguous
		b = append(b, p...)
	}
	return b
}

// Chain is the value of a draft's blobs up to one place at a relay.
type Chain [32]byte

// Start is the chain value before a draft's first blob.
func Start(draftID string) Chain {
	return sha256.Sum256(fields("bpfdraft chain v1", draftID))
}

// Next is the chain value after blob, stored at the place after c.
func (c Chain) Next(blob []byte) Chain {
	h := sha256.New()
	h.Write([]byte("bpfdraft chain v1 next"))
	h.Write(c[:])
	h.Write(blob)
	var out Chain
	h.Sum(out[:0])
	return out
}

// Overhead is what sealing adds to a plaintext: the nonce's random part
// and the tag.
const Overhead = nonceRandom + chacha20poly1305.Overhead

// nonceRandom is how much of XChaCha20's 24-byte nonce is random and
// travels; the rest is zero. 128 random bits make a repeat under one key
// unlikely until some 2^64 seals (the birthday bound), far beyond what a
// draft sees, and spare 8 bytes of every blob on slow links.
const nonceRandom = 16

// Kinds of sealed data, bound into what each seals so that no kind passes
// for another.
const (
	kindBlob      = 1 // a blob in its place in the chain
	kindSnapshot  = 2 // a whole draft standing for the blobs up to a place
	kindEphemeral = 3 // presence and typing previews, never stored
)

func (k *Keys) ad(kind byte, seq uint64, c *Chain) []byte {
	b := fields("bpfdraft sealed v1", k.draftID)
	b = append(b, kind)
	b = binary.BigEndian.AppendUint64(b, seq)
	if c != nil {
		b = append(b, c[:]...)
	}
	return b
}

func (k *Keys) seal(plain, ad []byte) []byte {
	aead, err := chacha20poly1305.NewX(k.content)
	if err != nil {
		panic(err) // the key has the right size by construction
	}
	var nonce [chacha20poly1305.NonceSizeX]byte
	if _, err := rand.Read(nonce[:nonceRandom]); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	out := make([]byte, nonceRandom, nonceRandom+len(plain)+chacha20poly1305.Overhead)
	copy(out, nonce[:nonceRandom])
	return aead.Seal(out, nonce[:], plain, ad)
}

func (k *Keys) open(sealed, ad []byte) ([]byte, error) {
	if len(sealed) < Overhead {
		return nil, ErrOpen
	}
	aead, err := chacha20poly1305.NewX(k.content)
	if err != nil {
		panic(err)
	}
	var nonce [chacha20poly1305.NonceSizeX]byte
	copy(nonce[:], sealed[:nonceRandom])
	plain, err := aead.Open(nil, nonce[:], sealed[nonceRandom:], ad)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// SealBlob seals plain as the blob at place seq, after the blobs whose
// chain value is prev.
func (k *Keys) SealBlob(seq uint64, prev Chain, plain []byte) []byte {
	return k.seal(plain, k.ad(kindBlob, seq, &prev))
}

// OpenBlob opens the blob at place seq after prev.
func (k *Keys) OpenBlob(seq uint64, prev Chain, blob []byte) ([]byte, error) {
	return k.open(blob, k.ad(kindBlob, seq, &prev))
}

// SealSnapshot seals a whole draft standing for the blobs up to seq, whose
// chain value is c: a reader that starts there goes on from c.
func (k *Keys) SealSnapshot(seq uint64, c Chain, plain []byte) []byte {
	return k.seal(append(c[:len(c):len(c)], plain...), k.ad(kindSnapshot, seq, nil))
}

// OpenSnapshot opens a snapshot standing for the blobs up to seq and
// returns the chain value it goes on from.
func (k *Keys) OpenSnapshot(seq uint64, sealed []byte) (Chain, []byte, error) {
	plain, err := k.open(sealed, k.ad(kindSnapshot, seq, nil))
	if err != nil || len(plain) < len(Chain{}) {
		return Chain{}, nil, ErrOpen
	}
	var c Chain
	copy(c[:], plain)
	return c, plain[len(c):], nil
}

// SealEphemeral seals what a relay passes on without keeping (who is in
// the draft, typing not yet committed).
func (k *Keys) SealEphemeral(plain []byte) []byte { return k.seal(plain, k.ad(kindEphemeral, 0, nil)) }

// OpenEphemeral opens what SealEphemeral sealed.
func (k *Keys) OpenEphemeral(sealed []byte) ([]byte, error) {
	return k.open(sealed, k.ad(kindEphemeral, 0, nil))
}
