package app

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

// FuzzImport feeds arbitrary bytes to Workspace.Import, the path every
// file from another machine takes: it must import, merge or refuse with
// an error, and never damage the draft already there.
func FuzzImport(f *testing.F) {
	ctx := context.Background()
	w, err := Open(ctx, f.TempDir(), Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	defer w.Close()
	withProfile(f, w, "Fuzz")
	id, err := w.Create(ctx, NewDraft{Template: "output", Title: "Existing"})
	if err != nil {
		f.Fatal(err)
	}
	s, err := w.Session(ctx, id)
	if err != nil {
		f.Fatal(err)
	}
	if _, _, err := s.Write(ctx, "1", "keep this", false); err != nil {
		f.Fatal(err)
	}
	good, err := s.Save(ctx)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add([]byte("not a draft"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, _, err := w.Import(ctx, data); err != nil {
			return
		}
		// Whatever was accepted, the existing draft still opens from disk
		// with its text.
		fresh, err := w.Session(ctx, id)
		if err != nil {
			t.Fatalf("existing draft no longer opens: %v", err)
		}
		defer fresh.Close(ctx)
		if sec, err := fresh.Section("1"); err != nil || !strings.Contains(sec.Body, "keep this") {
			t.Fatalf("existing draft lost its text: %q %v", sec.Body, err)
		}
	})
}

// FuzzReadCommentsCSV feeds arbitrary bytes to the public-comments
// reader: rows or an error, never a crash, never more rows than lines.
func FuzzReadCommentsCSV(f *testing.F) {
	f.Add([]byte("\xef\xbb\xbfparagraph,name,comment\r\n1.2,\"A, B\",\"x\"\"y\nz\"\r\n"))
	f.Add([]byte("comment,paragraph\n,\n"))
	f.Add([]byte("\"unterminated"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, lines, err := readCommentsCSV(data)
		if err != nil {
			return
		}
		if len(rows) != len(lines) || len(rows) > bytes.Count(data, []byte("\n"))+1 {
			t.Fatalf("%d rows, %d line numbers from %d bytes", len(rows), len(lines), len(data))
		}
	})
}
