package app

// An edit is computed against the text its author last saw. When other
// edits reached the section meanwhile, its offsets are carried through
// them, as a caret is: the change between the two texts is found as one
// replaced range (common prefix and suffix), in code points, which is
// also how Fyne's entry counts its caret.

// ChangedRange returns where old and new differ: from pos, del code
// points of old became ins code points of new.
func ChangedRange(old, new []rune) (pos, del, ins int) {
	for pos < len(old) && pos < len(new) && old[pos] == new[pos] {
		pos++
	}
	end := 0
	for end < len(old)-pos && end < len(new)-pos && old[len(old)-1-end] == new[len(new)-1-end] {
		end++
	}
	return pos, len(old) - pos - end, len(new) - pos - end
}

// ChangedRangeLast is ChangedRange with the common suffix taken first:
// where repeated characters make the change's place ambiguous ("xa" to
// "xaa" inserts an "a" at 1 or at 2), ChangedRange gives the last place
// and this the first.
func ChangedRangeLast(old, new []rune) (pos, del, ins int) {
	end := 0
	for end < len(old) && end < len(new) && old[len(old)-1-end] == new[len(new)-1-end] {
		end++
	}
	for pos < len(old)-end && pos < len(new)-end && old[pos] == new[pos] {
		pos++
	}
	return pos, len(old) - pos - end, len(new) - pos - end
}

// CarryOffset carries an offset in old to the same place in new. An
// offset before the change (or exactly where text was inserted) stays;
// one after it moves by the change's length; one inside text that was
// replaced goes to the end of the replacement, which is where typing
// there would have continued.
func CarryOffset(off int, old, new []rune) int {
	pos, del, ins := ChangedRange(old, new)
	switch {
	case off <= pos:
		return off
	case off >= pos+del:
		return off - del + ins
	default:
		return pos + ins
	}
}

// CarryRange carries the range of del code points at pos from old to new.
// Text inserted right at the range's start is left outside it: a
// deletion takes only what its author saw.
func CarryRange(pos, del int, old, new []rune) (int, int) {
	if del == 0 {
		return CarryOffset(pos, old, new), 0
	}
	cp, cdel, cins := ChangedRange(old, new)
	start := CarryOffset(pos, old, new)
	if pos == cp && cdel == 0 {
		start = pos + cins
	}
	end := CarryOffset(pos+del, old, new)
	return start, max(end-start, 0)
}
