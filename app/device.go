package app

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// Linking a second machine to a person. The person key never leaves the
// machine that holds it: the new machine makes a device key and shows a
// short request code (its public key); the first machine signs that key
// with the person key and shows a link code; the new machine takes it.
// Either code can be read over the phone or copied into a chat: the
// request holds nothing secret, the link is useless without the device
// key it names.
//
// Files, in the new machine's data dir (0600): device.key, the device's
// key; device.link, the person's key and signature of the device's.
// With both, the data dir writes as the linked person; its own
// person.key, if it had made one, is kept aside as person.key.replaced.

const (
	deviceKeyFile  = "device.key"
	deviceLinkFile = "device.link"
	requestPrefix  = "BPFR1"
	linkPrefix     = "BPFL1"
)

var (
	deviceKeyMagic  = []byte("bpfdraft device key 1\n")
	deviceLinkMagic = []byte("bpfdraft device link 1\n")
)

// ErrBadDeviceCode is returned for a request or link code that cannot be
// read, or that is not for this machine.
var ErrBadDeviceCode = errors.New("not a valid device code")

// DeviceStatus says how this data dir signs.
type DeviceStatus struct {
	Fingerprint string // of the person it writes as
	Linked      bool   // through a device key another machine linked
	Pending     bool   // a request was made and not yet answered
}

// Device returns how this data dir signs.
func (w *Workspace) Device() DeviceStatus {
	st := DeviceStatus{Fingerprint: w.signer.PersonID(), Linked: w.signer.Cert().Person != nil}
	if !st.Linked {
		_, err := os.Stat(filepath.Join(w.dir, deviceKeyFile))
		st.Pending = err == nil
	}
	return st
}

// RequestLink makes this machine's device key (once) and returns the
// code to give a machine that holds the person's key.
func (w *Workspace) RequestLink() (string, error) {
	key, err := readKeyFile(filepath.Join(w.dir, deviceKeyFile), deviceKeyMagic, ed25519.SeedSize)
	if errors.Is(err, fs.ErrNotExist) {
		seed := make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return "", err
		}
		if err := writeKeyFile(filepath.Join(w.dir, deviceKeyFile), deviceKeyMagic, seed); err != nil {
			return "", err
		}
		key = seed
	} else if err != nil {
		return "", err
	}
	pub := ed25519.NewKeyFromSeed(key).Public().(ed25519.PublicKey)
	return deviceCode(requestPrefix, pub), nil
}

// LinkDevice answers a request code with the person key this data dir
// holds: the code the new machine takes with AcceptLink.
func (w *Workspace) LinkDevice(request string) (string, error) {
	raw, err := parseDeviceCode(requestPrefix, request, ed25519.PublicKeySize)
	if err != nil {
		return "", err
	}
	if w.signer.Cert().Person != nil {
		return "", fmt.Errorf("%w: this machine is itself a linked device; link the new one from the machine that holds the person key", ErrBadDeviceCode)
	}
	person := w.personKey
	link := crdt.LinkDevice(person, ed25519.PublicKey(raw))
	return deviceCode(linkPrefix, append(append([]byte(nil), person.Public().(ed25519.PublicKey)...), link...)), nil
}

// AcceptLink takes a link code for this machine's device key: from the
// next start the data dir writes as the linked person. It returns that
// person's fingerprint, to compare with the one the other machine shows.
func (w *Workspace) AcceptLink(code string) (string, error) {
	raw, err := parseDeviceCode(linkPrefix, code, ed25519.PublicKeySize+ed25519.SignatureSize)
	if err != nil {
		return "", err
	}
	seed, err := readKeyFile(filepath.Join(w.dir, deviceKeyFile), deviceKeyMagic, ed25519.SeedSize)
	if err != nil {
		return "", fmt.Errorf("%w: this machine made no request (run `bpfdraft device request` first): %v", ErrBadDeviceCode, err)
	}
	person, link := ed25519.PublicKey(raw[:32]), raw[32:]
	if _, err := crdt.NewLinkedSigner(ed25519.NewKeyFromSeed(seed), person, link); err != nil {
		return "", fmt.Errorf("%w: the link is for another request, or damaged; ask for a new one with this machine's request code", ErrBadDeviceCode)
	}
	if err := writeKeyFile(filepath.Join(w.dir, deviceLinkFile), deviceLinkMagic, raw); err != nil {
		return "", err
	}
	// This machine's own person key, if it made one, is kept: what it
	// wrote stays signed by it, and nothing is lost.
	own := filepath.Join(w.dir, PersonKeyFile)
	if _, err := os.Stat(own); err == nil {
		aside := own + ".replaced-" + time.Now().UTC().Format("20060102T150405")
		if err := os.Rename(own, aside); err != nil {
			return "", err
		}
	}
	return crdt.Fingerprint(person), nil
}

// loadSigner reads how this data dir signs: a linked device key, else
// the person key (made the first time). The signer has a fresh salt, so
// this process's actor is its own.
func loadSigner(dir string) (person ed25519.PrivateKey, signer *crdt.Signer, err error) {
	seed, kerr := readKeyFile(filepath.Join(dir, deviceKeyFile), deviceKeyMagic, ed25519.SeedSize)
	raw, lerr := readKeyFile(filepath.Join(dir, deviceLinkFile), deviceLinkMagic, ed25519.PublicKeySize+ed25519.SignatureSize)
	if kerr == nil && lerr == nil {
		s, err := crdt.NewLinkedSigner(ed25519.NewKeyFromSeed(seed), raw[:32], raw[32:])
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %s does not link %s; move both away to write as a person of this machine's own", ErrPersonKey, deviceLinkFile, deviceKeyFile)
		}
		return nil, s, nil
	}
	if lerr == nil && kerr != nil {
		return nil, nil, fmt.Errorf("%w: %s is there without %s (%v); restore it from a backup, or move %s away", ErrPersonKey, deviceLinkFile, deviceKeyFile, kerr, deviceLinkFile)
	}
	key, err := loadPersonKey(dir)
	if err != nil {
		return nil, nil, err
	}
	return key, crdt.NewSigner(key), nil
}

func deviceCode(prefix string, payload []byte) string {
	sum := sha256.Sum256(append([]byte(prefix), payload...))
	return prefix + inviteEncoding.EncodeToString(append(append([]byte(nil), payload...), sum[:4]...))
}

func parseDeviceCode(prefix, code string, size int) ([]byte, error) {
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(code)))
	if !strings.HasPrefix(clean, prefix) {
		what := "a request code (" + requestPrefix + "…)"
		if prefix == linkPrefix {
			what = "a link code (" + linkPrefix + "…)"
		}
		return nil, fmt.Errorf("%w: this is not %s", ErrBadDeviceCode, what)
	}
	b, err := inviteEncoding.DecodeString(clean[len(prefix):])
	if err != nil || len(b) != size+4 {
		return nil, fmt.Errorf("%w: it is incomplete or mistyped; copy the whole code again", ErrBadDeviceCode)
	}
	sum := sha256.Sum256(append([]byte(prefix), b[:size]...))
	if !bytes.Equal(sum[:4], b[size:]) {
		return nil, fmt.Errorf("%w: it is incomplete or mistyped (checksum mismatch); copy the whole code again", ErrBadDeviceCode)
	}
	return b[:size], nil
}
