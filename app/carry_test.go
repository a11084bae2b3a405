package app

import "testing"

func TestCarryOffset(t *testing.T) {
	r := func(s string) []rune { return []rune(s) }
	for _, c := range []struct {
		old, new  string
		off, want int
	}{
		{"abc", "abc", 2, 2},
		{"abc", "xabc", 2, 3},
		{"abcdef", "abef", 3, 2},
		{"abcdef", "abXYZef", 3, 5},
		{"", "hello", 0, 0},
		{"社区🌍", "新社区🌍", 2, 3}, // code points, not bytes
	} {
		if got := CarryOffset(c.off, r(c.old), r(c.new)); got != c.want {
			t.Errorf("%q→%q offset %d: got %d, want %d", c.old, c.new, c.off, got, c.want)
		}
	}
}

func TestCarryRange(t *testing.T) {
	r := func(s string) []rune { return []rune(s) }
	for _, c := range []struct {
		old, new         string
		pos, del         int
		wantPos, wantDel int
	}{
		{"abc", "aXbc", 1, 1, 2, 1}, // text inserted at the range's start stays
		{"abc", "abYc", 1, 1, 1, 1}, // and at its end
		{"abcdef", "aXYZbcdef", 3, 2, 6, 2},
		{"abcdef", "abef", 1, 3, 1, 1}, // a co-author deleted part of it already
		{"abcdef", "abcdef", 2, 2, 2, 2},
		{"abc", "Zabc", 3, 0, 4, 0}, // an insertion point
	} {
		p, d := CarryRange(c.pos, c.del, r(c.old), r(c.new))
		if p != c.wantPos || d != c.wantDel {
			t.Errorf("%q→%q range %d+%d: got %d+%d, want %d+%d", c.old, c.new, c.pos, c.del, p, d, c.wantPos, c.wantDel)
		}
	}
}

func TestChangedRangeLast(t *testing.T) {
	r := func(s string) []rune { return []rune(s) }
	for _, c := range []struct {
		old, new    string
		first, last int
	}{
		{"xa", "xaa", 1, 2},
		{"xaa", "xa", 1, 2},
		{"abc", "abXc", 2, 2},
	} {
		p1, _, _ := ChangedRangeLast(r(c.old), r(c.new))
		p2, _, _ := ChangedRange(r(c.old), r(c.new))
		if p1 != c.first || p2 != c.last {
			t.Errorf("%q→%q: first %d, last %d; want %d, %d", c.old, c.new, p1, p2, c.first, c.last)
		}
	}
}
