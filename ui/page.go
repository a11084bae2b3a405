package ui

import (
	"fmt"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// page is the whole draft in one scroll, as it will read once published:
// the title, then each numbered heading (wrapped, never cut) with its
// hint and its text, in a centred column of about 80 characters. Each
// section's text is a textArea, which draws only the lines in view, so
// a long draft costs nothing off screen.
type page struct {
	scroll  *container.Scroll
	content *fyne.Container
	column  *columnLayout
	title   *widget.Label
	blocks  []*pageBlock

	span      *pageSpan                    // a selection across headings' texts (span.go), or nil
	reading   int                          // the heading where the reader is
	onReading func(i int)                  // the reader moved to another heading
	onFocus   func(i int)                  // the caret went into heading i's text
	onCaret   func(id string, a *textArea) // the caret moved in a section's text
}

// pageBlock is one heading on the page.
type pageBlock struct {
	id      string
	heading *widget.Label
	hint    *widget.RichText
	ed      *sectionEditor
}

func newPage() *page {
	p := &page{title: widget.NewLabel(""), reading: -1}
	p.title.Wrapping = fyne.TextWrapWord
	p.title.TextStyle.Bold = true
	p.title.SizeName = theme.SizeNameHeadingText
	p.column = &columnLayout{p: p}
	p.content = container.New(p.column)
	p.scroll = container.NewVScroll(p.content)
	p.scroll.OnScrolled = func(fyne.Position) { p.scrolled() }
	return p
}

// set shows the draft's title and headings, each with its editor;
// blocks of headings still there keep their labels and editors.
func (p *page) set(title string, sections []crdt.Section, editors map[string]*sectionEditor) {
	p.title.SetText(title)
	old := map[string]*pageBlock{}
	for _, b := range p.blocks {
		old[b.id] = b
	}
	p.blocks = p.blocks[:0]
	objs := []fyne.CanvasObject{p.title}
	labels := crdt.HeadingLabels(sections)
	for i, s := range sections {
		b := old[s.ID]
		if b == nil {
			b = &pageBlock{id: s.ID, heading: widget.NewLabel(""), hint: widget.NewRichText()}
			b.heading.Wrapping = fyne.TextWrapWord
			b.heading.TextStyle.Bold = true
			b.heading.SizeName = theme.SizeNameSubHeadingText
			b.hint.Wrapping = fyne.TextWrapWord
		}
		b.ed = editors[s.ID]
		b.heading.SetText(headingTitle(labels[i], s))
		setHint(b.hint, s.Hint)
		b.ed.area.number = labels[i]
		p.hook(b)
		p.blocks = append(p.blocks, b)
		objs = append(objs, b.heading, b.hint, b.ed.area)
	}
	p.content.Objects = objs
	p.content.Refresh()
	p.scroll.Refresh()
	p.scrolled()
}

// hook wires heading i's area to the page: what it shows depends on the
// scroll, and the caret moves on to the neighbouring headings.
func (p *page) hook(b *pageBlock) {
	a := b.ed.area
	a.span = p
	at := func() int { return slices.Index(p.blocks, b) }
	rows := a.shownRows()
	a.inView = func() (float32, float32) {
		y := a.Position().Y
		off := p.scroll.Offset.Y
		return off - y, off - y + p.scroll.Size().Height
	}
	a.onResize = func() {
		if n := a.shownRows(); n != rows {
			rows = n
			p.content.Refresh()
			p.scroll.Refresh()
		}
	}
	a.onMove = func() {
		a.onResize()
		p.reveal(a)
		if p.onCaret != nil && a.focused {
			p.onCaret(b.id, a)
		}
	}
	a.onFocus = func() {
		if i := at(); i >= 0 && p.onFocus != nil {
			p.onFocus(i)
		}
	}
	a.leave = func(dir int, x float32) bool {
		j := at() + dir
		if j < 0 || j >= len(p.blocks) {
			return false
		}
		next := p.blocks[j].ed.area
		p.focus(next)
		next.enterAt(dir < 0, x)
		return true
	}
	a.edge = func(end bool) {
		j := 0
		if end {
			j = len(p.blocks) - 1
		}
		next := p.blocks[j].ed.area
		p.focus(next)
		if end {
			next.setCaret(len(next.text))
		} else {
			next.setCaret(0)
			p.scrollTo(0)
		}
	}
}

// focus gives an area the keyboard.
func (p *page) focus(a *textArea) {
	if c := fyne.CurrentApp().Driver().CanvasForObject(p.scroll); c != nil {
		c.Focus(a)
	}
}

// reveal scrolls the caret into view.
func (p *page) reveal(a *textArea) {
	top, bottom := a.caretBox()
	y := a.Position().Y
	off, view := p.scroll.Offset.Y, p.scroll.Size().Height
	margin := a.pitch()
	switch {
	case view <= 0:
	case y+top < off:
		p.scrollTo(y + top - margin)
	case y+bottom > off+view:
		p.scrollTo(y + bottom + margin - view)
	}
}

// showNearTop scrolls an area's caret to the top fifth of the view.
func (p *page) showNearTop(a *textArea) {
	top, _ := a.caretBox()
	p.scrollTo(a.Position().Y + top - p.scroll.Size().Height/5)
}

// caretInView reports whether an area's caret is on screen.
func (p *page) caretInView(a *textArea) bool {
	top, bottom := a.caretBox()
	y, off := a.Position().Y, p.scroll.Offset.Y
	return y+bottom > off && y+top < off+p.scroll.Size().Height
}

// show scrolls heading i to the top.
func (p *page) show(i int) {
	if i < 0 || i >= len(p.blocks) {
		return
	}
	p.scrollTo(p.blocks[i].heading.Position().Y - theme.Padding())
}

func (p *page) scrollTo(y float32) {
	y = max(min(y, p.content.MinSize().Height-p.scroll.Size().Height), 0)
	p.scroll.ScrollToOffset(fyne.NewPos(0, y))
	p.scrolled()
}

// scrolled draws the lines now in view and follows the reader.
func (p *page) scrolled() {
	for _, b := range p.blocks {
		b.ed.area.Refresh()
	}
	// The reader is at the last heading that starts above the top third.
	line := p.scroll.Offset.Y + p.scroll.Size().Height/3
	at := 0
	for i, b := range p.blocks {
		if b.heading.Position().Y <= line {
			at = i
		}
	}
	if len(p.blocks) > 0 && at != p.reading {
		p.reading = at
		if p.onReading != nil {
			p.onReading(at)
		}
	}
}

// columnLayout lays the page out in a centred column: wide enough for
// about 80 characters of text beside the paragraph numbers, narrower
// when the window is.
type columnLayout struct {
	p      *page
	height float32 // the page's height at width
	width  float32
}

// column returns the column's left edge and width in a page wide units wide.
func (l *columnLayout) column(wide float32) (x, w float32) {
	pad := theme.Padding()
	sample := fyne.MeasureText("The Best Practice Forum gathered the views of every stakeholder group in all regions", bodySize(), fyne.TextStyle{}).Width
	w = sample + gutterWidth()
	w = max(min(w, wide-4*pad), 100)
	return max((wide-w)/2, 0), w
}

func (l *columnLayout) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	l.height, l.width = l.place(size.Width, true), size.Width
}

// MinSize is the page's height at the scroll's width, measured before
// the scroll sizes the page: a height from the last width (a resize)
// made the scroll lay the page out twice, a frame apart.
func (l *columnLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	if w := l.p.scroll.Size().Width; w > 0 && w != l.width {
		l.height, l.width = l.place(w, false), w
	}
	return fyne.NewSize(200, l.height)
}

// place walks the page at a width, wrapping what must be wrapped, and
// returns its height; with move it also puts each part in its place.
func (l *columnLayout) place(width float32, move bool) float32 {
	x, w := l.column(width)
	pad := theme.Padding()
	gutter := gutterWidth()
	inner := theme.InnerPadding()
	y := 2 * pad
	// Labels have padding of their own: they stand so that their text
	// lines up with the sections' text.
	label := func(o fyne.CanvasObject, gap float32) {
		if !o.Visible() {
			return
		}
		lw := w - gutter + 2*inner
		if o.Size().Width != lw {
			o.Resize(fyne.NewSize(lw, o.Size().Height))
		}
		h := o.MinSize().Height
		if move {
			o.Resize(fyne.NewSize(lw, h))
			o.Move(fyne.NewPos(x+gutter-inner, y))
		}
		y += h + gap
	}
	label(l.p.title, 2*pad)
	for _, b := range l.p.blocks {
		y += 2 * pad
		label(b.heading, 0)
		label(b.hint, pad)
		a := b.ed.area
		h := a.setWidth(w)
		if move {
			a.Move(fyne.NewPos(x, y))
			a.BaseWidget.Resize(fyne.NewSize(w, h))
		}
		y += h + 2*pad
	}
	return y
}

// setHint shows a heading's hint, italic and quieter than the text.
func setHint(r *widget.RichText, hint string) {
	r.Hidden = hint == ""
	if len(r.Segments) == 1 {
		if t, ok := r.Segments[0].(*widget.TextSegment); ok && t.Text == hint {
			return
		}
	}
	style := widget.RichTextStyleParagraph
	style.ColorName = colourHint
	style.TextStyle.Italic = true
	r.Segments = []widget.RichTextSegment{&widget.TextSegment{Text: hint, Style: style}}
	r.Refresh()
}

// headingTitle is a heading as the page shows it: its label and title,
// "Annex A: " for an annex, as the publication prints it.
func headingTitle(label string, s crdt.Section) string {
	if s.Annex {
		return fmt.Sprintf(lang.L("Annex %s: %s"), label, s.Heading)
	}
	return label + ". " + s.Heading
}
