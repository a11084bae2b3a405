package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReviewRoundCLI: a whole review round from the command line, on two
// machines that exchange files.
func TestReviewRoundCLI(t *testing.T) {
	a, b := newCLI(t, "Amina"), newCLI(t, "Bruno")
	files := t.TempDir()
	fa, fb := filepath.Join(files, "a.automerge"), filepath.Join(files, "b.automerge")
	draft := strings.TrimSpace(a.ok("new", "--title", "Review round"))
	swap := func(from cli, to cli, file string) {
		from.ok("export", draft, "--format", "automerge", "-o", file)
		to.ok("import", file)
	}
	a.ok("write", draft, "--section", "1", "--text", "Access is a right.\n\nIt needs work. Drop me.")
	a.ok("version", draft, "--name", "Zero draft")
	swap(a, b, fa)
	b.ok("write", draft, "--section", "1", "--text", "Access is a human right.\n\nIt needs work.")
	swap(b, a, fb)

	list := a.ok("review", draft)
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `+ "human "`) || !strings.Contains(lines[1], `- " Drop me."`) {
		t.Fatalf("review:\n%s", list)
	}
	for _, l := range lines {
		if !strings.Contains(l, "open") || !strings.Contains(l, "Bruno (Technical community, Asia-Pacific)") {
			t.Errorf("review line %q", l)
		}
	}
	if !strings.Contains(lines[0], "1.1 Definition") || !strings.Contains(lines[1], "1.2 Definition") {
		t.Errorf("paragraph numbers:\n%s", list)
	}
	if got := b.ok("review", draft); got != list {
		t.Errorf("Bruno's machine lists other hunks:\n%s\nvs\n%s", got, list)
	}
	insertID, deleteID := strings.Fields(lines[0])[0], strings.Fields(lines[1])[0]

	if r := b.run("", "accept", draft, insertID); r.code != 1 || !strings.Contains(r.stderr, "only a co-facilitator or the rapporteur") {
		t.Errorf("a participant accepted: exit %d, %s", r.code, r.stderr)
	}
	if r := a.run("", "accept", draft); r.code != 2 {
		t.Errorf("accept without hunks: exit %d", r.code)
	}
	if r := a.run("", "accept", draft, "zzzzzzzz"); r.code != 1 || !strings.Contains(r.stderr, "bpfdraft review") {
		t.Errorf("an unknown hunk: exit %d, %s", r.code, r.stderr)
	}
	if got := a.ok("reject", draft, deleteID); got != "rejected "+deleteID+"\n" {
		t.Errorf("reject printed %q", got)
	}
	if got := a.ok("accept", draft, "--participant", "Bruno"); got != "accepted "+insertID+"\n" {
		t.Errorf("accept --participant printed %q", got)
	}
	swap(a, b, fa)
	body := b.ok("show", draft, "--section", "1")
	if !strings.Contains(body, "Access is a human right.\n\nIt needs work. Drop me.") {
		t.Errorf("after the decisions Bruno's draft reads:\n%s", body)
	}
	after := b.ok("review", draft)
	if !strings.Contains(after, insertID+"  accepted") || !strings.Contains(after, deleteID+"  rejected") {
		t.Errorf("Bruno's review after the decisions:\n%s", after)
	}

	diff := a.ok("diff", draft, "Zero draft", "current")
	if !strings.Contains(diff, `+ Bruno (Technical community, Asia-Pacific)`) || !strings.Contains(diff, `"human "`) || strings.Contains(diff, "Drop me") {
		t.Errorf("diff:\n%s", diff)
	}
	var cov struct {
		Draft struct {
			Chars  int
			People []struct {
				Name    string
				Percent int
			}
			Groups []struct{ Percent int }
		}
	}
	if err := json.Unmarshal([]byte(a.ok("coverage", draft, "--json")), &cov); err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, g := range cov.Draft.Groups {
		sum += g.Percent
	}
	if sum != 100 || len(cov.Draft.People) != 2 {
		t.Errorf("coverage: %+v", cov)
	}

	if r := b.run("", "role", draft, "Amina", "participant"); r.code != 1 || !strings.Contains(r.stderr, "only a co-facilitator") {
		t.Errorf("Bruno changed a role: exit %d, %s", r.code, r.stderr)
	}
	if got := a.ok("role", draft, "Bruno", "rapporteur"); !strings.Contains(got, "Bruno is now a rapporteur") {
		t.Errorf("role printed %q", got)
	}
	if roles := a.ok("role", draft); !strings.Contains(roles, "Bruno  rapporteur") || !strings.Contains(roles, "Amina  co-facilitator") {
		t.Errorf("roles:\n%s", roles)
	}

	cid := strings.TrimSpace(a.ok("comment", draft, "--section", "1", "--quote", "human right", "--text", "Which instrument says so?"))
	if len(cid) != 8 {
		t.Fatalf("comment printed %q", cid)
	}
	if r := a.run("", "comment", draft, "--section", "1", "--quote", "nowhere", "--text", "x"); r.code != 1 || !strings.Contains(r.stderr, "is not in heading") {
		t.Errorf("a missing quote: exit %d, %s", r.code, r.stderr)
	}
	if r := a.run("", "comment", draft, "--section", "1", "--quote", "x"); r.code != 2 {
		t.Errorf("a comment without text: exit %d", r.code)
	}
	swap(a, b, fa)
	b.ok("comment", draft, "--reply", cid, "--text", "The UDHR, article 19.")
	b.ok("comment", draft, "--resolve", cid)
	swap(b, a, fb)
	list = a.ok("comments", draft)
	for _, want := range []string{cid + "  1.1  resolved  Amina", `on "human right"`, "Which instrument says so?", "↳ Bruno (Technical community, Asia-Pacific)", "The UDHR, article 19."} {
		if !strings.Contains(list, want) {
			t.Errorf("comments lack %q:\n%s", want, list)
		}
	}
	if got := a.ok("comments", draft, "--open"); got != "no comments\n" {
		t.Errorf("open comments after resolving:\n%s", got)
	}
	a.ok("comment", draft, "--reopen", cid)
	if got := a.ok("comments", draft, "--open", "--section", "1"); !strings.Contains(got, cid+"  1.1  open") {
		t.Errorf("after reopening:\n%s", got)
	}
}

// TestReviewDataInAutomergeJS: versions, decisions and comments travel in
// the exported .automerge file, come back on import elsewhere, and open
// in Automerge JS as plain data.
func TestReviewDataInAutomergeJS(t *testing.T) {
	a := newCLI(t, "Amina")
	draft := strings.TrimSpace(a.ok("new", "--title", "Plain data"))
	a.ok("write", draft, "--section", "1", "--text", "Open standards help small operators.")
	a.ok("version", draft, "--name", "For public comment")
	hunk := strings.Fields(a.ok("review", draft, "--since", "creation"))[0]
	a.ok("accept", draft, hunk, "--since", "creation")
	cid := strings.TrimSpace(a.ok("comment", draft, "--section", "1", "--quote", "small operators", "--text", "Which ones?"))
	file := filepath.Join(t.TempDir(), "draft.automerge")
	a.ok("export", draft, "--format", "automerge", "-o", file)

	b := newCLI(t, "Bruno")
	b.ok("import", file)
	if got := b.ok("versions", draft); !strings.Contains(got, "For public comment") {
		t.Errorf("versions after import:\n%s", got)
	}
	if got := b.ok("review", draft, "--since", "creation"); !strings.Contains(got, hunk+"  accepted") {
		t.Errorf("decisions after import:\n%s", got)
	}
	if got := b.ok("comments", draft); !strings.Contains(got, cid) || !strings.Contains(got, "Which ones?") {
		t.Errorf("comments after import:\n%s", got)
	}

	doc := automergeJS(t, file)
	var plain struct {
		Versions  map[string]struct{ Name, Heads string }
		Decisions []string
		Comments  []string
	}
	if err := json.Unmarshal(doc, &plain); err != nil {
		t.Fatalf("%v: %s", err, doc)
	}
	named := false
	for _, v := range plain.Versions {
		named = named || v.Name == "For public comment" && len(v.Heads) >= 64
	}
	if !named || len(plain.Decisions) != 1 || !strings.HasPrefix(plain.Decisions[0], hunk+" 1 accept") || len(plain.Comments) != 1 || !strings.Contains(plain.Comments[0], `"Which ones?"`) {
		t.Errorf("Automerge JS reads %s", doc)
	}
}

// automergeJS prints an .automerge file as Automerge JS reads it. It
// needs node and npm (CI has them, and sets BPF_REQUIRE_NODE so that a
// missing one fails instead of skipping).
func automergeJS(t *testing.T, file string) []byte {
	t.Helper()
	node, nerr := exec.LookPath("node")
	npm, perr := exec.LookPath("npm")
	if nerr != nil || perr != nil {
		if os.Getenv("BPF_REQUIRE_NODE") != "" {
			t.Fatalf("node or npm missing: %v %v", nerr, perr)
		}
		t.Skip("node and npm are needed to open the file in Automerge JS")
	}
	dir := t.TempDir()
	for _, f := range []string{"package.json", "package-lock.json", "dump.mjs"} {
		data, err := os.ReadFile(filepath.Join("testdata", "automergejs", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	install := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, out)
	}
	run := exec.CommandContext(ctx, node, "dump.mjs", file)
	run.Dir = dir
	out, err := run.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	return out
}

// TestPublishAVersion: export a named version, not the draft as it
// stands, in each published format, and refuse what cannot be.
func TestPublishAVersion(t *testing.T) {
	c := newCLI(t, "Amina")
	id := strings.TrimSpace(c.ok("new", "--title", "Published"))
	c.ok("write", id, "--section", "1", "--text", "Text for public comment.")
	c.ok("version", id, "--name", "Draft for public comment")
	c.ok("write", id, "--section", "1", "--text", "Text written after.")
	dir := t.TempDir()
	for _, ext := range []string{"md", "html", "docx", "odt", "pdf"} {
		out := filepath.Join(dir, "out."+ext)
		if got := c.ok("export", id, "--version", "Draft for public comment", "-o", out); !strings.HasPrefix(got, "wrote "+out) {
			t.Errorf("export %s printed %q", ext, got)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		switch ext {
		case "md", "html":
			if !strings.Contains(string(data), "Text for public comment.") || strings.Contains(string(data), "written after") {
				t.Errorf("%s holds the wrong state", ext)
			}
			if !strings.Contains(strings.ToLower(string(data)), "draft for public comment") {
				t.Errorf("%s does not say it is for public comment", ext)
			}
		case "pdf":
			if !strings.HasPrefix(string(data), "%PDF-1.7") || !strings.HasSuffix(string(data), "%%EOF\n") {
				t.Errorf("not a whole PDF")
			}
		default:
			if string(data[:2]) != "PK" {
				t.Errorf("%s is not a zip package", ext)
			}
		}
	}
	if r := c.run("", "export", id, "-o", filepath.Join(dir, "out.xyz")); r.code != exitUsage {
		t.Errorf("an unknown extension: exit %d", r.code)
	}
	if r := c.run("", "export", id, "--version", "nope", "-o", filepath.Join(dir, "x.md")); r.code != exitFailed || !strings.Contains(r.stderr, "bpfdraft versions") {
		t.Errorf("an unknown version: exit %d, %s", r.code, r.stderr)
	}
	if r := c.run("", "export", id, "--version", "Draft for public comment", "-o", filepath.Join(dir, "x.automerge")); r.code != exitUsage {
		t.Errorf("a version of an .automerge file: exit %d", r.code)
	}
}

// TestPublicCommentRoundTrip: the rapporteur publishes a version and its
// comment template; commenters fill it in; the comments come back, are
// answered, and the disposition table lists them.
func TestPublicCommentRoundTrip(t *testing.T) {
	c := newCLI(t, "Amina")
	id := strings.TrimSpace(c.ok("new", "--title", "Round trip"))
	c.ok("write", id, "--section", "1", "--text", "Access is a right.\n\nTrust takes time.")
	c.ok("version", id, "--name", "Draft for public comment")
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "template.csv")
	c.ok("export", id, "--format", "comment-template", "-o", tmpl)
	data, err := os.ReadFile(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	// Every row names the version its number is from (its id).
	if !strings.HasPrefix(string(data), "\xef\xbb\xbfparagraph,first_words,name,organisation,stakeholder_group,region,comment,version\r\n1.1,Access is a right.,,,,,,") ||
		strings.Count(string(data), ",,,,,,") != 2 || strings.Contains(string(data), ",,,,,,\r\n") {
		t.Fatalf("template:\n%q", data)
	}
	filled := strings.Replace(string(data), "1.2,Trust takes time.,,,,,,", "1.2,Trust takes time.,Chen Wei,ISOC,Technical community,Asia-Pacific,\"Say how long, please.\",", 1)
	filled += "7.3,,Nobody,,,,\"No such paragraph\"\r\n"
	in := filepath.Join(dir, "filled.csv")
	if err := os.WriteFile(in, []byte(filled), 0o644); err != nil {
		t.Fatal(err)
	}
	c.ok("write", id, "--section", "1", "--text", "Access is a human right.\n\nTrust takes time and care.") // changed since
	r := c.run("", "comments", "import", id, in)
	if r.code != 0 || r.stdout != "imported 1 comments; 1 rows skipped\n" || !strings.Contains(r.stderr, "filled.csv: row 4 skipped: no paragraph \"7.3\"") {
		t.Fatalf("import: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if got := c.ok("comments", "import", id, in); !strings.Contains(got, "imported 0 comments; 1 were imported before") {
		t.Errorf("a second import: %q", got)
	}
	list := c.ok("comments", id, "--public")
	if !strings.Contains(list, "public comment by Chen Wei, ISOC (Technical community, Asia-Pacific) on 1.2 as published") || !strings.Contains(list, "Say how long, please.") {
		t.Fatalf("public comments:\n%s", list)
	}
	cid := strings.Fields(list)[0]
	if r := c.run("", "respond", id, cid, "--status", "maybe", "--text", "x"); r.code != exitUsage {
		t.Errorf("an unknown status: exit %d", r.code)
	}
	c.ok("respond", id, cid, "--status", "partly-accepted", "--text", "We say \"it takes years\".")
	out := filepath.Join(dir, "disposition.csv")
	c.ok("export", id, "--format", "disposition-csv", "-o", out)
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := "\xef\xbb\xbfparagraph,comment,name,organisation,stakeholder_group,region,status,response\r\n" +
		"1.2,\"Say how long, please.\",Chen Wei,ISOC,Technical community,Asia-Pacific,partly accepted,\"We say \"\"it takes years\"\".\"\r\n"
	if string(got) != want {
		t.Errorf("disposition:\n%q\nwant\n%q", got, want)
	}
	for _, f := range []string{"disposition-md", "disposition-html", "disposition-docx"} {
		c.ok("export", id, "--format", f, "-o", filepath.Join(dir, "d-"+f))
	}
	md, _ := os.ReadFile(filepath.Join(dir, "d-disposition-md"))
	if !strings.Contains(string(md), "| 1.2 | Say how long, please. | Chen Wei, ISOC (Technical community, Asia-Pacific) | partly accepted |") ||
		!strings.Contains(string(md), "1 public comment. By stakeholder group: Technical community 1.") {
		t.Errorf("disposition in Markdown:\n%s", md)
	}
	// The final output says how the round went; the draft for comment does not.
	final := c.ok("export", id, "--format", "md", "-o", "-")
	if !strings.Contains(final, "## Public consultation\n\n1 public comment. By stakeholder group: Technical community 1.") {
		t.Errorf("the final output lacks the consultation summary:\n%s", final)
	}
	if strings.Contains(c.ok("export", id, "--version", "Draft for public comment", "--format", "md", "-o", "-"), "Public consultation") {
		t.Error("the draft for public comment summarises its own round")
	}
}

func TestNextYear(t *testing.T) {
	c := newCLI(t, "Amina")
	id := strings.TrimSpace(c.ok("new", "--title", "BPF Cybersecurity 2026", "--theme", "Cybersecurity", "--year", "2026"))
	c.ok("write", id, "--section", "1", "--text", "The issue, as defined in 2026.")
	c.ok("write", id, "--section", "6", "--text", "Still unresolved: norms for small operators.")
	c.ok("write", id, "--section", "9", "--text", "Next year: look at incident response in small states.")
	c.ok("version", id, "--name", "Final output")
	c.ok("write", id, "--section", "1", "--text", "Text written after the final version.")
	before := c.ok("show", id)
	out := strings.Fields(c.ok("next-year", id))
	next := out[len(out)-1]
	if next == id {
		t.Fatal("next-year printed this year's id")
	}
	got := c.ok("export", next, "--format", "md", "-o", "-")
	for _, want := range []string{"BPF Cybersecurity 2027", "**Year:** 2027", "The issue, as defined in 2026.", "Still unresolved: norms for small operators.",
		"Starting agenda, carried forward from 2026:", "Next year: look at incident response in small states.", "version “Final output”"} {
		if !strings.Contains(got, want) {
			t.Errorf("next year's draft lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "written after the final version") {
		t.Error("next year's draft took text from after the final version")
	}
	if c.ok("show", id) != before {
		t.Error("this year's draft changed")
	}
}

// TestRolesOnePerPerson: every command is a process of its own, with a
// device id of its own, and `role` listed a person once per device
// (issue 22, part 8). One row per person, with their devices.
func TestRolesOnePerPerson(t *testing.T) {
	c := newCLI(t, "Amina")
	id := strings.TrimSpace(c.ok("new", "--title", "Roles"))
	c.ok("write", id, "--section", "1", "--text", "One.")
	c.ok("write", id, "--section", "1", "--append", "--text", "Two.")
	roles := c.ok("role", id)
	lines := strings.Split(strings.TrimSpace(roles), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "Amina  co-facilitator") {
		t.Errorf("roles of one person who used three devices:\n%s", roles)
	}
	if devices := strings.Count(lines[len(lines)-1], ","); devices != 2 {
		t.Errorf("Amina's row names %d devices, want 3:\n%s", devices+1, roles)
	}
}

// TestDiffCLIShowsRunsAndWords: `bpfdraft diff` shows one line per run
// of one person's typing, however many commands (devices, changes) it
// took, and whole words where a word was changed (issue 22, part 7).
func TestDiffCLIShowsRunsAndWords(t *testing.T) {
	c := newCLI(t, "Amina")
	id := strings.TrimSpace(c.ok("new", "--title", "Diff"))
	c.ok("version", id, "--name", "Empty")
	c.ok("write", id, "--section", "1", "--text", "They blocked legitimate s")
	c.ok("write", id, "--section", "1", "--append", "--inline", "--text", "ecurity research.")
	c.ok("version", id, "--name", "Typed")
	diff := c.ok("diff", id, "Empty", "Typed")
	if lines := strings.Split(strings.TrimSpace(diff), "\n"); len(lines) != 2 || !strings.HasSuffix(lines[1], `: "They blocked legitimate security research."`) {
		t.Errorf("diff of one person's typing:\n%s", diff)
	}
	c.ok("write", id, "--section", "1", "--text", "They blocked legitimate securities research.")
	diff = c.ok("diff", id, "Typed", "current")
	lines := strings.Split(strings.TrimSpace(diff), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "  - Amina") || !strings.HasSuffix(lines[1], `: "security"`) ||
		!strings.HasPrefix(lines[2], "  + Amina") || !strings.HasSuffix(lines[2], `: "securities"`) {
		t.Errorf("diff of a changed word:\n%s", diff)
	}
}

// TestRemoveAParticipant is issue 23's ninth attack from the command
// line, with two data dirs exchanging export files: a co-facilitator
// removes a participant, which replaces the draft's secret; the removed
// person's later text, written once they had the removal, is refused on
// import; what they wrote before stays theirs.
func TestRemoveAParticipant(t *testing.T) {
	a, b := newCLI(t, "Amina"), newCLI(t, "Bruno")
	id := strings.TrimSpace(a.ok("new", "--title", "Removal"))
	a.ok("write", id, "--section", "1", "--text", "Amina's text.")
	oldCode := strings.TrimSpace(a.ok("invite", id))
	file := func(c cli) string {
		f := filepath.Join(t.TempDir(), "draft.automerge")
		c.ok("export", id, "--format", "automerge", "-o", f)
		return f
	}
	b.ok("import", file(a))
	b.ok("write", id, "--section", "2", "--text", "Bruno's earlier text.")
	a.ok("import", file(b))

	out := a.ok("role", id, "Bruno", "removed")
	if !strings.Contains(out, "Bruno is removed") || !strings.Contains(out, "BPF1") || strings.Contains(out, oldCode) {
		t.Fatalf("role … removed printed:\n%s", out)
	}
	b.ok("import", file(a)) // Bruno learns of the removal
	b.ok("write", id, "--section", "2", "--append", "--text", "Written after the removal.")
	r := a.run("", "import", file(b))
	if r.code == 0 || !strings.Contains(r.stderr, "removed from the draft") {
		t.Fatalf("importing the removed person's later text: exit %d, %s", r.code, r.stderr)
	}
	shown := a.ok("show", id)
	if strings.Contains(shown, "Written after the removal") || !strings.Contains(shown, "Bruno's earlier text.") {
		t.Errorf("after the refused import:\n%s", shown)
	}
	roles := a.ok("role", id)
	if !strings.Contains(roles, "Bruno  removed") {
		t.Errorf("roles after the removal:\n%s", roles)
	}
	if log := a.ok("log", id, "--participant", "Bruno"); !strings.Contains(log, "+21") || !strings.Contains(log, "verified") {
		t.Errorf("Bruno's earlier text is no longer his in the log:\n%s", log)
	}
}

// TestSecondMachine: a person links a second machine from the first one
// (issue 23, item 1): both write as the same person, with the same
// fingerprint, the creator's role holds on the second machine, and its
// changes are verified; a link code is useless to another machine.
func TestSecondMachine(t *testing.T) {
	a, b, other := newCLI(t, "Amina"), newCLI(t, "Amina (laptop)"), newCLI(t, "Mallory")
	fp := func(c cli) string {
		f := strings.Fields(c.ok("profile"))
		return f[len(f)-1]
	}
	before := fp(b)
	req := strings.Fields(b.ok("device", "request"))[0]
	link := strings.Fields(a.ok("device", "link", req))[0]
	if r := other.run("", "device", "accept", link); r.code == 0 {
		t.Fatalf("another machine took the link: %s", r.stdout)
	}
	if out := b.ok("device", "accept", link); !strings.Contains(out, fp(a)) {
		t.Fatalf("accept printed %q, want %s", out, fp(a))
	}
	if fp(b) != fp(a) || fp(b) == before {
		t.Fatalf("fingerprints after linking: %s and %s (was %s)", fp(a), fp(b), before)
	}
	if out := b.ok("device"); !strings.Contains(out, "linked") {
		t.Errorf("device on the linked machine: %q", out)
	}

	id := strings.TrimSpace(a.ok("new", "--title", "Two machines"))
	b.ok("import", exportOf(t, a, id))
	b.ok("write", id, "--section", "1", "--text", "Written on the laptop.")
	b.ok("version", id, "--name", "From the laptop") // the creator's role, on its second machine
	a.ok("import", exportOf(t, b, id))
	roles := a.ok("role", id)
	if lines := strings.Split(strings.TrimSpace(roles), "\n"); len(lines) != 2 || !strings.Contains(roles, fp(a)) {
		t.Errorf("one person, two machines, in `role`:\n%s", roles)
	}
	if log := a.ok("log", id, "--section", "1"); !strings.Contains(log, "verified") || strings.Contains(log, "UNVERIFIED") {
		t.Errorf("the laptop's change in the log:\n%s", log)
	}
	if v := a.ok("versions", id); !strings.Contains(v, "From the laptop") {
		t.Errorf("the version named on the second machine does not count:\n%s", v)
	}
}

func exportOf(t *testing.T, c cli, id string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "draft.automerge")
	c.ok("export", id, "--format", "automerge", "-o", f)
	return f
}

// TestDraftBeforeSignatures: a draft made before signatures (its file
// from an earlier version) imports, reads and logs as before, every
// entry marked unverified, with a note saying why.
func TestDraftBeforeSignatures(t *testing.T) {
	c := newCLI(t, "Amina")
	out := c.ok("import", filepath.Join("testdata", "before-signatures.automerge"))
	id := ""
	for _, f := range strings.Fields(out) {
		if len(f) == 16 {
			id = f
		}
	}
	r := c.run("", "log", id)
	if r.code != 0 || !strings.Contains(r.stderr, "made before signatures") {
		t.Fatalf("log of a draft from before signatures: exit %d, stderr %q", r.code, r.stderr)
	}
	rows := strings.Split(strings.TrimSpace(r.stdout), "\n")[1:]
	if len(rows) == 0 {
		t.Fatal("no log rows")
	}
	for _, row := range rows {
		if !strings.HasSuffix(row, "unverified (before signatures)") {
			t.Errorf("log row of a draft from before signatures: %q", row)
		}
	}
	c.ok("write", id, "--section", "1", "--append", "--text", "More.")
	if roles := c.ok("role", id); !strings.Contains(roles, "Amina") || !strings.Contains(roles, "unverified (before signatures)") {
		t.Errorf("role of a draft from before signatures:\n%s", roles)
	}
}

// TestDetailsAndAnnexes: the title page's details are set from the
// command line (issue 25, part 7), a heading marked as an annex is
// published after the headings as "Annex A" with paragraphs A.1, A.2,
// and a public comment citing A.2 lands on that paragraph.
func TestDetailsAndAnnexes(t *testing.T) {
	c := newCLI(t, "Amina")
	id := strings.TrimSpace(c.ok("new", "--title", "Annexes"))
	dir := t.TempDir()
	sum := filepath.Join(dir, "summary.txt")
	if err := os.WriteFile(sum, []byte("We met twelve times.\n\nThis is what we found."), 0o644); err != nil {
		t.Fatal(err)
	}
	c.ok("details", id, "--co-facilitators", "Amina Diallo", "--co-facilitators", "Bruno Silva", "--rapporteur", "Chen Wei",
		"--summary-file", sum, "--dissemination", "ITU", "--dissemination", "UNESCO", "--year", "2027")
	if got := c.ok("details", id); !strings.Contains(got, "co-facilitators  Amina Diallo; Bruno Silva") ||
		!strings.Contains(got, "rapporteur       Chen Wei") || !strings.Contains(got, "year             2027") ||
		!strings.Contains(got, "executive summary:\nWe met twelve times.\n\nThis is what we found.") {
		t.Errorf("details:\n%s", got)
	}
	var d jsonDetails
	if err := json.Unmarshal([]byte(c.ok("details", id, "--json")), &d); err != nil || len(d.Dissemination) != 2 || d.Rapporteur[0] != "Chen Wei" {
		t.Errorf("details --json: %+v %v", d, err)
	}
	// Only what is given changes; an empty value clears a list.
	c.ok("details", id, "--dissemination", "")
	if d2 := c.ok("details", id); !strings.Contains(d2, "rapporteur       Chen Wei") || strings.Contains(d2, "UNESCO") {
		t.Errorf("after clearing the dissemination list:\n%s", d2)
	}
	if r := c.run("", "details", id, "--year", "27"); r.code != exitUsage {
		t.Errorf("a two-digit year: exit %d", r.code)
	}
	// Heading 2 becomes annex A, heading 3 annex B.
	c.ok("write", id, "--section", "2", "--text", "Forty-two answers.\n\nMost from Africa.")
	c.ok("write", id, "--section", "3", "--text", "CERT: an incident response team.")
	if got := c.ok("heading", id, "annex", "2"); !strings.Contains(got, "is annex A; its paragraphs are A.1, A.2") {
		t.Errorf("annex: %q", got)
	}
	c.ok("heading", id, "annex", "3")
	list := c.ok("heading", id, "list")
	if !strings.Contains(list, "2   annex A") || !strings.Contains(list, "4   2 ") {
		t.Errorf("heading list:\n%s", list)
	}
	md := c.ok("export", id, "--format", "md", "-o", "-")
	for _, want := range []string{"**Co-facilitators:** Amina Diallo, Bruno Silva", "**Rapporteur:** Chen Wei",
		"## Executive summary\n\nWe met twelve times.", "## Annex A: ", "**A.2** Most from Africa.", "## Annex B: ", "**B.1** CERT",
		"## Acknowledgements", "Amina (Asia-Pacific)"} {
		if !strings.Contains(md, want) {
			t.Errorf("the export lacks %q:\n%s", want, md)
		}
	}
	if strings.Index(md, "## Annex A") < strings.Index(md, "## 7. ") {
		t.Error("an annex is published before the headings")
	}
	// A comment citing A.2 lands on "Most from Africa."
	c.ok("version", id, "--name", "Draft for public comment")
	// The version names each person once, however many devices (every
	// command here is one) they wrote with.
	if v := c.ok("export", id, "--version", "Draft for public comment", "--format", "md", "-o", "-"); strings.Count(v, "Amina (Asia-Pacific)") != 1 {
		t.Errorf("the version's acknowledgements name Amina %d times", strings.Count(v, "Amina (Asia-Pacific)"))
	}
	in := filepath.Join(dir, "filled.csv")
	if err := os.WriteFile(in, []byte("paragraph,comment\nA.2,Which countries?\nB,Add more terms.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := c.ok("comments", "import", id, in); !strings.Contains(got, "imported 2 comments") {
		t.Fatalf("import: %q", got)
	}
	pub := c.ok("comments", id, "--public")
	if !strings.Contains(pub, "on A.2 as published") || !strings.Contains(pub, "Most from Africa.") {
		t.Errorf("public comments:\n%s", pub)
	}
	// Back to a heading: numbered again.
	c.ok("heading", id, "annex", "A", "--off")
	if md := c.ok("export", id, "--format", "md", "-o", "-"); !strings.Contains(md, "## 2. ") || !strings.Contains(md, "## Annex A: ") {
		t.Errorf("after --off:\n%s", md)
	}
}

// TestImportText: text mailed as Markdown goes into a draft from the
// command line; --dry-run prints the plan and changes nothing; the log
// names the file.
func TestImportText(t *testing.T) {
	c := newCLI(t, "Amina")
	id := strings.TrimSpace(c.ok("new", "--title", "Mailed in"))
	file := filepath.Join(t.TempDir(), "from-lagos.md")
	md := "Hello from Lagos.\n\n## 2. Regional specificities observed\n\nMobile money first.\n\n## Local incidents\n\nTwo outages.\n"
	if err := os.WriteFile(file, []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	plan := c.ok("import-text", id, file, "--dry-run", "--under", "7")
	for _, want := range []string{"(before its first heading)          1           Insights gained", "(same title)", "Local incidents", "(--under)", "nothing was changed (--dry-run)"} {
		if !strings.Contains(plan, want) {
			t.Errorf("the plan lacks %q:\n%s", want, plan)
		}
	}
	if show := c.ok("show", id); strings.Contains(show, "Lagos") {
		t.Fatal("--dry-run changed the draft")
	}
	out := c.ok("import-text", id, file)
	if !strings.Contains(out, "a new heading “Local incidents”") || !strings.Contains(out, "from from-lagos.md") {
		t.Errorf("import:\n%s", out)
	}
	show := c.ok("show", id)
	if !strings.Contains(show, "## 2. Regional specificities observed (e.g. Internet industry development)\n\nMobile money first.") ||
		!strings.Contains(show, "## 10. Local incidents\n\nTwo outages.") {
		t.Errorf("after the import:\n%s", show)
	}
	if log := c.ok("log", id); !strings.Contains(log, "(imported from from-lagos.md)") {
		t.Errorf("the log does not name the file:\n%s", log)
	}
	if r := c.run("", "import-text", id, filepath.Join(t.TempDir(), "nope.docx")); r.code == 0 {
		t.Error("a missing file was imported")
	}
	bad := filepath.Join(t.TempDir(), "scan.pdf")
	os.WriteFile(bad, []byte("%PDF-1.7 ..."), 0o644)
	if r := c.run("", "import-text", id, bad); r.code == 0 || !strings.Contains(r.stderr, "not a .docx, .odt or Markdown file") || !strings.Contains(r.stderr, "nothing was changed") {
		t.Errorf("a PDF: exit %d, %s", r.code, r.stderr)
	}
}
