package crdt

import (
	"bytes"
	"testing"
)

// TestCompactSyncRoundTrip runs a sync whose messages carry many changes
// from two actors, compacts every message and expands it again: the bytes
// must come back exactly, and the compact form must be smaller.
func TestCompactSyncRoundTrip(t *testing.T) {
	a := newDraft(t, TemplateOutput)
	b := fork(t, a)
	for i := 0; i < 40; i++ {
		a.AppendBody(a.Sections()[i%3].ID, "typing on a ")
		commit(t, a)
		b.AppendBody(b.Sections()[3+i%2].ID, "typing on b ")
		commit(t, b)
	}
	sa, sb := a.NewSyncState(), b.NewSyncState()
	var raw, compact int
	check := func(msg []byte) {
		c, ok := CompactSync(msg)
		if !ok {
			return
		}
		back, err := ExpandSync(c)
		if err != nil || !bytes.Equal(back, msg) {
			t.Fatalf("round trip failed: %v (%d vs %d bytes)", err, len(back), len(msg))
		}
		raw += len(msg)
		compact += len(c)
	}
	for i := 0; i < 6; i++ {
		if m, _, ok, _ := sa.Generate(); ok {
			check(m)
			sb.Receive(m)
		}
		if m, _, ok, _ := sb.Generate(); ok {
			check(m)
			sa.Receive(m)
		}
	}
	if raw == 0 || compact >= raw*3/4 {
		t.Errorf("compact %d B of %d B raw", compact, raw)
	}
	t.Logf("messages with changes: %d B raw, %d B compact", raw, compact)
	if _, err := ExpandSync([]byte{5, 1, 2}); err == nil {
		t.Error("garbage expanded")
	}
}

func FuzzExpandSync(f *testing.F) {
	a, err := New(NewActor(), TemplateOutput, "Fuzz", "", 2026, t0)
	if err != nil {
		f.Fatal(err)
	}
	b, _ := Load(mustSave(f, a))
	a.AppendBody(a.Sections()[0].ID, "x")
	a.Commit()
	sa, sb := a.NewSyncState(), b.NewSyncState()
	for i := 0; i < 3; i++ {
		if m, _, ok, _ := sa.Generate(); ok {
			if c, ok := CompactSync(m); ok {
				f.Add(c)
			}
			sb.Receive(m)
		}
		if m, _, ok, _ := sb.Generate(); ok {
			sa.Receive(m)
		}
	}
	// A transposed batch of typing, as a push carries it.
	base := a.Heads()
	for i := 0; i < 30; i++ {
		a.AppendBody(a.Sections()[1].ID, "ab")
		a.Commit()
	}
	if raw, _, err := a.ChangesSince(base); err == nil {
		if c, ok := CompactChanges(raw); ok {
			f.Add(append([]byte{0}, c...)) // no prefix, as ExpandSync reads it
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ExpandSync(data) // must not panic or allocate wildly
		ExpandChanges(data)
	})
}

func mustSave(tb testing.TB, d *Doc) []byte {
	b, err := d.Save()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
