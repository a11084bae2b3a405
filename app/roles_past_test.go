package app

import (
	"context"
	"fmt"
	"testing"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// TestRolesJudgedWhenUsed is issue 23's sixth attack: Bruno, made
// co-facilitator by Amina, rejects one hunk, accepts another, imports a
// public comment and responds to it; Amina then withdraws his role. On
// both machines what he did as co-facilitator still counts (his
// rejection's revert is in the text, so the review must still say why),
// while what a hostile build of his writes after the withdrawal (a
// rejection, a response, an import, each skipping the local role check)
// counts for nothing.
func TestRolesJudgedWhenUsed(t *testing.T) {
	ctx := context.Background()
	sa, sb := sharedPair(t)
	if _, _, err := sa.Write(ctx, "1", "First paragraph.", false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sb.Write(ctx, "4", "Bruno's paragraph.", false); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb) // Bruno is in the registry
	if _, err := sa.NameVersion(ctx, "For public comment"); err != nil {
		t.Fatal(err)
	}
	for sec, text := range map[string]string{"2": "Amina's second heading.", "3": "Amina's third heading."} {
		if _, _, err := sa.Write(ctx, sec, text, false); err != nil {
			t.Fatal(err)
		}
	}
	exchange(t, sa, sb)
	if _, err := sa.SetRole(ctx, "Bruno", crdt.RoleCoFacilitator); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)

	hunk := map[int]string{} // by heading number
	for _, h := range mustReview(t, sb, "") {
		hunk[h.Number] = h.ID
	}
	if len(hunk) != 2 || hunk[2] == "" || hunk[3] == "" {
		t.Fatalf("hunks: %v", hunk)
	}
	if _, err := sb.Decide(ctx, Reject, []string{hunk[2]}, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Decide(ctx, Accept, []string{hunk[3]}, "", ""); err != nil {
		t.Fatal(err)
	}
	csv := "Comment,Paragraph,Name,Organisation,Stakeholder_Group,Region\r\n" +
		"Say more about access.,1.1,Chidi Okafor,Open Net,Civil society,African Group\r\n"
	if rep, err := sb.ImportComments(ctx, []byte(csv), ""); err != nil || rep.Added != 1 {
		t.Fatalf("the co-facilitator's import: %+v %v", rep, err)
	}
	public := func(s *Session) []Comment {
		t.Helper()
		cs, err := s.Comments()
		if err != nil {
			t.Fatal(err)
		}
		var out []Comment
		for _, c := range cs {
			if c.Public {
				out = append(out, c)
			}
		}
		return out
	}
	pcs := public(sb)
	if len(pcs) != 1 {
		t.Fatalf("public comments: %+v", pcs)
	}
	pc := pcs[0]
	if err := sb.Respond(ctx, pc.ID, StatusNoted, "Thanks, noted."); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	if _, err := sa.SetRole(ctx, "Bruno", crdt.RoleParticipant); err != nil {
		t.Fatal(err)
	}
	exchange(t, sa, sb)
	if _, err := sb.Decide(ctx, Reject, []string{hunk[3]}, "", ""); err == nil {
		t.Fatal("a withdrawn co-facilitator decided through the app")
	}

	// A hostile build of Bruno's: the same writes without the role check.
	err := sb.edit(ctx, func() error {
		hs, err := sb.review("")
		if err != nil {
			return err
		}
		l, err := sb.ledger()
		if err != nil {
			return err
		}
		for i := range hs {
			h := &hs[i]
			if h.ID != hunk[3] {
				continue
			}
			if err := sb.apply(l, h, Reject, l.All()); err != nil {
				return err
			}
			entry := fmt.Sprintf("%s %d %s", h.ID, h.round(), Reject)
			if err := sb.o.doc.Journaled(crdt.JournalDecisions, crdt.KindDecision, h.Section, entry); err != nil {
				return err
			}
		}
		return sb.journalComment(commentEntry{Type: "rs", To: pc.ID, Section: pc.Section, Status: string(StatusNotAccepted), Text: "Overruled."})
	})
	if err != nil {
		t.Fatal(err)
	}
	late := "Comment,Paragraph,Name,Organisation,Stakeholder_Group,Region\r\n" +
		"Everyone agrees with Bruno.,1.1,Invented Person,Nowhere Inc,Private sector,WEOG\r\n"
	if rep, err := sb.importComments(ctx, []byte(late), "", false); err != nil || rep.Added != 1 {
		t.Fatalf("the hostile import: %+v %v", rep, err)
	}
	exchange(t, sa, sb)

	for who, s := range map[string]*Session{"Amina": sa, "Bruno": sb} {
		status := map[string]HunkStatus{}
		for _, h := range mustReview(t, s, "") {
			status[h.ID] = h.Status
			if h.ID == hunk[2] && (len(h.Decisions) != 1 || h.Decisions[0].Actor != sb.w.actor) {
				t.Errorf("%s: the rejection's decisions: %+v", who, h.Decisions)
			}
		}
		if status[hunk[2]] != StatusRejected {
			t.Errorf("%s: Bruno's rejection made as co-facilitator reads %q", who, status[hunk[2]])
		}
		if status[hunk[3]] != StatusAccepted {
			t.Errorf("%s: Bruno's acceptance, overruled by himself after the withdrawal, reads %q", who, status[hunk[3]])
		}
		pcs := public(s)
		if len(pcs) != 1 || pcs[0].ID != pc.ID {
			t.Fatalf("%s: public comments %+v", who, pcs)
		}
		if r := pcs[0].Response; r == nil || r.Status != StatusNoted || r.Text != "Thanks, noted." {
			t.Errorf("%s: the response is %+v", who, r)
		}
	}
}
