package ui

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// These tests measure with the sizes of the window's real theme (Fyne's
// default under ours), not the test theme's.
func realTheme() {
	fyne.CurrentApp().Settings().SetTheme(appTheme{theme.DefaultTheme()})
}

// inLanguage shows the window's strings in language l until the test
// ends. Strings are translated as widgets are made, so the window must
// be made after.
func inLanguage(t *testing.T, l string) {
	t.Helper()
	t.Setenv("LANGUAGE", l)
	if err := lang.AddTranslationsFS(translations, "translations"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Setenv("LANGUAGE", "en")
		lang.AddTranslationsFS(translations, "translations")
	})
}

// publicComment gives the window's draft a version for public comment,
// a public comment on paragraph 1.2 and a participant's comment, and
// waits for the comments beside the editor to show them.
func publicComment(t *testing.T, d *draftScreen) {
	t.Helper()
	withPublicComment(t, d)
	if _, err := d.session.CommentAt(context.Background(), d.sections[0].ID, 0, 6, "Whose access?"); err != nil {
		t.Fatal(err)
	}
	loaded := loadedChan(func(f func()) { d.notes.loaded = f })
	d.notes.reload()
	for len(d.notes.comments) < 2 {
		await(t, loaded, "the comments beside the editor")
	}
}

// TestCommentRowButtonsFit: every button of the comments beside the
// editor shows whole, within the pane, in the window's first size and
// in a small one (issue 22, item 6: "Resolve" was cut at the right edge
// of a row that also has Respond…, and Respond… drawn at Reply…'s width).
func TestCommentRowButtonsFit(t *testing.T) {
	u := openTestDraft(t)
	realTheme()
	d := u.draft
	publicComment(t, d)
	drv := fyne.CurrentApp().Driver()
	for _, size := range []fyne.Size{{Width: 1100, Height: 720}, {Width: 640, Height: 480}} {
		u.win.Resize(size)
		right := drv.AbsolutePositionForObject(d.notes.list).X + d.notes.list.Size().Width
		var texts []string
		for i := range d.notes.comments {
			d.notes.list.ScrollTo(i)
			find(d.notes.list, func(b *widget.Button) bool {
				texts = append(texts, b.Text)
				at := drv.AbsolutePositionForObject(b).X
				if at+b.Size().Width > right+0.5 {
					t.Errorf("%v: %q ends at %.0f, past the pane's edge at %.0f", size, b.Text, at+b.Size().Width, right)
				}
				if b.Size().Width < b.MinSize().Width-0.5 {
					t.Errorf("%v: %q drawn %.0f wide, its text needs %.0f", size, b.Text, b.Size().Width, b.MinSize().Width)
				}
				return false
			})
		}
		if !slices.Contains(texts, "Respond…") || !slices.Contains(texts, "Resolve") || !slices.Contains(texts, "Reply…") {
			t.Errorf("%v: the rows show %q", size, texts)
		}
	}
}

// TestMenusFitTheWindow: every menu, and every submenu, opens whole
// below the menu bar in the window's first size (issue 22, item 6: the
// Draft menu was taller than 720 pixels, its last item out of reach).
func TestMenusFitTheWindow(t *testing.T) {
	u := openTestDraft(t)
	realTheme()
	const height = 720 // the window's first height (New)
	// Fyne's menu bar: a line of text with an inner padding (glfw menuBarItem).
	bar := fyne.MeasureText("Draft", theme.TextSize(), fyne.TextStyle{}).Height + theme.InnerPadding()
	var check func(m *fyne.Menu)
	check = func(m *fyne.Menu) {
		if h := widget.NewMenu(m).MinSize().Height; bar+h > height {
			t.Errorf("the %q menu is %.0f pixels tall: %.0f below a %.0f-pixel bar in a %d-pixel window", m.Label, h, bar+h, bar, height)
		}
		for _, it := range m.Items {
			if it.ChildMenu != nil {
				check(it.ChildMenu)
			}
		}
	}
	for _, m := range u.win.MainMenu().Items {
		check(m)
	}
}

// TestTitleWrapsAtWords: in a 640×480 window the draft's title on the
// page breaks between words only (issue 22, item 6: "Cybersec / urity").
func TestTitleWrapsAtWords(t *testing.T) {
	u, ws, _ := newUI(t, app.Options{Poll: -1})
	realTheme()
	withProfile(t, ws)
	const title = "BPF Cybersecurity 2026: norms in practice"
	id, err := ws.Create(context.Background(), app.NewDraft{Template: crdt.TemplateOutput, Title: title, Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	u.OpenDraft(id)
	u.win.Resize(fyne.NewSize(640, 480))
	d := u.draft
	settleDraft(t, d)
	words := strings.Fields(title)
	var rows []string
	for _, o := range test.WidgetRenderer(d.page.title).Objects() {
		find(o, func(tx *canvas.Text) bool {
			if strings.TrimSpace(tx.Text) != "" {
				rows = append(rows, strings.TrimSpace(tx.Text))
			}
			return false
		})
	}
	var got []string
	for _, r := range rows {
		got = append(got, strings.Fields(r)...)
	}
	if !slices.Equal(got, words) {
		t.Errorf("the title reads %q in rows, cutting a word; the page column is %.0f pixels wide", rows, d.page.scroll.Size().Width)
	}
}

// TestRespondDialogNamesTheComment: the Respond dialog labels the
// public comment with a noun in French and Spanish, not the verb of the
// Comment action (issue 22, item 6: "Commenter").
func TestRespondDialogNamesTheComment(t *testing.T) {
	for l, want := range map[string]string{"fr": "Commentaire du public", "es": "Comentario del público"} {
		t.Run(l, func(t *testing.T) {
			inLanguage(t, l)
			u := openTestDraft(t)
			d := u.draft
			publicComment(t, d)
			for i, cm := range d.notes.comments {
				if cm.Public {
					d.notes.list.ScrollTo(i)
					d.notes.respond(cm)
				}
			}
			var labels []string // a form's labels are texts, not label widgets
			find(u.win.Canvas().Overlays().Top(), func(tx *canvas.Text) bool {
				if tx.TextStyle.Bold {
					labels = append(labels, tx.Text)
				}
				return false
			})
			if !slices.Contains(labels, want) || slices.Contains(labels, lang.L("Comment")) {
				t.Errorf("the Respond dialog's labels are %q; want %q, not the verb %q", labels, want, lang.L("Comment"))
			}
		})
	}
}

// TestTitlePlaceholderFits: the New draft dialog's example title fits
// its field in every language, with no scroll bar inside the field
// (issue 22, item 6: the Spanish one overflowed).
func TestTitlePlaceholderFits(t *testing.T) {
	for _, l := range []string{"en", "fr", "es"} {
		t.Run(l, func(t *testing.T) {
			inLanguage(t, l)
			u, ws, _ := newUI(t, app.Options{Poll: -1})
			realTheme()
			u.win.Resize(fyne.NewSize(1100, 720))
			withProfile(t, ws)
			u.ShowHome()
			u.home().newDraft()
			top := u.win.Canvas().Overlays().Top()
			title, ok := find(top, func(e *field) bool { return e.PlaceHolder != "" })
			if !ok {
				t.Fatal("no field with an example in the New draft dialog")
			}
			s, ok := find(title, func(*container.Scroll) bool { return true })
			if !ok {
				t.Fatal("the title field has no scroll inside")
			}
			if need := s.Content.MinSize().Width; need > s.Size().Width {
				t.Errorf("%q needs %.0f pixels in a field of %.0f", title.PlaceHolder, need, s.Size().Width)
			}
		})
	}
}
