package app

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// MaxDraftText bounds a draft's text, all headings together, in
// characters. Automerge keeps every character as an operation: loading
// a draft costs about 4.4 µs and 0.8 KB per character in the pinned
// Automerge core, whatever this app does around it (docs/BENCHMARKS.md,
// "Big drafts"). At this size a draft opens within a second and 300 MB
// on a modest machine; an output of eighty pages holds about 200,000
// characters. What goes beyond (survey data, a long annex) belongs in a
// draft of its own, linked from this one.
const MaxDraftText = 200_000

// MaxImportOperations bounds the operations an imported file may hold:
// every character ever typed in the draft, deleted ones too. Loading one
// costs about 5 µs and up to 0.9 KB in the pinned Automerge core, so an
// import is refused before it is loaded when it would take more than
// about five seconds and a gigabyte. A draft whose history is that long
// comes by sync instead, change by change.
const MaxImportOperations = 1 << 20

// ErrTooLarge says a write or an import would take a draft past
// MaxDraftText or MaxImportOperations; nothing was changed.
var ErrTooLarge = errors.New("too large for one draft")

func tooLarge(n int) error {
	return fmt.Errorf("%w: it would hold %d characters, over the %d one draft keeps (beyond that, every change to it takes seconds and hundreds of megabytes); put the annex in a draft of its own and link to it; nothing was changed", ErrTooLarge, n, MaxDraftText)
}

// textLength counts the characters of a draft's text: its headings'
// bodies and the cover summary.
func textLength(secs []crdt.Section, cover string) int {
	n := utf8.RuneCountInString(cover)
	for _, s := range secs {
		n += utf8.RuneCountInString(s.Body)
	}
	return n
}

// checkGrowth refuses a change that takes the draft's text from was to
// now characters past the limit; a change that shrinks it, or stays
// within it, passes (a draft already over it can still be cut down).
func checkGrowth(was, now int) error {
	if now > MaxDraftText && now > was {
		return tooLarge(now)
	}
	return nil
}
