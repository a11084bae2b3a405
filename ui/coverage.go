package ui

import (
	"fmt"
	"image/color"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// coverageView shows, for the whole draft and each heading, bars of the
// share each stakeholder group and each regional group wrote, and who
// has no text there: what a co-facilitator checks before saying a text
// reflects the whole community.
type coverageView struct {
	d       *draftScreen
	box     *fyne.Container
	content fyne.CanvasObject
	asked   int
	shown   app.Coverage
	loaded  func() // called after each reload is shown; tests wait on it
}

func newCoverageView(d *draftScreen) *coverageView {
	c := &coverageView{d: d, box: container.NewVBox()}
	c.content = container.NewVScroll(c.box)
	return c
}

func (c *coverageView) reload() {
	c.asked++
	asked, u, s, start := c.asked, c.d.u, c.d.session, time.Now()
	u.background(func() {
		cov, err := s.Coverage()
		u.do(func() {
			if asked != c.asked || c.d.closed() {
				return
			}
			if err != nil {
				u.showError(err)
				return
			}
			c.show(cov)
			u.log.Info("Coverage shown", "after", time.Since(start).Round(time.Millisecond))
			if c.loaded != nil {
				c.loaded()
			}
		})
	})
}

func (c *coverageView) show(cov app.Coverage) {
	c.shown = cov
	objs := []fyne.CanvasObject{legend()}
	for _, h := range append([]app.CoverageOf{cov.Draft}, cov.Headings...) {
		title := lang.L("Whole draft")
		if h.Number > 0 {
			title = fmt.Sprintf("%d. %s", h.Number, h.Heading)
		}
		head := widget.NewLabelWithStyle(fmt.Sprintf(lang.N("%s — %d characters", h.Chars), title, h.Chars), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		head.Truncation = fyne.TextTruncateEllipsis
		objs = append(objs, head)
		if h.Chars > 0 {
			objs = append(objs,
				shareRow(lang.L("Groups"), h.Groups, func(s app.Share) color.Color { return groupColour(groupIndex(s.Name)) }, groupName),
				shareRow(lang.L("Regions"), h.Regions, func(s app.Share) color.Color { return groupColour(regionIndex(s.Name)) }, regionName),
				textRow(lang.L("People"), sharesText(h.People, func(n string) string { return n })))
		}
		if len(h.Silent) > 0 {
			objs = append(objs, textRow(lang.L("No text from"), strings.Join(h.Silent, ", ")))
		}
		objs = append(objs, widget.NewSeparator())
	}
	c.box.Objects = objs
	c.box.Refresh()
}

func groupName(n string) string {
	if n == app.Unknown {
		return lang.L("Unknown")
	}
	return groupLabel(crdt.Group(n))
}

func regionName(n string) string {
	if n == app.Unknown {
		return lang.L("Unknown")
	}
	return regionLabel(crdt.Region(n))
}

func regionIndex(name string) int {
	for i, r := range crdt.Regions {
		if string(r) == name {
			return i
		}
	}
	return len(groupPalette) - 1
}

// legend names the bars' colours: the groups', and the regions' (which
// reuse the same colours for another meaning, on their own bar).
func legend() fyne.CanvasObject {
	groups := []fyne.CanvasObject{widget.NewLabel(lang.L("Groups"))}
	for i, g := range crdt.Groups {
		groups = append(groups, swatch(groupColour(i)), widget.NewLabel(groupLabel(g)))
	}
	regions := []fyne.CanvasObject{widget.NewLabel(lang.L("Regions"))}
	for i, r := range crdt.Regions {
		regions = append(regions, swatch(groupColour(i)), widget.NewLabel(regionLabel(r)))
	}
	return container.NewVBox(container.NewHBox(groups...), container.NewHBox(regions...))
}

func swatch(c color.Color) fyne.CanvasObject {
	r := canvas.NewRectangle(c)
	r.SetMinSize(fyne.NewSize(14, 14))
	return container.NewCenter(r)
}

// shareRow is a label, a bar of the shares and their figures.
func shareRow(label string, shares []app.Share, colour func(app.Share) color.Color, name func(string) string) fyne.CanvasObject {
	bar := &shareBar{}
	for _, s := range shares {
		if s.Chars > 0 {
			r := canvas.NewRectangle(colour(s))
			bar.objs = append(bar.objs, r)
			bar.weights = append(bar.weights, float32(s.Chars))
		}
	}
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	bars := container.New(bar, bar.objs...)
	figures := widget.NewLabel(sharesText(shares, name))
	figures.Wrapping = fyne.TextWrapWord
	return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(90, 20), widget.NewLabel(label)), nil,
		container.NewVBox(container.NewStack(bg, bars), figures))
}

func textRow(label, text string) fyne.CanvasObject {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(90, 20), widget.NewLabel(label)), nil, l)
}

// sharesText lists the shares with text, largest first, then the ones
// with none.
func sharesText(shares []app.Share, name func(string) string) string {
	ss := append([]app.Share(nil), shares...)
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].Chars > ss[j].Chars })
	var some, none []string
	for _, s := range ss {
		if s.Chars > 0 {
			some = append(some, fmt.Sprintf("%s %d %%", name(s.Name), s.Percent))
		} else {
			none = append(none, name(s.Name))
		}
	}
	out := strings.Join(some, ", ")
	if len(none) > 0 {
		out += " · " + fmt.Sprintf(lang.L("none from %s"), strings.Join(none, ", "))
	}
	return out
}

// shareBar lays its rectangles side by side, each as wide as its weight.
type shareBar struct {
	objs    []fyne.CanvasObject
	weights []float32
}

func (b *shareBar) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(100, 16) }

func (b *shareBar) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	var total float32
	for _, w := range b.weights {
		total += w
	}
	x := float32(0)
	for i, o := range objs {
		w := size.Width * b.weights[i] / total
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w
	}
}
