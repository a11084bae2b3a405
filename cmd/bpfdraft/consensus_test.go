package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestStanceSettleConsensus: the three commands, the consensus table and
// its JSON, and what a participant's settle and a wrong paragraph say.
func TestStanceSettleConsensus(t *testing.T) {
	c := newCLI(t, "Amina")
	id := strings.TrimSpace(c.ok("new", "--title", "Stances"))
	c.ok("write", id, "--section", "2", "--text", "Access is uneven.\n\nTrust needs practice.")
	c.ok("stance", id, "2.2", "object", "--reason", "Needs evidence")
	c.ok("settle", id, "2.2", "contested", "--note", "Call on Friday")
	out := c.ok("consensus", id)
	for _, want := range []string{"2.2        contested  0        1       object: Technical community 1; Asia-Pacific 1",
		"note by Amina: Call on Friday", "object Amina (Technical community, Asia-Pacific): Needs evidence", "no stance or status yet: "} {
		if !strings.Contains(out, want) {
			t.Errorf("consensus lacks %q:\n%s", want, out)
		}
	}
	var j struct {
		Paragraphs []struct {
			Paragraph     string            `json:"paragraph"`
			Status        string            `json:"status"`
			Object        []json.RawMessage `json:"object"`
			ObjectByGroup []struct {
				Name string `json:"name"`
				N    int    `json:"n"`
			} `json:"object_by_group"`
		} `json:"paragraphs"`
		NoStance []string `json:"no_stance"`
	}
	if err := json.Unmarshal([]byte(c.ok("consensus", id, "--json")), &j); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range j.Paragraphs {
		if p.Paragraph == "2.2" {
			found = p.Status == "contested" && len(p.Object) == 1 && len(p.ObjectByGroup) == 1 && p.ObjectByGroup[0].N == 1
		}
	}
	if !found || !strings.Contains(strings.Join(j.NoStance, ","), "2.1") {
		t.Errorf("consensus --json: %+v", j)
	}
	// The contested paragraph in brackets, with the objecting groups.
	md := c.ok("export", id, "--format", "md", "--brackets", "-o", "-")
	if !strings.Contains(md, `\[Trust needs practice.\][^1]`) || !strings.Contains(md, "Contested: objections from Technical community.") ||
		strings.Contains(md, `\[Access`) {
		t.Errorf("export --brackets:\n%s", md)
	}
	if plain := c.ok("export", id, "--format", "md", "-o", "-"); strings.Contains(plain, "Contested") {
		t.Error("brackets without --brackets")
	}
	if r := c.run("", "stance", id, "2.9", "support"); r.code == 0 || !strings.Contains(r.stderr, "no paragraph 9") {
		t.Errorf("a stance on no paragraph: %d %s", r.code, r.stderr)
	}
	if r := c.run("", "settle", id, "2.1", "maybe"); r.code == 0 || !strings.Contains(r.stderr, "agreed, contested or open") {
		t.Errorf("a status that is none of the three: %d %s", r.code, r.stderr)
	}
}
