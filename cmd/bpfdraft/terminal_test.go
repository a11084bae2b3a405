package main

import (
	"strings"
	"testing"
)

// TestTerminalTextAcrossWrites: a character cut between two writes is
// kept whole, escapes are escaped whatever the cut, and bytes that are not
// UTF-8 show as \xNN.
func TestTerminalTextAcrossWrites(t *testing.T) {
	in := "é\x1b[1mδ\u202e\x7f\n\tok\xff"
	var b strings.Builder
	w := &terminalText{w: &b}
	for i := 0; i < len(in); i++ {
		w.Write([]byte{in[i]})
	}
	w.Flush()
	if got, want := b.String(), "é^[[1mδ<U+202E>^?\n\tok\\xff"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
