package app

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// DataDirEnv names the environment variable that overrides the data dir.
const DataDirEnv = "BPFDRAFT_DATA"

// DefaultDataDir returns where drafts live when no --data flag is given:
// $BPFDRAFT_DATA, else the OS user data dir ($XDG_DATA_HOME or
// ~/.local/share on Linux, ~/Library/Application Support on macOS).
func DefaultDataDir() (string, error) {
	if d := os.Getenv(DataDirEnv); d != "" {
		return d, nil
	}
	switch runtime.GOOS {
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "Library", "Application Support", "BPF Draft"), nil
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "BPF Draft"), nil
		}
		return "", errors.New("LocalAppData is not set; pass --data DIR")
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "bpfdraft"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", errors.New("no home directory; pass --data DIR or set " + DataDirEnv)
	}
	return filepath.Join(home, ".local", "share", "bpfdraft"), nil
}
