package crdt

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNamedVersions(t *testing.T) {
	d, err := New(NewActor(), TemplateOutput, "Versions", "", 2026, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	sec := d.Sections()[0].ID
	d.ReplaceBody(sec, "First draft.")
	d.Commit()
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	v1, err := d.AddVersion("  Draft for public comment  ", nil, at)
	if err != nil {
		t.Fatal(err)
	}
	d.Commit()
	d.ReplaceBody(sec, "Second draft.")
	d.Commit()
	for _, bad := range []string{"", "current", "two\nlines", strings.Repeat("x", 121)} {
		if _, err := d.AddVersion(bad, nil, at); !errors.Is(err, ErrVersionName) {
			t.Errorf("name %q: %v", bad, err)
		}
	}
	if _, err := d.AddVersion("Unknown heads", []string{strings.Repeat("ab", 32)}, at); err == nil {
		t.Error("a version of heads the draft does not hold was accepted")
	}
	vs := d.Versions()
	if len(vs) != 1 || vs[0].Name != "Draft for public comment" || vs[0].ID != v1.ID || !vs[0].At.Equal(at) || vs[0].Actor != d.Actor() {
		t.Fatalf("versions %+v", vs)
	}
	then, err := d.SnapshotAt(vs[0].Heads)
	if err != nil {
		t.Fatal(err)
	}
	if then.Sections[0].Body != "First draft." || d.Sections()[0].Body != "Second draft." {
		t.Errorf("the version holds %q, the draft %q", then.Sections[0].Body, d.Sections()[0].Body)
	}
	// Versions travel with the document, to every peer and in exports.
	data, err := d.Save()
	if err != nil {
		t.Fatal(err)
	}
	other, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	if vs := other.Versions(); len(vs) != 1 || vs[0].ID != v1.ID {
		t.Errorf("after a round trip: %+v", vs)
	}
	hist, err := d.History()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range hist {
		found = found || c.Kind == KindVersion && c.Section == v1.ID
	}
	if !found {
		t.Error("naming a version is not in the history")
	}
}
