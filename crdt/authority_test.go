package crdt

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/automerge/automerge-go"
)

// forgeGrant writes roles/PERSON as SetRole does but naming by as the
// granter: what a hostile build writes to pass for the creator.
func forgeGrant(t *testing.T, d *Doc, person string, role Role, by string) {
	t.Helper()
	root := d.am.RootMap()
	d.begin(KindRole, "")
	rm, err := mapAt(root, "roles")
	if err != nil {
		if err := root.Set("roles", automerge.NewMap()); err != nil {
			t.Fatal(err)
		}
		if rm, err = mapAt(root, "roles"); err != nil {
			t.Fatal(err)
		}
	}
	if err := rm.Set(person, automerge.NewMap()); err != nil {
		t.Fatal(err)
	}
	m, err := mapAt(rm, person)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{"role": string(role), "by": by, "at": t0} {
		if err := m.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
}

// participate registers a person in the registry, as a device's first
// write does, and commits.
func participate(t *testing.T, d *Doc, person, name string) {
	t.Helper()
	if _, err := d.SetParticipant(Participant{Person: person, Name: name}); err != nil {
		t.Fatal(err)
	}
	commit(t, d)
}

func decide(t *testing.T, d *Doc, entry string) {
	t.Helper()
	if err := d.Journaled(JournalDecisions, KindDecision, "", entry); err != nil {
		t.Fatal(err)
	}
	commit(t, d)
}

// decisionRoles returns, per decision entry, the role its author held
// as its change saw the draft.
func decisionRoles(t *testing.T, d *Doc) map[string]Role {
	t.Helper()
	l := NewLedger()
	if _, err := l.Update(d); err != nil {
		t.Fatal(err)
	}
	auth := d.Authority(l)
	out := map[string]Role{}
	for _, r := range l.Journal(JournalDecisions) {
		out[r.Value] = auth.AuthorRole(r.By)
	}
	return out
}

// A decision is judged by the role its author held when making it: a
// withdrawal does not erase decisions made before it or apart from it,
// and does not let later ones count; a participant's forged grant, even
// one naming the creator as granter, gives no one a role.
func TestRolesJudgedInTheDecisionsPast(t *testing.T) {
	a := newDraft(t, TemplateOutput)
	participate(t, a, "amina", "Amina")
	b := fork(t, a)
	participate(t, b, "bruno", "Bruno")
	mergeBoth(t, a, b)
	decide(t, b, "h0 1 accept") // before any grant
	if err := a.SetRole("bruno", RoleCoFacilitator, t0); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	mergeBoth(t, a, b)
	decide(t, b, "h1 1 reject") // as co-facilitator
	mergeBoth(t, a, b)
	// Apart: Amina withdraws the role while Bruno, not knowing, decides.
	if err := a.SetRole("bruno", RoleParticipant, t0); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	decide(t, b, "h2 1 accept")
	mergeBoth(t, a, b)
	decide(t, b, "h3 1 reject") // knowing the withdrawal: a hostile build
	c := fork(t, a)
	participate(t, c, "carla", "Carla")
	forgeGrant(t, c, "carla", RoleCoFacilitator, c.Actor())
	forgeGrant(t, c, "bruno", RoleCoFacilitator, a.Actor())
	commit(t, c)
	decide(t, c, "h4 1 reject")
	mergeBoth(t, a, c)
	mergeBoth(t, a, b)
	decide(t, b, "h5 1 reject") // knowing Carla's forged grant
	mergeBoth(t, a, b)
	mergeBoth(t, a, c)

	want := map[string]Role{
		"h0 1 accept": RoleParticipant,
		"h1 1 reject": RoleCoFacilitator,
		"h2 1 accept": RoleCoFacilitator,
		"h3 1 reject": RoleParticipant,
		"h4 1 reject": RoleParticipant,
		"h5 1 reject": RoleParticipant,
	}
	for _, d := range []*Doc{a, b, c} {
		got := decisionRoles(t, d)
		for e, r := range want {
			if got[e] != r {
				t.Errorf("%s: %q decided as %q, want %q", d.Actor()[:6], e, got[e], r)
			}
		}
	}
}

// Three peers fork one draft and exchange, in random orders, grants and
// withdrawals by the creator (from two of her devices), decisions, and a
// participant's forged grants (self-given, or naming the creator as
// granter, or overwriting a real one) and decisions. Every peer, once
// all hold the same heads, gives every change's author the same role, and
// every actor the same role at every change, whatever order each
// learnt the changes in; the creator is a co-facilitator at every change
// and the forger a participant.
func TestRolesAtChangesConverge(t *testing.T) {
	for seed := int64(1); seed <= 12; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { rolesConverge(t, seed) })
	}
}

func rolesConverge(t *testing.T, seed int64) {
	rng := rand.New(rand.NewSource(seed))
	a := newDraft(t, TemplateOutput)
	participate(t, a, "amina", "Amina")
	peers := []*Doc{a, fork(t, a), fork(t, a)}
	a2 := fork(t, a) // the creator's laptop, writing through peer 0's copies
	persons := []string{"amina", "bruno", "carla"}
	for i, d := range peers[1:] {
		if _, err := d.SetParticipant(Participant{Person: persons[i+1], Name: persons[i+1]}); err != nil {
			t.Fatal(err)
		}
		commit(t, d)
	}
	if _, err := a2.SetParticipant(Participant{Person: "amina", Name: "Amina (laptop)"}); err != nil {
		t.Fatal(err)
	}
	commit(t, a2)
	ledgers := []*Ledger{NewLedger(), NewLedger(), NewLedger()}
	roles := []Role{RoleCoFacilitator, RoleRapporteur, RoleParticipant}
	for step := 0; step < 40; step++ {
		switch rng.Intn(6) {
		case 0: // the creator grants or withdraws, from one of her devices
			d := a
			if rng.Intn(2) == 0 {
				d = a2
			}
			if err := d.SetRole("bruno", roles[rng.Intn(3)], t0); err != nil {
				t.Fatal(err)
			}
			commit(t, d)
			if d == a2 {
				mergeBoth(t, a, a2)
			}
		case 1, 2: // a decision by anyone
			i := rng.Intn(3)
			decide(t, peers[i], fmt.Sprintf("h%d 1 accept", step))
		case 3: // Carla forges
			c := peers[2]
			switch rng.Intn(3) {
			case 0:
				forgeGrant(t, c, "carla", RoleCoFacilitator, c.Actor())
			case 1:
				forgeGrant(t, c, "carla", RoleRapporteur, a.Actor())
			default:
				forgeGrant(t, c, "bruno", roles[rng.Intn(3)], a.Actor())
			}
			commit(t, c)
		default: // one peer hears from another
			i, j := rng.Intn(3), rng.Intn(3)
			if i != j {
				if err := peers[i].Merge(peers[j]); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Each peer's ledger learns changes in the order the peer did.
		for i, d := range peers {
			if _, err := ledgers[i].Update(d); err != nil {
				t.Fatal(err)
			}
		}
	}
	mergeEveryWay(t, rng, peers)
	if err := peers[0].Merge(a2); err != nil {
		t.Fatal(err)
	}
	mergeEveryWay(t, rng, peers)
	var want string
	for i, d := range peers {
		if _, err := ledgers[i].Update(d); err != nil {
			t.Fatal(err)
		}
		l := ledgers[i]
		auth := d.Authority(l)
		var lines []string
		granted := 0
		for ref, ch := range l.Changes() {
			c := ChangeRef(ref)
			line := ch.Hash + " " + string(auth.AuthorRole(c))
			for _, actor := range []string{a.Actor(), a2.Actor(), peers[1].Actor(), peers[2].Actor()} {
				r := auth.RoleAt(c, actor)
				line += " " + string(r)
				switch {
				case (actor == a.Actor() || actor == a2.Actor()) && r != RoleCoFacilitator:
					t.Fatalf("the creator is %q at change %.8s", r, ch.Hash)
				case actor == peers[2].Actor() && r != RoleParticipant:
					t.Fatalf("the forger is %q at change %.8s", r, ch.Hash)
				case actor == peers[1].Actor() && r != RoleParticipant:
					granted++
				}
			}
			lines = append(lines, line)
		}
		// The descendant sets agree with the walk back of Precedes.
		n := len(l.Changes())
		for k := 0; k < 300; k++ {
			g, c := ChangeRef(rng.Intn(n)), ChangeRef(rng.Intn(n))
			if auth.before(g, c) != l.Precedes(g, c) {
				t.Fatalf("change %d before %d: %v, Precedes says otherwise", g, c, auth.before(g, c))
			}
		}
		sort.Strings(lines)
		got := strings.Join(d.Heads(), ",") + "\n" + strings.Join(lines, "\n")
		if i == 0 {
			want = got
			if granted == 0 && seed == 1 {
				t.Errorf("Bruno never held a role: the run tests little")
			}
			continue
		}
		if got != want {
			t.Fatalf("peer %d reads roles differently from peer 0", i)
		}
	}
}

// TestCoFacilitatorsGrant: a co-facilitator, made one by the creator,
// gives and withdraws roles too; a rapporteur cannot, nor can anyone by
// naming the creator as granter. The roles of now (RoleNow) read the
// grants that count the same way, so a forged one shows nowhere.
func TestCoFacilitatorsGrant(t *testing.T) {
	a := newDraft(t, TemplateOutput)
	people := map[string]*Doc{"amina": a}
	participate(t, a, "amina", "Amina")
	for _, p := range []string{"bruno", "carla", "dan", "eve"} {
		d := fork(t, a)
		participate(t, d, p, p)
		mergeBoth(t, a, d)
		people[p] = d
	}
	sync := func() {
		for range 2 {
			for _, d := range people {
				if d != a {
					mergeBoth(t, a, d)
				}
			}
		}
	}
	sync()
	grant := func(by, to string, r Role) {
		t.Helper()
		if err := people[by].SetRole(to, r, t0); err != nil {
			t.Fatal(err)
		}
		commit(t, people[by])
		sync()
	}
	grant("amina", "bruno", RoleCoFacilitator)
	grant("bruno", "carla", RoleRapporteur)                           // counts: Bruno is a co-facilitator
	grant("carla", "dan", RoleCoFacilitator)                          // does not: a rapporteur cannot grant
	forgeGrant(t, people["eve"], "eve", RoleCoFacilitator, a.Actor()) // nor a forged granter
	commit(t, people["eve"])
	sync()
	want := map[string]Role{"amina": RoleCoFacilitator, "bruno": RoleCoFacilitator, "carla": RoleRapporteur, "dan": RoleParticipant, "eve": RoleParticipant}
	for _, d := range people {
		l := ledgerOf(t, d)
		auth := d.Authority(l)
		for p, r := range want {
			if got := auth.RoleNow(people[p].Actor()); got != r {
				t.Errorf("%s's copy: %s is %q now, want %q", d.Actor()[:6], p, got, r)
			}
		}
	}
}

// mergeEveryWay merges every peer into every other, in a random order.
func mergeEveryWay(t *testing.T, rng *rand.Rand, peers []*Doc) {
	t.Helper()
	for _, i := range rng.Perm(len(peers)) {
		for _, j := range rng.Perm(len(peers)) {
			if i != j {
				if err := peers[i].Merge(peers[j]); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}
