// Package localeenv makes the "C.UTF-8" locale of servers and containers
// read as plain "C" before Fyne's language support starts. Fyne looks the
// locale up while its packages initialise, before main runs, and cannot
// parse "C" out of "C.UTF-8": every command, even `bpfdraft list`,
// printed three lines of "Fyne error" on such machines. As plain "C",
// Fyne falls back to English quietly.
//
// bpfdraft imports it for its side effect, and Go initialises it before
// Fyne's language package: packages are initialised in import path order
// among those whose imports are ready, and this one needs only os and
// strings, which are ready long before golang.org/x/text, which Fyne's
// language package waits for.
package localeenv

import (
	"os"
	"strings"
)

func init() { Clean() }

// Clean sets the first locale variable that decides the messages'
// language (LC_ALL, LC_MESSAGES, then LANG) to "C" when it names the C or
// POSIX locale with an encoding ("C.UTF-8", "POSIX.utf8").
func Clean() {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		base, _, _ := strings.Cut(v, ".")
		if v != base && (base == "C" || base == "POSIX") {
			os.Setenv(name, "C")
		}
		return
	}
}
