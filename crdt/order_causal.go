package crdt

// Which of two entries in a journal decides, when both speak of one
// thing (a comment's status, its response): the one written knowing the
// other. Clocks cannot say: a change's time is whatever its writer's
// clock read, and a clock set ahead would always win. Between entries
// written apart, neither knowing the other, every peer must still pick
// the same one, from nothing but the changes: the change with the
// greater hash, which no writer can choose without grinding hashes and
// which no peer sees differently.

// Precedes reports whether change a is in change b's causal past (b was
// made by someone who had a).
func (l *Ledger) Precedes(a, b ChangeRef) bool {
	if a == b || a < 0 || b < 0 || int(a) >= len(l.changes) || int(b) >= len(l.changes) {
		return false
	}
	// The ledger adds a change only after its dependencies, so every
	// ancestor of b has a smaller ref: the walk stops below a.
	if a > b {
		return false
	}
	seen := map[ChangeRef]bool{b: true}
	stack := []ChangeRef{b}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, d := range l.changes[c].Deps {
			if d == a {
				return true
			}
			if d > a && !seen[d] {
				seen[d] = true
				stack = append(stack, d)
			}
		}
	}
	return false
}

// Latest returns which of several entries about one thing decides (its
// index in refs, -1 for none): of those no other was written knowing
// (made in the past of another's change), the one whose change has the
// greatest hash; of several entries of that one change, the last.
// Asking of two entries at a time, in the order they arrived, is not enough:
// with an entry made apart from two others that follow one another, the
// answer would depend on that order.
func (l *Ledger) Latest(refs []ChangeRef) int {
	best := -1
	for i, a := range refs {
		known := false
		for _, b := range refs {
			if l.Precedes(a, b) {
				known = true
				break
			}
		}
		if known {
			continue
		}
		if best < 0 || l.changes[a].Hash >= l.changes[refs[best]].Hash {
			best = i
		}
	}
	return best
}
