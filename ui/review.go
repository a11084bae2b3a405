package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/online"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// The Review tab is the co-facilitators' desk: the changes since a
// version, to accept or reject; every comment of the draft; the coverage
// by stakeholder group and region; and the named versions, to view and
// compare. Everything it shows is read off the window's goroutine (the
// draft's owner walks the history) and a reload that a newer one
// overtook is dropped, as in the contributions log.

type reviewTab struct {
	d        *draftScreen
	tabs     *container.AppTabs
	changes  *changesView
	comments *commentList
	coverage *coverageView
	stands   *consensusView
	versions *versionsView
	people   *peopleView
	content  fyne.CanvasObject
}

func newReviewTab(d *draftScreen) *reviewTab {
	r := &reviewTab{d: d}
	r.changes = newChangesView(d)
	r.comments = newCommentList(d, false)
	r.coverage = newCoverageView(d)
	r.stands = newConsensusView(d)
	r.versions = newVersionsView(d)
	r.people = newPeopleView(d)
	r.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("Changes"), r.changes.content),
		container.NewTabItem(lang.L("Comments"), r.comments.content),
		container.NewTabItem(lang.L("Coverage"), r.coverage.content),
		container.NewTabItem(lang.L("Consensus"), r.stands.content),
		container.NewTabItem(lang.L("Versions"), r.versions.content),
		container.NewTabItem(lang.L("People"), r.people.content),
	)
	r.tabs.OnSelected = func(*container.TabItem) { r.reload() }
	r.content = r.tabs
	return r
}

// reload brings the shown part of the tab up to date.
func (r *reviewTab) reload() {
	switch r.tabs.SelectedIndex() {
	case 0:
		r.changes.reload()
	case 1:
		r.comments.reload()
	case 2:
		r.coverage.reload()
	case 3:
		r.stands.reload()
	case 4:
		r.versions.reload()
	case 5:
		r.people.reload()
	}
}

// people maps a device to the person behind it, for names, groups and
// regions.
func people(v *app.View) map[string]crdt.Participant {
	out := map[string]crdt.Participant{}
	for _, p := range v.Participants {
		out[p.Actor] = p
	}
	return out
}

// nameOf names the person behind a device, with their group and region.
func nameOf(parts map[string]crdt.Participant, actor string) string {
	p, ok := parts[actor]
	if !ok {
		return fmt.Sprintf(lang.L("unknown device %s"), actor[:min(8, len(actor))])
	}
	return fmt.Sprintf("%s (%s, %s)", p.Name, groupLabel(p.Group), regionLabel(p.Region))
}

// changesView lists the hunks since a version, filtered, each with
// Accept and Reject.
type changesView struct {
	d           *draftScreen
	since       *widget.Select
	sinceIDs    []string // the version of each choice after the first ("" = the latest)
	participant *widget.Select
	group       *widget.Select
	region      *widget.Select
	heading     *widget.Select
	headingIDs  []string
	acceptAll   *widget.Button
	rejectAll   *widget.Button
	summary     *widget.Label
	list        *widget.List
	content     fyne.CanvasObject
	all         []app.Hunk
	shown       []app.Hunk
	parts       map[string]crdt.Participant
	canDecide   bool
	asked       int
	loaded      func() // called after each reload is shown; tests wait on it
}

func newChangesView(d *draftScreen) *changesView {
	c := &changesView{d: d, parts: map[string]crdt.Participant{}}
	c.since = widget.NewSelect([]string{lang.L("the latest version")}, nil)
	c.since.SetSelectedIndex(0)
	c.since.OnChanged = func(string) { c.reload() }
	c.participant = widget.NewSelect([]string{lang.L("Everyone")}, nil)
	c.group = widget.NewSelect(append([]string{lang.L("All groups")}, labels(crdt.Groups, groupLabel)...), nil)
	c.region = widget.NewSelect(append([]string{lang.L("All regions")}, labels(crdt.Regions, regionLabel)...), nil)
	c.heading = widget.NewSelect([]string{lang.L("All headings")}, nil)
	for _, s := range []*widget.Select{c.participant, c.group, c.region, c.heading} {
		s.SetSelectedIndex(0)
		s.OnChanged = func(string) { c.filter() }
	}
	c.acceptAll = widget.NewButton(lang.L("Accept all shown"), func() { c.decideShown(app.Accept) })
	c.rejectAll = widget.NewButton(lang.L("Reject all shown"), func() { c.decideShown(app.Reject) })
	c.summary = widget.NewLabel("")
	c.list = widget.NewList(
		func() int { return len(c.shown) },
		func() fyne.CanvasObject {
			what := widget.NewLabel("")
			what.Truncation = fyne.TextTruncateEllipsis
			text := widget.NewLabel("")
			text.Truncation = fyne.TextTruncateEllipsis
			buttons := container.NewHBox(widget.NewButton(lang.L("Show"), nil), widget.NewButton(lang.L("Accept"), nil), widget.NewButton(lang.L("Reject"), nil))
			return container.NewBorder(nil, nil, nil, buttons, container.NewVBox(what, text))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(c.shown) {
				return
			}
			h := c.shown[i]
			row := o.(*fyne.Container)
			lines := row.Objects[0].(*fyne.Container).Objects
			lines[0].(*widget.Label).SetText(hunkLine(h, c.parts))
			sign := "+ "
			if h.Kind == crdt.Deleted {
				sign = "− "
			}
			lines[1].(*widget.Label).SetText(sign + oneLine(h.Text))
			b := row.Objects[1].(*fyne.Container).Objects
			b[0].(*widget.Button).OnTapped = func() { d.showAt(h.Section, h.Start, h.End) }
			accept, reject := b[1].(*widget.Button), b[2].(*widget.Button)
			accept.OnTapped = func() { c.decide(app.Accept, []app.Hunk{h}) }
			reject.OnTapped = func() { c.decide(app.Reject, []app.Hunk{h}) }
			for _, btn := range []*widget.Button{accept, reject} {
				if c.canDecide {
					btn.Enable()
				} else {
					btn.Disable()
				}
			}
		})
	wide := func(o fyne.CanvasObject, w float32) fyne.CanvasObject {
		return container.NewGridWrap(fyne.NewSize(w, o.MinSize().Height), o)
	}
	top := container.NewVBox(
		container.NewHBox(widget.NewLabel(lang.L("Changes since")), wide(c.since, 260), c.acceptAll, c.rejectAll),
		container.NewHBox(wide(c.participant, 180), wide(c.group, 200), wide(c.region, 220), wide(c.heading, 260)),
		c.summary)
	c.content = container.NewBorder(top, nil, nil, nil, c.list)
	return c
}

// hunkLine says where a hunk stands, who made it and where.
func hunkLine(h app.Hunk, parts map[string]crdt.Participant) string {
	status := statusLabel(h.Status)
	if h.Status == app.StatusConflict {
		var vs []string
		for _, d := range h.Decisions {
			name := parts[d.Actor].Name
			if d.Verdict == app.Accept {
				vs = append(vs, fmt.Sprintf(lang.L("%s accepted"), name))
			} else {
				vs = append(vs, fmt.Sprintf(lang.L("%s rejected"), name))
			}
		}
		status += " (" + strings.Join(vs, ", ") + ")"
	}
	for _, d := range h.Refused {
		// Written into the draft by someone without the role: shown, so
		// nobody takes its effect on the text for a decision.
		status += " · " + fmt.Sprintf(lang.L("not counted: %s decided without the role"), nameOf(parts, d.Actor))
	}
	return fmt.Sprintf("%s · %s · %s %s · %s", status, nameOf(parts, h.Actor), h.Paragraph, h.Heading, h.At.Local().Format(time.DateTime))
}

func statusLabel(s app.HunkStatus) string {
	switch s {
	case app.StatusAccepted:
		return lang.L("Accepted")
	case app.StatusRejected:
		return lang.L("Rejected")
	case app.StatusConflict:
		return lang.L("Conflict")
	}
	return lang.L("Open")
}

// oneLine shows text on one line: line ends as a symbol.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "⏎") }

// reload reads the hunks again.
func (c *changesView) reload() {
	since := ""
	if i := c.since.SelectedIndex(); i > 0 && i <= len(c.sinceIDs) {
		since = c.sinceIDs[i-1]
	}
	c.asked++
	asked, u, s, start := c.asked, c.d.u, c.d.session, time.Now()
	u.background(func() {
		hunks, err := s.Review(since)
		u.do(func() {
			if asked != c.asked || c.d.closed() {
				return
			}
			if err != nil {
				u.showError(err)
				return
			}
			c.show(hunks)
			// Measured in docs/BENCHMARKS.md: asked to shown, in the real window.
			u.log.Info("Changes shown", "hunks", len(hunks), "after", time.Since(start).Round(time.Millisecond))
		})
	})
}

// show puts the hunks read on screen, with the filters' choices.
func (c *changesView) show(hunks []app.Hunk) {
	v := c.d.session.View()
	c.all, c.parts = hunks, people(v)
	c.canDecide = c.d.session.Role().CanDecide()
	opts, ids := []string{lang.L("the latest version")}, []string(nil)
	for _, ver := range v.Versions {
		opts, ids = append(opts, ver.Name), append(ids, ver.ID)
	}
	opts, ids = append(opts, lang.L("the draft's creation")), append(ids, app.Creation)
	chosen := c.since.Selected
	c.since.Options, c.sinceIDs = opts, ids
	if !slices.Contains(opts, chosen) {
		chosen = opts[0]
	}
	c.since.Selected = chosen
	c.since.Refresh()
	names := []string{lang.L("Everyone")}
	for _, p := range v.Participants {
		if !slices.Contains(names, p.Name) {
			names = append(names, p.Name)
		}
	}
	c.participant.Options = names
	c.participant.Refresh()
	heads, hids := []string{lang.L("All headings")}, []string(nil)
	for _, s := range v.Sections {
		heads, hids = append(heads, s.Heading), append(hids, s.ID)
	}
	c.heading.Options, c.headingIDs = heads, hids
	c.heading.Refresh()
	if c.canDecide {
		c.acceptAll.Enable()
		c.rejectAll.Enable()
	} else {
		c.acceptAll.Disable()
		c.rejectAll.Disable()
	}
	c.filter()
	if c.loaded != nil {
		c.loaded()
	}
}

// filter shows the hunks the filters let through.
func (c *changesView) filter() {
	c.shown = c.shown[:0]
	open := 0
	for _, h := range c.all {
		p := c.parts[h.Actor]
		if i := c.participant.SelectedIndex(); i > 0 && p.Name != c.participant.Selected {
			continue
		}
		if i := c.group.SelectedIndex(); i > 0 && string(p.Group) != string(crdt.Groups[i-1]) {
			continue
		}
		if i := c.region.SelectedIndex(); i > 0 && string(p.Region) != string(crdt.Regions[i-1]) {
			continue
		}
		if i := c.heading.SelectedIndex(); i > 0 && i <= len(c.headingIDs) && h.Section != c.headingIDs[i-1] {
			continue
		}
		c.shown = append(c.shown, h)
		if h.Status == app.StatusOpen || h.Status == app.StatusConflict {
			open++
		}
	}
	text := fmt.Sprintf(lang.N("%d changes", len(c.shown)), len(c.shown)) + " · " + fmt.Sprintf(lang.N("%d to decide", open), open)
	if !c.canDecide {
		text += " · " + lang.L("Only a co-facilitator or the rapporteur can accept or reject; a co-facilitator can give you that role.")
	}
	c.summary.SetText(text)
	c.list.Refresh()
}

// decideShown decides every open hunk the filters show, after asking.
func (c *changesView) decideShown(verdict string) {
	var open []app.Hunk
	for _, h := range c.shown {
		if h.Status == app.StatusOpen || h.Status == app.StatusConflict {
			open = append(open, h)
		}
	}
	if len(open) == 0 {
		c.d.u.inform(lang.L("Nothing to decide"), lang.L("Every change shown is decided already."))
		return
	}
	msg := fmt.Sprintf(lang.N("Accept %d changes?", len(open)), len(open))
	if verdict == app.Reject {
		msg = fmt.Sprintf(lang.N("Reject %d changes? Their insertions are removed and their deletions put back.", len(open)), len(open))
	}
	yes := lang.L("Accept")
	if verdict == app.Reject {
		yes = lang.L("Reject")
	}
	c.d.u.confirm(lang.L("Decide the changes shown"), msg, yes, func() { c.decide(verdict, open) })
}

// decide records a verdict on hunks and reloads.
func (c *changesView) decide(verdict string, hunks []app.Hunk) {
	ids := make([]string, len(hunks))
	for i, h := range hunks {
		ids[i] = h.ID
	}
	since := ""
	if i := c.since.SelectedIndex(); i > 0 && i <= len(c.sinceIDs) {
		since = c.sinceIDs[i-1]
	}
	c.d.change(func(ctx context.Context) (string, error) {
		_, err := c.d.session.Decide(ctx, verdict, ids, "", since)
		return "", err
	}, func(string) { c.reload() })
}

// peopleView lists who takes part in the draft with their roles; the
// draft's co-facilitators give and withdraw the co-facilitator and rapporteur
// roles there.
type peopleView struct {
	d       *draftScreen
	box     *fyne.Container
	content fyne.CanvasObject
	roles   map[string]*widget.Select // by person, for tests
	removes map[string]*widget.Button // by person, for tests
}

func newPeopleView(d *draftScreen) *peopleView {
	p := &peopleView{d: d, box: container.NewVBox()}
	p.content = container.NewVScroll(p.box)
	return p
}

func (p *peopleView) reload() {
	v := p.d.session.View()
	canGrant := p.d.session.CanGrant()
	note := lang.L("Co-facilitators and the rapporteur accept and reject changes and name versions. Co-facilitators give those roles.")
	objs := []fyne.CanvasObject{wrapped(note)}
	p.roles = map[string]*widget.Select{}
	p.removes = map[string]*widget.Button{}
	mine := p.d.session.Person()
	for _, row := range v.People() {
		pt := row.Participant
		if pt.Person == "" {
			continue
		}
		role := v.RoleOf(pt.Actor)
		// The fingerprint is what people compare by phone before they
		// trust a name (bpfdraft profile prints one's own).
		var key string
		switch {
		case !crdt.SignedID(p.d.session.ID()):
			key = lang.L("Not verified: this draft was made before signatures")
		case pt.Verified:
			key = fmt.Sprintf(lang.L("Key %s"), crdt.FormatFingerprint(pt.Person))
		default:
			key = fmt.Sprintf(lang.L("Key %s (name and groups not signed)"), crdt.FormatFingerprint(pt.Person))
		}
		who := widget.NewLabel(fmt.Sprintf("%s · %s · %s\n%s", pt.Name, groupLabel(pt.Group), regionLabel(pt.Region), key))
		var right fyne.CanvasObject = widget.NewLabel(roleLabel(role))
		if canGrant && pt.Person != mine && pt.Actor != v.Creator && role != crdt.RoleRemoved {
			sel := widget.NewSelect(labels(crdt.Roles, roleLabel), nil)
			sel.SetSelectedIndex(slices.Index(crdt.Roles, role))
			person, name := pt.Person, pt.Name
			sel.OnChanged = func(string) {
				r, ok := selectedValue(crdt.Roles, sel.SelectedIndex())
				if !ok {
					return
				}
				p.d.change(func(ctx context.Context) (string, error) {
					_, err := p.d.session.SetRole(ctx, person, r)
					return name, err
				}, func(string) { p.reload() })
			}
			p.roles[pt.Person] = sel
			remove := widget.NewButton(lang.L("Remove…"), func() { p.confirmRemove(person, name) })
			p.removes[pt.Person] = remove
			right = container.NewHBox(container.NewGridWrap(fyne.NewSize(200, sel.MinSize().Height), sel), remove)
		}
		objs = append(objs, container.NewBorder(nil, nil, nil, right, who))
	}
	// What someone wrote without the role to: shown, so that nobody takes
	// it for the draft's, and counted nowhere.
	if refused := v.Refused; len(refused.Grants)+len(refused.Versions) > 0 {
		parts := map[string]crdt.Participant{}
		byPerson := map[string]string{}
		for _, pt := range v.Participants {
			parts[pt.Actor] = pt
			if pt.Name != "" {
				byPerson[pt.Person] = pt.Name
			}
		}
		objs = append(objs, widget.NewSeparator(), widget.NewLabelWithStyle(lang.L("Not counted"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		for _, g := range refused.Grants {
			whom := byPerson[g.Person]
			if whom == "" {
				whom = crdt.FormatFingerprint(g.Person)
			}
			objs = append(objs, wrapped(fmt.Sprintf(lang.L("%s was given the role %s by %s, who could not give it."), whom, roleLabel(g.Role), nameOf(parts, g.By))))
		}
		for _, ver := range refused.Versions {
			objs = append(objs, wrapped(fmt.Sprintf(lang.L("Version “%s” was named by %s, who held no role to name versions."), ver.Name, nameOf(parts, ver.Actor))))
		}
	}
	p.box.Objects = objs
	p.box.Refresh()
}

// confirmRemove asks before taking a person out of the draft, then
// removes them and replaces the draft's code (shown in the invite
// dialog, to send to everyone else).
func (p *peopleView) confirmRemove(person, name string) {
	d := p.d
	d.u.confirm(lang.L("Remove from the draft?"),
		fmt.Sprintf(lang.L("Every co-author's copy will refuse what %s writes from now on; what they wrote stays theirs. The draft gets a new invite code: send it to everyone else."), name),
		lang.L("Remove"), func() {
			id := d.session.ID()
			d.change(func(ctx context.Context) (string, error) {
				if _, err := d.session.SetRole(ctx, person, crdt.RoleRemoved); err != nil {
					return "", err
				}
				secret, err := d.u.ws.DraftSecret(ctx, id)
				if err != nil || secret == nil {
					return "", err // never shared: no code to replace
				}
				if d.u.online != nil {
					_, err = d.u.online.Invite(ctx, id, nil, true)
				} else {
					_, err = online.Invite(ctx, d.u.ws, nil, id, nil, true)
				}
				var behind *online.RelaysBehind
				if err != nil && !errors.As(err, &behind) {
					return "", fmt.Errorf(lang.L("%s is removed, but the draft's code could not be replaced (%v): use Invite co-authors, then New code, once its relays can be reached"), name, err)
				}
				return "new code", nil
			}, func(res string) {
				p.reload()
				if res != "" {
					d.showInvite()
				}
			})
		})
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}
