package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// Comments show in two places: beside the editor, for the open heading
// (with a button to comment on the selected text), and in the Review
// tab, for the whole draft. Show selects the passage in the editor: a
// Fyne entry cannot colour a range, and the selection is its highlight
// (the "Colour by author" view sets every commented passage in bold).

type commentList struct {
	d         *draftScreen
	forOpen   bool // only the open heading's comments
	openOnly  *widget.Check
	summary   *widget.Label
	list      *widget.List
	content   fyne.CanvasObject
	comments  []app.Comment
	all       []app.Comment // every comment, as last read
	view      *app.View
	asked     int
	loaded    func() // called after each reload is shown; tests wait on it
	addButton *widget.Button
	// canRespond: the local role may answer public comments. Respond… is
	// off otherwise, before anyone writes a response the draft refuses.
	canRespond bool
	// importButton imports public comments (the Review tab's list only).
	importButton *widget.Button
}

func newCommentList(d *draftScreen, forOpen bool) *commentList {
	c := &commentList{d: d, forOpen: forOpen}
	c.openOnly = widget.NewCheck("", func(bool) { c.filter() })
	c.summary = widget.NewLabel("")
	c.summary.Wrapping = fyne.TextWrapWord
	c.list = widget.NewList(
		func() int { return len(c.comments) },
		func() fyne.CanvasObject {
			head := widget.NewLabel("")
			head.Truncation = fyne.TextTruncateEllipsis
			quote := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
			quote.Truncation = fyne.TextTruncateEllipsis
			text := widget.NewLabel("")
			text.Wrapping = fyne.TextWrapWord
			buttons := container.New(&flowLayout{}, widget.NewButton(lang.L("Show"), nil), widget.NewButton(lang.L("Reply…"), nil), widget.NewButton(lang.L("Resolve"), nil))
			return container.NewVBox(head, quote, text, buttons)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(c.comments) {
				return
			}
			cm := c.comments[i]
			box := o.(*fyne.Container).Objects
			box[0].(*widget.Label).SetText(c.headLine(cm))
			box[1].(*widget.Label).SetText("“" + oneLine(cm.Quote) + "”")
			box[2].(*widget.Label).SetText(threadText(cm, people(c.view)))
			b := box[3].(*fyne.Container).Objects
			show := b[0].(*widget.Button)
			show.OnTapped = func() { d.showAt(cm.Section, cm.Start, cm.End) }
			if cm.Start < 0 || cm.Number == 0 {
				show.Disable()
			} else {
				show.Enable()
			}
			reply := b[1].(*widget.Button)
			if cm.Public {
				reply.SetText(lang.L("Respond…"))
				reply.OnTapped = func() { c.respond(cm) }
			} else {
				reply.SetText(lang.L("Reply…"))
				reply.OnTapped = func() { c.reply(cm) }
			}
			if cm.Public && !c.canRespond {
				reply.Disable()
			} else {
				reply.Enable()
			}
			res := b[2].(*widget.Button)
			if cm.Resolved {
				res.SetText(lang.L("Reopen"))
			} else {
				res.SetText(lang.L("Resolve"))
			}
			res.OnTapped = func() { c.resolve(cm, !cm.Resolved) }
			// The row is measured at the list's width, its buttons laid out
			// again for their labels: Respond… is wider than the Reply… the
			// row was made with, and in a narrow pane they take two lines.
			row := o.(*fyne.Container)
			if w := c.list.Size().Width; w > 0 && row.Size().Width != w {
				row.Resize(fyne.NewSize(w, row.Size().Height))
			}
			box[3].Refresh()
			c.list.SetItemHeight(i, row.MinSize().Height)
		})
	top := []fyne.CanvasObject{}
	if forOpen {
		// Short, so that the pane can be narrow; the menu says it whole.
		c.addButton = widget.NewButton(lang.L("Comment…"), d.commentOnSelection)
		top = append(top, c.addButton)
	} else {
		// Off up front for whoever may not import: every peer would
		// leave their public comments out.
		c.importButton = widget.NewButton(lang.L("Import public comments (.csv)…"), d.chooseCommentsFile)
		top = append(top, c.importButton)
	}
	top = append(top, wrappedCheck(c.openOnly, lang.L("Open comments only")), c.summary)
	list := container.New(&widthWatch{changed: c.list.Refresh}, c.list)
	c.content = container.NewBorder(container.NewVBox(top...), nil, nil, nil, list)
	return c
}

// headLine says where a comment is, whose it is and its state.
func (c *commentList) headLine(cm app.Comment) string {
	where := cm.Paragraph
	switch {
	case cm.Anchor == app.AnchorWhole && cm.Section == "":
		where = lang.L("the whole output")
	case cm.Anchor == app.AnchorWhole && cm.Number > 0:
		where = fmt.Sprintf(lang.L("heading %s, as a whole"), cm.Paragraph)
	case cm.Number == 0:
		where = lang.L("removed heading")
	case cm.Anchor == app.AnchorDeleted:
		where = fmt.Sprintf(lang.L("%s (passage deleted)"), cm.Paragraph)
	case cm.Anchor == app.AnchorEdited:
		where += " " + lang.L("(edited since)")
	}
	state := lang.L("open")
	if cm.Resolved {
		state = lang.L("resolved")
	}
	who := people(c.view)[cm.Actor].Name
	if cm.Public {
		who = fmt.Sprintf(lang.L("public comment by %s on %s as published"), commenterLabel(cm.Commenter), cm.Cited)
	}
	return fmt.Sprintf("%s · %s · %s · %s", where, who, cm.At.Local().Format(time.DateTime), state)
}

// threadText is a comment and its replies.
func threadText(cm app.Comment, parts map[string]crdt.Participant) string {
	var b strings.Builder
	b.WriteString(cm.Text)
	for _, r := range cm.Replies {
		fmt.Fprintf(&b, "\n↳ %s: %s", parts[r.Actor].Name, r.Text)
	}
	if r := cm.Response; r != nil {
		fmt.Fprintf(&b, "\n↳ %s (%s, %s): %s", lang.L("Response"), dispositionLabel(r.Status), parts[r.Actor].Name, r.Text)
	}
	return b.String()
}

// commenterLabel names who sent a public comment.
func commenterLabel(c app.Commenter) string {
	out := c.Name
	if out == "" {
		out = lang.L("anonymous")
	}
	if c.Organisation != "" {
		out += ", " + c.Organisation
	}
	var gr []string
	if c.Group != "" {
		gr = append(gr, groupLabel(c.Group))
	}
	if c.Region != "" {
		gr = append(gr, regionLabel(c.Region))
	}
	if len(gr) > 0 {
		out += " (" + strings.Join(gr, ", ") + ")"
	}
	return out
}

// dispositionLabel shows a disposition status in the window's language.
func dispositionLabel(s app.DispositionStatus) string {
	switch s {
	case app.StatusAcceptedComment:
		return lang.L("accepted")
	case app.StatusPartly:
		return lang.L("partly accepted")
	case app.StatusNotAccepted:
		return lang.L("not accepted")
	case app.StatusNoted:
		return lang.L("noted")
	case app.StatusNextYear:
		return lang.L("kept for next year")
	case app.StatusWithdrawn:
		return lang.L("withdrawn (duplicate or mistaken; out of the table)")
	}
	return string(s)
}

// respond asks for a public comment's status and response and records
// them.
func (c *commentList) respond(cm app.Comment) {
	d := c.d
	status := newChoice(labels(app.DispositionStatuses, dispositionLabel))
	status.SetSelectedIndex(0)
	text := newMultiField()
	text.SetMinRowsVisible(4)
	if cm.Response != nil {
		status.SetSelected(dispositionLabel(cm.Response.Status))
		text.SetText(cm.Response.Text)
	}
	quote := widget.NewLabel(oneLine(cm.Text))
	quote.Wrapping = fyne.TextWrapWord
	dlg := dialog.NewForm(lang.L("Respond to a public comment"), lang.L("OK"), lang.L("Cancel"), []*widget.FormItem{
		// Not "Comment": French and Spanish say that as a verb, the action.
		widget.NewFormItem(lang.L("Public comment"), quote),
		widget.NewFormItem(lang.L("Status"), status),
		widget.NewFormItem(lang.L("Response"), text),
	}, func(ok bool) {
		st, chosen := selectedValue(app.DispositionStatuses, status.SelectedIndex())
		answer := strings.TrimSpace(text.Text)
		if !ok || !chosen || answer == "" {
			return
		}
		d.change(func(ctx context.Context) (string, error) {
			return "", d.session.Respond(ctx, cm.ID, st, answer)
		}, func(string) { d.reloadComments() })
	}, d.u.win)
	dlg.Resize(fyne.NewSize(560, 340))
	d.u.present(dlg, dlg.Submit, text, status)
}

// reload reads the comments again.
func (c *commentList) reload() {
	c.asked++
	asked, u, s, start := c.asked, c.d.u, c.d.session, time.Now()
	u.background(func() {
		cs, err := s.Comments()
		u.do(func() {
			if asked != c.asked || c.d.closed() {
				return
			}
			if err != nil {
				u.showError(err)
				return
			}
			c.all = cs
			c.filter()
			u.log.Info("Comments shown", "comments", len(c.comments), "after", time.Since(start).Round(time.Millisecond))
			if c.loaded != nil {
				c.loaded()
			}
		})
	})
}

// filter shows the comments the pane is for.
func (c *commentList) filter() {
	c.view = c.d.session.View()
	c.canRespond = c.d.session.Role().CanDecide()
	c.comments = c.comments[:0]
	public := false
	for _, cm := range c.all {
		if c.forOpen && cm.Section != c.d.openID {
			continue
		}
		if c.openOnly.Checked && cm.Resolved {
			continue
		}
		c.comments = append(c.comments, cm)
		public = public || cm.Public
	}
	switch {
	case len(c.comments) > 0:
		text := fmt.Sprintf(lang.N("%d comments", len(c.comments)), len(c.comments))
		if !c.canRespond && c.importButton != nil {
			text += " · " + lang.L("Only a co-facilitator or the rapporteur can import or respond to public comments; a co-facilitator can give you that role.")
		} else if public && !c.canRespond {
			text += " · " + lang.L("Only a co-facilitator or the rapporteur can respond to public comments; a co-facilitator can give you that role.")
		}
		c.summary.SetText(text)
	case c.forOpen:
		c.summary.SetText(lang.L("No comments on this heading. Select a passage and comment on it."))
	case !c.canRespond:
		c.summary.SetText(lang.L("No comments yet.") + " " + lang.L("Only a co-facilitator or the rapporteur can import or respond to public comments; a co-facilitator can give you that role."))
	default:
		c.summary.SetText(lang.L("No comments yet."))
	}
	if c.importButton != nil {
		if c.canRespond {
			c.importButton.Enable()
		} else {
			c.importButton.Disable()
		}
	}
	c.list.Refresh()
}

// reply asks for a reply and writes it.
func (c *commentList) reply(cm app.Comment) {
	c.d.askText(lang.L("Reply"), fmt.Sprintf(lang.L("Reply to: %s"), oneLine(cm.Text)), func(text string) {
		c.d.change(func(ctx context.Context) (string, error) {
			return c.d.session.Reply(ctx, cm.ID, text)
		}, func(string) { c.d.reloadComments() })
	})
}

// resolve resolves or reopens a comment.
func (c *commentList) resolve(cm app.Comment, resolved bool) {
	c.d.change(func(ctx context.Context) (string, error) {
		return "", c.d.session.Resolve(ctx, cm.ID, resolved)
	}, func(string) { c.d.reloadComments() })
}

// askText shows a dialog with a multi-line field and calls done with
// what was written, without the blank lines and spaces around it (a
// comment typed on a desktop often ends in a line break).
func (d *draftScreen) askText(title, label string, done func(string)) {
	e := newMultiField()
	e.SetMinRowsVisible(4)
	l := widget.NewLabel(label)
	l.Wrapping = fyne.TextWrapWord
	dlg := dialog.NewCustomConfirm(title, lang.L("OK"), lang.L("Cancel"), container.NewBorder(l, nil, nil, nil, e), func(ok bool) {
		if text := strings.TrimSpace(e.Text); ok && text != "" {
			done(text)
		}
	}, d.u.win)
	dlg.Resize(fyne.NewSize(dialogWidth, 260))
	// From the keyboard, nothing written keeps the dialog open rather
	// than closing it with nothing sent.
	submit := func() {
		if strings.TrimSpace(e.Text) != "" {
			dlg.Confirm()
		}
	}
	d.u.present(dlg, submit, e)
}

// commentOnSelection comments on the text selected in the open editor.
func (d *draftScreen) commentOnSelection() {
	e := d.editors[d.openID]
	if e == nil {
		return
	}
	start, end, ok := e.selection()
	if !ok {
		d.u.inform(lang.L("Comment"), lang.L("Select the passage to comment on first, then choose Comment."))
		return
	}
	quote := string(e.area.text[start:end])
	section := d.openID
	d.askText(lang.L("Comment"), fmt.Sprintf(lang.L("On: “%s”"), oneLine(quote)), func(text string) {
		d.change(func(ctx context.Context) (string, error) {
			return d.session.CommentAt(ctx, section, start, end-start, text)
		}, func(string) { d.reloadComments() })
	})
}

// reloadComments brings every comment list of the screen up to date.
func (d *draftScreen) reloadComments() {
	d.notes.reload()
	if d.review != nil {
		d.review.comments.reload()
	}
}

// showAt opens a heading in the Write tab and selects start to end of
// its text (or puts the caret at start).
func (d *draftScreen) showAt(section string, start, end int) {
	d.tabs.SelectIndex(0)
	for i, s := range d.sections {
		if s.ID == section {
			if i != d.current || d.openID != section {
				d.headings.Select(i)
			}
			break
		}
	}
	e := d.editors[section]
	if e == nil || d.openID != section {
		return
	}
	if d.authors.Checked {
		d.authors.SetChecked(false)
	}
	n := len(e.area.text)
	start, end = max(0, min(start, n)), max(0, min(end, n))
	if end > start {
		e.selectRange(start, end)
	} else {
		e.clearSelection()
		e.placeCaret(start)
	}
	d.page.focus(e.area)
}

// chooseCommentsFile asks for a CSV of public comments and imports it.
func (d *draftScreen) chooseCommentsFile() {
	open := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			d.u.showError(err)
			return
		}
		if r == nil {
			return // cancelled
		}
		data, err := io.ReadAll(io.LimitReader(r, 64<<20))
		r.Close()
		if err != nil {
			d.u.showError(err)
			return
		}
		d.importComments(data)
	}, d.u.win)
	open.SetFilter(storage.NewExtensionFileFilter([]string{".csv"}))
	d.u.fileChooser(open, lang.L("Import public comments (CSV)"), lang.L("Import"))
}

// importComments imports public comments onto the version the file
// names (the comment template names it) and says what came in and what
// was skipped, row by row; a file that names none, when the draft has
// several versions, asks which.
func (d *draftScreen) importComments(data []byte) { d.importCommentsOn(data, "") }

func (d *draftScreen) importCommentsOn(data []byte, version string) {
	d.u.background(func() {
		rep, err := d.session.ImportComments(context.Background(), data, version)
		d.u.do(func() {
			if d.closed() {
				return
			}
			if errors.Is(err, app.ErrWhichVersion) {
				d.askCommentsVersion(data)
				return
			}
			if err != nil {
				d.u.showError(err)
				return
			}
			msg := fmt.Sprintf(lang.N("%d public comments imported.", rep.Added), rep.Added)
			if rep.Corrected > 0 {
				msg += " " + fmt.Sprintf(lang.N("%d corrected.", rep.Corrected), rep.Corrected)
			}
			if rep.Duplicates > 0 {
				msg += " " + fmt.Sprintf(lang.N("%d were imported before.", rep.Duplicates), rep.Duplicates)
			}
			for _, b := range rep.Bad {
				msg += "\n" + fmt.Sprintf(lang.L("Row %d skipped: %s"), b.Row, b.Reason)
			}
			d.lastImport = msg
			d.u.inform(lang.L("Public comments"), msg)
			d.reloadComments()
		})
	})
}

// askCommentsVersion asks which named version a comments file's paragraph
// numbers are from, and imports it onto that one.
func (d *draftScreen) askCommentsVersion(data []byte) {
	vs := d.session.Versions()
	choice := newChoice(labels(vs, func(v crdt.Version) string { return v.Name }))
	choice.SetSelectedIndex(len(vs) - 1)
	note := widget.NewLabel(lang.L("The file does not say which version its paragraph numbers are from."))
	note.Wrapping = fyne.TextWrapWord
	dlg := dialog.NewForm(lang.L("Which version are these comments on?"), lang.L("Import"), lang.L("Cancel"), []*widget.FormItem{
		widget.NewFormItem("", note),
		widget.NewFormItem(lang.L("Version"), choice),
	}, func(ok bool) {
		if v, chosen := selectedValue(vs, choice.SelectedIndex()); ok && chosen {
			d.importCommentsOn(data, v.ID)
		}
	}, d.u.win)
	dlg.Resize(fyne.NewSize(520, 240))
	d.u.present(dlg, dlg.Submit, choice)
}
