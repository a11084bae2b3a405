package crdt

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Titles, headings, hints, themes and names are one line of text: no line
// breaks, no control characters, at most MaxLine characters. A co-author's
// text is not trusted to keep that rule (a heading renamed to
// "evil\x1b]0;pwned\x07" would drive the reader's terminal, a title with
// line breaks broke every table, a title of 10 KB padded every row), so
// it is applied twice: to what this side writes (refused, with the
// reason) and to what is read from any copy (cleaned), the same rules for
// text typed here and text that came by sync or import. Body text keeps
// its line breaks and tabs; other control characters are dropped from
// what this side writes (CleanBody) and escaped where text is printed.

// MaxLine bounds a one-line field, in characters.
const MaxLine = 300

// Control reports the characters a line or a body must not hold, and a
// terminal must not be sent: C0 and C1 controls, DEL, and the
// bidirectional overrides and isolates that can make text read other than
// it is stored.
func Control(r rune) bool {
	return unicode.IsControl(r) || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// cleanLine makes s one line: line breaks and tabs become spaces, other
// control characters go, and past MaxLine characters it is cut with an
// ellipsis.
func cleanLine(s string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || r == 0x2028 || r == 0x2029:
			return ' '
		case Control(r):
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(clean) > MaxLine {
		clean = string([]rune(clean)[:MaxLine-1]) + "…"
	}
	return clean
}

// checkLine refuses what a one-line field must not hold; what names the
// field ("a title").
func checkLine(what, s string) error {
	if !utf8.ValidString(s) {
		return ErrInvalidText
	}
	if n := utf8.RuneCountInString(s); n > MaxLine {
		return fmt.Errorf("%w: %s is at most %d characters (this one has %d); put the rest in the text", ErrInvalid, what, MaxLine, n)
	}
	for _, r := range s {
		if r == '\n' || r == '\r' || r == 0x2028 || r == 0x2029 {
			return fmt.Errorf("%w: %s is one line, without line breaks", ErrInvalid, what)
		}
		if Control(r) && r != '\t' {
			return fmt.Errorf("%w: %s holds a control character (%U), which is not text", ErrInvalid, what, r)
		}
	}
	return nil
}

// CleanBody drops the control characters a body must not hold, keeping
// line breaks and tabs (a CR becomes a line break).
func CleanBody(s string) string {
	if !strings.ContainsFunc(s, Control) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case Control(r):
			return -1
		}
		return r
	}, s)
}
