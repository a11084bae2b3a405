package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// cli runs bpfdraft in-process against a data dir.
type cli struct {
	t    *testing.T
	data string
}

type result struct {
	code           int
	stdout, stderr string
}

func (c cli) run(stdin string, args ...string) result {
	c.t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"--data", c.data}, args...), strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

func (c cli) ok(args ...string) string {
	c.t.Helper()
	r := c.run("", args...)
	if r.code != 0 {
		c.t.Fatalf("bpfdraft %v: exit %d\nstderr: %s", args, r.code, r.stderr)
	}
	return r.stdout
}

func newCLI(t *testing.T, name string) cli {
	c := cli{t, t.TempDir()}
	c.ok("profile", "--name", name, "--group", "Technical community", "--region", "Asia-Pacific")
	return c
}

func TestExitCodesAndMessages(t *testing.T) {
	c := cli{t, t.TempDir()}
	cases := []struct {
		args   []string
		code   int
		stderr string
	}{
		// No command opens the window, which a test cannot; "gui" with an
		// argument is refused before any window opens.
		{[]string{"gui", "extra"}, exitUsage, "usage: bpfdraft gui"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"new", "--title", "X"}, exitFailed, "bpfdraft profile --name"},
		{[]string{"new"}, exitUsage, "--title is required"},
		{[]string{"profile", "--name", "A", "--group", "Martians", "--region", "WEOG"}, exitFailed, "choose one of"},
		{[]string{"show"}, exitUsage, "missing DRAFT"},
		{[]string{"show", "nope"}, exitFailed, "bpfdraft list"},
		{[]string{"write", "x", "--bogus"}, exitUsage, "flag provided but not defined"},
	}
	for _, tc := range cases {
		r := c.run("", tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) || (tc.code != 0 && r.stdout != "") {
			t.Errorf("bpfdraft %v: exit %d stderr %q stdout %q; want exit %d and stderr containing %q", tc.args, r.code, r.stderr, r.stdout, tc.code, tc.stderr)
		}
	}
	if r := c.run("", "write", "--help"); r.code != 0 || !strings.Contains(r.stdout, "--section N|ID") {
		t.Errorf("write --help: %d %q", r.code, r.stdout)
	}
	for _, cmd := range commands {
		if r := c.run("", cmd.name, "--help"); r.code != 0 || !strings.Contains(r.stdout, "usage: bpfdraft "+cmd.name) {
			t.Errorf("%s --help: exit %d, %q", cmd.name, r.code, r.stdout)
		}
	}
}

func TestTour(t *testing.T) {
	c := newCLI(t, "Lin Wei")
	id := strings.TrimSpace(c.ok("new", "--template", "output", "--title", "BPF Cybersecurity 2026", "--theme", "Cybersecurity", "--year", "2026"))
	if len(id) != 20 { // a draft made with signatures (crdt.SignedID)
		t.Fatalf("new printed %q, want a draft id", id)
	}
	// Flags before or after positional arguments; DRAFT by id prefix or title.
	c.ok("write", id[:6], "--section", "1", "--text", "Norms for responsible behaviour.")
	c.ok("write", "--section", "2", "BPF Cybersecurity 2026", "--text", "互联网 differs by region.")
	if r := c.run("From standard input.\n", "write", id, "--section", "3", "--append"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	c.ok("heading", id, "rename", "3", "Existing measures")
	c.ok("heading", id, "add", "Case studies", "--at", "4")
	c.ok("heading", id, "move", "4", "--to", "10")
	c.ok("heading", id, "remove", "9")
	show := c.ok("show", id)
	for _, want := range []string{"# BPF Cybersecurity 2026\n", "## 1. Definition of the issue(s)\n\nNorms for responsible behaviour.\n",
		"## 3. Existing measures\n\nFrom standard input.\n", "## 9. Case studies\n"} {
		if !strings.Contains(show, want) {
			t.Errorf("show lacks %q:\n%s", want, show)
		}
	}
	if strings.Contains(show, "Carrying the work forward") {
		t.Errorf("removed heading still shown")
	}
	if got := c.ok("show", id, "--section", "2"); got != "## 2. Regional specificities observed (e.g. Internet industry development)\n\n互联网 differs by region.\n" {
		t.Errorf("show --section 2 = %q", got)
	}
	list := c.ok("list")
	if !strings.Contains(list, id) || !strings.Contains(list, "3/9") {
		t.Errorf("list = %q, want 3 of 9 sections filled", list)
	}
	log := c.ok("log", id, "--section", "2")
	if !strings.Contains(log, "Lin Wei") || !strings.Contains(log, "Technical community") || !strings.Contains(log, "Asia-Pacific") || !strings.Contains(log, "+22") {
		t.Errorf("log --section 2 = %q", log)
	}
	if got := c.ok("log", id, "--participant", "someone else"); strings.Count(got, "\n") != 1 {
		t.Errorf("log for unknown participant = %q", got)
	}
	// Every entry is signed, and the fingerprint profile prints is the
	// one co-authors see beside the name.
	if strings.Count(log, "verified") != strings.Count(log, "\n")-1 || strings.Contains(log, "UNVERIFIED") {
		t.Errorf("log of a draft made with signatures: %q", log)
	}
	prof := strings.Fields(c.ok("profile"))
	fp := prof[len(prof)-1]
	if len(fp) != 19 || !strings.Contains(c.ok("role", id), fp) {
		t.Errorf("profile's fingerprint %q not beside the name in `role`: %q", fp, c.ok("role", id))
	}
	md := filepath.Join(t.TempDir(), "out.md")
	c.ok("export", id, "--format", "md", "-o", md)
	b, err := os.ReadFile(md)
	if err != nil || !strings.Contains(string(b), "## 1. Definition of the issue(s)") || !strings.Contains(string(b), "**Technical community:** Lin Wei") || !strings.Contains(string(b), "**1.1** ") {
		t.Errorf("markdown export: %v\n%s", err, b)
	}
	c.ok("delete", id)
	if strings.Contains(c.ok("list"), id) || !strings.Contains(c.ok("list", "--trash"), id) {
		t.Error("delete did not move the draft to the trash")
	}
	c.ok("restore", id)
}

func TestBadInput(t *testing.T) {
	c := newCLI(t, "Ana")
	id := strings.TrimSpace(c.ok("new", "--title", "Keep"))
	c.ok("write", id, "--section", "1", "--text", "safe")
	other := strings.TrimSpace(c.ok("new", "--title", "Other"))
	c.ok("write", other, "--section", "1", "--text", "also safe")
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("caf\xe9 latin-1"), 0o600)
	garbage := filepath.Join(dir, "garbage.automerge")
	os.WriteFile(garbage, []byte("not automerge at all"), 0o600)
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"write", id, "--section", "1", "--file", bad}, "not valid UTF-8"},
		{[]string{"write", id, "--section", "0", "--text", "x"}, "sections 1 to 9"},
		{[]string{"write", id, "--section", "zz", "--text", "x"}, "no section"},
		{[]string{"import", garbage}, "nothing was changed"},
		{[]string{"import", filepath.Join(dir, "missing.automerge")}, "no such file"},
		{[]string{"show", "0000000"}, "no draft"},
	} {
		r := c.run("", tc.args...)
		if r.code != exitFailed || !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("bpfdraft %v: exit %d, stderr %q; want 1 and %q", tc.args, r.code, r.stderr, tc.msg)
		}
	}
	if got := c.ok("show", id, "--section", "1"); !strings.Contains(got, "safe") {
		t.Errorf("draft changed by bad input: %q", got)
	}
	if got := c.ok("show", other, "--section", "1"); !strings.Contains(got, "also safe") {
		t.Errorf("other draft changed by bad input: %q", got)
	}

	// A damaged data file: clear error, exit 1, the file left as it was.
	broken := cli{t, t.TempDir()}
	db := filepath.Join(broken.data, "bpfdraft.db")
	os.WriteFile(db, bytes.Repeat([]byte("garbage!"), 512), 0o600)
	r := broken.run("", "list")
	if r.code != exitFailed || !strings.Contains(r.stderr, "damaged") || !strings.Contains(r.stderr, "restore a backup") {
		t.Errorf("damaged file: exit %d, %q", r.code, r.stderr)
	}
}

// TestOfflineMergeCLI: two data dirs start from the same draft, both edit
// the same section and rename headings offline, and exchange .automerge
// files both ways. Both then print exactly the same bytes.
func TestOfflineMergeCLI(t *testing.T) {
	a, b := newCLI(t, "Amina"), newCLI(t, "Bruno")
	files := t.TempDir()
	fa, fb := filepath.Join(files, "a.automerge"), filepath.Join(files, "b.automerge")
	id := strings.TrimSpace(a.ok("new", "--title", "Shared"))
	a.ok("write", id, "--section", "4", "--text", "Para one.\nPara two.\nPara three.\n")
	a.ok("export", id, "--format", "automerge", "-o", fa)
	if got := b.ok("import", fa); got != "imported "+id+"\n" {
		t.Fatalf("import = %q", got)
	}
	a.ok("write", id, "--section", "4", "--text", "Para one, by Amina.\nPara two.\nPara three.\n")
	b.ok("write", id, "--section", "4", "--text", "Para one.\nPara two.\nPara three, by Bruno.\n")
	a.ok("heading", id, "rename", "1", "Definition (Amina)")
	b.ok("heading", id, "rename", "2", "Regions (Bruno)")
	a.ok("export", id, "-o", fa)
	b.ok("export", id, "-o", fb)
	if got := a.ok("import", fb); got != "merged into "+id+"\n" {
		t.Errorf("import into a = %q", got)
	}
	b.ok("import", fa)
	sa, sb := a.ok("show", id), b.ok("show", id)
	if sa != sb {
		t.Fatalf("replicas differ:\n%s\n---\n%s", sa, sb)
	}
	for _, want := range []string{"Para one, by Amina.\nPara two.\nPara three, by Bruno.\n", "## 1. Definition (Amina)", "## 2. Regions (Bruno)"} {
		if !strings.Contains(sa, want) {
			t.Errorf("merged draft lacks %q:\n%s", want, sa)
		}
	}
	log := a.ok("log", id, "--section", "4")
	if !strings.Contains(log, "Amina") || !strings.Contains(log, "Bruno") {
		t.Errorf("merged log lacks an author:\n%s", log)
	}
}

// TestFyneAppMetadata keeps FyneApp.toml, which `fyne package` reads
// (.ci/package), in step with the binary: the same app id, an icon that
// exists, and the version the window reports.
func TestFyneAppMetadata(t *testing.T) {
	data, err := os.ReadFile("../../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			fields[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	if fields["ID"] != appID {
		t.Errorf("FyneApp.toml ID %q, the binary uses %q", fields["ID"], appID)
	}
	if fields["Name"] != "BPF Draft" || fields["Version"] == "" {
		t.Errorf("name %q, version %q", fields["Name"], fields["Version"])
	}
	if _, err := os.Stat(filepath.Join("../..", fields["Icon"])); err != nil {
		t.Errorf("icon: %v", err)
	}
}

// TestNamedVersions: name a version, list it, and print the draft as it
// was, by name, id and "current".
func TestNamedVersions(t *testing.T) {
	c := newCLI(t, "Amina")
	id := strings.TrimSpace(c.ok("new", "--title", "Versions"))
	c.ok("write", id, "--section", "1", "--text", "Before public comment.")
	out := strings.Fields(c.ok("version", id, "--name", "For public comment"))
	if len(out) < 2 {
		t.Fatalf("version printed %q", out)
	}
	vid := out[0]
	c.ok("write", id, "--section", "1", "--text", "After public comment.")
	list := c.ok("versions", id)
	if !strings.Contains(list, vid) || !strings.Contains(list, "For public comment") || !strings.Contains(list, "Amina") {
		t.Errorf("versions:\n%s", list)
	}
	for _, ref := range []string{"For public comment", vid} {
		if got := c.ok("show", id, "--version", ref, "--section", "1"); !strings.Contains(got, "Before public comment.") {
			t.Errorf("show --version %q:\n%s", ref, got)
		}
	}
	if got := c.ok("show", id, "--version", "current", "--section", "1"); !strings.Contains(got, "After public comment.") {
		t.Errorf("show --version current:\n%s", got)
	}
	if r := c.run("", "show", id, "--version", "nope"); r.code != 1 || !strings.Contains(r.stderr, "bpfdraft versions") {
		t.Errorf("an unknown version: exit %d, %q", r.code, r.stderr)
	}
	if r := c.run("", "version", id, "--name", "current"); r.code == 0 || !strings.Contains(r.stderr, "one line") {
		t.Errorf("a version named current: exit %d, %q", r.code, r.stderr)
	}
	if r := c.run("", "version", id); r.code != 2 {
		t.Errorf("version without --name: exit %d", r.code)
	}
}

// TestSyncADraftWithoutInvite says what to do before any peer is dialed.
func TestSyncADraftWithoutInvite(t *testing.T) {
	c := newCLI(t, "Amina")
	id := strings.TrimSpace(c.ok("new", "--title", "Not shared"))
	if r := c.run("", "sync", id, "--once", "--lan", "0"); r.code != 1 || !strings.Contains(r.stderr, "has no invite yet: run `bpfdraft invite") {
		t.Errorf("exit %d: %q", r.code, r.stderr)
	}
}

// TestDamagedLogWarns: a window was killed with forty saved edits still
// in the write-ahead log, and the log was then cut short. `show` still
// works, says how many saved edits are missing, and says it once.
func TestDamagedLogWarns(t *testing.T) {
	c := newCLI(t, "Writer")
	id := strings.TrimSpace(c.ok("new", "--title", "Kept safe"))
	ctx := context.Background()
	ws, err := app.Open(ctx, c.data, app.Options{Poll: -1, IdleCommit: -1})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ws.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		if _, _, err := s.Write(ctx, "1", fmt.Sprintf("Edit %d, saved. ", i), true); err != nil {
			t.Fatal(err)
		}
	}
	// What kill -9 leaves: copy the files while the workspace is open.
	killed := cli{t, t.TempDir()}
	for _, suffix := range []string{"", "-wal", "-acked"} {
		b, err := os.ReadFile(filepath.Join(c.data, app.FileName+suffix))
		if err != nil {
			t.Fatal(err)
		}
		if suffix == "-wal" {
			b = b[:len(b)/2]
		}
		if err := os.WriteFile(filepath.Join(killed.data, app.FileName+suffix), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s.Close(ctx)
	ws.Close()
	r := killed.run("", "show", id)
	if r.code != 0 || !strings.Contains(r.stderr, "saved edit(s)") || !strings.Contains(r.stderr, "missing") {
		t.Fatalf("show after a damaged log: exit %d\nstderr: %s", r.code, r.stderr)
	}
	if r := killed.run("", "show", id); strings.Contains(r.stderr, "missing") {
		t.Errorf("warned again: %s", r.stderr)
	}
}

// TestNewInFrench: --language writes the template's headings in French;
// an unknown language is a usage error that names the choices.
func TestNewInFrench(t *testing.T) {
	c := newCLI(t, "Ana")
	id := strings.TrimSpace(c.ok("new", "--title", "BPF Genre", "--language", "français"))
	if out := c.ok("show", id); !strings.Contains(out, "Définition de la ou des questions") || strings.Contains(out, "Definition of the issue") {
		t.Errorf("a French draft shows:\n%s", out)
	}
	if r := c.run("", "new", "--title", "X", "--language", "klingon"); r.code != exitUsage || !strings.Contains(r.stderr, `"fr"`) {
		t.Errorf("an unknown language: exit %d, %q", r.code, r.stderr)
	}
}

// TestNoDisplay: without a display the window says so and points to the
// command line, instead of GLFW's panic (issue 15, defect 4).
func TestNoDisplay(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("DISPLAY decides only on X11 and Wayland systems")
	}
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	c := newCLI(t, "Ana")
	r := c.run("", "gui", "--offline")
	if r.code != exitFailed || !strings.Contains(r.stderr, "no display") || !strings.Contains(r.stderr, "bpfdraft --help") || strings.Contains(r.stderr, "panic") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestWriteNeedsTextToReplace: empty standard input or an empty file
// replaces nothing (it used to erase the section); --clear and --text ""
// empty it on purpose; --append adds a paragraph, --inline goes on the
// line (issue 15, defects 1 and 8).
func TestWriteNeedsTextToReplace(t *testing.T) {
	c := newCLI(t, "Ana")
	id := strings.TrimSpace(c.ok("new", "--title", "Keep"))
	c.ok("write", id, "--section", "1", "--text", "Ten words.")
	section := func() string {
		out := c.ok("show", id, "--section", "1")
		return strings.TrimSpace(out[strings.Index(out, "\n"):])
	}
	for _, args := range [][]string{
		{"write", id, "--section", "1"},
		{"write", id, "--section", "1", "--file", os.DevNull},
	} {
		if r := c.run("", args...); r.code != exitFailed || !strings.Contains(r.stderr, "--clear") {
			t.Errorf("%v: exit %d, %q", args, r.code, r.stderr)
		}
		if got := section(); got != "Ten words." {
			t.Fatalf("%v left %q", args, got)
		}
	}
	c.ok("write", id, "--section", "1", "--append", "--text", "A second paragraph.")
	c.ok("write", id, "--section", "1", "--append", "--inline", "--text", " Still the second.")
	if got := section(); got != "Ten words.\n\nA second paragraph. Still the second." {
		t.Errorf("after appending: %q", got)
	}
	c.ok("write", id, "--section", "1", "--clear")
	if got := section(); got != "" {
		t.Errorf("--clear left %q", got)
	}
	c.ok("write", id, "--section", "1", "--text", "Back.")
	c.ok("write", id, "--section", "1", "--text", "")
	if got := section(); got != "" {
		t.Errorf(`--text "" left %q`, got)
	}
	for _, args := range [][]string{
		{"write", id, "--section", "1", "--clear", "--text", "x"},
		{"write", id, "--section", "1", "--inline", "--text", "x"},
	} {
		if r := c.run("", args...); r.code != exitUsage {
			t.Errorf("%v: exit %d", args, r.code)
		}
	}
}

// TestHostileTextIsEscaped: text a co-author's copy brings (here an
// imported file whose section holds terminal sequences) is printed with
// its control characters shown, never sent to the terminal; what the
// command line writes drops them (issue 15, defect 2).
func TestHostileTextIsEscaped(t *testing.T) {
	c := newCLI(t, "Ana")
	d, err := crdt.New(crdt.NewActor(), crdt.TemplateOutput, "From a stranger", "", 2026, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sec := d.Sections()[0].ID
	if err := d.Splice(sec, 0, 0, "Hello\x1b]0;pwned\x07 and \x1b[2J\u202egone\u009b"); err != nil {
		t.Fatal(err)
	}
	data, err := d.Save()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "stranger.automerge")
	os.WriteFile(file, data, 0o600)
	c.ok("import", file)
	id := d.Meta().ID
	out := c.ok("show", id, "--section", "1")
	if strings.ContainsAny(out, "\x1b\x07\u202e\u009b") || !strings.Contains(out, "Hello^[]0;pwned^G and ^[[2J<U+202E>gone<U+009B>") {
		t.Errorf("show printed %q", out)
	}
	// Written here: the controls are dropped, line breaks and tabs kept.
	c.ok("write", id, "--section", "2", "--text", "One\x1b[31m\tline\nand another\x00.")
	if out := c.ok("show", id, "--section", "2"); !strings.Contains(out, "One[31m\tline\nand another.") {
		t.Errorf("written text reads %q", out)
	}
	// A title or heading written here must be one line.
	if r := c.run("", "heading", id, "rename", "1", "two\nlines"); r.code == 0 || !strings.Contains(r.stderr, "one line") {
		t.Errorf("a two-line heading: exit %d, %q", r.code, r.stderr)
	}
}

// TestSyncEndingsAreNotErrors: a peer that never answers within
// --timeout is said to be not finished, not "context deadline exceeded",
// and no log line reaches a plain command's user (issue 15, defect 6).
func TestSyncEndingsAreNotErrors(t *testing.T) {
	c := newCLI(t, "Ana")
	id := strings.TrimSpace(c.ok("new", "--title", "Patient"))
	c.ok("invite", id)
	// A peer that takes the connection and then says nothing.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	addr := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN", l.Addr().(*net.TCPAddr).Port)
	r := c.run("", "sync", "--once", "--timeout", "2s", "--lan", "0", "--peer", addr)
	out := r.stdout + r.stderr
	if r.code != exitFailed || strings.Contains(out, "deadline exceeded") || strings.Contains(out, "level=") || !strings.Contains(out, "--timeout") {
		t.Errorf("exit %d\n%s", r.code, out)
	}
}

// TestLogShowsEachRename: two people rename heading 2 differently while
// apart; after the merge the log says what each rename did, from → to,
// not the name that won (issue 15, defect 7).
func TestLogShowsEachRename(t *testing.T) {
	a, b := newCLI(t, "Ana"), newCLI(t, "Bea")
	id := strings.TrimSpace(a.ok("new", "--title", "Twice renamed"))
	file := filepath.Join(t.TempDir(), "d.automerge")
	a.ok("export", id, "--format", "automerge", "-o", file)
	b.ok("import", file)
	a.ok("heading", id, "rename", "2", "Regions")
	b.ok("heading", id, "rename", "2", "Regional views")
	b.ok("export", id, "--format", "automerge", "-o", file)
	a.ok("import", file)
	log := a.ok("log", id)
	for _, want := range []string{"→ Regions", "→ Regional views", "2. Regional specificities"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
}

// TestSmallerCLIDefects: issue 15's smaller ones, each as the person met it.
func TestSmallerCLIDefects(t *testing.T) {
	c := newCLI(t, "Ana")
	id := strings.TrimSpace(c.ok("new", "--title", "Careful"))
	// A one-character prefix names no draft (`delete 6` deleted one).
	if r := c.run("", "delete", id[:1]); r.code == 0 || !strings.Contains(r.stderr, "at least 4 characters") {
		t.Errorf("delete with one character: exit %d, %q", r.code, r.stderr)
	}
	// Restoring a draft not in the trash says so.
	if r := c.run("", "restore", id); r.code != exitFailed || !strings.Contains(r.stderr, "not in the trash") {
		t.Errorf("restore of a draft in use: exit %d, %q", r.code, r.stderr)
	}
	c.ok("delete", id)
	c.ok("restore", id)
	if r := c.run("", "restore", id); r.code == 0 {
		t.Error("restoring twice said restored twice")
	}
	// Headings: a place past the end is refused either way; each action
	// says what it did; a section id's start names it.
	for _, args := range [][]string{
		{"heading", id, "add", "Far", "--at", "99"},
		{"heading", id, "move", "1", "--to", "99"},
	} {
		if r := c.run("", args...); r.code != exitUsage || !strings.Contains(r.stderr, "this draft has 9 headings") {
			t.Errorf("%v: exit %d, %q", args, r.code, r.stderr)
		}
	}
	list := c.ok("heading", id, "list")
	secID := strings.Fields(strings.Split(list, "\n")[2])[2] // heading 2's id
	if out := c.ok("heading", id, "rename", secID[:4], "Regions"); !strings.Contains(out, "renamed “Regional specificities") {
		t.Errorf("rename by an id's start printed %q", out)
	}
	if out := c.ok("heading", id, "remove", "2"); !strings.Contains(out, "restore "+secID) {
		t.Errorf("remove printed %q", out)
	}
	// A negative age is no age.
	if r := c.run("", "log", id, "--since", "-7d"); r.code != exitUsage {
		t.Errorf("--since -7d: exit %d", r.code)
	}
}

// TestExportIntoADirectory: -o naming an existing directory writes a file
// named after the draft there; errors name the file asked for, never the
// temporary one (issue 15, defect 8).
func TestExportIntoADirectory(t *testing.T) {
	c := newCLI(t, "Ana")
	id := strings.TrimSpace(c.ok("new", "--title", "Access: 2026"))
	dir := t.TempDir()
	c.ok("export", id, "--format", "md", "-o", dir)
	if _, err := os.Stat(filepath.Join(dir, "Access- 2026.md")); err != nil {
		t.Errorf("no file named after the draft: %v", err)
	}
	if r := c.run("", "export", id, "-o", dir); r.code != exitUsage || !strings.Contains(r.stderr, "--format") {
		t.Errorf("a directory without --format: exit %d, %q", r.code, r.stderr)
	}
	missing := filepath.Join(dir, "no", "such", "x.md")
	if r := c.run("", "export", id, "-o", missing); r.code != exitFailed || !strings.Contains(r.stderr, "writing "+missing) || strings.Contains(r.stderr, ".x.md.") {
		t.Errorf("into a missing directory: exit %d, %q", r.code, r.stderr)
	}
}

// TestHelpShowsFlagsAsTyped: help lists --peer MULTIADDR, not -peer
// value (issue 15, defect 8).
func TestHelpShowsFlagsAsTyped(t *testing.T) {
	c := newCLI(t, "Ana")
	out := c.ok("sync", "--help")
	if !strings.Contains(out, "  --peer MULTIADDR\n") || !strings.Contains(out, "  --timeout DURATION\n") || strings.Contains(out, " value\n") || strings.Contains(out, "\n  -peer") {
		t.Errorf("sync --help:\n%s", out)
	}
	if out := c.ok("export", "--help"); !strings.Contains(out, "  -o FILE\n") {
		t.Errorf("export --help:\n%s", out)
	}
}

// TestJSONSchemas pins what --json prints, command by command: scripts
// rely on these names (issue 15, "Scriptable"). A new field is added to
// the list here and to README; a field never goes or changes meaning.
func TestJSONSchemas(t *testing.T) {
	c := newCLI(t, "Ana")
	id := strings.TrimSpace(c.ok("new", "--title", "Scripted"))
	c.ok("write", id, "--section", "1", "--text", "Some words.")
	c.ok("heading", id, "rename", "2", "Regions")
	c.ok("version", id, "--name", "First")
	cid := strings.TrimSpace(c.ok("comment", id, "--section", "1", "--quote", "Some", "--text", "Which?"))
	c.ok("comment", id, "--reply", cid, "--text", "These.")
	c.ok("write", id, "--section", "1", "--append", "--text", "More words.")
	keys := func(v any) string {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("not an object: %v", v)
		}
		return strings.Join(slices.Sorted(maps.Keys(m)), " ")
	}
	first := func(args ...string) any {
		t.Helper()
		var v any
		out := c.ok(append(args, "--json")...)
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%v --json is not JSON: %v\n%s", args, err, out)
		}
		if a, ok := v.([]any); ok {
			if len(a) == 0 {
				t.Fatalf("%v --json printed no rows", args)
			}
			return a[0]
		}
		return v
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"list"}, "created filled id sections template title updated year"},
		{[]string{"show", id}, "id language sections theme title year"},
		{[]string{"heading", id, "list"}, "annex heading id label number removed words"},
		{[]string{"log", id}, "added change group heading kind participant person region removed section section_number time verified"},
		{[]string{"versions", id}, "at by heads id name"},
	} {
		if got := keys(first(tc.args...)); got != tc.want {
			t.Errorf("%v --json fields:\n got %s\nwant %s", tc.args, got, tc.want)
		}
	}
	doc := first("show", id).(map[string]any)
	if got := keys(doc["sections"].([]any)[0]); got != "heading hint id number text words" {
		t.Errorf("show --json section fields: %s", got)
	}
	// These printed Go's capitalised field names ("ID", "Chars") until
	// issue 22, part 8; now they are named as the others are.
	// in follows a path of field names and indexes into a document.
	in := func(v any, path ...any) any {
		t.Helper()
		for _, step := range path {
			switch step := step.(type) {
			case string:
				m, ok := v.(map[string]any)
				if !ok || m[step] == nil {
					t.Fatalf("no field %q in %v", step, v)
				}
				v = m[step]
			case int:
				a, ok := v.([]any)
				if !ok || len(a) <= step {
					t.Fatalf("no row %d in %v", step, v)
				}
				v = a[step]
			}
		}
		return v
	}
	comments, coverage, diff := first("comments", id), first("coverage", id), first("diff", id, "creation", "current")
	for _, tc := range []struct {
		what string
		got  any
		want string
	}{
		{"comments", comments, "anchor at by end heading id paragraph person prefix public quote replies resolved section section_number start suffix text"},
		{"comments' replies", in(comments, "replies", 0), "at by id person text"},
		{"coverage", coverage, "draft headings"},
		{"coverage of the draft", in(coverage, "draft"), "chars groups heading number people regions section silent"},
		{"coverage of a heading", in(coverage, "headings", 0), "chars groups heading number people regions section silent"},
		{"coverage's shares", in(coverage, "draft", "groups", 0), "chars name percent"},
		{"review", first("review", id), "at by decisions end heading id kind paragraph person reverted section section_number start status text"},
		{"diff", diff, "heading heading_added heading_removed pieces section section_number"},
		{"diff's pieces", in(diff, "pieces", 0), "at by kind person text"},
	} {
		if got := keys(tc.got); got != tc.want {
			t.Errorf("%s --json fields:\n got %s\nwant %s", tc.what, got, tc.want)
		}
	}
	// sync: one row per peer, even one that could not be reached.
	c.ok("invite", id)
	r := c.run("", "sync", "--once", "--json", "--lan", "0", "--timeout", "5s", "--peer",
		"/ip4/127.0.0.1/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN")
	var rows []any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("sync --json: %v\n%s", err, r.stdout)
	}
	if got := keys(rows[0]); got != "bytes_down bytes_up changes_in changes_out drafts link_down link_up ok peer result today_link_down today_link_up" {
		t.Errorf("sync --json fields: %s", got)
	}
}

// TestListSaysHowToStart: an empty data dir listed a bare header; it says
// how to start instead, on stdout as other empty listings do, and --json
// stays an empty array (issue 22, part 8).
func TestListSaysHowToStart(t *testing.T) {
	c := cli{t, t.TempDir()}
	r := c.run("", "list")
	if r.code != 0 || r.stderr != "" || strings.Contains(r.stdout, "ID  TITLE") {
		t.Fatalf("list of an empty data dir: exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"bpfdraft profile", "bpfdraft new", "bpfdraft join", "bpfdraft import"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("list of an empty data dir does not mention %q:\n%s", want, r.stdout)
		}
	}
	c.ok("profile", "--name", "Ana", "--group", "Civil society", "--region", "WEOG")
	if got := c.ok("list"); strings.Contains(got, "bpfdraft profile") || !strings.Contains(got, "bpfdraft new") {
		t.Errorf("list with a profile and no drafts:\n%s", got)
	}
	if got := c.ok("list", "--json"); got != "[]\n" {
		t.Errorf("list --json of an empty data dir = %q", got)
	}
	if got := c.ok("list", "--trash"); strings.Contains(got, "ID  TITLE") || !strings.Contains(got, "trash is empty") {
		t.Errorf("list --trash of an empty data dir = %q", got)
	}
}

// TestBigDraftsAreBounded: writing or importing past the documented limit
// is refused before anything changes, with the limit and what to do
// (issue 15, defect 3).
func TestBigDraftsAreBounded(t *testing.T) {
	c := newCLI(t, "Ana")
	id := strings.TrimSpace(c.ok("new", "--title", "Annex"))
	big := filepath.Join(t.TempDir(), "annex.txt")
	os.WriteFile(big, []byte(strings.Repeat("Survey answer. ", app.MaxDraftText/15+100)), 0o600)
	r := c.run("", "write", id, "--section", "1", "--file", big)
	if r.code != exitFailed || !strings.Contains(r.stderr, fmt.Sprint(app.MaxDraftText)) || !strings.Contains(r.stderr, "draft of its own") {
		t.Errorf("a write past the limit: exit %d, %q", r.code, r.stderr)
	}
	if out := c.ok("show", id, "--section", "1"); strings.Contains(out, "Survey") {
		t.Error("the refused write changed the section")
	}
	// A file made elsewhere past the limit is refused whole.
	d, err := crdt.New(crdt.NewActor(), crdt.TemplateOutput, "Too big", "", 2026, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	d.Splice(d.Sections()[0].ID, 0, 0, strings.Repeat("x", app.MaxDraftText+1))
	data, _ := d.Save()
	file := filepath.Join(t.TempDir(), "big.automerge")
	os.WriteFile(file, data, 0o600)
	if r := c.run("", "import", file); r.code != exitFailed || !strings.Contains(r.stderr, "draft of its own") {
		t.Errorf("an import past the limit: exit %d, %q", r.code, r.stderr)
	}
	if strings.Contains(c.ok("list"), "Too big") {
		t.Error("the refused import added a draft")
	}
}

// TestReadOnlyDataDir: a data directory that cannot be written (a
// read-only mount) still lets commands read, says so, and refuses changes
// with the reason (issue 15, defect 8). It needs a read-only bind mount,
// which only root in a container that allows mounts can make.
func TestReadOnlyDataDir(t *testing.T) {
	c := newCLI(t, "Ana")
	id := strings.TrimSpace(c.ok("new", "--title", "Kept"))
	c.ok("write", id, "--section", "1", "--text", "Readable.")
	ro := t.TempDir()
	if out, err := exec.Command("mount", "--bind", c.data, ro).CombinedOutput(); err != nil {
		t.Skipf("no bind mount here: %v %s", err, out)
	}
	defer exec.Command("umount", ro).Run()
	if out, err := exec.Command("mount", "-o", "remount,ro,bind", ro).CombinedOutput(); err != nil {
		t.Skipf("no read-only remount here: %v %s", err, out)
	}
	r := cli{t, ro}
	out := r.run("", "show", id, "--section", "1")
	if out.code != 0 || !strings.Contains(out.stdout, "Readable.") || !strings.Contains(out.stderr, "cannot be written") {
		t.Errorf("show: exit %d\n%s\n%s", out.code, out.stdout, out.stderr)
	}
	w := r.run("", "write", id, "--section", "1", "--text", "Changed.")
	if w.code != exitFailed || !strings.Contains(w.stderr, "make the directory writable") {
		t.Errorf("write: exit %d, %q", w.code, w.stderr)
	}
}

// TestReadingNeedsNoHistory: commands that only read a draft read the
// view its last session left, instead of loading its whole history into
// Automerge (seconds and hundreds of megabytes for a long draft); a
// command that needs the history, or a view another process's later
// writes made stale, loads the document and shows what is on disk.
func TestReadingNeedsNoHistory(t *testing.T) {
	const fromView, loaded = "Read a draft from its stored view", "Loaded a draft's document"
	c := newCLI(t, "Lin Wei")
	id := strings.TrimSpace(c.ok("new", "--title", "Stored view"))
	c.ok("write", id, "--section", "1", "--text", "Written from the terminal.")
	md := filepath.Join(t.TempDir(), "out.md")
	for _, args := range [][]string{{"show", id}, {"heading", id, "list"}, {"export", id, "-o", md}, {"versions", id}} {
		r := c.run("", append([]string{"--verbose"}, args...)...)
		if r.code != 0 || !strings.Contains(r.stderr, fromView) || strings.Contains(r.stderr, loaded) {
			t.Errorf("bpfdraft %s: exit %d, the document loaded:\n%s", args[0], r.code, r.stderr)
		}
	}
	if b, _ := os.ReadFile(md); !strings.Contains(string(b), "Written from the terminal.") {
		t.Errorf("export from the view:\n%s", b)
	}
	if r := c.run("", "--verbose", "log", id); !strings.Contains(r.stderr, loaded) || !strings.Contains(r.stdout, "Lin Wei") {
		t.Errorf("log without loading the history?\n%s\n%s", r.stdout, r.stderr)
	}

	// Another process (the window, say) writes and still holds the draft.
	ws, err := app.Open(context.Background(), c.data, app.Options{Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	s, err := ws.Session(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Write(context.Background(), "1", "Typed in the window.", false); err != nil {
		t.Fatal(err)
	}
	r := c.run("", "--verbose", "show", id, "--section", "1")
	if !strings.Contains(r.stdout, "Typed in the window.") || !strings.Contains(r.stderr, loaded) {
		t.Errorf("show after another process wrote:\n%s\n%s", r.stdout, r.stderr)
	}
	s.Close(context.Background())
	r = c.run("", "--verbose", "show", id, "--section", "1")
	if !strings.Contains(r.stdout, "Typed in the window.") || !strings.Contains(r.stderr, fromView) {
		t.Errorf("show once the other process let go:\n%s\n%s", r.stdout, r.stderr)
	}
}
