package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/igf-bpf/bpfdraft/app/export"
	"github.com/igf-bpf/bpfdraft/crdt"
	docsync "github.com/igf-bpf/bpfdraft/sync"
)

// sharedPair returns one draft open on two machines: Amina created it,
// Bruno imported it.
func sharedPair(t *testing.T) (sa, sb *Session) {
	t.Helper()
	ctx := context.Background()
	wa, wb := openWS(t, t.TempDir()), openWS(t, t.TempDir())
	withProfile(t, wa, "Amina")
	withProfile(t, wb, "Bruno")
	sa = newDraft(t, wa, "Reviewed")
	file, err := sa.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := wb.Import(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	if sb, err = wb.Session(ctx, id); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close(ctx) })
	return sa, sb
}

// exchange merges two sessions' drafts both ways through exported files.
func exchange(t *testing.T, a, b *Session) {
	t.Helper()
	ctx := context.Background()
	fa, err := a.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := b.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.w.Import(ctx, fa); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.w.Import(ctx, fb); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Session{a, b} {
		if _, err := s.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRolesGateDecisions(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, _, err := sb.Write(ctx, "1", "Bruno's paragraph.", false); err != nil {
		t.Fatal(err)
	}
	if sa.Role() != crdt.RoleCoFacilitator {
		t.Fatalf("the creator's role is %q", sa.Role())
	}
	_, err := sb.NameVersion(ctx, "Bruno's own version")
	if !errors.Is(err, ErrForbidden) {
		t.Fatalf("a participant named a version: %v", err)
	}
	if _, err := sb.SetRole(ctx, "Bruno", crdt.RoleCoFacilitator); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a participant gave himself a role: %v", err)
	}
	exchange(t, sa, sb)
	if _, err := sa.SetRole(ctx, "Amina", crdt.RoleRapporteur); !errors.Is(err, crdt.ErrInvalid) {
		t.Errorf("the creator withdrew her own role: %v", err)
	}
	if _, err := sa.SetRole(ctx, "nobody", crdt.RoleRapporteur); !errors.Is(err, ErrNotFound) {
		t.Errorf("a role for nobody: %v", err)
	}
	p, err := sa.SetRole(ctx, "bruno", crdt.RoleRapporteur)
	if err != nil || p.Name != "Bruno" {
		t.Fatalf("granting: %+v %v", p, err)
	}
	exchange(t, sa, sb)
	if sb.Role() != crdt.RoleRapporteur {
		t.Fatalf("after sync Bruno is %q", sb.Role())
	}
	if _, err := sb.NameVersion(ctx, "Rapporteur's version"); err != nil {
		t.Fatalf("the rapporteur could not name a version: %v", err)
	}
	if _, err := sb.SetRole(ctx, "Amina", crdt.RoleParticipant); !errors.Is(err, ErrForbidden) {
		t.Errorf("the rapporteur changed roles: %v", err)
	}
	if _, err := sa.SetRole(ctx, "Bruno", crdt.RoleParticipant); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	if _, err := sb.NameVersion(ctx, "Too late"); !errors.Is(err, ErrForbidden) {
		t.Errorf("a withdrawn role still names versions: %v", err)
	}
}

func TestAttributionAndCoverage(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, _, err := sa.Write(ctx, "1", "Amina wrote this.", false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sb.Write(ctx, "2", "Bruno's regional view.", false); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	// Bruno edits inside Amina's sentence.
	if _, _, err := sb.Write(ctx, "1", "Amina wrote this, Bruno added.", false); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	actorA, actorB := sa.w.actor, sb.w.actor
	for _, s := range []*Session{sa, sb} {
		sec, _ := s.Section("1")
		runs, err := s.Authors(sec.ID)
		if err != nil {
			t.Fatal(err)
		}
		text := []rune(sec.Body)
		got := ""
		for _, r := range runs {
			who := "A"
			if r.Actor == actorB {
				who = "B"
			} else if r.Actor != actorA {
				who = "?"
			}
			got += who + ":" + string(text[r.Start:r.End]) + "|"
		}
		if got != "A:Amina wrote this|B:, Bruno added|A:.|" {
			t.Errorf("authors of section 1: %s", got)
		}
	}
	cov, err := sa.Coverage()
	if err != nil {
		t.Fatal(err)
	}
	sum := func(shares []Share) (n int) {
		for _, s := range shares {
			n += s.Percent
		}
		return n
	}
	for _, c := range append([]CoverageOf{cov.Draft}, cov.Headings...) {
		if c.Chars == 0 {
			if sum(c.Groups) != 0 || len(c.Silent) != 2 {
				t.Errorf("empty heading %q: %+v", c.Heading, c)
			}
			continue
		}
		if sum(c.Groups) != 100 || sum(c.Regions) != 100 || sum(c.People) != 100 {
			t.Errorf("heading %q: shares add up to %d/%d/%d", c.Heading, sum(c.Groups), sum(c.Regions), sum(c.People))
		}
	}
	h2 := cov.Headings[1]
	if len(h2.People) != 1 || h2.People[0].Name != "Bruno" || len(h2.Silent) != 1 || h2.Silent[0] != "Amina" {
		t.Errorf("heading 2: people %+v, silent %v", h2.People, h2.Silent)
	}
	if cov.Draft.Chars != len("Aminawrotethis,Brunoadded.")+len("Bruno'sregionalview.") {
		t.Errorf("the draft counts %d characters", cov.Draft.Chars)
	}
}

func hunkTexts(hs []Hunk) string {
	var b strings.Builder
	for _, h := range hs {
		sign := "+"
		if h.Kind == crdt.Deleted {
			sign = "-"
		}
		fmt.Fprintf(&b, "%s%q %s %s|", sign, h.Text, h.Status, h.Paragraph)
	}
	return b.String()
}

func mustReview(t *testing.T, s *Session, since string) []Hunk {
	t.Helper()
	hs, err := s.Review(since)
	if err != nil {
		t.Fatal(err)
	}
	return hs
}

func TestReviewRound(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, _, err := sa.Write(ctx, "1", "Access is a right.\n\nIt needs work.", false); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.NameVersion(ctx, "Zero draft"); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	// Bruno inserts a sentence, deletes a word and adds a paragraph.
	if _, _, err := sb.Write(ctx, "1", "Access is a human right.\n\nIt needs work. Much work.\n\nNew idea.", false); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	ha, hb := mustReview(t, sa, ""), mustReview(t, sb, "Zero draft")
	if hunkTexts(ha) != hunkTexts(hb) || len(ha) == 0 {
		t.Fatalf("the two machines see different hunks:\n%s\n%s", hunkTexts(ha), hunkTexts(hb))
	}
	for i := range ha {
		if ha[i].ID != hb[i].ID {
			t.Fatalf("hunk %d has id %s on one machine, %s on the other", i, ha[i].ID, hb[i].ID)
		}
	}
	want := `+"human " open 1.1|+" Much work.\n\nNew idea." open 1.2|`
	if got := hunkTexts(ha); got != want {
		t.Fatalf("hunks: %s\nwant   %s", got, want)
	}
	// Bruno may not decide.
	if _, err := sb.Decide(ctx, Reject, []string{ha[0].ID}, "", ""); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a participant decided: %v", err)
	}
	// Amina rejects the second hunk and accepts the first.
	if _, err := sa.Decide(ctx, Reject, []string{ha[1].ID[:5]}, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.Decide(ctx, Accept, []string{ha[0].ID}, "", ""); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	for _, s := range []*Session{sa, sb} {
		sec, _ := s.Section("1")
		if sec.Body != "Access is a human right.\n\nIt needs work." {
			t.Errorf("after the rejection the text is %q", sec.Body)
		}
		got := hunkTexts(mustReview(t, s, ""))
		if got != `+"human " accepted 1.1|+" Much work.\n\nNew idea." rejected 1.2|` {
			t.Errorf("after the decisions: %s", got)
		}
	}
}

func TestConcurrentDecisionsConflictThenSettle(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, _, err := sb.Write(ctx, "3", "Bruno was here.", false); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.NameVersion(ctx, "not yet"); !errors.Is(err, ErrForbidden) {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	if _, err := sa.NameVersion(ctx, "Start"); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.SetRole(ctx, "Bruno", crdt.RoleCoFacilitator); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sa.Write(ctx, "2", "Text both will judge.", false); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	h := mustReview(t, sa, "")
	if len(h) != 1 {
		t.Fatalf("hunks: %s", hunkTexts(h))
	}
	if _, err := sa.Decide(ctx, Accept, []string{h[0].ID}, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Decide(ctx, Reject, []string{h[0].ID}, "", ""); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	for _, s := range []*Session{sa, sb} {
		hs := mustReview(t, s, "")
		if len(hs) != 1 || hs[0].Status != StatusConflict || len(hs[0].Decisions) != 2 || !hs[0].Reverted {
			t.Fatalf("after concurrent accept and reject: %s %+v", hunkTexts(hs), hs)
		}
		if sec, _ := s.Section("2"); sec.Body != "" {
			t.Errorf("the rejection's revert did not apply: %q", sec.Body)
		}
	}
	// Amina settles it: accepted, and the text comes back.
	if _, err := sa.Decide(ctx, Accept, []string{h[0].ID}, "", ""); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	for _, s := range []*Session{sa, sb} {
		hs := mustReview(t, s, "")
		if len(hs) != 1 || hs[0].Status != StatusAccepted || hs[0].Reverted {
			t.Fatalf("after settling: %s", hunkTexts(hs))
		}
		if sec, _ := s.Section("2"); sec.Body != "Text both will judge." {
			t.Errorf("after settling the text is %q", sec.Body)
		}
	}
}

func TestRejectedDeletionComesBack(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, _, err := sa.Write(ctx, "4", "Keep this. Drop this? Keep that.", false); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.NameVersion(ctx, "v1"); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	if _, _, err := sb.Write(ctx, "4", "Keep this. Keep that.", false); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	hs := mustReview(t, sa, "v1")
	if got := hunkTexts(hs); got != `-" Drop this?" open 4.1|` {
		t.Fatalf("hunks: %s", got)
	}
	if hs[0].Actor != sb.w.actor {
		t.Errorf("the deletion is attributed to %s", hs[0].Actor)
	}
	if _, err := sa.Decide(ctx, Reject, nil, "Bruno", "v1"); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	for _, s := range []*Session{sa, sb} {
		if sec, _ := s.Section("4"); sec.Body != "Keep this. Drop this? Keep that." {
			t.Errorf("the rejected deletion left %q", sec.Body)
		}
		if got := hunkTexts(mustReview(t, s, "v1")); got != `-" Drop this?" rejected 4.1|` {
			t.Errorf("after rejecting: %s", got)
		}
	}
	// Accepting it after all deletes the text again.
	if _, err := sa.Decide(ctx, Accept, []string{hs[0].ID}, "", "v1"); err != nil {
		t.Fatal(err)
	}
	if sec, _ := sa.Section("4"); sec.Body != "Keep this. Keep that." {
		t.Errorf("accepting the deletion after all left %q", sec.Body)
	}
}

func TestCommentAnchorsThroughMerges(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, _, err := sa.Write(ctx, "5", "First point.\n\nThe quoted passage sits here. Last point.", false); err != nil {
		t.Fatal(err)
	}
	id, err := sa.CommentOn(ctx, "5", "quoted passage", "Is this backed by evidence?")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sa.CommentOn(ctx, "5", "point", "ambiguous"); !errors.Is(err, ErrQuote) {
		t.Errorf("an ambiguous quote: %v", err)
	}
	if _, err := sa.CommentOn(ctx, "5", "not there", "x"); !errors.Is(err, ErrQuote) {
		t.Errorf("a missing quote: %v", err)
	}
	exchange(t, sa, sb)
	// Apart: Amina edits before the passage, Bruno inside and after it.
	if _, _, err := sa.Write(ctx, "5", "First point, longer now.\n\nThe quoted passage sits here. Last point.", false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sb.Write(ctx, "5", "First point.\n\nThe quoted (and amended) passage sits here. Last point!", false); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Reply(ctx, id[:4], "Yes: see the 2024 survey."); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	for _, s := range []*Session{sa, sb} {
		cs, err := s.Comments()
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 1 {
			t.Fatalf("comments: %+v", cs)
		}
		c := cs[0]
		sec, _ := s.Section("5")
		got := string([]rune(sec.Body)[c.Start:c.End])
		if got != "quoted (and amended) passage" || c.Anchor != AnchorEdited || c.Paragraph != "5.2" {
			t.Errorf("anchor after edits around and inside: %q %s %s", got, c.Anchor, c.Paragraph)
		}
		if c.Quote != "quoted passage" || c.Prefix != "First point.\n\nThe " || len(c.Replies) != 1 || c.Replies[0].Actor != sb.w.actor {
			t.Errorf("comment: %+v", c)
		}
	}
	if err := sb.Resolve(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	if cs, _ := sa.Comments(); !cs[0].Resolved || cs[0].StatusBy != sb.w.actor {
		t.Errorf("resolved: %+v", cs[0])
	}
	if err := sa.Resolve(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	// The passage is deleted: the comment says so and keeps the quote.
	if _, _, err := sa.Write(ctx, "5", "First point, longer now.\n\nLast point!", false); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	cs, _ := sb.Comments()
	if cs[0].Anchor != AnchorDeleted || cs[0].Start != -1 || cs[0].Quote != "quoted passage" || cs[0].Resolved {
		t.Errorf("after deleting the passage: %+v", cs[0])
	}
	// Comments travel in the .automerge file.
	file, err := sb.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w3 := openWS(t, t.TempDir())
	id3, _, err := w3.Import(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	s3, err := w3.Session(ctx, id3)
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close(ctx)
	if cs, _ := s3.Comments(); len(cs) != 1 || len(cs[0].Replies) != 1 {
		t.Errorf("after import elsewhere: %+v", cs)
	}
}

func TestTextAddedToADecidedHunkIsOpenOnItsOwn(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, err := sa.NameVersion(ctx, "v1"); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	if _, _, err := sb.Write(ctx, "1", "Bruno's first sentence.", false); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	hs := mustReview(t, sa, "v1")
	if len(hs) != 1 {
		t.Fatalf("hunks: %s", hunkTexts(hs))
	}
	if _, err := sa.Decide(ctx, Accept, []string{hs[0].ID}, "", "v1"); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	// Bruno goes on typing right after the accepted sentence.
	if _, _, err := sb.Write(ctx, "1", "Bruno's first sentence. And a second.", false); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	for _, s := range []*Session{sa, sb} {
		got := mustReview(t, s, "v1")
		if hunkTexts(got) != `+"Bruno's first sentence." accepted 1.1|+" And a second." open 1.1|` || got[0].ID != hs[0].ID {
			t.Errorf("after typing at the edge of an accepted hunk: %s", hunkTexts(got))
		}
	}
}

func TestPublicCommentsImportAndRespond(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, _, err := sa.Write(ctx, "1", "First paragraph.\n\nSecond paragraph, about access.", false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sa.Write(ctx, "3", "Measures.", false); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.NameVersion(ctx, "For public comment"); err != nil {
		t.Fatal(err)
	}
	// The text changes after publishing: a paragraph comes before 1.2.
	if _, _, err := sa.Write(ctx, "1", "First paragraph.\n\nA new paragraph.\n\nSecond paragraph, about access and trust.", false); err != nil {
		t.Fatal(err)
	}
	csvFile := "\xef\xbb\xbfComment,Paragraph,Name,Organisation,Stakeholder_Group,Region\r\n" +
		"\"Say \"\"meaningful\"\" access,\nplease.\",1.2,Chen Wei,ISOC,Technical community,Asia-Pacific\r\n" +
		"Good.,3.1,Dana,,civil society,africa\r\n" +
		"Nowhere,9.9,X,,,\r\n" +
		",1.1,Empty,,,\r\n" +
		"Bad group,1.1,Y,,Martians,\r\n"
	rep, err := sa.ImportComments(ctx, []byte(csvFile), "")
	if err != nil {
		t.Fatal(err)
	}
	// The first row spans lines 2 and 3 (a quoted line break) but is one
	// row of the spreadsheet: skipped rows are named as it numbers them.
	if rep.Added != 2 || rep.Duplicates != 0 || len(rep.Bad) != 3 || rep.Bad[0].Row != 4 || rep.Bad[1].Row != 5 || rep.Bad[2].Row != 6 {
		t.Fatalf("report %+v", rep)
	}
	// As Excel saves "CSV" where the comma is the decimal mark: the same
	// rows, separated by semicolons, are the same comments.
	semi := "\xef\xbb\xbfComment;Paragraph;Name;Organisation;Stakeholder_Group;Region\r\n" +
		"\"Say \"\"meaningful\"\" access,\nplease.\";1.2;Chen Wei;ISOC;Technical community;Asia-Pacific\r\n" +
		"Good.;3.1;Dana;;civil society;africa\r\n" +
		"Nowhere;9.9;X;;;\r\n" +
		";1.1;Empty;;;\r\n" +
		"Bad group;1.1;Y;;Martians;\r\n"
	if semiRep, err := sa.ImportComments(ctx, []byte(semi), ""); err != nil || semiRep.Duplicates != 2 || len(semiRep.Bad) != 3 || semiRep.Bad[2].Row != 6 {
		t.Fatalf("the semicolon file: %+v %v", semiRep, err)
	}
	again, err := sa.ImportComments(ctx, []byte(csvFile), "")
	if err != nil || again.Added != 0 || again.Duplicates != 2 {
		t.Fatalf("a second import: %+v %v", again, err)
	}
	if _, err := sa.ImportComments(ctx, []byte("not,a\n\"broken"), ""); !errors.Is(err, ErrUnreadable) {
		t.Errorf("an unreadable file: %v", err)
	}
	cs, err := sa.Comments()
	if err != nil {
		t.Fatal(err)
	}
	var access Comment
	for _, c := range cs {
		if c.Cited == "1.2" {
			access = c
		}
	}
	if !access.Public || access.Commenter.Name != "Chen Wei" || access.Commenter.Group != crdt.TechnicalCommunity ||
		access.Text != "Say \"meaningful\" access,\nplease." || access.Paragraph != "1.3" || access.Quote != "Second paragraph, about access." {
		t.Errorf("the comment on 1.2: %+v", access)
	}
	if err := sb.Respond(ctx, access.ID, StatusPartly, "Reworded."); !errors.Is(err, ErrForbidden) && !errors.Is(err, ErrNotFound) {
		t.Errorf("a participant responded: %v", err)
	}
	if err := sa.Respond(ctx, access.ID, StatusPartly, "Reworded, without the quotes."); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	cs, _ = sb.Comments()
	for _, c := range cs {
		if c.ID == access.ID && (c.Response == nil || c.Response.Status != StatusPartly) {
			t.Errorf("the response on Bruno's copy: %+v", c.Response)
		}
	}
}

// TestACraftedInviteCannotRedirectADraft is issue 13's eleventh defect:
// a code built with a draft's id, an attacker's secret and relay made
// the victim print "joined" and upload the draft to that relay.
func TestACraftedInviteCannotRedirectADraft(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	wb := sb.w
	// Bruno has the draft from a file, and no invite yet.
	forged := Invite{DraftID: sa.ID(), Secret: bytes.Repeat([]byte{7}, docsync.SecretSize), Relays: []string{"/ip4/203.0.113.9/tcp/4001/p2p/12D3KooWAttacker"}}
	if _, err := wb.Join(ctx, forged.Code()); !errors.Is(err, ErrJoinConflict) {
		t.Fatalf("a forged code for a draft from a file: %v", err)
	}
	// The owner invites; Bruno joins with the real code.
	real, err := sa.w.Invite(ctx, sa.ID(), []string{"/ip4/198.51.100.1/tcp/4001/p2p/12D3KooWRelay"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wb.JoinReplacing(ctx, real.Code()); err != nil {
		t.Fatal(err)
	}
	if _, err := wb.Join(ctx, forged.Code()); !errors.Is(err, ErrJoinConflict) {
		t.Fatalf("a forged code for a joined draft: %v", err)
	}
	if relays, _ := wb.Relays(ctx, sa.ID()); len(relays) != 1 || relays[0] != real.Relays[0] {
		t.Errorf("the refused code changed the relays: %v", relays)
	}
	// The same secret may bring a relay more.
	more := real
	more.Relays = []string{"/ip4/198.51.100.2/tcp/4001/p2p/12D3KooWRelay2"}
	if _, err := wb.Join(ctx, more.Code()); err != nil {
		t.Fatal(err)
	}
	if relays, _ := wb.Relays(ctx, sa.ID()); len(relays) != 2 {
		t.Errorf("relays after the same secret: %v", relays)
	}
	// A replaced secret never comes back, even when confirmed.
	if _, err := wb.JoinReplacing(ctx, forged.Code()); err != nil {
		t.Fatal(err)
	}
	if _, err := wb.JoinReplacing(ctx, real.Code()); !errors.Is(err, ErrOutdatedInvite) {
		t.Errorf("going back to a replaced secret: %v", err)
	}
}

// TestAChangeThatBreaksTheLayoutIsRepaired is issue 13's fifth defect,
// through the sync path: a pushed change that deletes the meta and
// sections maps (testdata/hostile-layout, written by crdt's
// TestHostileLayoutFixture) is merged, and the draft is put back at
// once, so it still opens, with its text, here and after a restart.
func TestAChangeThatBreaksTheLayoutIsRepaired(t *testing.T) {
	ctx := context.Background()
	base, err := os.ReadFile(filepath.Join("testdata", "hostile-layout", "base.automerge"))
	if err != nil {
		t.Fatal(err)
	}
	hostile, err := os.ReadFile(filepath.Join("testdata", "hostile-layout", "hostile.changes"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w := openWS(t, dir)
	withProfile(t, w, "Amina")
	id, _, err := w.Import(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	s, err := w.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	title := s.Meta().Title
	if _, _, err := s.MergeWhole(ctx, hostile, nil); err != nil {
		t.Fatal(err)
	}
	if sec, err := s.Section("2"); err != nil || sec.Body != "Text that must survive." || s.Meta().Title != title {
		t.Fatalf("after the hostile change: %+v %v, title %q", sec, err, s.Meta().Title)
	}
	// A restart reads the draft from disk: the repair was saved with it.
	w2 := openWSWith(t, dir, Options{Poll: -1})
	s2, err := w2.Session(ctx, id)
	if err != nil {
		t.Fatalf("the draft does not open after the hostile change: %v", err)
	}
	defer s2.Close(ctx)
	if sec, _ := s2.Section("2"); sec.Body != "Text that must survive." {
		t.Errorf("after a restart: %q", sec.Body)
	}
}

// TestCommentStatusByCausalityNotClocks is issue 23's seventh attack: a
// co-author whose clock runs a day ahead resolves a comment; Amina, who
// has seen that, reopens it. The reopen counts on both machines: it was
// made knowing the resolve, whatever the clocks said (the latest clock
// used to win, so the comment stayed resolved everywhere).
func TestCommentStatusByCausalityNotClocks(t *testing.T) {
	ctx := context.Background()
	wa := openWS(t, t.TempDir())
	wb := openWSWith(t, t.TempDir(), Options{Poll: 50 * time.Millisecond, Now: func() time.Time { return time.Now().Add(24 * time.Hour) }})
	withProfile(t, wa, "Amina")
	withProfile(t, wb, "Bruno")
	sa := newDraft(t, wa, "Clocks")
	sec := sa.Sections()[0].ID
	if err := sa.Splice(ctx, sec, 0, 0, "A passage to comment on."); err != nil {
		t.Fatal(err)
	}
	id, err := sa.CommentAt(ctx, sec, 2, 7, "Which passage?")
	if err != nil {
		t.Fatal(err)
	}
	file, err := sa.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	did, _, err := wb.Import(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := wb.Session(ctx, did)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close(ctx) })
	if err := sb.Resolve(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	if err := sa.Resolve(ctx, id, false); err != nil { // reopened, knowing the resolve
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	for who, s := range map[string]*Session{"Amina": sa, "Bruno": sb} {
		cs, err := s.Comments()
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 1 || cs[0].Resolved {
			t.Errorf("%s's copy shows the comment resolved: the resolve with the later clock beat the reopen made after it", who)
		}
	}
}

// TestFabricatedPublicCommentsRefused is issue 23's fifth attack: Bruno,
// a participant, imports public comments from invented people. His own
// copy refuses; and when a hostile build writes them anyway (the import
// without its role check), Amina's copy, and Bruno's, leave them out of
// the comments and of the disposition table, since the change that wrote
// them is by someone who may not import.
func TestFabricatedPublicCommentsRefused(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, _, err := sa.Write(ctx, "1", "First paragraph.", false); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.NameVersion(ctx, "For public comment"); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	forged := "Comment,Paragraph,Name,Organisation,Stakeholder_Group,Region\r\n" +
		"Everyone agrees with Bruno.,1.1,Invented Person,Nowhere Inc,Private sector,WEOG\r\n"
	if _, err := sb.ImportComments(ctx, []byte(forged), ""); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a participant's import: %v", err)
	}
	rep, err := sb.importComments(ctx, []byte(forged), "", false) // what a hostile build would do
	if err != nil || rep.Added != 1 {
		t.Fatalf("the forged import: %+v %v", rep, err)
	}
	exchange(t, sa, sb)
	for who, s := range map[string]*Session{"Amina": sa, "Bruno": sb} {
		cs, err := s.Comments()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.Public {
				t.Errorf("%s's copy lists a public comment a participant imported: %q by %s", who, c.Text, c.Commenter.Name)
			}
		}
	}
}

// TestRejectThenAcceptKeepsTheAuthor is issue 23's eighth attack: Amina
// rejects Bruno's sentence, then accepts it. The text is back, as new
// characters of her decision, yet on both machines it stays Bruno's:
// in who wrote what (the colours) and in coverage.
func TestRejectThenAcceptKeepsTheAuthor(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, _, err := sa.Write(ctx, "1", "Access is a right.", false); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.NameVersion(ctx, "Zero draft"); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	if _, _, err := sb.Write(ctx, "1", "Access is a right. Bruno's sentence stays his.", false); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	h := mustReview(t, sa, "")
	if len(h) != 1 {
		t.Fatalf("hunks: %s", hunkTexts(h))
	}
	for _, verdict := range []string{Reject, Accept} {
		if _, err := sa.Decide(ctx, verdict, []string{h[0].ID}, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	exchange(t, sa, sb)
	for who, s := range map[string]*Session{"Amina": sa, "Bruno": sb} {
		sec, _ := s.Section("1")
		if sec.Body != "Access is a right. Bruno's sentence stays his." {
			t.Fatalf("%s's copy reads %q", who, sec.Body)
		}
		runs, err := s.Authors(sec.ID)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]string{}
		for _, p := range s.View().Participants {
			byName[p.Actor] = p.Name
		}
		var got []string
		body := []rune(sec.Body)
		for _, r := range runs {
			got = append(got, byName[r.Actor]+":"+string(body[r.Start:r.End]))
		}
		if want := "Amina:Access is a right.|Bruno: Bruno's sentence stays his."; strings.Join(got, "|") != want {
			t.Errorf("%s's copy credits %q, want %q", who, strings.Join(got, "|"), want)
		}
		cov, err := s.Coverage()
		if err != nil {
			t.Fatal(err)
		}
		bruno := 0
		for _, p := range cov.Draft.People {
			if p.Name == "Bruno" {
				bruno = p.Chars
			}
		}
		if bruno == 0 {
			t.Errorf("%s's coverage says Bruno has no text: %+v", who, cov.Draft.People)
		}
	}
}

// TestForgedVersionRefused is issue 23's fourth attack through the app:
// Bruno, a participant, names a version "Draft for public comment" of an
// older state, dated a day before Amina's (a hostile build, without the
// role check). On both machines the name still refers to Amina's
// version, which is what exporting it publishes, and Bruno's is not
// listed.
func TestForgedVersionRefused(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, _, err := sa.Write(ctx, "1", "Old text.", false); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	var old []string
	if err := sb.do(func() error { old = sb.o.doc.Heads(); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sa.Write(ctx, "1", "The text Amina publishes.", false); err != nil {
		t.Fatal(err)
	}
	real, err := sa.NameVersion(ctx, "Draft for public comment")
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	if _, err := sb.NameVersion(ctx, "Draft for public comment"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("a participant named a version: %v", err)
	}
	err = sb.edit(ctx, func() error { // what a hostile build would do
		_, err := sb.o.doc.AddVersion("Draft for public comment", old, real.At.Add(-24*time.Hour))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	for who, s := range map[string]*Session{"Amina": sa, "Bruno": sb} {
		v, err := s.Version("Draft for public comment")
		if err != nil {
			t.Fatal(err)
		}
		if v.ID != real.ID || len(s.Versions()) != 1 {
			t.Errorf("%s's copy: the name refers to %s (%v); want Amina's %s; versions listed: %d", who, v.ID, v.Heads, real.ID, len(s.Versions()))
		}
	}
}

// TestCoFacilitatorGivesRoles: Amina makes Bruno a co-facilitator; he
// then makes Carla the rapporteur, and she may decide, on every machine.
// Carla, a rapporteur, may not give roles.
func TestCoFacilitatorGivesRoles(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	wc := openWS(t, t.TempDir())
	withProfile(t, wc, "Carla")
	file, err := sa.Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := wc.Import(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := wc.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Close(ctx) })
	if _, _, err := sc.Write(ctx, "2", "Carla's line.", false); err != nil { // registers her
		t.Fatal(err)
	}
	if _, _, err := sb.Write(ctx, "3", "Bruno's line.", false); err != nil { // and him
		t.Fatal(err)
	}
	all := func() {
		exchange(t, sa, sb)
		exchange(t, sa, sc)
		exchange(t, sb, sc)
	}
	all()
	if _, err := sa.SetRole(ctx, "Bruno", crdt.RoleCoFacilitator); err != nil {
		t.Fatal(err)
	}
	all()
	if !sb.CanGrant() {
		t.Error("a co-facilitator is not offered to give roles")
	}
	if _, err := sb.SetRole(ctx, "Carla", crdt.RoleRapporteur); err != nil {
		t.Fatalf("a co-facilitator could not give a role: %v", err)
	}
	all()
	for who, s := range map[string]*Session{"Amina": sa, "Bruno": sb, "Carla": sc} {
		if r := s.Role(); who == "Carla" && r != crdt.RoleRapporteur {
			t.Errorf("Carla's own copy says she is %q", r)
		}
		for _, p := range s.View().Participants {
			if p.Name == "Carla" && s.View().RoleOf(p.Actor) != crdt.RoleRapporteur {
				t.Errorf("%s's copy says Carla is %q", who, s.View().RoleOf(p.Actor))
			}
		}
	}
	if _, err := sc.SetRole(ctx, "Bruno", crdt.RoleParticipant); !errors.Is(err, ErrForbidden) {
		t.Errorf("a rapporteur changed a role: %v", err)
	}
	if _, err := sb.SetRole(ctx, "Amina", crdt.RoleParticipant); !errors.Is(err, crdt.ErrInvalid) {
		t.Errorf("a co-facilitator demoted the creator: %v", err)
	}
}

// A public comment on a paragraph longer than the 2,000 characters a
// comment keeps of its passage is intact after the import, with no edit,
// and shows as edited once the paragraph changes anywhere (issue 25,
// defect 4: the kept start was compared with the whole paragraph).
func TestACommentOnALongParagraphIsIntactUntilEdited(t *testing.T) {
	ctx := context.Background()
	sa, _ := sharedPair(t)
	long := strings.Repeat("Trust between response teams is built in shared exercises. ", 45) // about 2,700 characters
	if _, _, err := sa.Write(ctx, "1", long, false); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.NameVersion(ctx, "For public comment"); err != nil {
		t.Fatal(err)
	}
	rep, err := sa.ImportComments(ctx, []byte("paragraph,name,comment\r\n1.1,Chen Wei,Say which exercises.\r\n"), "")
	if err != nil || rep.Added != 1 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	anchor := func() AnchorState {
		t.Helper()
		cs, err := sa.Comments()
		if err != nil || len(cs) != 1 {
			t.Fatalf("comments: %d, %v", len(cs), err)
		}
		return cs[0].Anchor
	}
	if got := anchor(); got != AnchorIntact {
		t.Errorf("right after the import: %s", got)
	}
	i := strings.LastIndex(long, "shared")
	if _, _, err := sa.Write(ctx, "1", long[:i]+"joint"+long[i+len("shared"):], false); err != nil {
		t.Fatal(err)
	}
	if got := anchor(); got != AnchorEdited {
		t.Errorf("after an edit near the paragraph's end, past what the comment keeps: %s", got)
	}
}

// A row that cites no paragraph is a comment on the whole output, and one
// that cites only a heading's number is on that heading as a whole; both
// are in the disposition table (issue 25, defect 2: they were skipped).
func TestGeneralCommentsAreKept(t *testing.T) {
	ctx := context.Background()
	sa, _ := sharedPair(t)
	if _, _, err := sa.Write(ctx, "1", "First paragraph.\n\nSecond paragraph.", false); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.NameVersion(ctx, "For public comment"); err != nil {
		t.Fatal(err)
	}
	csvFile := "paragraph,name,comment\r\n3,Chen Wei,This heading needs examples.\r\n,Dana Okafor,A good output overall.\r\n1.2,Ana,Shorter please.\r\n99,X,Nowhere.\r\n"
	rep, err := sa.ImportComments(ctx, []byte(csvFile), "")
	if err != nil || rep.Added != 3 || len(rep.Bad) != 1 || rep.Bad[0].Row != 5 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	cs, err := sa.Comments()
	if err != nil {
		t.Fatal(err)
	}
	whole := map[string]Comment{}
	for _, c := range cs {
		if c.Anchor == AnchorWhole {
			whole[c.Text] = c
		}
	}
	if c := whole["A good output overall."]; c.Section != "" || c.Commenter.Name != "Dana Okafor" {
		t.Errorf("the general comment: %+v", c)
	}
	if c := whole["This heading needs examples."]; c.Number != 3 || c.Paragraph != "3" {
		t.Errorf("the comment on heading 3: %+v", c)
	}
	d, err := sa.Disposition()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range d.Rows {
		got = append(got, r.Paragraph+": "+r.Comment)
	}
	if want := "General: A good output overall.|1.2: Shorter please.|3 (whole heading): This heading needs examples."; strings.Join(got, "|") != want {
		t.Errorf("the disposition table:\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
	if again, err := sa.ImportComments(ctx, []byte(csvFile), ""); err != nil || again.Added != 0 || again.Duplicates != 3 {
		t.Errorf("the same file again: %+v %v", again, err)
	}
}

// The disposition table says where a cited paragraph is now, keeps
// resolved comments with their response, and leaves out a comment the
// co-facilitators withdrew (a duplicate), which stays in the draft
// (issue 25, defect 5).
func TestDispositionSaysWhereNowAndLeavesOutWithdrawn(t *testing.T) {
	ctx := context.Background()
	sa, _ := sharedPair(t)
	if _, _, err := sa.Write(ctx, "1", "First paragraph.\n\nSecond paragraph.", false); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.NameVersion(ctx, "For public comment"); err != nil {
		t.Fatal(err)
	}
	csvFile := "paragraph,name,comment\r\n1.1,Ana,Clear.\r\n1.2,Chen Wei,Say more.\r\n1.2,Chen W.,Say more.\r\n"
	if rep, err := sa.ImportComments(ctx, []byte(csvFile), ""); err != nil || rep.Added != 3 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	if _, _, err := sa.Write(ctx, "1", "First paragraph.\n\nA new one.\n\nSecond paragraph.", false); err != nil {
		t.Fatal(err)
	}
	cs, err := sa.Comments()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		switch c.Commenter.Name {
		case "Chen W.":
			if err := sa.Respond(ctx, c.ID, StatusWithdrawn, "Duplicate of Chen Wei's."); err != nil {
				t.Fatal(err)
			}
		case "Ana":
			if err := sa.Respond(ctx, c.ID, StatusNoted, "Thank you."); err != nil {
				t.Fatal(err)
			}
			if err := sa.Resolve(ctx, c.ID, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	d, err := sa.Disposition()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range d.Rows {
		got = append(got, r.Paragraph+": "+r.Name+": "+r.Status)
	}
	if want := "1.1: Ana: noted|1.2 → now 1.3: Chen Wei: "; strings.Join(got, "|") != want {
		t.Errorf("the disposition table:\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
	if cs, _ := sa.Comments(); len(cs) != 3 {
		t.Errorf("%d comments in the draft; the withdrawn one stays", len(cs))
	}
	if _, err := ParseDispositionStatus("withdrawn"); err != nil {
		t.Error(err)
	}
}

// Issue 25, defect 1: comments filled in the template of one version and
// imported again, corrected, after a later version was named, attach to
// the version the template names, by its paragraph numbers: only the
// corrected row comes in, on the paragraph it cited (now moved), and the
// table lists each comment once. A file that names no version, with two
// named, is refused until told which; one whose rows name two versions,
// or another version than the one asked for, is refused.
func TestCommentsAttachToTheTemplatesVersion(t *testing.T) {
	ctx := context.Background()
	sa, _ := sharedPair(t)
	if _, _, err := sa.Write(ctx, "1", "Access is a right.\n\nTrust takes time.\n\nNorms need practice.", false); err != nil {
		t.Fatal(err)
	}
	v1, err := sa.NameVersion(ctx, "Draft for public comment")
	if err != nil {
		t.Fatal(err)
	}
	p, err := sa.Publication(v1.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := string(export.CommentTemplate(p))
	fill := func(para, name, text string) {
		tmpl = strings.Replace(tmpl, "\r\n"+para+",", "\r\n"+para+",", 1)
		i := strings.Index(tmpl, "\r\n"+para+",")
		j := i + 2 + strings.Index(tmpl[i+2:], "\r\n")
		cells := strings.Split(tmpl[i+2:j], ",")
		cells[2], cells[6] = name, text
		tmpl = tmpl[:i+2] + strings.Join(cells, ",") + tmpl[j:]
	}
	fill("1.1", "Ana", "Say whose right.")
	fill("1.2", "Chen Wei", "How long?")
	fill("1.3", "Dana", "Which norms?")
	if rep, err := sa.ImportComments(ctx, []byte(tmpl), ""); err != nil || rep.Added != 3 {
		t.Fatalf("first import: %+v %v", rep, err)
	}
	// The text moves on: a paragraph before 1.2, and a final version.
	if _, _, err := sa.Write(ctx, "1", "Access is a right.\n\nA new paragraph.\n\nTrust takes time.\n\nNorms need practice.", false); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.NameVersion(ctx, "Final output"); err != nil {
		t.Fatal(err)
	}
	corrected := strings.Replace(tmpl, "How long?", "How long in years?", 1)
	rep, err := sa.ImportComments(ctx, []byte(corrected), "")
	if err != nil || rep.Added != 0 || rep.Corrected != 1 || rep.Duplicates != 2 {
		t.Fatalf("the corrected file, after a later version: %+v %v", rep, err)
	}
	// Imported once more, and the first file again: nothing changes.
	if rep, err := sa.ImportComments(ctx, []byte(corrected), ""); err != nil || rep.Added+rep.Corrected != 0 || rep.Duplicates != 3 {
		t.Errorf("the corrected file again: %+v %v", rep, err)
	}
	if rep, err := sa.ImportComments(ctx, []byte(tmpl), ""); err != nil || rep.Added+rep.Corrected != 0 {
		t.Errorf("the first file again undid the correction: %+v %v", rep, err)
	}
	d, err := sa.Disposition()
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, r := range d.Rows {
		rows = append(rows, r.Paragraph+" "+r.Comment)
	}
	want := "1.1 Say whose right.|1.2 → now 1.3 How long in years?|1.3 → now 1.4 Which norms?"
	if strings.Join(rows, "|") != want {
		t.Errorf("the table:\n%s\nwant\n%s", strings.Join(rows, "|"), want)
	}

	plain := "paragraph,name,comment\r\n1.1,Eve,No version here.\r\n"
	if _, err := sa.ImportComments(ctx, []byte(plain), ""); !errors.Is(err, ErrWhichVersion) {
		t.Errorf("a file naming no version, with two named: %v", err)
	}
	if rep, err := sa.ImportComments(ctx, []byte(plain), "Final output"); err != nil || rep.Added != 1 {
		t.Errorf("the same, told which: %+v %v", rep, err)
	}
	mixed := "paragraph,name,comment,version\r\n1.1,Eve,One.," + v1.ID + "\r\n1.2,Eve,Two.,zzzzzzzz\r\n"
	if _, err := sa.ImportComments(ctx, []byte(mixed), ""); !errors.Is(err, ErrUnreadable) {
		t.Errorf("rows from two versions: %v", err)
	}
	if _, err := sa.ImportComments(ctx, []byte(corrected), "Final output"); err == nil {
		t.Error("a file of one version imported as another")
	}
}

// A participant who writes a withdrawal into the draft by hand (a raw
// response entry, as a hostile build would) takes nothing out of the
// table: on both copies the comment stays listed, unanswered.
func TestAForgedWithdrawalDoesNotCount(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, _, err := sa.Write(ctx, "1", "First paragraph.", false); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.NameVersion(ctx, "For public comment"); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.ImportComments(ctx, []byte("paragraph,name,comment\r\n1.1,Chen Wei,Unwelcome but fair.\r\n"), ""); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	cs, err := sb.Comments()
	if err != nil || len(cs) != 1 {
		t.Fatalf("the participant's copy: %d comments, %v", len(cs), err)
	}
	if err := sb.Respond(ctx, cs[0].ID, StatusWithdrawn, "Gone."); !errors.Is(err, ErrForbidden) {
		t.Fatalf("the participant's own client withdrew: %v", err)
	}
	if err := sb.edit(ctx, func() error {
		return sb.journalComment(commentEntry{Type: "rs", To: cs[0].ID, Section: cs[0].Section, Status: string(StatusWithdrawn), Text: "Gone."})
	}); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	for who, s := range map[string]*Session{"Amina": sa, "Bruno": sb} {
		d, err := s.Disposition()
		if err != nil || len(d.Rows) != 1 || d.Rows[0].Status != "" {
			t.Errorf("%s's table after the forged withdrawal: %+v %v", who, d.Rows, err)
		}
	}
}

// A participant who writes a correction into the draft by hand (a raw
// "pe" entry) changes no public comment on either copy: only whoever may
// import public comments corrects them.
func TestAForgedCorrectionDoesNotCount(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, _, err := sa.Write(ctx, "1", "First paragraph.", false); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.NameVersion(ctx, "For public comment"); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.ImportComments(ctx, []byte("paragraph,name,comment\r\n1.1,Chen Wei,Unwelcome but fair.\r\n"), ""); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	cs, err := sb.Comments()
	if err != nil || len(cs) != 1 {
		t.Fatalf("the participant's copy: %d comments, %v", len(cs), err)
	}
	if err := sb.edit(ctx, func() error {
		return sb.journalComment(commentEntry{Type: "pe", To: cs[0].ID, Section: cs[0].Section, Text: "Entirely welcome.", Key: "forged"})
	}); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	for who, s := range map[string]*Session{"Amina": sa, "Bruno": sb} {
		cs, err := s.Comments()
		if err != nil || len(cs) != 1 || cs[0].Text != "Unwelcome but fair." || cs[0].Corrected {
			t.Errorf("%s's copy after the forged correction: %+v %v", who, cs, err)
		}
	}
}
