package ui

import (
	"slices"

	"github.com/igf-bpf/bpfdraft/app"
)

// Typing previews in the window (app's Preview, docsync's previews): what
// this person types goes to co-authors online as it is typed, and theirs
// shows in the text, in their colour, until the commit that carries it
// arrives (at most a second later, by the typing's batching). Without
// them a co-author's keystroke took half a second to a second to show;
// with them, the time of a round of the window's event loop and a frame
// on the link. A preview is not the document: the text area draws it and
// keeps it out of its text, the caret, the undo history and everything
// saved.

// previews is the draft screen's part of it.
type previews struct {
	d    *draftScreen
	sent []byte // the preview last sent, encoded; nil: none
	// shownFrom: the windows whose typing shows now.
	shownFrom map[string]bool
}

// start follows co-authors' previews.
func (p *previews) start() {
	o := p.d.u.online
	if o == nil {
		return
	}
	ch, cancel := o.WatchPreviews()
	p.d.onSignal(ch, cancel, p.show)
}

// send tells co-authors what is typed and not yet committed, when it
// changed: the window calls it each time the draft's owner took its
// typing or committed it.
func (p *previews) send() {
	d := p.d
	o := d.u.online
	if o == nil || d.closed() {
		return
	}
	pv, ok := d.session.Preview()
	if !ok {
		// Committed: no clear follows. A receiver stops showing the
		// preview once the commit reaches it (it no longer fits that
		// copy's text), while a clear sent now would overtake the commit
		// through a serve peer or a relay, which passes a commit on only
		// once it has saved it, and the text would blink out meanwhile.
		p.sent = nil
		return
	}
	enc := app.EncodePreview(pv)
	if slices.Equal(enc, p.sent) {
		return
	}
	p.sent = enc
	if err := o.SetPreview(d.session.ID(), pv); err != nil {
		d.u.log.Debug("Could not send a typing preview", "err", err)
	}
}

// leave clears this window's preview as the draft closes.
func (p *previews) leave() {
	if o := p.d.u.online; o != nil && p.sent != nil {
		o.ClearPreview(p.d.session.ID())
	}
}

// show places co-authors' previews in the texts this window shows. One
// that no longer fits this copy (its commit arrived, or the copies
// differ) shows nothing: the text itself is here, or comes with the
// commit.
func (p *previews) show() {
	d := p.d
	if d.closed() {
		return
	}
	ghosts := map[string][]ghostRun{}
	p.shownFrom = map[string]bool{}
	if o := d.u.online; o != nil {
		theirs := o.Previews(d.session.ID())
		colours := d.present.colours()
		for _, pp := range theirs {
			gs, ok := d.sub.PlacePreview(pp.Preview)
			if !ok {
				continue
			}
			colour, ok := colours[pp.Origin]
			if !ok {
				colour = neutralColour()
			}
			p.shownFrom[pp.Origin] = true
			for _, g := range gs {
				if g.Text != "" {
					ghosts[pp.Preview.Section] = append(ghosts[pp.Preview.Section], ghostRun{off: g.Pos, text: g.Text, colour: colour, origin: pp.Origin})
				}
			}
		}
	}
	for id, e := range d.editors {
		gs := ghosts[id]
		if len(gs) > 0 || len(e.area.ghosts) > 0 {
			slices.SortFunc(gs, func(a, b ghostRun) int { return a.off - b.off })
			e.area.setGhosts(gs)
		}
	}
}
