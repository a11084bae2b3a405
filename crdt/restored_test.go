package crdt

import (
	"strings"
	"testing"
)

// TestRestoredTextKeepsItsAuthor: Bruno writes a sentence; a reviewer's
// decision removes it, and a later one puts it back. The characters put
// back are new, inserted by the reviewer's change, but Authored credits
// them to Bruno, as it does a deletion's text put back; text the reviewer
// types that was never there stays the reviewer's.
func TestRestoredTextKeepsItsAuthor(t *testing.T) {
	amina := newDraft(t, TemplateOutput)
	sec := amina.Sections()[0].ID
	if err := amina.AppendBody(sec, "Intro."); err != nil {
		t.Fatal(err)
	}
	commit(t, amina)
	bruno := fork(t, amina)
	if err := bruno.AppendBody(sec, " Bruno's sentence."); err != nil {
		t.Fatal(err)
	}
	commit(t, bruno)
	mergeBoth(t, amina, bruno)
	body := func() string { b, _ := amina.Body(sec); return b }
	at := strings.Index(body(), " Bruno")
	n := len([]rune(" Bruno's sentence."))
	// Rejected, then accepted: removed and put back at its place.
	if err := amina.SpliceAs(KindDecision, sec, at, n, ""); err != nil {
		t.Fatal(err)
	}
	commit(t, amina)
	if err := amina.SpliceAs(KindDecision, sec, at, 0, " Bruno's sentence."); err != nil {
		t.Fatal(err)
	}
	commit(t, amina)
	// And a word the reviewer types herself, by a decision too.
	if err := amina.SpliceAs(KindDecision, sec, len([]rune(body())), 0, " Hers."); err != nil {
		t.Fatal(err)
	}
	commit(t, amina)

	l := ledgerOf(t, amina)
	decision := func(c ChangeRef) bool { return l.Changes()[c].Info.Kind == KindDecision }
	pieces, err := l.Authored(sec, nil, decision)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var text strings.Builder
	for _, p := range pieces {
		who := "amina"
		if l.Changes()[p.By].Actor == bruno.Actor() {
			who = "bruno"
		}
		got = append(got, who+":"+p.Text)
		text.WriteString(p.Text)
	}
	if text.String() != body() {
		t.Fatalf("the pieces read %q, the text is %q", text.String(), body())
	}
	want := []string{"amina:Intro.", "bruno: Bruno's sentence.", "amina: Hers."}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("authors %q, want %q", got, want)
	}
	// Without the rule, the reviewer wrote Bruno's sentence.
	naive, _ := l.Compare(sec, nil, nil)
	if len(naive) < 2 || l.Changes()[naive[1].By].Actor == bruno.Actor() {
		t.Fatalf("the test does not put the text back as new characters: %+v", naive)
	}
}
