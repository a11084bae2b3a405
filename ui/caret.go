package ui

// Remote text replaces what an entry shows, but the person typing must
// stay where they were: their caret is carried through the change. The
// change is found as one replaced range (common prefix and suffix), in
// code points, as the entry counts its caret.

// changedRange returns where old and new differ: from pos, del code
// points of old became ins code points of new.
func changedRange(old, new []rune) (pos, del, ins int) {
	for pos < len(old) && pos < len(new) && old[pos] == new[pos] {
		pos++
	}
	end := 0
	for end < len(old)-pos && end < len(new)-pos && old[len(old)-1-end] == new[len(new)-1-end] {
		end++
	}
	return pos, len(old) - pos - end, len(new) - pos - end
}

// mapCaret carries a caret offset in old to the same place in new. A
// caret before the change (or exactly where text was inserted) stays; one
// after it moves by the change's length; one inside text that was
// replaced goes to the end of the replacement, which is where typing
// there would have continued.
func mapCaret(caret int, old, new []rune) int {
	pos, del, ins := changedRange(old, new)
	switch {
	case caret <= pos:
		return caret
	case caret >= pos+del:
		return caret - del + ins
	default:
		return pos + ins
	}
}
