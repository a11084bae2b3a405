// Package keyfile writes small secret files (keys, links) so that they
// are whole or absent after a crash and the owner's alone: written in
// full and synced under a temporary name, made 0600, then linked into
// place. A link fails where a file exists, so when two processes of one
// data dir make a key at once, the first one's is everyone's.
package keyfile

import (
	"errors"
	"os"
	"path/filepath"
)

// Create writes data to path, which must not exist yet: it returns an
// error matching fs.ErrExist when another process made it first.
func Create(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // the new name itself survives a crash
		d.Close()
	}
	return nil
}
