package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
	name      string // shown in the menu
	extension string
	render    func(d *draftScreen) ([]byte, error)
}

// exportFormats are the published formats (app/export), then the
// .automerge file that carries the whole draft to another machine.
var exportFormats = func() []exportFormat {
	var out []exportFormat
	for _, f := range export.Formats {
		if f.Render == nil {
			continue
		}
		out = append(out, exportFormat{f.Label, f.Ext, func(d *draftScreen) ([]byte, error) {
			p, err := d.session.Publication(app.Current, false)
			if err != nil {
				return nil, err
			}
			return f.Render(p)
		}})
	}
	return append(out, exportFormat{"Automerge (.automerge), for another BPF Draft", ".automerge", func(d *draftScreen) ([]byte, error) {
		return d.session.Save(context.Background())
	}})
}()

// exportMenu lists the formats; picking one asks where to save.
func (d *draftScreen) exportMenu() *fyne.Menu {
	var items []*fyne.MenuItem
	for _, f := range exportFormats {
		items = append(items, fyne.NewMenuItem(lang.L(f.name), func() { d.exportAs(f) }))
	}
	return fyne.NewMenu(lang.L("Export"), items...)
}

// fileName is a draft's title made safe for a file name.
func fileName(title, ext string) string {
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < ' ' {
			return '-'
		}
		return r
	}, strings.TrimSpace(title))
	if name == "" {
		name = "draft"
	}
	return name + ext
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
	save.SetFileName(fileName(d.session.Meta().Title, f.extension))
	save.SetFilter(storage.NewExtensionFileFilter([]string{f.extension}))
	save.Show()
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
			if d.exported != nil {
				d.exported(w.URI())
			}
		})
	})
}
