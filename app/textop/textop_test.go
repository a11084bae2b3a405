package textop

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// randomText draws from few letters, so that repeats (where diffs and
// carets go wrong) are common.
func randomText(r *rand.Rand, n int) []rune {
	letters := []rune("aab \néé😀")
	out := make([]rune, n)
	for i := range out {
		out[i] = letters[r.IntN(len(letters))]
	}
	return out
}

// randomOp makes an edit of a text of n code points from a few splices.
func randomOp(r *rand.Rand, n int) Op {
	op := Identity(n)
	for range r.IntN(4) {
		cur := op.TargetLen()
		pos := r.IntN(cur + 1)
		del := 0
		if cur > pos && r.IntN(2) == 0 {
			del = r.IntN(min(cur-pos, 5) + 1)
		}
		s, err := Splice(cur, pos, del, string(randomText(r, r.IntN(4))))
		if err != nil {
			panic(err)
		}
		if op, err = Compose(op, s); err != nil {
			panic(err)
		}
	}
	return op
}

func mustApply(t *testing.T, o Op, text []rune) []rune {
	t.Helper()
	out, err := o.Apply(text)
	if err != nil {
		t.Fatalf("apply %v to %q: %v", o, string(text), err)
	}
	return out
}

func TestSpliceApplyAndSplices(t *testing.T) {
	o, err := Splice(5, 1, 2, "XY")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(mustApply(t, o, []rune("abcde"))); got != "aXYde" {
		t.Fatalf("got %q", got)
	}
	if _, err := Splice(5, 4, 2, ""); err == nil {
		t.Fatal("a splice past the end must be refused")
	}
	if _, err := o.Apply([]rune("abc")); err == nil {
		t.Fatal("applying to a text of another length must fail")
	}
	sp := o.Splices()
	if len(sp) != 1 || sp[0] != (SpliceAt{Pos: 1, Del: 2, Insert: "XY"}) {
		t.Fatalf("splices %+v", sp)
	}
}

func TestComposeTransformProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		text := randomText(r, r.IntN(12))
		a, b := randomOp(r, len(text)), randomOp(r, len(text))
		// Compose: a then b2 equals the composition applied at once.
		afterA := mustApply(t, a, text)
		c := randomOp(r, len(afterA))
		ac, err := Compose(a, c)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := string(mustApply(t, ac, text)), string(mustApply(t, c, afterA)); got != want {
			t.Fatalf("#%d compose: %q, want %q (a %v, c %v)", i, got, want, a, c)
		}
		// Transform: both orders converge.
		a2, b2, err := Transform(a, b)
		if err != nil {
			t.Fatal(err)
		}
		x := mustApply(t, b2, mustApply(t, a, text))
		y := mustApply(t, a2, mustApply(t, b, text))
		if string(x) != string(y) {
			t.Fatalf("#%d transform diverges: %q vs %q (text %q, a %v, b %v)", i, string(x), string(y), string(text), a, b)
		}
		// Splices replay the op.
		cur := string(text)
		for _, s := range a.Splices() {
			rs := []rune(cur)
			cur = string(rs[:s.Pos]) + s.Insert + string(rs[s.Pos+s.Del:])
		}
		if cur != string(afterA) {
			t.Fatalf("#%d splices give %q, op %q", i, cur, string(afterA))
		}
	}
}

func TestTransformPutsFirstOperandFirst(t *testing.T) {
	a, _ := Splice(3, 1, 0, "A")
	b, _ := Splice(3, 1, 0, "B")
	a2, b2, err := Transform(a, b)
	if err != nil {
		t.Fatal(err)
	}
	x := mustApply(t, b2, mustApply(t, a, []rune("xyz")))
	y := mustApply(t, a2, mustApply(t, b, []rune("xyz")))
	if string(x) != "xAByz" || string(y) != "xAByz" {
		t.Fatalf("got %q and %q, want xAByz", string(x), string(y))
	}
}

func TestDiffIsExactAndMinimal(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 5000 {
		old := randomText(r, r.IntN(40))
		op := randomOp(r, len(old))
		new := mustApply(t, op, old)
		d := Diff(old, new)
		if got := string(mustApply(t, d, old)); got != string(new) {
			t.Fatalf("#%d diff of %q to %q gives %q", i, string(old), string(new), got)
		}
		if changed(d) > changed(op) {
			t.Fatalf("#%d diff %v changes more than the edit %v", i, d, op)
		}
	}
}

// changed counts code points removed and inserted.
func changed(o Op) int {
	n := 0
	for _, p := range o.parts {
		if p.kind != keep {
			n += p.size()
		}
	}
	return n
}

// The case from issue 10: a co-author changes "The" to "A" and appends a
// sentence in one refresh. A caret before "brown" stays before it.
func TestCaretBetweenTwoRemoteEdits(t *testing.T) {
	old := []rune("The quick brown fox jumps.")
	new := []rune("A quick brown fox jumps. Then it slept.")
	d := Diff(old, new)
	caret := strings.Index(string(old), "brown")
	got := d.Map(caret, false)
	if want := strings.Index(string(new), "brown"); got != want {
		t.Fatalf("caret went to %d (%q), want %d; diff %v", got, string(new[got:]), want, d)
	}
	// A keystroke made against the old text lands there too.
	x, _ := Splice(len(old), caret, 0, "X")
	x2, _, err := Transform(x, d)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(mustApply(t, x2, new)); got != "A quick Xbrown fox jumps. Then it slept." {
		t.Fatalf("keystroke landed as %q", got)
	}
}

func TestMap(t *testing.T) {
	// "abcdef" → "aXdef" (bc replaced by X) and "!" inserted at 5.
	o := Identity(0)
	o.keep(1)
	o.insert([]rune("X"))
	o.remove(2)
	o.keep(2)
	o.insert([]rune("!"))
	o.keep(1)
	if got := string(mustApply(t, o, []rune("abcdef"))); got != "aXde!f" {
		t.Fatalf("op gives %q", got)
	}
	for _, c := range []struct {
		pos   int
		after bool
		want  int
	}{
		{0, false, 0}, {1, false, 1}, {1, true, 2}, {2, false, 2}, {3, false, 2},
		{4, false, 3}, {5, false, 4}, {5, true, 5}, {6, false, 6},
	} {
		if got := o.Map(c.pos, c.after); got != c.want {
			t.Errorf("Map(%d, %v) = %d, want %d", c.pos, c.after, got, c.want)
		}
	}
}

func TestDiffBoundedOnHugeChanges(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	old := randomText(r, 60000)
	new := randomText(r, 60000)
	d := Diff(old, new)
	if got := string(mustApply(t, d, old)); got != string(new) {
		t.Fatal("huge diff is not exact")
	}
}

func TestChangedRange(t *testing.T) {
	for _, c := range []struct {
		old, new      string
		pos, del, ins int
	}{
		{"abc", "abc", 3, 0, 0},
		{"abc", "aXbc", 1, 0, 1},
		{"abcdef", "abef", 2, 2, 0},
		{"社区🌍", "社X🌍", 1, 1, 1}, // code points, not bytes
		{"xa", "xaa", 2, 0, 1},  // the last place repeated letters allow
	} {
		pos, del, ins := ChangedRange([]rune(c.old), []rune(c.new))
		if pos != c.pos || del != c.del || ins != c.ins {
			t.Errorf("%q→%q: %d,%d,%d, want %d,%d,%d", c.old, c.new, pos, del, ins, c.pos, c.del, c.ins)
		}
	}
}

func TestDiffPlacesEditsWhereAPersonReadsThem(t *testing.T) {
	o := DiffStrings("Access is a right.\n\nIt needs work.", "Access is a human right.\n\nIt needs work. Much work.\n\nNew idea.")
	var got []string
	for _, sp := range o.Splices() {
		got = append(got, sp.Insert)
	}
	if len(got) != 2 || got[0] != "human " || got[1] != " Much work.\n\nNew idea." {
		t.Errorf("insertions %q", got)
	}
	o = DiffStrings("one two two three", "one two three")
	if sp := o.Splices(); len(sp) != 1 || sp[0].Pos != 8 || sp[0].Del != 4 {
		t.Errorf("removal %+v", sp)
	}
}

// TestDiffOfManyEditsInOneParagraph: co-authors' additions at many places
// in one long paragraph (more differences than the code-point bound, no
// line in common) once made Diff call itself with the same texts for
// ever; a sync of the chaos run hung on it. Words are compared instead,
// keeping the old text.
func TestDiffOfManyEditsInOneParagraph(t *testing.T) {
	var old, new strings.Builder
	for i := range 15 {
		fmt.Fprintf(&new, " <p2.%04d> <p1.%04d> <p1.%04d>", 1000+i, 2000+i, 3000+i)
		for j := range 4 {
			fmt.Fprintf(&new, " <p0.%04d>", 4000+4*i+j)
		}
		fmt.Fprintf(&old, " <p2.%04d>", 1000+i)
	}
	fmt.Fprintf(&new, " <p1.9999>")
	// Starts and ends differ, so nothing is trimmed before the bound.
	o, n := []rune("x"+old.String()), []rune("y"+new.String())
	d := Diff(o, n)
	if got := string(mustApply(t, d, o)); got != string(n) {
		t.Fatalf("diff gives %q", got)
	}
	if c, whole := changed(d), len(o)+len(n); c >= whole-100 {
		t.Fatalf("the diff replaces nearly everything (%d of %d code points changed): %v", c, whole, d)
	}

	// Random paragraphs (no newline) edited at 40 places by 60 code
	// points: more than a thousand differences, each diff exact.
	r := rand.New(rand.NewPCG(5, 6))
	word := func() string { return []string{"the ", "forum ", "a ", "best ", "practice ", "aa "}[r.IntN(6)] }
	for i := range 20 {
		var b strings.Builder
		for range 100 + r.IntN(200) {
			b.WriteString(word())
		}
		base, after := []rune(b.String()), []rune(b.String())
		for range 40 {
			var ins strings.Builder
			for ins.Len() < 60 {
				ins.WriteString(word())
			}
			at := r.IntN(len(after) + 1)
			del := min(r.IntN(8), len(after)-at)
			after = slices.Concat(after[:at], []rune(ins.String()), after[at+del:])
		}
		if got := string(mustApply(t, Diff(base, after), base)); got != string(after) {
			t.Fatalf("#%d: diff is not exact", i)
		}
	}
}
