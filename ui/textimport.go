package ui

import (
	"context"
	"fmt"
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/docimport"
)

// Import… brings the text of a Word, OpenDocument or Markdown file into
// the draft. Before anything is written the window shows where each of
// the file's headings goes (by title or by order, and where the headings
// that match none go), and the person changes that until it is right.

// chooseTextFile asks for a document to import.
func (d *draftScreen) chooseTextFile() {
	open := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			d.u.showError(err)
			return
		}
		if r == nil {
			return // cancelled
		}
		name := r.URI().Name()
		data, err := io.ReadAll(io.LimitReader(r, docimport.MaxFileBytes+1))
		r.Close()
		if err != nil {
			d.u.showError(err)
			return
		}
		d.previewImport(name, data)
	}, d.u.win)
	open.SetFilter(storage.NewExtensionFileFilter([]string{".docx", ".odt", ".md", ".markdown", ".txt"}))
	d.u.fileChooser(open, lang.L("Import a document (.docx, .odt, Markdown)"), lang.L("Import"))
}

// previewImport shows the plan for a file and imports it on request.
func (d *draftScreen) previewImport(name string, data []byte) {
	byTitle, byOrder := lang.L("by title"), lang.L("by order")
	by := newChoice([]string{byTitle, byOrder})
	by.SetSelectedIndex(0)
	secs := d.session.Sections()
	places := []string{lang.L("new headings at the end")}
	for i, s := range secs {
		places = append(places, fmt.Sprintf(lang.L("under “%d. %s”"), i+1, s.Heading))
	}
	under := newChoice(places)
	under.SetSelectedIndex(0)
	steps := widget.NewLabel("")
	steps.Wrapping = fyne.TextWrapWord
	var plan app.ImportPlan
	var planErr error
	replan := func() {
		mode := app.ImportByTitle
		if by.SelectedIndex() == 1 {
			mode = app.ImportByOrder
		}
		ref := ""
		if i := under.SelectedIndex(); i > 0 {
			ref = secs[i-1].ID
		}
		plan, planErr = d.session.PlanImport(name, data, mode, ref)
		if planErr != nil {
			steps.SetText(planErr.Error())
			return
		}
		steps.SetText(importPlanText(plan))
	}
	replan()
	if planErr != nil {
		// The file itself was refused: nothing to choose.
		d.u.showError(fmt.Errorf("%s: %w", name, planErr))
		return
	}
	by.OnChanged = func(string) { replan() }
	under.OnChanged = func(string) { replan() }
	plans := container.NewVScroll(steps)
	plans.SetMinSize(fyne.NewSize(0, 240))
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("Match headings"), by),
		widget.NewFormItem(lang.L("Headings that match none"), under),
		widget.NewFormItem("", plans),
	}
	d.u.form(fmt.Sprintf(lang.L("Import %s"), name), lang.L("Import"), items, func() {
		if planErr != nil {
			d.u.showError(planErr)
			return
		}
		p := plan
		d.change(func(ctx context.Context) (string, error) {
			_, err := d.session.ApplyImport(ctx, p)
			return "", err
		}, d.reselect)
	}, 760, 0)
}

// importPlanText says, a line per heading of the file, where it goes.
func importPlanText(p app.ImportPlan) string {
	var b strings.Builder
	for _, st := range p.Steps {
		from := st.From
		if from == "" {
			from = lang.L("(text before its first heading)")
		}
		to := "“" + st.Heading + "”"
		switch st.Why {
		case "new":
			to = fmt.Sprintf(lang.L("a new heading “%s”"), st.Heading)
		case "title":
			to += " " + lang.L("(same title)")
		case "order":
			to += " " + lang.L("(same place)")
		}
		fmt.Fprintf(&b, "%s → %s · %s\n", from, to, fmt.Sprintf(lang.N("%d paragraph", st.Paras), st.Paras))
	}
	fmt.Fprintf(&b, "\n%s", fmt.Sprintf(lang.L("%d characters will be added after the text each heading holds; nothing already written changes."), p.Chars))
	return b.String()
}
