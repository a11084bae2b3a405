package app

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// PersonKeyFile is the person's signing key in the data dir: what makes
// the changes this data dir writes theirs, in every draft made with
// signatures (crdt.Signer). Losing it loses nothing written, but later
// writes come from a new person; a copy lets anyone write as them.
const PersonKeyFile = "person.key"

// personKeyMagic starts the file, so that a file of something else is
// reported as such rather than taken for 32 bytes of key.
var personKeyMagic = []byte("bpfdraft person key 1\n")

// ErrPersonKey says the person key file cannot be used.
var ErrPersonKey = errors.New("the person key cannot be read")

// loadPersonKey reads the data dir's person key, creating one the first
// time. The file is written whole to a temporary name, synced and
// renamed, so a crash never leaves half a key; it is the owner's alone
// (0600).
func loadPersonKey(dir string) (ed25519.PrivateKey, error) {
	path := filepath.Join(dir, PersonKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		seed, ok := bytes.CutPrefix(b, personKeyMagic)
		if !ok || len(seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("%w: %s is damaged or not a key (restore it from a backup of this data dir; moving it away makes a new person, whose role in each draft a co-facilitator must give again)", ErrPersonKey, path)
		}
		return ed25519.NewKeyFromSeed(seed), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %v", ErrPersonKey, err)
	}
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, ".person.key-*")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPersonKey, err)
	}
	defer os.Remove(tmp.Name())
	tmp.Chmod(0o600)
	if _, err := tmp.Write(append(append([]byte(nil), personKeyMagic...), seed...)); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("%w: %v", ErrPersonKey, err)
	}
	if err := errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPersonKey, err)
	}
	// Link, not rename: two processes starting at once on a new data dir
	// must agree on one key, and a link fails where a file exists.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return loadPersonKey(dir)
		}
		return nil, fmt.Errorf("%w: %v", ErrPersonKey, err)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}
