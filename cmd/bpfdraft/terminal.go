package main

import (
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// Text from a draft is a co-author's, and a co-author may be hostile: a
// heading named "evil\x1b]0;pwned\x07" set the reader's terminal title,
// and worse sequences exist. Everything a command prints as text goes
// through terminalText, which shows control characters (other than line
// breaks and tabs) as ^X or <U+XXXX> instead of sending them, and bytes
// that are not UTF-8 as \xNN. Output a command writes as a file (export
// to standard output) is left alone.

// terminalText escapes what a terminal would act on.
type terminalText struct {
	w     io.Writer
	carry []byte // the start of a character cut between two writes
}

func (t *terminalText) Write(p []byte) (int, error) {
	data := append(t.carry, p...)
	t.carry = nil
	// Keep an incomplete character at the end for the next write.
	for i := len(data) - 1; i >= 0 && i >= len(data)-utf8.UTFMax; i-- {
		if utf8.RuneStart(data[i]) {
			if !utf8.FullRune(data[i:]) {
				t.carry = append([]byte(nil), data[i:]...)
				data = data[:i]
			}
			break
		}
	}
	if _, err := t.w.Write(escapeTerminal(data)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what an incomplete character left, escaped.
func (t *terminalText) Flush() error {
	if len(t.carry) == 0 {
		return nil
	}
	_, err := t.w.Write(escapeTerminal(t.carry))
	t.carry = nil
	return err
}

func escapeTerminal(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n == 1:
			out = fmt.Appendf(out, `\x%02x`, b[0])
		case r == '\n' || r == '\t':
			out = append(out, b[:n]...)
		case r < 0x20:
			out = append(out, '^', byte(r+'@'))
		case r == 0x7f:
			out = append(out, '^', '?')
		case crdt.Control(r):
			out = fmt.Appendf(out, "<U+%04X>", r)
		default:
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}
