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

	"github.com/igf-bpf/bpfdraft/sync/keyfile"
)

// PersonKeyFile is the person's signing key in the data dir: what makes
// the changes this data dir writes theirs, in every draft made with
// signatures (crdt.Signer). Losing it loses nothing written, but later
// writes come from a new person; a copy lets anyone write as them. A
// second machine is linked to it instead (device.go).
const PersonKeyFile = "person.key"

// personKeyMagic starts the file, so that a file of something else is
// reported as such rather than taken for 32 bytes of key.
var personKeyMagic = []byte("bpfdraft person key 1\n")

// ErrPersonKey says the person key file cannot be used.
var ErrPersonKey = errors.New("the person key cannot be read")

// loadPersonKey reads the data dir's person key, creating one the first
// time.
func loadPersonKey(dir string) (ed25519.PrivateKey, error) {
	path := filepath.Join(dir, PersonKeyFile)
	seed, err := readKeyFile(path, personKeyMagic, ed25519.SeedSize)
	if err == nil {
		return ed25519.NewKeyFromSeed(seed), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	seed = make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	if err := writeKeyFile(path, personKeyMagic, seed); errors.Is(err, fs.ErrExist) {
		return loadPersonKey(dir) // another process made it first
	} else if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// readKeyFile reads a key file: magic, then size bytes.
func readKeyFile(path string, magic []byte, size int) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", ErrPersonKey, err)
	}
	payload, ok := bytes.CutPrefix(b, magic)
	if !ok || len(payload) != size {
		return nil, fmt.Errorf("%w: %s is damaged or not a key (restore it from a backup of this data dir; moving it away makes a new person, whose role in each draft a co-facilitator must give again)", ErrPersonKey, path)
	}
	return payload, nil
}

// writeKeyFile writes a key file, magic then payload, once
// (sync/keyfile): an error matching fs.ErrExist says another process
// made it first.
func writeKeyFile(path string, magic, payload []byte) error {
	err := keyfile.Create(path, append(append([]byte(nil), magic...), payload...))
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %v", ErrPersonKey, err)
	}
	return err
}
