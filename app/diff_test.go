package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// pieceList prints a heading's pieces as "=same +inserted -deleted", one
// per line, with who made each change.
func pieceList(h HeadingDiff, names map[string]string) string {
	var b strings.Builder
	for _, p := range h.Pieces {
		sign := map[crdt.PieceKind]string{crdt.Same: "=", crdt.Inserted: "+", crdt.Deleted: "-"}[p.Kind]
		if p.Kind == crdt.Same {
			fmt.Fprintf(&b, "%s%q\n", sign, p.Text)
			continue
		}
		fmt.Fprintf(&b, "%s%q %s\n", sign, p.Text, names[p.Actor])
	}
	return b.String()
}

func namesOf(ss ...*Session) map[string]string {
	out := map[string]string{}
	for _, s := range ss {
		for _, p := range s.View().Participants {
			out[p.Actor] = p.Name
		}
	}
	return out
}

func mustDiff(t *testing.T, s *Session, from, to string) HeadingDiff {
	t.Helper()
	diffs, err := s.Diff(from, to)
	if err != nil {
		t.Fatal(err)
	}
	return diffs[0]
}

// TestDiffJoinsOnePersonsTyping: the ledger attributes characters per
// change, and typing is committed in several changes (every few edits,
// after a pause), so one person's sentence came out of a comparison in
// pieces, each with its own author tag, cut inside words ("blocked
// legitimate s [+Amina]ecurity research", issue 22, part 7). A run of
// one person's insertions is one piece.
func TestDiffJoinsOnePersonsTyping(t *testing.T) {
	ctx := context.Background()
	w := openWSWith(t, t.TempDir(), Options{Poll: -1, IdleCommit: -1})
	withProfile(t, w, "Amina")
	s := newDraft(t, w, "Runs")
	sec := s.Sections()[0].ID
	if _, err := s.NameVersion(ctx, "Empty"); err != nil {
		t.Fatal(err)
	}
	at := 0
	for _, typed := range []string{"They blocked legitimate s", "ecurity ", "research."} {
		if err := s.Splice(ctx, sec, at, 0, typed); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(ctx); err != nil { // a commit, as a pause in typing makes one
			t.Fatal(err)
		}
		at += len(typed)
	}
	edits := 0
	for _, e := range mustLog(t, s) {
		if e.Kind == crdt.KindEdit {
			edits++
		}
	}
	if edits < 3 {
		t.Fatalf("the typing is %d changes; the test needs several", edits)
	}
	got := pieceList(mustDiff(t, s, "Empty", Current), namesOf(s))
	if want := "+\"They blocked legitimate security research.\" Amina\n"; got != want {
		t.Errorf("the comparison of one person's typing:\n%s\nwant\n%s", got, want)
	}
}

// TestDiffShowsWholeWords: a change inside a word shows the whole word
// as it was, deleted, and as it is, inserted, by the person who changed
// it; text added or removed between words is shown as it is (issue 22,
// part 7).
func TestDiffShowsWholeWords(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	sec := sa.Sections()[0].ID
	write := func(s *Session, text string) {
		t.Helper()
		if _, _, err := s.Write(ctx, sec, text, false); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // versions named apart in time
	}
	version := func(name string) {
		t.Helper()
		if _, err := sa.NameVersion(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	write(sa, "They blocked legitimate security research.")
	version("V1")
	exchange(t, sa, sb)
	write(sb, "They blocked legitimate securities research.")
	exchange(t, sa, sb)
	version("V2")
	write(sa, "They blocked all legitimate securities research")
	version("V3")
	write(sa, "They blocked all legitimate securities researchers.")
	names := namesOf(sa, sb)
	for _, tc := range []struct{ from, to, want string }{
		// Bruno's "y" → "ies" inside Amina's word: the word, before and after, is his.
		{"V1", "V2", "=\"They blocked legitimate \"\n-\"security\" Bruno\n+\"securities\" Bruno\n=\" research.\"\n"},
		// A word inserted between words, and a full stop removed after one: as they are.
		{"V2", "V3", "=\"They blocked \"\n+\"all \" Amina\n=\"legitimate securities research\"\n-\".\" Amina\n"},
		// Typing on at the end of a word: the word before and after.
		{"V3", Current, "=\"They blocked all legitimate securities \"\n-\"research\" Amina\n+\"researchers.\" Amina\n"},
	} {
		if got := pieceList(mustDiff(t, sa, tc.from, tc.to), names); got != tc.want {
			t.Errorf("%s to %s:\n%s\nwant\n%s", tc.from, tc.to, got, tc.want)
		}
	}
}

// TestReadablePieces: the rules readable applies to the ledger's pieces,
// each on its own. Pieces are written "=same", "+Ana:inserted" and
// "-Ana:deleted".
func TestReadablePieces(t *testing.T) {
	parse := func(specs ...string) []DiffPiece {
		var out []DiffPiece
		for i, s := range specs {
			p := DiffPiece{At: time.Unix(int64(i), 0)}
			switch s[0] {
			case '=':
				p.Kind, p.Text = crdt.Same, s[1:]
			case '+', '-':
				p.Kind = crdt.Inserted
				if s[0] == '-' {
					p.Kind = crdt.Deleted
				}
				who, text, _ := strings.Cut(s[1:], ":")
				p.Person, p.Actor, p.Text = who, who+"-device", text
			}
			out = append(out, p)
		}
		return out
	}
	show := func(ps []DiffPiece) string {
		var parts []string
		for _, p := range ps {
			switch p.Kind {
			case crdt.Same:
				parts = append(parts, "="+p.Text)
			case crdt.Inserted:
				parts = append(parts, "+"+p.Person+":"+p.Text)
			default:
				parts = append(parts, "-"+p.Person+":"+p.Text)
			}
		}
		return strings.Join(parts, " | ")
	}
	for _, tc := range []struct {
		name string
		in   []string
		want string
	}{
		{"a rejected deletion put back reads as unchanged",
			[]string{"=It needs work.", "-Bruno: Drop me.", "+Amina: Drop me.", "=\n"}, "=It needs work. Drop me.\n"},
		{"a deletion put back, and more typed after it",
			[]string{"=One.", "-Bruno: Two.", "+Amina: Two.", "+Amina: Three."}, "=One. Two. | +Amina: Three."},
		{"one person's pieces between another's",
			[]string{"=A ", "+Ana:big ", "-Bo:old ", "+Ana:red ", "=car"}, "=A  | -Bo:old | +Ana:big red | = car"},
		{"a word two people typed is its main writer's",
			[]string{"=un", "+Ana:ex", "+Bo:pect", "=ed."}, "-Bo:uned | +Bo:unexpected | =."},
		{"a word one person typed and another corrected is the typist's",
			[]string{"+Ana:They blocked legitimate securit", "+Bo:ies", "+Ana: research."}, "+Ana:They blocked legitimate securities research."},
		{"changes on both sides of a short unchanged part of one word",
			[]string{"=the ", "-Ana:c", "+Ana:b", "=a", "-Ana:t", "+Ana:r", "= sat"}, "=the  | -Ana:cat | +Ana:bar | = sat"},
		{"two people's changes in one word, as many letters each: the first's",
			[]string{"=the ", "-Ana:c", "+Ana:b", "=a", "-Bo:t", "+Bo:r", "= sat"}, "=the  | -Ana:cat | +Ana:bar | = sat"},
		{"two people's words side by side",
			[]string{"=A ", "+Ana:big ", "+Bo:red ", "=car"}, "=A  | +Ana:big  | +Bo:red  | =car"},
		{"a word changed next to punctuation",
			[]string{"=(securit", "-Ana:y", "+Ana:ies", "=)"}, "=( | -Ana:security | +Ana:securities | =)"},
		{"Chinese characters stand alone",
			[]string{"=互联网", "+Ana:发展", "=差异"}, "=互联网 | +Ana:发展 | =差异"},
		{"a change inside a long code is not widened",
			[]string{"=" + strings.Repeat("a", 50), "+Ana:b", "=c."}, "=" + strings.Repeat("a", 50) + " | -Ana:c | +Ana:bc | =."},
	} {
		if got := show(readable(parse(tc.in...))); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}
