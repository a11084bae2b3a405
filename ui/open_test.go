package ui

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/crdt/sqlitestore"
)

// storedDraft makes a draft with text in its first heading and lets go
// of it, so that it has a stored view.
func storedDraft(t *testing.T, ws *app.Workspace, text string) string {
	t.Helper()
	ctx := context.Background()
	id, err := ws.Create(ctx, app.NewDraft{Template: crdt.TemplateOutput, Title: "Stored", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ws.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Write(ctx, "1", text, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestOpenFromTheStoredView: the window shows a draft from its stored
// view and loads the document behind it in the background; what the
// person types meanwhile is kept.
func TestOpenFromTheStoredView(t *testing.T) {
	u, ws, _ := newUI(t, app.Options{Poll: -1})
	withProfile(t, ws)
	id := storedDraft(t, ws, "Stored text.")
	u.OpenDraft(id)
	d := u.draft
	e := d.editors[d.sections[0].ID]
	if e == nil || e.text() != "Stored text." {
		t.Fatalf("the window opened without the stored text")
	}
	e.area.caret, e.area.anchor = len([]rune("Stored text.")), len([]rune("Stored text."))
	test.Type(e.area, " Typed at once.")
	s := settleDraft(t, d)
	if got := s.Sections()[0].Body; got != "Stored text. Typed at once." {
		t.Errorf("the draft holds %q", got)
	}
}

// TestOpenADraftDamagedSinceItsView: a draft whose data was damaged after
// its view was stored opens to be read, and the window says what is
// wrong and what to do once loading it fails.
func TestOpenADraftDamagedSinceItsView(t *testing.T) {
	ctx := context.Background()
	u, ws, _ := newUI(t, app.Options{Poll: -1})
	withProfile(t, ws)
	id := storedDraft(t, ws, "Still readable.")
	st, err := sqlitestore.Open(ctx, ws.Path(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	view, _, err := st.View(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := st.Draft(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	seq, err := st.Append(ctx, sum, []byte("scribble over a chunk"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := st.SetView(ctx, id, seq, view); !ok || err != nil {
		t.Fatal(ok, err)
	}
	u.OpenDraft(id)
	d := u.draft
	if d == nil || d.editors[d.sections[0].ID].text() != "Still readable." {
		t.Fatal("the damaged draft's stored text is not shown")
	}
	u.wg.Wait()
	runUI()
	if msg := overlayText(t, u); !strings.Contains(msg, "cannot be read") || !strings.Contains(msg, "bpfdraft repair") {
		t.Errorf("the window says:\n%s", msg)
	}
}
