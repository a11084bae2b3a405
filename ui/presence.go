package ui

import (
	"context"
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app/online"
)

// Co-authors present: the window tells the draft's live peers where its
// caret is (app/online's presence, which is never stored), and shows
// who else has the draft open, each in their colour, above the page,
// with their caret and name in the text where they are. What it shows
// comes from announcements received within their lifetime (30 s): a
// window that closed says so and is gone at once; one that vanished is
// gone when its last announcement expires.

// presence is the draft screen's part of it.
type presence struct {
	d       *draftScreen
	bar     *fyne.Container // the names above the page
	due     bool            // an announcement waits for the throttle
	last    online.Presence // what was last announced
	shown   []online.Presence
	colour  map[string]color.Color // by window (origin), as shown
	changed func()                 // tests wait on it
}

// announceEvery throttles announcements while the caret moves: a
// person typing sends at most two a second, on a link that may cost.
const announceEvery = 500 * time.Millisecond

func newPresence(d *draftScreen) *presence {
	return &presence{d: d, bar: container.NewHBox()}
}

// start announces the draft open and follows co-authors' presence.
func (p *presence) start() {
	o := p.d.u.online
	if o == nil {
		return
	}
	p.announce()
	ch, cancel := o.WatchPresence()
	p.d.onSignal(ch, cancel, p.show)
}

// onSignal runs show on the window's goroutine at each signal of ch,
// until the draft closes; then it calls cancel.
func (d *draftScreen) onSignal(ch <-chan struct{}, cancel func(), show func()) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer cancel()
		for {
			select {
			case <-ch:
				d.u.do(show)
			case <-d.quit:
				return
			}
		}
	}()
}

// moved notes the caret moved; the announcement follows within
// announceEvery.
func (p *presence) moved() {
	if p.d.u.online != nil {
		p.d.soon(&p.due, announceEvery, p.announce)
	}
}

// announce says where this window's caret is.
func (p *presence) announce() {
	d := p.d
	prof, _, _ := d.u.ws.Profile(context.Background())
	now := online.Presence{Person: d.session.Person(), Name: prof.Name, Section: d.openID}
	if e := d.editors[d.openID]; e != nil {
		now.Offset = e.area.caret
	}
	if now == p.last {
		return
	}
	p.last = now
	if err := d.u.online.SetPresence(d.session.ID(), now); err != nil {
		d.u.log.Warn("Could not announce presence", "err", err)
	}
}

// leave tells co-authors this window closed the draft.
func (p *presence) leave() {
	if o := p.d.u.online; o != nil {
		o.Leave(p.d.session.ID())
	}
}

// show puts who is present above the page and their carets in the text.
func (p *presence) show() {
	d := p.d
	if d.closed() || d.u.online == nil {
		return
	}
	v := d.session.View()
	parts := people(v)
	colourOf := authorColours(v.Participants, parts)
	names := map[string]string{} // person → name, from the registry
	for _, pt := range v.Participants {
		names[personOf(parts, pt.Actor)] = pt.Name
	}
	present := d.u.online.Present(d.session.ID())
	p.shown = present
	carets := map[string][]otherCaret{}
	p.colour = map[string]color.Color{}
	p.bar.Objects = nil
	if len(present) > 0 {
		p.bar.Add(widget.NewLabel(lang.L("Also here:")))
	}
	variant := fyne.CurrentApp().Settings().ThemeVariant()
	th := fyne.CurrentApp().Settings().Theme()
	for _, pr := range present {
		name := pr.Name
		if n, ok := names[pr.Person]; ok && n != "" {
			name = n // the registry's, not what a peer claims
		}
		if name == "" {
			name = lang.L("a co-author")
		}
		colour := th.Color(colourOf(pr.Person), variant)
		p.colour[pr.Origin] = colour
		where := ""
		if i := d.sectionIndex(pr.Section); i >= 0 {
			where = " · " + fmt.Sprintf(lang.L("in %d."), i+1)
			carets[pr.Section] = append(carets[pr.Section], otherCaret{offset: pr.Offset, colour: colour, name: name, origin: pr.Origin})
		}
		dot := canvas.NewCircle(colour)
		dot.Resize(fyne.NewSize(10, 10))
		label := widget.NewLabelWithStyle(name+where, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		p.bar.Add(container.NewHBox(container.NewCenter(container.NewGridWrap(fyne.NewSize(10, 10), dot)), label))
	}
	p.bar.Refresh()
	if d.previews != nil && len(d.previews.shownFrom) > 0 {
		d.previews.show() // the typists' colours may have come with this
	}
	for id, e := range d.editors {
		if len(carets[id]) > 0 || len(e.area.others) > 0 {
			e.area.others = carets[id]
			e.area.Refresh()
		}
	}
	if p.changed != nil {
		p.changed()
	}
}

// colours returns each present window's colour, by origin.
func (p *presence) colours() map[string]color.Color { return p.colour }

// neutralColour shows the typing of a window whose presence has not
// arrived yet.
func neutralColour() color.Color {
	return theme.Color(theme.ColorNamePlaceHolder)
}

// sectionIndex is a section's place among the headings, or -1.
func (d *draftScreen) sectionIndex(id string) int {
	for i, s := range d.sections {
		if s.ID == id {
			return i
		}
	}
	return -1
}
