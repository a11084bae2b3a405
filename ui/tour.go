package ui

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
)

// Tour walks the real window through its main screens and writes a PNG
// of each to dir (home, draft, invite, contributions, review, coverage,
// compare, people, authors, import, machines), then quits: the
// screenshots in the docs come from it (cmd/bpfbench/screenshots.sh).
// capture writes the screen to a file; nil uses the canvas's own
// capture (which some software GL stacks return blank). Call Tour before
// ShowAndRun; it waits for the window to be drawn.
func (u *UI) Tour(dir string, capture func(path string) error, done func(error)) {
	if capture == nil {
		capture = func(path string) error {
			var img image.Image
			fyne.DoAndWait(func() { img = u.win.Canvas().Capture() })
			return writePNG(path, img)
		}
	}
	u.background(func() {
		done(u.tour(dir, capture))
		fyne.Do(u.fyne.Quit)
	})
}

func (u *UI) tour(dir string, capture func(string) error) (err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	settle := func() { time.Sleep(1500 * time.Millisecond) } // let the GL window draw
	settle()
	var first string
	steps := []struct {
		name string
		show func()
	}{
		{"home", func() {
			u.ShowHome()
			if len(u.homeUI.drafts) > 0 {
				first = u.homeUI.drafts[0].ID
			}
		}},
		{"draft", func() {
			if first == "" {
				err = fmt.Errorf("no draft to show")
				return
			}
			u.OpenDraft(first)
			if u.draft != nil && len(u.draft.sections) > 1 {
				u.draft.headings.Select(1)
			}
		}},
		{"invite", func() {
			if u.draft != nil {
				u.draft.showInvite()
			}
		}},
		{"contributions", func() {
			for o := u.win.Canvas().Overlays().Top(); o != nil; o = u.win.Canvas().Overlays().Top() {
				u.win.Canvas().Overlays().Remove(o)
			}
			if u.draft != nil {
				u.draft.tabs.SelectIndex(1)
			}
		}},
		{"review", func() {
			if u.draft != nil {
				u.draft.tabs.SelectIndex(2)
				u.draft.review.tabs.SelectIndex(0)
			}
		}},
		{"coverage", func() {
			if u.draft != nil {
				u.draft.review.tabs.SelectIndex(2)
			}
		}},
		{"consensus", func() {
			if u.draft != nil {
				u.draft.review.tabs.SelectIndex(3)
			}
		}},
		{"compare", func() {
			if u.draft != nil {
				u.draft.review.tabs.SelectIndex(4)
				u.draft.review.versions.compare()
			}
		}},
		{"people", func() {
			if u.draft != nil {
				u.draft.review.tabs.SelectIndex(5)
			}
		}},
		{"authors", func() {
			if d := u.draft; d != nil {
				d.tabs.SelectIndex(0)
				if len(d.sections) > 1 {
					d.headings.Select(1)
				}
				d.authors.SetChecked(true)
			}
		}},
		{"import", func() {
			// Import…'s plan, as shown before anything is written, for a
			// text a participant mailed in.
			if d := u.draft; d != nil {
				d.previewImport("from-lagos.md", []byte("## Regional specificities observed\n\nMobile money came first in West Africa.\n\n## Local incidents\n\nTwo outages in 2026.\n"))
			}
		}},
		{"machines", func() {
			for o := u.win.Canvas().Overlays().Top(); o != nil; o = u.win.Canvas().Overlays().Top() {
				u.win.Canvas().Overlays().Remove(o)
			}
			u.showDevices()
		}},
	}
	for _, s := range steps {
		fyne.DoAndWait(s.show)
		if err != nil {
			return err
		}
		settle()
		if err := capture(filepath.Join(dir, s.name+".png")); err != nil {
			return err
		}
	}
	return nil
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
