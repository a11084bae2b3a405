package app

import (
	"context"
	"slices"
	"testing"

	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/crdt/sqlitestore"
	docsync "github.com/igf-bpf/bpfdraft/sync"
)

// TestAccessByTags: the answering side of a session finds offered drafts
// by their stored tags: rows written before tags were stored get theirs
// at the next open, a rotation moves the tag to the new secret, and a
// draft in the trash is not found.
func TestAccessByTags(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := openWS(t, dir)
	withProfile(t, w, "Amina")
	var ids []string
	for i := range 3 {
		id, err := w.Create(ctx, NewDraft{Template: crdt.TemplateOutput, Title: "T", Year: 2026 + i})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	// An old row: written without a tag, as before the tag was stored.
	oldSecret := docsync.NewSecret()
	if err := w.store.SetAccess(ctx, sqlitestore.Access{DraftID: ids[0], Secret: oldSecret}); err != nil {
		t.Fatal(err)
	}
	inv1, err := w.Invite(ctx, ids[1], nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Invite(ctx, ids[2], nil, nil); err != nil {
		t.Fatal(err)
	}
	lib := w.SyncLibrary().(docsync.TagLookup)
	found := func(tags ...[]byte) []string {
		t.Helper()
		got, err := lib.AccessByTags(ctx, tags)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range got {
			out = append(out, a.DraftID)
		}
		return out
	}
	old := docsync.TagOf(ids[0], oldSecret)
	if got := found(old); len(got) != 0 {
		t.Fatalf("an untagged row was found before the backfill: %v", got)
	}
	w.Close()
	w = openWS(t, dir)
	defer w.Close()
	lib = w.SyncLibrary().(docsync.TagLookup)
	if got := found(old, docsync.TagOf(ids[1], inv1.Secret)); !slices.Equal(got, sortedCopy(ids[:2])) {
		t.Fatalf("after the backfill: %v, want %v", got, ids[:2])
	}

	rotated, err := w.Invite(ctx, ids[1], nil, docsync.NewSecret())
	if err != nil {
		t.Fatal(err)
	}
	if got := found(docsync.TagOf(ids[1], inv1.Secret)); len(got) != 0 {
		t.Errorf("the replaced secret's tag still finds the draft")
	}
	if got := found(docsync.TagOf(ids[1], rotated.Secret)); !slices.Equal(got, ids[1:2]) {
		t.Errorf("the new secret's tag finds %v", got)
	}
	if err := w.Delete(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if got := found(old); len(got) != 0 {
		t.Errorf("a draft in the trash was found: %v", got)
	}
	// Many tags at once (more than one statement's batch).
	tags := make([][]byte, 1200)
	for i := range tags {
		tags[i] = docsync.TagOf("nothing", docsync.NewSecret())
	}
	tags[1100] = docsync.TagOf(ids[1], rotated.Secret)
	if got := found(tags...); !slices.Equal(got, ids[1:2]) {
		t.Errorf("among 1,200 tags: %v", got)
	}
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
