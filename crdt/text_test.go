package crdt

import (
	"math/rand"
	"strings"
	"testing"
)

// apply replays splices on s the way Automerge would, in code points.
func apply(s string, sp []Splice) string {
	r := []rune(s)
	for _, x := range sp {
		r = append(r[:x.Pos], append([]rune(x.Insert), r[x.Pos+x.Del:]...)...)
	}
	return string(r)
}

func TestDiff(t *testing.T) {
	cases := []struct{ old, new string }{
		{"", "abc"},
		{"abc", ""},
		{"same", "same"},
		{"one\ntwo\nthree\n", "one\n2\nthree\n"},
		{"a\nb\nc\nd\n", "A\nb\nc\nD\n"},
		{"😀 line\nمرحبا\n", "😀 line!\nمرحبا بكم\n"},
		{"no newline", "no new line"},
		{"x\n", "x\ny\n"},
	}
	for _, c := range cases {
		sp := Diff(c.old, c.new)
		if got := apply(c.old, sp); got != c.new {
			t.Errorf("Diff(%q, %q) = %+v gives %q", c.old, c.new, sp, got)
		}
	}
	// Two separate edits become two splices, leaving the middle alone.
	sp := Diff("a\nb\nc\nd\n", "A\nb\nc\nD\n")
	if len(sp) != 2 || sp[0].Del != 1 || sp[1].Del != 1 {
		t.Errorf("Diff of two line edits = %+v, want two one-character splices", sp)
	}
	rng := rand.New(rand.NewSource(1))
	words := []string{"a", "b", "é", "😀", "\n", " ", "世界", "\u0301"}
	gen := func() string {
		var b strings.Builder
		for n := rng.Intn(30); n > 0; n-- {
			b.WriteString(words[rng.Intn(len(words))])
		}
		return b.String()
	}
	for i := 0; i < 2000; i++ {
		o, n := gen(), gen()
		if got := apply(o, Diff(o, n)); got != n {
			t.Fatalf("Diff(%q, %q) gives %q", o, n, got)
		}
	}
}

func TestKeyBetween(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	keys := []string{keyBetween("", "")}
	for i := 0; i < 3000; i++ {
		at := rng.Intn(len(keys) + 1)
		lo, hi := "", ""
		if at > 0 {
			lo = keys[at-1]
		}
		if at < len(keys) {
			hi = keys[at]
		}
		k := keyBetween(lo, hi)
		if !(lo < k) && lo != "" || hi != "" && !(k < hi) || strings.HasSuffix(k, "0") {
			t.Fatalf("keyBetween(%q, %q) = %q", lo, hi, k)
		}
		keys = append(keys[:at], append([]string{k}, keys[at:]...)...)
	}
	sp := spreadKeys(20)
	for i := 1; i < len(sp); i++ {
		if sp[i-1] >= sp[i] {
			t.Fatalf("spreadKeys not increasing: %v", sp)
		}
	}
}
