package app

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// TestAuthorityConverges is issue 23's convergence property: three peers
// of a draft made with signatures (the creator, a co-facilitator whose
// role comes and goes, and a participant running a hostile build that
// writes decisions, grants and versions it has no right to) act in turn
// and exchange changes in a random order; once they hold the same heads
// they show the same roles, decisions, versions and comment states, and
// none of the hostile entries counts.
func TestAuthorityConverges(t *testing.T) {
	for seed := int64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { converges(t, seed) })
	}
}

func converges(t *testing.T, seed int64) {
	ctx := context.Background()
	rng := rand.New(rand.NewSource(seed))
	wa, wb, sa := invitedPair(t, Options{Poll: -1})
	wc := joinedBy(t, wa, sa, "Chen")
	ws := []*Workspace{wa, wb, wc}
	syncPair(t, wa, wb)
	syncPair(t, wa, wc)
	ss := []*Session{sa, nil, nil}
	for i := 1; i < 3; i++ {
		var err error
		if ss[i], err = ws[i].Session(ctx, sa.ID()); err != nil {
			t.Fatal(err)
		}
		defer ss[i].Close(ctx)
	}
	// Every peer registers (its first write) and the creator makes the
	// second one a co-facilitator.
	for i, s := range ss {
		if _, _, err := s.Write(ctx, fmt.Sprint(i+1), fmt.Sprintf("Opening text by peer %d.", i), false); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range [][2]int{{1, 0}, {2, 0}, {0, 1}, {0, 2}} {
		syncPair(t, ws[p[0]], ws[p[1]])
	}
	if _, err := sa.SetRole(ctx, wb.Actor(), crdt.RoleCoFacilitator); err != nil {
		t.Fatal(err)
	}
	// A public-comment round: the creator names a version and imports
	// two comments on it; the hostile participant imports invented ones.
	if _, err := sa.NameVersion(ctx, "Draft for public comment"); err != nil {
		t.Fatal(err)
	}
	csv := "paragraph,name,organisation,stakeholder_group,region,comment\r\n1.1,Chen Wei,ISOC,Technical community,Asia-Pacific,Clearer please.\r\n2.1,Dana Okafor,,Civil society,African,Add training.\r\n"
	if _, err := sa.ImportComments(ctx, []byte(csv), "Draft for public comment"); err != nil {
		t.Fatal(err)
	}
	for _, p := range [][2]int{{0, 1}, {0, 2}} {
		syncPair(t, ws[p[0]], ws[p[1]])
	}
	invented := "paragraph,name,organisation,stakeholder_group,region,comment\r\n1.1,Nobody,,Government,WEOG,Invented.\r\n"
	if _, err := ss[2].importComments(ctx, []byte(invented), "Draft for public comment", false); err != nil {
		t.Fatal(err)
	}

	for round := 0; round < 6; round++ {
		for _, i := range rng.Perm(3) {
			act(t, rng, ss[i], i)
		}
		for range 2 {
			a, b := rng.Intn(3), rng.Intn(3)
			if a != b {
				syncPair(t, ws[a], ws[b])
			}
		}
	}
	for range 3 {
		syncPair(t, wa, wb)
		syncPair(t, wb, wc)
		syncPair(t, wa, wc)
	}
	heads := sa.Heads()
	for i, s := range ss {
		if !slices.Equal(s.Heads(), heads) {
			t.Fatalf("peer %d did not converge", i)
		}
	}
	want := describe(t, sa)
	for i, s := range ss[1:] {
		if got := describe(t, s); got != want {
			g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
			for k := range min(len(g), len(w)) {
				if g[k] != w[k] {
					t.Errorf("peer %d shows another state than the creator: %q, the creator %q", i+1, g[k], w[k])
				}
			}
		}
	}
	// The hostile participant's entries count for nothing.
	v := sa.View()
	if v.Roles[wc.Actor()] != crdt.RoleParticipant {
		t.Errorf("the hostile participant's role: %s", v.Roles[wc.Actor()])
	}
	for _, ver := range sa.Versions() {
		if ver.Actor == wc.Actor() {
			t.Errorf("a version named by the hostile participant counts: %+v", ver)
		}
	}
	hunks, err := sa.Review("creation")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hunks {
		for _, d := range h.Decisions {
			if d.Actor == wc.Actor() {
				t.Errorf("a decision by the hostile participant counts: %+v", d)
			}
		}
	}
	cs, err := sa.Comments()
	if err != nil {
		t.Fatal(err)
	}
	public := 0
	for _, c := range cs {
		if c.Public {
			public++
			if c.Commenter.Name == "Nobody" {
				t.Error("a public comment the hostile participant invented counts")
			}
			if c.Response != nil && c.Response.Actor == wc.Actor() {
				t.Errorf("a response by the hostile participant counts: %+v", c.Response)
			}
		}
	}
	if public != 2 {
		t.Errorf("%d public comments, want the 2 the creator imported", public)
	}
	if nc, _, err := sa.NotCounted(); err != nil || nc != 1 {
		t.Errorf("public comments not counted: %d, %v; want the 1 invented", nc, err)
	}
}

// act does one random thing a peer might do; peer 2 runs a hostile
// build.
func act(t *testing.T, rng *rand.Rand, s *Session, peer int) {
	t.Helper()
	ctx := context.Background()
	sec := fmt.Sprint(1 + rng.Intn(4))
	switch rng.Intn(9) {
	case 7: // a stance on a paragraph of the first heading, or a change of it
		value := []string{Support, Object, NoStand}[rng.Intn(3)]
		// (The first heading may be empty: a decision rejected its text.)
		if err := s.SetStance(ctx, "1.1", value, fmt.Sprintf("Reason %d of %d.", rng.Intn(100), peer)); err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
	case 8: // a settled status; the hostile build writes one without the role
		status := []string{Agreed, Contested, OpenStatus}[rng.Intn(3)]
		var err error
		if peer == 2 {
			err = s.edit(ctx, func() error { return s.anchored("1.1", stanceEntry{Type: "se", Value: status}) })
		} else if err = s.Settle(ctx, "1.1", status, ""); errors.Is(err, ErrForbidden) {
			err = nil
		}
		if errors.Is(err, ErrNotFound) {
			err = nil
		}
		if err != nil {
			t.Fatal(err)
		}
	case 6: // a response to a public comment; the hostile build's counts for nothing
		cs, err := s.Comments()
		if err != nil {
			t.Fatal(err)
		}
		var public []Comment
		for _, c := range cs {
			if c.Public {
				public = append(public, c)
			}
		}
		if len(public) == 0 {
			return
		}
		c := public[rng.Intn(len(public))]
		status := []DispositionStatus{StatusAcceptedComment, StatusPartly, StatusNotAccepted}[rng.Intn(3)]
		text := fmt.Sprintf("Answer %d by %d.", rng.Intn(100), peer)
		if peer == 2 {
			err = s.edit(ctx, func() error {
				return s.journalComment(commentEntry{Type: "rs", To: c.ID, Section: c.Section, Status: string(status), Text: text})
			})
		} else {
			err = s.Respond(ctx, c.ID, status, text)
			if err != nil && strings.Contains(err.Error(), "only a co-facilitator") {
				err = nil
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	case 0, 1:
		if _, _, err := s.Write(ctx, sec, fmt.Sprintf(" Peer %d adds %d.", peer, rng.Intn(1000)), true); err != nil {
			t.Fatal(err)
		}
	case 2:
		body := s.Sections()[0].Body
		if len(body) > 4 {
			if _, err := s.CommentAt(ctx, "1", 0, 4, fmt.Sprintf("Comment by %d", peer)); err != nil {
				t.Fatal(err)
			}
		}
	case 3:
		cs, err := s.Comments()
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) > 0 {
			c := cs[rng.Intn(len(cs))]
			if err := s.Resolve(ctx, c.ID, !c.Resolved); err != nil {
				t.Fatal(err)
			}
		}
	case 4:
		verdict := []string{Accept, Reject}[rng.Intn(2)]
		if peer == 2 {
			hostileDecide(t, s, verdict)
			return
		}
		hunks, err := s.Review("creation")
		if err != nil {
			t.Fatal(err)
		}
		if len(hunks) == 0 {
			return
		}
		h := hunks[rng.Intn(len(hunks))]
		if _, err := s.Decide(ctx, verdict, []string{h.ID}, "", "creation"); err != nil && !strings.Contains(err.Error(), "only a co-facilitator") {
			t.Fatal(err)
		}
	case 5:
		switch peer {
		case 0: // the creator gives or withdraws the second peer's role
			role := []crdt.Role{crdt.RoleCoFacilitator, crdt.RoleParticipant, crdt.RoleRapporteur}[rng.Intn(3)]
			var who string
			for _, p := range s.View().Participants {
				if p.Actor != s.w.actor && p.Name == "Bruno" {
					who = p.Actor
				}
			}
			if who != "" {
				if _, err := s.SetRole(ctx, who, role); err != nil {
					t.Fatal(err)
				}
			}
		case 1:
			if _, err := s.NameVersion(ctx, fmt.Sprintf("v%d", rng.Intn(3))); err != nil && !strings.Contains(err.Error(), "only a co-facilitator") {
				t.Fatal(err)
			}
		case 2: // hostile: a grant to itself and a version, as a build without checks writes them
			err := s.edit(ctx, func() error {
				if err := s.o.doc.SetRole(s.Person(), crdt.RoleCoFacilitator, s.w.opts.Now()); err != nil {
					return err
				}
				_, err := s.o.doc.AddVersion(fmt.Sprintf("v%d", rng.Intn(3)), nil, s.w.opts.Now())
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
}

// describe prints what a peer shows of the draft's authority: roles by
// person, each hunk's status and decisions, the versions, each comment's
// state, and the text.
func describe(t *testing.T, s *Session) string {
	t.Helper()
	var b strings.Builder
	v := s.View()
	var roles []string
	for _, p := range v.Participants {
		roles = append(roles, fmt.Sprintf("%s=%s", p.Person, v.RoleOf(p.Actor)))
	}
	slices.Sort(roles)
	roles = slices.Compact(roles)
	fmt.Fprintln(&b, "roles", roles)
	hunks, err := s.Review("creation")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hunks {
		fmt.Fprintln(&b, "hunk", h.ID, h.Status, h.Reverted, len(h.Decisions))
	}
	for _, ver := range s.Versions() {
		fmt.Fprintln(&b, "version", ver.ID, ver.Name, ver.Actor, strings.Join(ver.Heads, ","))
	}
	cs, err := s.Comments()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		fmt.Fprintln(&b, "comment", c.ID, c.Public, c.Resolved, c.StatusBy, len(c.Replies))
		if c.Response != nil {
			fmt.Fprintln(&b, "response", c.Response.Status, c.Response.Actor, c.Response.Text)
		}
	}
	c, err := s.Consensus()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Paragraphs {
		fmt.Fprintln(&b, "paragraph", p.Paragraph, len(p.Support), len(p.Object))
		for _, st := range append(p.Support, p.Object...) {
			fmt.Fprintln(&b, "stance", st.Person, st.Value, st.Reason, st.Earlier)
		}
		if p.Status != nil {
			fmt.Fprintln(&b, "status", p.Status.Status, p.Status.Actor, p.Status.Earlier)
		}
	}
	fmt.Fprintln(&b, "statuses not counted", c.NotCounted)
	for _, sec := range s.Sections() {
		fmt.Fprintln(&b, "text", sec.ID, sec.Body)
	}
	return b.String()
}
