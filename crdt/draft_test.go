package crdt

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func newDraft(t *testing.T, tmpl Template) *Doc {
	t.Helper()
	d, err := New(NewActor(), tmpl, "BPF Cybersecurity 2026", "Cybersecurity", 2026, t0)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func commit(t *testing.T, d *Doc) {
	t.Helper()
	d.SetClock(func() time.Time { return t0.Add(time.Minute) })
	if _, err := d.Commit(); err != nil {
		t.Fatal(err)
	}
}

func save(t *testing.T, d *Doc) []byte {
	t.Helper()
	b, err := d.Save()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fork copies d onto a new actor, as a second machine that received the draft.
func fork(t *testing.T, d *Doc) *Doc {
	t.Helper()
	c, err := Load(save(t, d))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetActor(NewActor()); err != nil {
		t.Fatal(err)
	}
	return c
}

func mergeBoth(t *testing.T, a, b *Doc) {
	t.Helper()
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	if err := b.Merge(a); err != nil {
		t.Fatal(err)
	}
}

func TestTemplates(t *testing.T) {
	out := newDraft(t, TemplateOutput)
	secs := out.Sections()
	if len(secs) != 9 {
		t.Fatalf("output template has %d sections, want 8 headings + carry forward", len(secs))
	}
	want := []string{"Definition of the issue(s)", "Regional specificities", "Existing policy measures",
		"What worked well", "Unintended consequences", "Unresolved issues", "Insights gained",
		"Proposed steps", "Carrying the work forward"}
	for i, s := range secs {
		if !strings.HasPrefix(s.Heading, want[i]) {
			t.Errorf("section %d heading %q, want prefix %q", i+1, s.Heading, want[i])
		}
		if s.Hint == "" || s.Body != "" || s.ID == "" {
			t.Errorf("section %d: hint %q body %q id %q", i+1, s.Hint, s.Body, s.ID)
		}
	}
	m := out.Meta()
	if m.Title != "BPF Cybersecurity 2026" || m.Theme != "Cybersecurity" || m.Year != 2026 || m.Template != TemplateOutput || m.ID == "" || !m.Created.Equal(t0) {
		t.Errorf("meta = %+v", m)
	}
	prop := newDraft(t, TemplateProposal)
	var hs []string
	for _, s := range prop.Sections() {
		hs = append(hs, s.Heading)
	}
	if got := strings.Join(hs, "; "); got != "Background; Description; Outreach plan and multistakeholder engagement" {
		t.Errorf("proposal headings %q", got)
	}
	if _, err := New(NewActor(), "memo", "x", "", 2026, t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown template: err = %v, want ErrInvalid", err)
	}
}

func TestSpliceCodePoints(t *testing.T) {
	d := newDraft(t, TemplateOutput)
	id := d.Sections()[0].ID
	cases := []struct {
		name, start string
		pos, del    int
		ins, want   string
	}{
		{"emoji", "a😀b", 1, 1, "🙃", "a🙃b"},
		{"emoji after", "😀😀", 2, 0, "!", "😀😀!"},
		{"arabic", "مرحبا بالعالم", 5, 1, "،", "مرحبا،بالعالم"},
		{"chinese", "互联网治理论坛", 3, 2, "", "互联网论坛"},
		{"combining", "e\u0301te\u0301", 2, 1, "T", "e\u0301Te\u0301"},
		{"flag", "🇰🇪 Kenya", 2, 0, "!", "🇰🇪! Kenya"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := d.ReplaceBody(id, c.start); err != nil {
				t.Fatal(err)
			}
			if err := d.Splice(id, c.pos, c.del, c.ins); err != nil {
				t.Fatal(err)
			}
			s, _ := d.Section(id)
			if s.Body != c.want {
				t.Errorf("Splice(%d,%d,%q) on %q = %q, want %q", c.pos, c.del, c.ins, c.start, s.Body, c.want)
			}
			n, _ := d.BodyLen(id)
			if n != len([]rune(c.want)) {
				t.Errorf("BodyLen = %d, want %d code points", n, len([]rune(c.want)))
			}
		})
	}
	if _, _, err := d.ReplaceBody(id, "😀😀"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][2]int{{3, 0}, {-1, 0}, {0, 3}, {1, 2}, {2, -1}} {
		if err := d.Splice(id, bad[0], bad[1], "x"); !errors.Is(err, ErrRange) {
			t.Errorf("Splice(%d,%d) on 2 code points: err = %v, want ErrRange", bad[0], bad[1], err)
		}
	}
	if err := d.Splice(id, 0, 0, "\xff\xfe"); !errors.Is(err, ErrInvalidText) {
		t.Errorf("invalid UTF-8: err = %v", err)
	}
	if err := d.Splice("nope", 0, 0, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown section: err = %v", err)
	}
}

func TestOffsets(t *testing.T) {
	s := "a😀é"
	if _, err := RuneOffset(s, 2); !errors.Is(err, ErrRange) {
		t.Errorf("RuneOffset inside emoji: err = %v", err)
	}
	if r, err := RuneOffset(s, 5); err != nil || r != 2 {
		t.Errorf("RuneOffset(5) = %d, %v; want 2", r, err)
	}
	if b, err := ByteOffset(s, 3); err != nil || b != len(s) {
		t.Errorf("ByteOffset(3) = %d, %v; want %d", b, err, len(s))
	}
	if _, err := ByteOffset(s, 4); !errors.Is(err, ErrRange) {
		t.Errorf("ByteOffset past end: err = %v", err)
	}
	if u, err := UTF16Offset(s, 2); err != nil || u != 3 {
		t.Errorf("UTF16Offset(2) = %d, %v; want 3", u, err)
	}
}

func TestCommitInfoAndHistory(t *testing.T) {
	d := newDraft(t, TemplateOutput)
	id := d.Sections()[2].ID
	a, r, err := d.ReplaceBody(id, "Hello world")
	if err != nil {
		t.Fatal(err)
	}
	commit(t, d)
	if ok, err := d.Commit(); ok || err != nil {
		t.Errorf("empty commit: %v %v, want false nil", ok, err)
	}
	a, r, _ = d.ReplaceBody(id, "Hello brave world")
	if a != 6 || r != 0 {
		t.Errorf("replace added %d removed %d, want 6 0", a, r)
	}
	commit(t, d)
	h, err := d.History()
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 || h[0].Kind != KindCreate || h[2].Section != id || h[2].Added != 6 || h[2].Actor != d.Actor() {
		t.Fatalf("history = %+v", h)
	}
	// Edits in two sections without a commit in between become two commits.
	other := d.Sections()[3].ID
	d.AppendBody(id, "!")
	d.AppendBody(other, "x")
	d.RenameSection(other, "Renamed")
	commit(t, d)
	h, _ = d.History()
	if len(h) != 6 || h[3].Section != id || h[4].Section != other || h[4].Kind != KindEdit || h[5].Kind != KindHeadRename {
		t.Errorf("mixed edits history = %+v", h[3:])
	}
	// Save closes Automerge's transaction: the pending edit must be committed with its metadata.
	d.AppendBody(other, "y")
	save(t, d)
	h, _ = d.History()
	if last := h[len(h)-1]; last.Kind != KindEdit || last.Section != other || last.Added != 1 {
		t.Errorf("edit committed by Save = %+v", last)
	}
}

func TestConcurrentEditsMerge(t *testing.T) {
	a := newDraft(t, TemplateOutput)
	s1 := a.Sections()[0].ID
	a.ReplaceBody(s1, "First paragraph.\nSecond paragraph.\nThird paragraph.\n")
	commit(t, a)
	b := fork(t, a)

	// a edits the first paragraph, b replaces the whole section with the
	// third paragraph changed: the replace must only touch the third.
	a.Splice(s1, 0, 5, "Opening")
	commit(t, a)
	b.ReplaceBody(s1, "First paragraph.\nSecond paragraph.\nThird paragraph, expanded.\n")
	commit(t, b)
	// concurrent renames of different headings, and of the same heading.
	s2, s3 := a.Sections()[1].ID, a.Sections()[2].ID
	a.RenameSection(s2, "Regions")
	b.RenameSection(s3, "Measures")
	a.RenameSection(s1, "Definition (A)")
	b.RenameSection(s1, "Definition (B)")
	commit(t, a)
	commit(t, b)

	mergeBoth(t, a, b)
	if a.Heads()[0] != b.Heads()[0] {
		t.Fatal("heads differ after merge")
	}
	got, _ := a.Section(s1)
	want := "Opening paragraph.\nSecond paragraph.\nThird paragraph, expanded.\n"
	if got.Body != want {
		t.Errorf("merged body %q, want %q", got.Body, want)
	}
	if got.Heading != "Definition (A)" && got.Heading != "Definition (B)" {
		t.Errorf("concurrent rename gave %q, want one of the two", got.Heading)
	}
	sa, sb := a.Snapshot(), b.Snapshot()
	for i := range sa.Sections {
		if sa.Sections[i] != sb.Sections[i] {
			t.Errorf("section %d differs: %+v vs %+v", i, sa.Sections[i], sb.Sections[i])
		}
	}
	if sa.Sections[1].Heading != "Regions" || sa.Sections[2].Heading != "Measures" {
		t.Errorf("renames lost: %q %q", sa.Sections[1].Heading, sa.Sections[2].Heading)
	}
}

func TestHeadingsMergeSensibly(t *testing.T) {
	a := newDraft(t, TemplateOutput)
	b := fork(t, a)
	ids := func(d *Doc) []string {
		var out []string
		for _, s := range d.Sections() {
			out = append(out, s.ID)
		}
		return out
	}
	orig := ids(a)

	// Both move the same heading to different places; a adds one, b removes one
	// that a edits meanwhile; both add a heading at the same spot.
	if err := a.MoveSection(orig[8], 0); err != nil {
		t.Fatal(err)
	}
	if err := b.MoveSection(orig[8], 3); err != nil {
		t.Fatal(err)
	}
	na, err := a.AddSection("Case studies", "", 4)
	if err != nil {
		t.Fatal(err)
	}
	nb, _ := b.AddSection("Glossary", "", 4)
	b.RemoveSection(orig[5])
	a.AppendBody(orig[5], "Text typed while b removed the heading.")
	commit(t, a)
	commit(t, b)
	mergeBoth(t, a, b)

	ga, gb := ids(a), ids(b)
	if strings.Join(ga, ",") != strings.Join(gb, ",") {
		t.Fatalf("order differs: %v vs %v", ga, gb)
	}
	count := map[string]int{}
	for _, id := range ga {
		count[id]++
	}
	if count[orig[8]] != 1 || count[na] != 1 || count[nb] != 1 || count[orig[5]] != 0 {
		t.Errorf("after merge: %v (moved once, both adds present, removed hidden)", ga)
	}
	if len(ga) != 10 {
		t.Errorf("%d visible sections, want 9 + 2 added - 1 removed = 10", len(ga))
	}
	rem := a.RemovedSections()
	if len(rem) != 1 || rem[0].Body != "Text typed while b removed the heading." {
		t.Errorf("removed section lost the concurrent edit: %+v", rem)
	}
	// A later add between the two same-spot inserts still finds a place.
	if _, err := a.AddSection("Between", "", 5); err != nil {
		t.Fatal(err)
	}
	if got := a.Sections()[5].Heading; got != "Between" {
		t.Errorf("section 6 = %q, want Between", got)
	}
	if err := a.RestoreSection(orig[5]); err != nil || len(a.Sections()) != 12 {
		t.Errorf("restore: %v, %d sections", err, len(a.Sections()))
	}
	if err := a.MoveSection(orig[0], 99); !errors.Is(err, ErrRange) {
		t.Errorf("move out of range: %v", err)
	}
	if err := a.RenameSection(orig[0], "  "); !errors.Is(err, ErrInvalid) {
		t.Errorf("blank heading: %v", err)
	}
}

func TestParticipants(t *testing.T) {
	d := newDraft(t, TemplateOutput)
	p := Participant{Person: "p1", Name: "Amina", Group: CivilSociety, Region: African, Role: RoleParticipant}
	changed, err := d.SetParticipant(p)
	if err != nil || !changed {
		t.Fatalf("SetParticipant: %v %v", changed, err)
	}
	commit(t, d)
	if changed, _ := d.SetParticipant(p); changed {
		t.Error("same profile again reported a change")
	}
	other := fork(t, d) // a second device of the same person
	other.SetParticipant(p)
	commit(t, other)
	d.Merge(other)
	ps := d.Participants()
	if len(ps) != 2 || ps[d.Actor()].Person != "p1" || ps[other.Actor()].Person != "p1" || ps[d.Actor()].Region != African {
		t.Errorf("participants = %+v", ps)
	}
}

func TestLoadRejectsBadInput(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":   nil,
		"garbage": []byte("this is not an automerge file"),
		"magic":   {0x85, 0x6f, 0x4a, 0x83, 1, 2, 3, 4, 5, 6, 7},
	} {
		if _, err := Load(data); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
	}
	d := newDraft(t, TemplateOutput)
	full := save(t, d)
	if _, err := Load(full[:len(full)/2]); err == nil {
		t.Error("truncated file loaded without error")
	}
	// A valid Automerge document that is not a draft.
	if _, err := Load(plainAutomerge(t)); !errors.Is(err, ErrNotDraft) {
		t.Errorf("non-draft: err = %v, want ErrNotDraft", err)
	}
}

func TestParseChoices(t *testing.T) {
	if g, err := ParseGroup("civil-society"); err != nil || g != CivilSociety {
		t.Errorf("ParseGroup = %q, %v", g, err)
	}
	if r, err := ParseRegion("grulac"); err != nil || r != GRULAC {
		t.Errorf("ParseRegion = %q, %v", r, err)
	}
	for in, want := range map[string]Region{"Latin American and Caribbean (GRULAC)": GRULAC, "Western European and Others (WEOG)": WEOG, "(EEG)": EasternEuropean} {
		if r, err := ParseRegion(in); err != nil || r != want {
			t.Errorf("ParseRegion(%q) = %q, %v", in, r, err)
		}
	}
	if r, err := ParseRole("Co-Facilitator"); err != nil || r != RoleCoFacilitator {
		t.Errorf("ParseRole = %q, %v", r, err)
	}
	if _, err := ParseRegion("Mars"); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "WEOG") {
		t.Errorf("ParseRegion(Mars) err = %v, want the list of choices", err)
	}
}

func TestCheckChunksOnRealData(t *testing.T) {
	d := newDraft(t, TemplateOutput)
	heads := d.Heads()
	d.AppendBody(d.Sections()[0].ID, "more text")
	changes, n, err := d.ChangesSince(heads)
	if err != nil || n != 1 {
		t.Fatal(n, err)
	}
	full := save(t, d)
	for name, data := range map[string][]byte{"document": full, "changes": changes, "both": append(append([]byte{}, full...), changes...)} {
		if err := checkChunks(data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	flipped := append([]byte{}, changes...)
	flipped[len(flipped)-3] ^= 0x40
	if err := checkChunks(flipped); !errors.Is(err, ErrCorrupt) {
		t.Errorf("flipped bit: %v", err)
	}
	if err := checkChunks(append(append([]byte{}, changes...), "junk after"...)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("trailing junk: %v", err)
	}
	if err := d.LoadIncremental(flipped); !errors.Is(err, ErrCorrupt) {
		t.Errorf("LoadIncremental of a damaged chunk into a filled doc: %v", err)
	}
}

func TestSyncStateAt(t *testing.T) {
	a := newDraft(t, TemplateOutput)
	a.AppendBody(a.Sections()[0].ID, "x")
	commit(t, a)
	b := fork(t, a)
	sb := b.NewSyncState()
	st, err := a.SyncStateAt(a.Heads())
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Save(); len(got) != 2+32 || got[0] != syncStateType || got[1] != 1 {
		t.Errorf("state bytes %x", got)
	}
	// From that state, a peer already holding our heads needs no changes.
	for i := 0; i < 4; i++ {
		if m, _, ok, _ := st.Generate(); ok {
			if _, err := sb.Receive(m, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		if m, _, ok, _ := sb.Generate(); ok {
			if n, err := st.Receive(m, nil, nil); err != nil || n != 0 {
				t.Fatalf("received %d changes, %v", n, err)
			}
		}
	}
	if _, err := a.SyncStateAt([]string{"zz"}); err == nil {
		t.Error("bad head accepted")
	}
}
