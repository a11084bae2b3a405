package crdt

// Sections are ordered by a fractional position key (a string) rather than
// by their index in an Automerge list: a list "move" is a delete plus an
// insert, so two people moving the same heading offline would duplicate
// it. With a key per section, a move is one last-writer-wins field and
// concurrent moves of one section settle on a single place.

const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 36
	}
	return 0
}

// keyBetween returns a key that sorts strictly between a and b, where ""
// stands for the start (a) or the end (b). Keys never end in '0', which
// keeps a gap below every key. It requires a < b when both are set.
func keyBetween(a, b string) string {
	if b != "" {
		n := 0
		for n < len(b) {
			ca := byte('0')
			if n < len(a) {
				ca = a[n]
			}
			if ca != b[n] {
				break
			}
			n++
		}
		if n > 0 {
			rest := ""
			if n < len(a) {
				rest = a[n:]
			}
			return b[:n] + keyBetween(rest, b[n:])
		}
	}
	da := 0
	if a != "" {
		da = digitValue(a[0])
	}
	db := len(digits)
	if b != "" {
		db = digitValue(b[0])
	}
	if db-da > 1 {
		return string(digits[(da+db)/2])
	}
	if b != "" && len(b) > 1 {
		return b[:1]
	}
	rest := ""
	if len(a) > 1 {
		rest = a[1:]
	}
	return string(digits[da]) + keyBetween(rest, "")
}

// spreadKeys returns n increasing keys, used to renumber when concurrent
// inserts left two sections with the same key.
func spreadKeys(n int) []string {
	keys := make([]string, n)
	prev := ""
	for i := range keys {
		prev = keyBetween(prev, "")
		keys[i] = prev
	}
	return keys
}
