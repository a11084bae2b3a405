package app

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// standOn returns where the community stands on paragraph ref.
func standOn(t *testing.T, s *Session, ref string) ParagraphStand {
	t.Helper()
	c, err := s.Consensus()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Paragraphs {
		if p.Paragraph == ref {
			return p
		}
	}
	t.Fatalf("no paragraph %s", ref)
	return ParagraphStand{}
}

// TestStancesFollowTheirParagraph (issue 27, items 1–3): stances and a
// status follow their paragraph when one is inserted before it, on the
// peer that wrote them and, after a merge with an offline co-author who
// inserted it, on both; taking another stance replaces one's own, none
// withdraws it, and an edit to the paragraph marks both as made on an
// earlier text.
func TestStancesFollowTheirParagraph(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, _, err := sa.Write(ctx, "1", "Access is uneven.\n\nTrust needs practice.", false); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	if err := sa.SetStance(ctx, "1.2", Object, "too vague"); err != nil {
		t.Fatal(err)
	}
	if err := sa.SetStance(ctx, "1.2", Support, "after all"); err != nil {
		t.Fatal(err)
	}
	if err := sa.Settle(ctx, "1.2", Agreed, "said in the call"); err != nil {
		t.Fatal(err)
	}
	if err := sb.SetStance(ctx, "1.1", Object, ""); err != nil {
		t.Fatal(err)
	}
	// Offline, Bruno inserts a paragraph at the start: 1.2 becomes 1.3.
	if _, _, err := sb.Write(ctx, "1", "A new opening.\n\nAccess is uneven.\n\nTrust needs practice.", false); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	for name, s := range map[string]*Session{"Amina": sa, "Bruno": sb} {
		p := standOn(t, s, "1.3")
		if len(p.Support) != 1 || p.Support[0].Name != "Amina" || p.Support[0].Reason != "after all" || len(p.Object) != 0 || p.Support[0].Earlier {
			t.Errorf("%s: 1.3's stances %+v / %+v", name, p.Support, p.Object)
		}
		if p.Status == nil || p.Status.Status != Agreed || p.Status.Note != "said in the call" {
			t.Errorf("%s: 1.3's status %+v", name, p.Status)
		}
		if q := standOn(t, s, "1.2"); len(q.Object) != 1 || q.Object[0].Name != "Bruno" {
			t.Errorf("%s: Bruno's objection is not on 1.2, where its paragraph went: %+v", name, q)
		}
		if q := standOn(t, s, "1.1"); len(q.Object)+len(q.Support) != 0 || q.Status != nil {
			t.Errorf("%s: the new paragraph has stances: %+v", name, q)
		}
	}
	// The paragraph changes: what was said of it was said of an earlier text.
	if _, _, err := sa.Write(ctx, "1", "A new opening.\n\nAccess is uneven.\n\nTrust needs practice and time.", false); err != nil {
		t.Fatal(err)
	}
	p := standOn(t, sa, "1.3")
	if len(p.Support) != 1 || !p.Support[0].Earlier || p.Status == nil || !p.Status.Earlier {
		t.Errorf("after an edit: %+v, status %+v", p.Support, p.Status)
	}
	// Its first words deleted: the stance stays on what is left of it.
	if _, _, err := sa.Write(ctx, "1", "A new opening.\n\nAccess is uneven.\n\npractice and time.", false); err != nil {
		t.Fatal(err)
	}
	if p := standOn(t, sa, "1.3"); len(p.Support) != 1 {
		t.Errorf("after its first words went: %+v", p)
	}
	// Withdrawn.
	if err := sa.SetStance(ctx, "1.3", NoStand, ""); err != nil {
		t.Fatal(err)
	}
	if p := standOn(t, sa, "1.3"); len(p.Support)+len(p.Object) != 0 {
		t.Errorf("a withdrawn stance still counts: %+v", p)
	}
	// A paragraph deleted whole takes its stances with it; the one after
	// it, now 1.2, has none of them.
	if _, _, err := sa.Write(ctx, "1", "A new opening.\n\npractice and time.", false); err != nil {
		t.Fatal(err)
	}
	if p := standOn(t, sa, "1.2"); len(p.Object) != 0 || p.Status == nil {
		t.Errorf("after 'Access is uneven.' went: %+v (its status stays with 1.2, whose text it was)", p)
	}
	if err := sa.SetStance(ctx, "7.9", Support, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("a stance on no paragraph: %v", err)
	}
	if err := sa.SetStance(ctx, "1.1", "maybe", ""); !errors.Is(err, crdt.ErrInvalid) {
		t.Errorf("a stance that is none of the three: %v", err)
	}
}

// TestAParticipantCannotSettle: the honest client refuses, and a status
// a participant's build writes anyway (the raw journal entry) counts on
// neither peer.
func TestAParticipantCannotSettle(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, _, err := sa.Write(ctx, "1", "Access is uneven.", false); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	if err := sb.Settle(ctx, "1.1", Agreed, ""); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a participant settled a paragraph: %v", err)
	}
	err := sb.edit(ctx, func() error { return sb.anchored("1.1", stanceEntry{Type: "se", Value: Agreed}) })
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	for name, s := range map[string]*Session{"Amina": sa, "Bruno": sb} {
		c, err := s.Consensus()
		if err != nil {
			t.Fatal(err)
		}
		if c.Paragraphs[0].Status != nil || c.NotCounted != 1 {
			t.Errorf("%s: status %+v, not counted %d (want none, and 1)", name, c.Paragraphs[0].Status, c.NotCounted)
		}
	}
	// A co-facilitator's counts, on both.
	if err := sa.Settle(ctx, "1.1", Contested, ""); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	if p := standOn(t, sb, "1.1"); p.Status == nil || p.Status.Status != Contested {
		t.Errorf("Bruno shows %+v", p.Status)
	}
}

// TestSupportByGroup: stances are counted by stakeholder and regional
// group, one per person, and support from one group alone says so.
func TestSupportByGroup(t *testing.T) {
	ctx := context.Background()
	wa, wb, sa := invitedPair(t, Options{Poll: -1})
	wc := joinedBy(t, wa, sa, "Chen")
	withProfileAs(t, wb, "Bruno", crdt.Government, crdt.WEOG)
	withProfileAs(t, wc, "Chen", crdt.Government, crdt.AsiaPacific)
	if _, _, err := sa.Write(ctx, "1", "Access is uneven.", false); err != nil {
		t.Fatal(err)
	}
	syncPair(t, wa, wb)
	syncPair(t, wa, wc)
	for _, w := range []*Workspace{wb, wc} {
		s, err := w.Session(ctx, sa.ID())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetStance(ctx, "1.1", Support, ""); err != nil {
			t.Fatal(err)
		}
		s.Close(ctx)
	}
	syncPair(t, wa, wb)
	syncPair(t, wa, wc)
	p := standOn(t, sa, "1.1")
	if len(p.Support) != 2 || !OneGroup(p.Support) {
		t.Fatalf("support %+v", p.Support)
	}
	if g, r := Groups(p.Support), Regions(p.Support); len(g) != 1 || g[0] != (GroupCount{"Government", 2}) || len(r) != 2 {
		t.Errorf("by group %+v, by region %+v", g, r)
	}
	if err := sa.SetStance(ctx, "1.1", Support, ""); err != nil {
		t.Fatal(err)
	}
	if p := standOn(t, sa, "1.1"); len(p.Support) != 3 || OneGroup(p.Support) {
		t.Errorf("with Amina's: %+v", p.Support)
	}
}

// TestAStanceCostsLittleOnTheWire (issue 27): a stance taken with a
// 20-character edit adds at most 120 bytes to the warm sync that carries
// the edit. Byte counts are deterministic.
func TestAStanceCostsLittleOnTheWire(t *testing.T) {
	ctx := context.Background()
	wa, wb, sa := invitedPair(t, Options{Poll: -1})
	if _, _, err := sa.Write(ctx, "1", "Access is uneven across regions.", false); err != nil {
		t.Fatal(err)
	}
	syncPair(t, wa, wb)
	session := func(stance bool) int64 {
		t.Helper()
		if _, _, err := sa.Write(ctx, "1", " Twenty more letters", true); err != nil {
			t.Fatal(err)
		}
		if stance {
			if err := sa.SetStance(ctx, "1.1", Support, ""); err != nil {
				t.Fatal(err)
			}
		}
		st, _ := syncPair(t, wa, wb)
		return st.BytesIn + st.BytesOut
	}
	session(false) // both warm, each with a sync state
	plain := session(false)
	with := session(true)
	t.Logf("a warm session with a 20-character edit: %d B; with a stance too: %d B (+%d B)", plain, with, with-plain)
	if with-plain > 120 {
		t.Errorf("a stance added %d B to a warm session (at most 120 B)", with-plain)
	}
}

// TestBracketsOnAVersion: the contested paragraphs of a named version are
// found by their anchors in its text, with the statuses as they stand now:
// a paragraph that was 1.2 in the version and is 1.3 since is bracketed
// as 1.2 in it.
func TestBracketsOnAVersion(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, _, err := sa.Write(ctx, "1", "Access is uneven.\n\nTrust needs practice.", false); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.NameVersion(ctx, "For comment"); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	if err := sb.SetStance(ctx, "1.2", Object, ""); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	if _, _, err := sa.Write(ctx, "1", "New first.\n\nAccess is uneven.\n\nTrust needs practice.", false); err != nil {
		t.Fatal(err)
	}
	if err := sa.Settle(ctx, "1.3", Contested, ""); err != nil {
		t.Fatal(err)
	}
	now, err := sa.Brackets("")
	if err != nil || len(now) != 1 || now["1.3"] != "Contested: objections from Civil society." {
		t.Errorf("as it stands: %v %v", now, err)
	}
	then, err := sa.Brackets("For comment")
	if err != nil || len(then) != 1 || then["1.2"] == "" {
		t.Errorf("in the version: %v %v", then, err)
	}
}

// TestConsensusIsKept: a command that only reads a draft is answered
// from the consensus kept with the draft's heads, without loading the
// document; after a change, or with a damaged copy, it is worked out
// again, and says the same as a loaded session.
func TestConsensusIsKept(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := openWS(t, dir)
	withProfile(t, w, "Amina")
	s := newDraft(t, w, "Kept")
	id := s.ID()
	if _, _, err := s.Write(ctx, "1", "Access is uneven.\n\nTrust needs practice.", false); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStance(ctx, "1.2", Object, "vague"); err != nil {
		t.Fatal(err)
	}
	want, err := s.Consensus()
	if err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)
	read := func() (Consensus, bool) {
		t.Helper()
		r, err := w.ReadSession(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close(ctx)
		c, err := r.Consensus()
		if err != nil {
			t.Fatal(err)
		}
		return c, r.docLoaded.Load()
	}
	got, loaded := read()
	if loaded || len(got.Paragraphs) != 2 || len(got.Paragraphs[1].Object) != 1 || got.Paragraphs[1].Object[0].Reason != "vague" {
		t.Fatalf("kept answer: loaded %v, %+v", loaded, got)
	}
	if got.Paragraphs[1].Object[0].At.Unix() != want.Paragraphs[1].Object[0].At.Unix() {
		t.Errorf("times differ: %v, %v", got.Paragraphs[1].Object[0].At, want.Paragraphs[1].Object[0].At)
	}
	// A damaged copy is worked out again.
	if err := w.store.SetSyncState(ctx, consensusKey(id), "", []byte("not deflate")); err != nil {
		t.Fatal(err)
	}
	if got, loaded := read(); !loaded || len(got.Paragraphs[1].Object) != 1 {
		t.Errorf("with a damaged copy: loaded %v, %+v", loaded, got)
	}
	// A change since: worked out again, with it.
	s2, err := w.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.SetStance(ctx, "1.1", Support, ""); err != nil {
		t.Fatal(err)
	}
	s2.Close(ctx)
	if got, _ := read(); len(got.Paragraphs[0].Support) != 1 {
		t.Errorf("after a change: %+v", got.Paragraphs[0])
	}
}

// TestForgedStancesCountForNothing: entries a build without the checks
// writes raw (a reason over the limit, a value that is none of the
// three, anchors to characters the draft does not have) are counted by
// no peer.
func TestForgedStancesCountForNothing(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, _, err := sa.Write(ctx, "1", "Access is uneven.", false); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	long := strings.Repeat("x", maxStanceReason+1)
	if err := sa.SetStance(ctx, "1.1", Support, long); !errors.Is(err, crdt.ErrInvalid) {
		t.Fatalf("a reason over the limit: %v", err)
	}
	err := sb.edit(ctx, func() error {
		for _, e := range []stanceEntry{{Type: "sn", Value: Object, Reason: long}, {Type: "sn", Value: "veto"}} {
			if err := sb.anchored("1.1", e); err != nil {
				return err
			}
		}
		b, _ := json.Marshal(stanceEntry{Type: "sn", Section: "1", First: "9@nobody", Last: "9", Value: Object})
		return sb.o.doc.Journaled(crdt.JournalComments, crdt.KindComment, "1", string(b))
	})
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	for name, s := range map[string]*Session{"Amina": sa, "Bruno": sb} {
		if p := standOn(t, s, "1.1"); len(p.Support)+len(p.Object) != 0 {
			t.Errorf("%s counts forged stances: %+v", name, p)
		}
	}
}
