package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// What lets a pane beside the page be narrow: in a small window (640
// pixels) the page would otherwise get what is left over by the panes'
// widest buttons and check boxes, too little for one word of the title.
// Buttons wrap onto further lines, a check's text wraps, and a list whose
// rows wrap measures them again when its width changes.

// flowLayout places objects at their minimum size in a row, going on to
// the next line where the width runs out. It is as narrow as its widest
// object, and as tall as its lines at the width it was last laid out at.
type flowLayout struct {
	width float32 // the last layout's; 0: one line
}

// lines places the objects at width and returns their height; with move
// it also puts each in its place.
func (l *flowLayout) lines(objects []fyne.CanvasObject, width float32, move bool) float32 {
	pad := theme.Padding()
	var x, y, lineH float32
	for _, o := range objects {
		if !o.Visible() {
			continue
		}
		s := o.MinSize()
		if x > 0 && width > 0 && x+s.Width > width {
			x, y, lineH = 0, y+lineH+pad, 0
		}
		if move {
			o.Resize(s)
			o.Move(fyne.NewPos(x, y))
		}
		x += s.Width + pad
		lineH = max(lineH, s.Height)
	}
	return y + lineH
}

func (l *flowLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	l.width = size.Width
	l.lines(objects, size.Width, true)
}

func (l *flowLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var w float32
	for _, o := range objects {
		if o.Visible() {
			w = max(w, o.MinSize().Width)
		}
	}
	return fyne.NewSize(w, l.lines(objects, l.width, false))
}

// widthWatch lays its object out full size and calls changed when its
// width changes, for a list to measure its rows again at the new width.
type widthWatch struct {
	width   float32
	changed func()
}

func (l *widthWatch) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
	if size.Width != l.width {
		was := l.width
		l.width = size.Width
		if was > 0 {
			l.changed()
		}
	}
}

func (l *widthWatch) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		s = s.Max(o.MinSize())
	}
	return s
}

// wrappedCheck is a check box whose text wraps; a click on the text
// ticks the box, as on a check's own label.
func wrappedCheck(check *widget.Check, text string) fyne.CanvasObject {
	l := &tapLabel{tapped: func() { check.SetChecked(!check.Checked) }}
	l.Text = text
	l.Wrapping = fyne.TextWrapWord
	l.ExtendBaseWidget(l)
	return container.NewBorder(nil, nil, check, nil, l)
}

// tapLabel is a label that calls tapped when clicked.
type tapLabel struct {
	widget.Label
	tapped func()
}

func (l *tapLabel) Tapped(*fyne.PointEvent) { l.tapped() }
