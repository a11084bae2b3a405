package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// "Colour by author" shows the open heading's text read-only, each run
// in its writer's colour (theme.go), with a legend, and with the
// passages that have open comments in bold (Fyne 2.7 draws no
// underline in rich text, and its test driver finds no font for one). A Fyne entry draws its text
// in one colour, so the coloured text is a rich text in the editor's
// place until the toggle is turned off.

type authorsView struct {
	d       *draftScreen
	pending bool // a reload is due (soon)
	text    *widget.RichText
	legend  *fyne.Container
	content fyne.CanvasObject
	asked   int
	shown   []app.AuthorRun // what the view shows, for tests
	loaded  func()
}

func newAuthorsView(d *draftScreen) *authorsView {
	a := &authorsView{d: d, text: widget.NewRichText(), legend: container.NewHBox()}
	a.text.Wrapping = fyne.TextWrapWord
	note := widget.NewLabel(lang.L("Read only while coloured by author: turn it off to write."))
	note.Importance = widget.LowImportance
	a.content = container.NewBorder(container.NewVBox(container.NewHScroll(a.legend), note), nil, nil, nil, container.NewVScroll(a.text))
	return a
}

// soon reloads within half a second: a co-author typing live sends a
// change per batch, and laying out a long coloured text each time would
// hold the window up (about 150 ms for 5,000 characters under Xvfb).
func (a *authorsView) soon() {
	a.d.soon(&a.pending, 500*time.Millisecond, func() {
		if a.d.authors.Checked {
			a.reload()
		}
	})
}

// reload reads the open heading's authors and comments.
func (a *authorsView) reload() {
	a.asked++
	asked, u, s, id, start := a.asked, a.d.u, a.d.session, a.d.openID, time.Now()
	u.background(func() {
		runs, err := s.Authors(id)
		comments, cerr := s.Comments()
		if err == nil {
			err = cerr
		}
		u.do(func() {
			if asked != a.asked || a.d.closed() || id != a.d.openID {
				return
			}
			if err != nil {
				u.showError(err)
				return
			}
			a.show(id, runs, comments)
			u.log.Info("Authors shown", "runs", len(runs), "after", time.Since(start).Round(time.Millisecond))
		})
	})
}

func (a *authorsView) show(id string, runs []app.AuthorRun, comments []app.Comment) {
	v := a.d.session.View()
	parts := people(v)
	colourOf := authorColours(v.Participants, parts)
	var body []rune
	for _, s := range v.Sections {
		if s.ID == id {
			body = []rune(s.Body)
		}
	}
	// Commented passages, as a mark per character.
	marked := make([]bool, len(body))
	for _, c := range comments {
		if c.Section == id && c.Start >= 0 && !c.Resolved {
			for i := c.Start; i < min(c.End, len(body)); i++ {
				marked[i] = true
			}
		}
	}
	var segs []widget.RichTextSegment
	count := map[string]int{}
	carriedBy := map[string]string{} // a legend key → what it says, for carried text
	for _, r := range runs {
		person := personOf(parts, r.Actor)
		if strings.HasPrefix(r.From, "carried forward") {
			// Text next year's draft started with is shown as its first
			// author's. Who that was is the carrier's word (the change's
			// message), so the carrier, whom the change proves, is named
			// beside it.
			carrier := lang.L("unknown device")
			for _, p := range v.Participants {
				if personOf(parts, p.Actor) == person {
					carrier = p.Name
				}
			}
			key := "carried:" + person + "\x00" + r.From
			carriedBy[key] = fmt.Sprintf(lang.L("%s (carried over by %s)"), r.From, carrier)
			person = key
		}
		count[person] += r.End - r.Start
		for i := r.Start; i < min(r.End, len(body)); {
			j := i
			for j < min(r.End, len(body)) && marked[j] == marked[i] {
				j++
			}
			style := widget.RichTextStyleInline
			style.ColorName = colourOf(person)
			style.TextStyle.Bold = marked[i]
			segs = append(segs, &widget.TextSegment{Text: string(body[i:j]), Style: style})
			i = j
		}
	}
	if len(segs) == 0 {
		segs = append(segs, &widget.TextSegment{Text: lang.L("Nothing written under this heading yet."), Style: widget.RichTextStyleInline})
	}
	a.text.Segments = segs
	a.text.Refresh()
	a.shown = runs
	// The legend: everyone with text here, most first.
	type who struct {
		person, name string
		n            int
	}
	var ws []who
	for person, n := range count {
		name := lang.L("unknown device")
		for _, p := range v.Participants {
			if personOf(parts, p.Actor) == person {
				name = p.Name
			}
		}
		if from, ok := carriedBy[person]; ok {
			name = from
		}
		ws = append(ws, who{person, name, n})
	}
	sort.Slice(ws, func(i, j int) bool {
		if ws[i].n != ws[j].n {
			return ws[i].n > ws[j].n
		}
		return ws[i].name < ws[j].name
	})
	a.legend.Objects = nil
	for _, w := range ws {
		l := widget.NewRichText(&widget.TextSegment{Text: fmt.Sprintf("■ %s", w.name),
			Style: widget.RichTextStyle{Inline: true, ColorName: colourOf(w.person), TextStyle: fyne.TextStyle{Bold: true}}})
		a.legend.Objects = append(a.legend.Objects, l)
	}
	a.legend.Refresh()
	if a.loaded != nil {
		a.loaded()
	}
}

// personOf is the person behind a device, or the device itself.
func personOf(parts map[string]crdt.Participant, actor string) string {
	if p, ok := parts[actor]; ok && p.Person != "" {
		return p.Person
	}
	return actor
}
