package crdt

import (
	"bytes"
	"errors"
	"runtime"
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
			sb.Receive(m, nil, nil)
		}
		if m, _, ok, _ := sb.Generate(); ok {
			check(m)
			sa.Receive(m, nil, nil)
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
			sb.Receive(m, nil, nil)
		}
		if m, _, ok, _ := sb.Generate(); ok {
			sa.Receive(m, nil, nil)
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
		// Whatever it returns stays within the batch's byte budget: a
		// decoder that amplifies hostile input fails here, not only one
		// that panics.
		bound := expandBudget(len(data)) + len(data) + 16
		if out, err := ExpandSync(data); err == nil && len(out) > bound {
			t.Fatalf("%d B expanded to %d B", len(data), len(out))
		}
		if out, err := ExpandChanges(data); err == nil && len(out) > bound {
			t.Fatalf("%d B expanded to %d B", len(data), len(out))
		}
	})
}

func mustSave(tb testing.TB, d *Doc) []byte {
	b, err := d.Save()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestBatchAmplificationRefused is issue 13's first defect: 256 changes
// sharing one 1 MiB message are a few kilobytes as a batch and would be
// 256 MiB rebuilt. The decoder refuses before building them.
func TestBatchAmplificationRefused(t *testing.T) {
	a := newDraft(t, TemplateOutput)
	if err := a.AppendBody(a.Sections()[0].ID, "x"); err != nil {
		t.Fatal(err)
	}
	commit(t, a)
	raw, _, err := a.ChangesSince(nil)
	if err != nil {
		t.Fatal(err)
	}
	chunks, err := splitChunks(raw)
	if err != nil {
		t.Fatal(err)
	}
	base, err := parseChange(chunks[len(chunks)-1])
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("m"), 1<<20)
	var parts []changeParts
	for i := 0; i < 256; i++ {
		p := base
		p.seq = base.seq + uint64(i)
		p.message = big
		if i > 0 {
			h := parts[i-1].hash()
			p.deps = [][]byte{h[:]}
		}
		parts = append(parts, p)
	}
	batch := encodeBatch(nil, parts, nil)
	if deflatedSize(batch) > 64<<10 {
		t.Fatalf("the hostile batch is %d B deflated: not the attack", deflatedSize(batch))
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	before := m.TotalAlloc
	_, err = ExpandChanges(batch)
	runtime.ReadMemStats(&m)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("expanding the batch: %v", err)
	}
	if alloc := m.TotalAlloc - before; alloc > 64<<20 {
		t.Errorf("refusing it allocated %d MB", alloc>>20)
	}
	t.Logf("%d B batch (%d B deflated) refused", len(batch), deflatedSize(batch))
}

// A change coded after the change it follows (a relay blob after the one
// before) comes back exactly, takes fewer bytes than coded after nothing
// but the heads, and does not come back after another base: the hashes
// would differ, and expanding refuses rather than rebuild other changes.
func TestCompactAfterABase(t *testing.T) {
	owner, _, _, _ := signedDraft(t)
	sec := owner.Sections()[0].ID
	write := func(text string) []string {
		before := owner.Heads()
		if err := owner.Splice(sec, 0, 0, text); err != nil {
			t.Fatal(err)
		}
		commit(t, owner)
		return before
	}
	write("First paragraph of the draft. ")
	baseHeads := owner.Heads()
	base := owner.ChangeChunk(baseHeads[0])
	if base == nil {
		t.Fatal("the copy does not give its own change")
	}
	before := write("Twenty characters!! ")
	data, n, err := owner.ChangesSince(before)
	if err != nil || n != 1 {
		t.Fatalf("%d changes, %v", n, err)
	}
	devices := []string{owner.Actor()}
	plain, ok := CompactChangesFor(data, baseHeads, devices)
	if !ok {
		t.Fatal("no compact form")
	}
	after, ok := CompactChangesAfter(data, baseHeads, devices, base)
	if !ok {
		t.Fatal("no compact form after the base")
	}
	if len(after) >= len(plain) {
		t.Errorf("after the base %d bytes, without %d", len(after), len(plain))
	}
	back, err := ExpandChangesAfter(after, baseHeads, devices, base)
	if err != nil || !bytes.Equal(back, data) {
		t.Fatalf("expanded after the base: %v", err)
	}
	other := owner.ChangeChunk(before[0])
	write("More. ")
	first, _ := owner.Genesis()
	if back, err := ExpandChangesAfter(after, baseHeads, devices, first); err == nil && bytes.Equal(back, data) {
		t.Fatal("the batch came back the same after another base")
	}
	if other == nil {
		t.Fatal("no chunk for a held change")
	}
	if _, err := ExpandChangesAfter(after, baseHeads, devices, []byte("not a change")); err == nil {
		t.Fatal("a base that is not a change was taken")
	}
	t.Logf("one 20-character change: %d bytes coded after its base, %d after the heads only, %d as a chunk", len(after), len(plain), len(data))
}
