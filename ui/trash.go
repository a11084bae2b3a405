package ui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
)

// showTrash lists the drafts moved to the trash, each with Restore:
// deleting never erases a draft, and bringing one back must not need the
// command line.
func (h *home) showTrash() {
	trash, err := h.u.ws.Trash(context.Background())
	if err != nil {
		h.u.showError(err)
		return
	}
	var dlg dialog.Dialog
	var rows []fyne.CanvasObject
	if len(trash) == 0 {
		rows = append(rows, widget.NewLabel(lang.L("The trash is empty.")))
	}
	for _, d := range trash {
		restore := widget.NewButton(lang.L("Restore"), func() {
			if err := h.u.ws.Restore(context.Background(), d.ID); err != nil {
				h.u.showError(err)
				return
			}
			dlg.Hide()
			h.reload()
		})
		rows = append(rows, container.NewBorder(nil, nil, nil, restore, widget.NewLabel(trashLine(d))))
	}
	dlg = dialog.NewCustom(lang.L("Trash"), lang.L("Close"), container.NewVScroll(container.NewVBox(rows...)), h.u.win)
	dlg.Resize(fyne.NewSize(620, 360))
	if h.u.present(dlg, dlg.Hide) {
		h.trash = dlg
	}
}

// trashLine describes a deleted draft.
func trashLine(d app.DraftInfo) string {
	return fmt.Sprintf(lang.L("%s (%d) · deleted %s"), d.Title, d.Year, d.Deleted.Local().Format(time.DateTime))
}
