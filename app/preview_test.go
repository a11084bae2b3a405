package app

import (
	"bytes"
	"context"
	"errors"
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/igf-bpf/bpfdraft/app/textop"
	docsync "github.com/igf-bpf/bpfdraft/sync"
)

// sharedUncommitted is two workspaces holding one draft, whose typing is
// never committed unless flushed, and the section both write in, holding
// "Para one. Para two.".
func sharedUncommitted(t *testing.T) (wa, wb *Workspace, sa, sb *Session, sec string) {
	t.Helper()
	ctx := context.Background()
	opts := Options{Poll: -1, IdleCommit: -1, CommitEvery: -1}
	wa, wb, sa = invitedPair(t, opts)
	sec = sa.Sections()[0].ID
	if _, _, err := sa.Write(ctx, sec, "Para one. Para two.", false); err != nil {
		t.Fatal(err)
	}
	syncPair(t, wa, wb)
	sb, err := wb.Session(ctx, sa.ID())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close(ctx) })
	return wa, wb, sa, sb, sec
}

func mustSplice(t *testing.T, s *Session, sec string, pos, del int, text string) {
	t.Helper()
	if err := s.Splice(context.Background(), sec, pos, del, text); err != nil {
		t.Fatal(err)
	}
}

// TestPreviewOfTyping: a session's preview is its typing as runs over the
// committed text, with that text's identity; none once committed.
func TestPreviewOfTyping(t *testing.T) {
	_, _, sa, _, sec := sharedUncommitted(t)
	if _, ok := sa.Preview(); ok {
		t.Error("a preview with nothing typed")
	}
	mustSplice(t, sa, sec, 10, 0, "New ")   // "Para one. New Para two."
	mustSplice(t, sa, sec, 4, 0, "graph")   // "Paragraph one. New Para two."
	mustSplice(t, sa, sec, 27, 1, "!")      // the last full stop
	mustSplice(t, sa, sec, 15, 0, "Really") // inside "New "
	p, ok := sa.Preview()
	want := []PreviewRun{{Pos: 4, Insert: "graph"}, {Pos: 10, Insert: "ReallyNew "}, {Pos: 18, Del: 1, Insert: "!"}}
	if !ok || p.Section != sec || !reflect.DeepEqual(p.Runs, want) {
		t.Fatalf("preview %+v, %v; want runs %+v", p, ok, want)
	}
	if p.Base != baseIDOf("Para one. Para two.") {
		t.Errorf("base %x is not the committed text's", p.Base)
	}
	if err := sa.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p, ok := sa.Preview(); ok {
		t.Errorf("a preview after the commit: %+v", p)
	}
}

func baseIDOf(text string) BaseID {
	var b baseIDs
	return b.of("", text)
}

// TestPlacePreview: a co-author's preview lands in the text this session
// shows, carried through the typing here; where both type at one place,
// this side's typing comes first; it is refused once the commit it
// previews arrived, and when the committed texts differ.
func TestPlacePreview(t *testing.T) {
	ctx := context.Background()
	wa, _, sa, sb, sec := sharedUncommitted(t)
	mustSplice(t, sa, sec, 10, 0, "New. ") // A: "Para one. New. Para two."
	mustSplice(t, sa, sec, 20, 3, "Two")   // A: "Para one. New. Para Two."
	p, _ := sa.Preview()
	got, ghosts, ok := sb.PlacePreview(p)
	want := []Ghost{{Pos: 10, Text: "New. "}, {Pos: 15, Del: 3, Text: "Two"}}
	if !ok || got != sec || !reflect.DeepEqual(ghosts, want) {
		t.Fatalf("placed %q %+v %v, want %+v", got, ghosts, ok, want)
	}
	// B types before A's places, and at one of them.
	mustSplice(t, sb, sec, 0, 0, ">> ")   // B: ">> Para one. Para two."
	mustSplice(t, sb, sec, 13, 0, "Also") // B: ">> Para one. AlsoPara two."
	_, ghosts, ok = sb.PlacePreview(p)
	want = []Ghost{{Pos: 17, Text: "New. "}, {Pos: 22, Del: 3, Text: "Two"}}
	if !ok || !reflect.DeepEqual(ghosts, want) {
		t.Fatalf("through B's typing: %+v %v, want %+v", ghosts, ok, want)
	}
	// What B shows, with the ghosts in.
	shown := []rune(sb.View().Sections[0].Body)
	withGhosts := string(shown[:17]) + "New. " + string(shown[17:22]) + "Two" + string(shown[25:])
	if withGhosts != ">> Para one. AlsoNew. Para Two." {
		t.Errorf("B would read %q", withGhosts)
	}
	// B commits: its committed text is not A's base any more.
	if err := sb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := sb.PlacePreview(p); ok {
		t.Error("placed on a committed text other than the preview's")
	}
	// A's commit reaches a third copy that had the preview's base.
	wc := openWSWith(t, t.TempDir(), Options{Poll: -1})
	inv, err := wa.Invite(ctx, sa.ID(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wc.Join(ctx, inv.Code()); err != nil {
		t.Fatal(err)
	}
	syncPair(t, wa, wc)
	sc, err := wc.Session(ctx, sa.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close(ctx)
	if _, _, ok := sc.PlacePreview(p); !ok {
		t.Fatal("the third copy could not place the preview")
	}
	// Nonsense in a preview is refused, not placed.
	for _, bad := range []Preview{
		{Section: "nope", Base: p.Base},
		{Section: sec, Base: p.Base, Runs: []PreviewRun{{Pos: 500, Insert: "x"}}},
		{Section: sec, Base: p.Base, Runs: []PreviewRun{{Pos: 5, Insert: "x"}, {Pos: 2, Insert: "y"}}},
	} {
		if _, _, ok := sc.PlacePreview(bad); ok {
			t.Errorf("placed %+v", bad)
		}
	}
	if err := sa.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	syncPair(t, wa, wc)
	if _, _, ok := sc.PlacePreview(p); ok {
		t.Error("a preview placed after the commit carrying it arrived")
	}
}

// TestSubscriptionPlacesPreview: a window's editor gets ghosts in the
// text it shows, its own edits still on their way included, and none
// while a change from elsewhere waits for it.
func TestSubscriptionPlacesPreview(t *testing.T) {
	_, _, sa, sb, sec := sharedUncommitted(t)
	mustSplice(t, sa, sec, 10, 0, "New. ")
	p, _ := sa.Preview()
	sub := sb.Attach()
	defer sub.Close()
	text, err := sub.Open(sec)
	if err != nil {
		t.Fatal(err)
	}
	n := len([]rune(text))
	place := func(want int) {
		t.Helper()
		ghosts, ok := sub.PlacePreview(p)
		if w := []Ghost{{Pos: want, Text: "New. "}}; !ok || !reflect.DeepEqual(ghosts, w) {
			t.Errorf("the editor's ghosts %+v %v, want %+v", ghosts, ok, w)
		}
	}
	sub.Edit(sec, mustOp(textop.Splice(n, 0, 0, "12345")))
	place(15) // on its way
	sb.Applied()
	place(15) // applied, its acknowledgement not taken yet
	sub.Next()
	sub.Edit(sec, mustOp(textop.Splice(n+5, 5, 0, "6")))
	sub.Edit(sec, mustOp(textop.Splice(n+6, 6, 0, "7"))) // waits for "6"
	sb.Applied()
	place(17)
	mustSplice(t, sb, sec, 0, 0, "ab") // from elsewhere: the editor has not taken it
	if g, ok := sub.PlacePreview(p); ok {
		t.Errorf("placed %+v while a change waits for the editor", g)
	}
	sub.Next()
	place(19) // "ab1234567Para one. " before it
}

func mustOp(o textop.Op, err error) textop.Op {
	if err != nil {
		panic(err)
	}
	return o
}

// TestPreviewsStayOffTheRecord: previews over a live session reach the
// co-author's screen and nothing else: the heads and the chunks of the
// data file stay as they were on both sides until the typing is
// committed, and then the preview is refused at the receiver.
func TestPreviewsStayOffTheRecord(t *testing.T) {
	ctx := context.Background()
	wa, wb, sa, sb, sec := sharedUncommitted(t)
	id := sa.ID()
	ea := docsync.New(wa.SyncLibrary(), "peer-a", testLog(t))
	eb := docsync.New(wb.SyncLibrary(), "peer-b", testLog(t))
	x, y := net.Pipe()
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{}, 2)
	go func() { eb.Answer(lctx, y, "peer-a"); y.Close(); done <- struct{}{} }()
	go func() { ea.Run(lctx, x, "peer-b", false); x.Close(); done <- struct{}{} }()
	defer func() { cancel(); x.Close(); y.Close(); <-done; <-done }()

	headsA, headsB := sa.Heads(), sb.Heads()
	chunksA, _, _ := wa.store.ChunkCount(ctx, id)
	chunksB, _, _ := wb.store.ChunkCount(ctx, id)
	typed := "typed live "
	for i, r := range typed {
		mustSplice(t, sa, sec, 10+i, 0, string(r))
		p, _ := sa.Preview()
		if err := ea.SetPreview(id, EncodePreview(p)); err != nil {
			t.Fatal(err)
		}
	}
	want := []Ghost{{Pos: 10, Text: typed}}
	waitUntil(t, "the whole preview at B", func() bool {
		for _, e := range eb.Previews(id) {
			p, err := DecodePreview(e.Data)
			if err != nil {
				t.Fatal(err)
			}
			if _, g, ok := sb.PlacePreview(p); ok && reflect.DeepEqual(g, want) {
				return true
			}
		}
		return false
	})
	time.Sleep(100 * time.Millisecond) // room for anything else to arrive
	if !slices.Equal(sa.Heads(), headsA) || !slices.Equal(sb.Heads(), headsB) {
		t.Error("previews changed the document's heads")
	}
	if a, _, _ := wa.store.ChunkCount(ctx, id); a != chunksA {
		t.Errorf("A's data file has %d chunks, had %d", a, chunksA)
	}
	if b, _, _ := wb.store.ChunkCount(ctx, id); b != chunksB {
		t.Errorf("B's data file has %d chunks, had %d", b, chunksB)
	}
	if body := sb.View().Sections[0].Body; strings.Contains(body, "typed") {
		t.Errorf("B's text holds the preview: %q", body)
	}
	// The commit arrives: B reads the text, and the preview places no more.
	last := eb.Previews(id)[0]
	if err := sa.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the commit at B", func() bool { return strings.Contains(sb.View().Sections[0].Body, typed) })
	p, _ := DecodePreview(last.Data)
	if _, _, ok := sb.PlacePreview(p); ok {
		t.Error("the preview still places once its commit arrived")
	}
}

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPreviewEncoding: previews survive the wire as they were, a paste
// longer than the bound is cut to fit (its first part kept), and what
// is not a preview is refused.
func TestPreviewEncoding(t *testing.T) {
	base := BaseID{1, 2, 3, 4, 5, 6, 7, 8}
	for _, p := range []Preview{
		{Section: "s4xk2ba", Base: base, Runs: []PreviewRun{}},
		{Section: "s4xk2ba", Base: base, Runs: []PreviewRun{{Pos: 2498, Insert: "Some was"}}},
		{Section: "s", Base: base, Runs: []PreviewRun{{Pos: 0, Del: 3}, {Pos: 3, Insert: "é\n"}, {Pos: 90000, Del: 2, Insert: "日本"}}},
	} {
		got, err := DecodePreview(EncodePreview(p))
		if err != nil || !reflect.DeepEqual(got, p) {
			t.Errorf("DecodePreview(EncodePreview(%+v)) = %+v, %v", p, got, err)
		}
	}
	paste := strings.Repeat("é", MaxPreviewSize)
	p := Preview{Section: "s", Base: base, Runs: []PreviewRun{{Pos: 5, Del: 1, Insert: paste}, {Pos: 9, Insert: "later"}}}
	b := EncodePreview(p)
	got, err := DecodePreview(b)
	if err != nil || len(b) > MaxPreviewSize || len(got.Runs) != 1 || !strings.HasPrefix(paste, got.Runs[0].Insert) ||
		len(got.Runs[0].Insert) < MaxPreviewSize-32 || got.Runs[0].Del != 1 {
		t.Errorf("a paste encoded in %d bytes decodes as %d runs, %v", len(b), len(got.Runs), err)
	}
	good := EncodePreview(Preview{Section: "s", Base: base, Runs: []PreviewRun{{Pos: 1, Insert: "a"}, {Pos: 4, Insert: "b"}}})
	for name, bad := range map[string][]byte{
		"empty":                  {},
		"another format":         append([]byte{2}, good[1:]...),
		"no section":             {1, 0},
		"section over its bound": append([]byte{1, 65}, bytes.Repeat([]byte("s"), 65)...),
		"base cut":               good[:5],
		"count past the bytes":   append(slices.Clone(good[:11]), 100),
		"insert past the end":    append(slices.Clone(good[:12]), 1, 0, 9, 'a'),
		"not UTF-8":              append(slices.Clone(good[:len(good)-1]), 0xff),
		"over the bound":         append(slices.Clone(good), make([]byte, MaxPreviewSize)...),
		"bytes after no runs":    append(slices.Clone(good[:11]), 0, 'x'),
	} {
		if _, err := DecodePreview(bad); !errors.Is(err, ErrBadPreview) {
			t.Errorf("%s: DecodePreview = %v, want ErrBadPreview", name, err)
		}
	}
}

// FuzzDecodePreview: whatever a peer sends, a preview decodes within its
// bounds (runs in order, text that is UTF-8, no more text than bytes
// sent) and encodes back to what decodes the same.
func FuzzDecodePreview(f *testing.F) {
	f.Add(EncodePreview(Preview{Section: "s4xk2ba", Runs: []PreviewRun{{Pos: 2498, Insert: "Some"}, {Pos: 2600, Del: 4}}}))
	f.Add([]byte{1, 1, 's', 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodePreview(b)
		if err != nil {
			if !errors.Is(err, ErrBadPreview) {
				t.Fatalf("error %v is not ErrBadPreview", err)
			}
			return
		}
		end, text := 0, 0
		for _, r := range p.Runs {
			if r.Pos < end || r.Del < 0 || r.Pos+r.Del > maxPreviewPos || !utf8.ValidString(r.Insert) {
				t.Fatalf("run %+v after %d", r, end)
			}
			end, text = r.Pos+r.Del, text+len(r.Insert)
		}
		if text+len(p.Section) > len(b) {
			t.Fatalf("%d bytes of text from %d", text, len(b))
		}
		again, err := DecodePreview(EncodePreview(p))
		if err != nil || !reflect.DeepEqual(again, p) {
			t.Fatalf("re-encoded %+v decodes as %+v, %v", p, again, err)
		}
	})
}
