package ui

import (
	"context"
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/export"
)

// exportFormat is one way to write a draft out.
type exportFormat struct {
	name        string // shown in the menu
	extension   string
	render      func(d *draftScreen) ([]byte, error)
	publication func(export.Publication) ([]byte, error) // set for a published format
}

// exportFormats are the published formats (app/export), the
// disposition tables, then the .automerge file that carries the whole
// draft to another machine. A published format renders the version the
// export dialog chose (the draft as it stands from the menu).
var exportFormats = func() []exportFormat {
	var out []exportFormat
	for _, f := range export.Formats {
		if f.Render == nil {
			continue
		}
		// The draft as it stands, until the dialog asks for a version.
		out = append(out, exportFormat{name: f.Label, extension: f.Ext, publication: f.Render}.of(app.Current, false, false))
	}
	for _, f := range export.DispositionFormats {
		out = append(out, exportFormat{f.Label, f.Ext, func(d *draftScreen) ([]byte, error) {
			disp, err := d.session.Disposition()
			if err != nil {
				return nil, err
			}
			return f.Render(disp)
		}, nil})
	}
	return append(out, exportFormat{"Automerge (.automerge), for another BPF Draft", ".automerge", func(d *draftScreen) ([]byte, error) {
		return d.session.Save(context.Background())
	}, nil})
}()

// of returns the format set to render a version (for a published
// format; others ignore it).
func (f exportFormat) of(version string, forComment, brackets bool) exportFormat {
	if f.publication == nil {
		return f
	}
	render := f.publication
	f.render = func(d *draftScreen) ([]byte, error) {
		publication := d.session.Publication
		if brackets {
			publication = d.session.BracketedPublication
		}
		p, err := publication(version, forComment)
		if err != nil {
			return nil, err
		}
		return render(p)
	}
	return f
}

// exportMenu lists Export… (version and options) and then each format
// for the draft as it stands; picking one asks where to save.
func (d *draftScreen) exportMenu() *fyne.Menu {
	items := []*fyne.MenuItem{fyne.NewMenuItem(lang.L("Export…"), d.showExport)}
	for _, f := range exportFormats {
		items = append(items, fyne.NewMenuItem(lang.L(f.name), func() { d.exportAs(f.of(app.Current, false, false)) }))
	}
	return fyne.NewMenu(lang.L("Export"), items...)
}

// showExport asks what to export: the format, the version, and whether
// it is a draft for public comment; then where to save it.
func (d *draftScreen) showExport() {
	names := make([]string, len(exportFormats))
	for i, f := range exportFormats {
		names[i] = lang.L(f.name)
	}
	format := newChoice(names)
	format.SetSelectedIndex(0)
	versions := d.session.Versions()
	vnames := []string{lang.L("the draft as it stands")}
	for i := len(versions) - 1; i >= 0; i-- {
		vnames = append(vnames, versions[i].Name)
	}
	version := newChoice(vnames)
	version.SetSelectedIndex(0)
	forComment := widget.NewCheck(lang.L("Draft for public comment"), nil)
	brackets := widget.NewCheck(lang.L("Contested paragraphs in square brackets"), nil)
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("Format"), format),
		widget.NewFormItem(lang.L("Version"), version),
		widget.NewFormItem("", forComment),
		widget.NewFormItem("", brackets),
	}
	d.exportDialog = dialog.NewForm(lang.L("Export"), lang.L("Export…"), lang.L("Cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		f := exportFormats[max(format.SelectedIndex(), 0)]
		ref := app.Current
		if i := version.SelectedIndex(); i > 0 {
			ref = versions[len(versions)-i].ID
		}
		d.exportAs(f.of(ref, forComment.Checked, brackets.Checked))
	}, d.u.win)
	d.exportDialog.Resize(fyne.NewSize(dialogWidth, 280))
	d.u.present(d.exportDialog, d.exportDialog.(*dialog.FormDialog).Submit, format, version)
}

func (d *draftScreen) exportAs(f exportFormat) {
	save := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			d.u.showError(err)
			return
		}
		if w == nil {
			return // cancelled
		}
		d.writeExport(f, w)
	}, d.u.win)
	save.SetFileName(export.FileName(d.session.Meta().Title, f.extension))
	save.SetFilter(storage.NewExtensionFileFilter([]string{f.extension}))
	d.u.fileChooser(save, lang.L("Where to save the export"), lang.L("Save"))
}

// writeExport renders and writes in the background behind a progress
// dialog: a large draft takes a moment on a slow machine.
func (d *draftScreen) writeExport(f exportFormat, w fyne.URIWriteCloser) {
	bar := widget.NewProgressBarInfinite()
	progress := dialog.NewCustomWithoutButtons(lang.L("Exporting…"), bar, d.u.win)
	progress.Show()
	d.u.background(func() {
		data, err := f.render(d)
		if err == nil {
			_, err = w.Write(data)
		}
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		d.u.do(func() {
			progress.Hide()
			if err != nil {
				if !errors.Is(err, app.ErrDiskFull) { // that one friendly says best
					err = explained{fmt.Errorf(lang.L("The export could not be written: %w"), err)}
				}
				d.u.showError(err)
				return
			}
			where := w.URI().Path()
			if where == "" {
				where = w.URI().String()
			}
			d.u.inform(lang.L("Exported"), fmt.Sprintf(lang.L("The draft was written to %s"), where))
			if d.exported != nil {
				d.exported(w.URI())
			}
		})
	})
}
