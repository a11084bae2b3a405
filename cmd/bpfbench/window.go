package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The real window's benchmark (issue 14): bpfdraft's window under Xvfb,
// driven by xdotool as a person's keyboard would, and watched through
// Xvfb's frame buffer (kept in a file, -fbdir, read every 5 ms), since
// Fyne's test driver paints nothing. Keys are "shown" when the screen
// reaches the picture it ends with; "saved" when the data file last
// changed before another bpfdraft process read them from it.
//
//	bash cmd/bpfbench/window.sh     (installs Xvfb and xdotool, then runs this)

type windowResult struct {
	Start       float64         `json:"start_ms"`         // process start to a drafts list that stops changing, 50 drafts
	Typing      []windowType    `json:"typing"`           // keys typed into long texts
	Resize      []float64       `json:"resize_ms"`        // resizes with the 41,000-character section in view, each until the screen stops changing
	OpenBig     float64         `json:"open_big_ms"`      // a click on a draft of 196,000 characters in the list to a screen that stops changing
	OpenBigPage float64         `json:"open_big_page_ms"` // the same click to its page (the text column) showing what it ends with
	Keys        []keyTimes      `json:"keys"`             // keys typed one at a time, each timed to the screen
	ClickType   []clickType     `json:"click_type"`       // typing at once after a click
	Remote      []remoteLatency `json:"remote"`           // a key typed in one window to another's screen
	Cores       int             `json:"cores"`
}

// clickType is a click in a text followed at once by typing, as a person
// types: the text must read as typed.
type clickType struct {
	Case  string `json:"case"`
	Typed string `json:"typed"`
	Found string `json:"found"` // what the draft holds where it was typed
	OK    bool   `json:"reads_as_typed"`
}

type windowType struct {
	Case   string  `json:"case"`
	Chars  int     `json:"chars"`     // the section's length before typing
	Keys   int     `json:"keys"`      // keys typed, 10 ms apart
	Typing float64 `json:"typing_ms"` // xdotool's time to send them
	Shown  float64 `json:"shown_ms"`  // last key sent to the screen showing all of them
	Saved  float64 `json:"saved_ms"`  // last key sent to the data file's last change before another process read them from it
}

func (r *windowResult) print(w io.Writer) {
	fmt.Fprintf(w, "The real window under Xvfb (Mesa, %d cores), keys sent by xdotool 10 ms apart\n\n", r.Cores)
	fmt.Fprintf(w, "%-44s %8s %6s %10s %10s %10s\n", "case", "chars", "keys", "typing ms", "shown ms", "saved ms")
	for _, t := range r.Typing {
		fmt.Fprintf(w, "%-44s %8d %6d %10.0f %10.0f %10.0f\n", t.Case, t.Chars, t.Keys, t.Typing, t.Shown, t.Saved)
	}
	rs := slices.Clone(r.Resize)
	slices.Sort(rs)
	fmt.Fprintf(w, "\nresize between 1400×900 and 1100×800 with the 41,000-character section in view, %d times: redrawn in %.0f ms (median), %.0f ms (most)\n",
		len(rs), rs[len(rs)/2], rs[len(rs)-1])
	fmt.Fprintf(w, "start with 50 drafts to a drafts list that stops changing: %.0f ms\n", r.Start)
	fmt.Fprintf(w, "\nkeys typed one at a time, 120 ms apart, from xdotool's return to the first change on the screen (the frame buffer mapped and polled every 0.1 ms)\n")
	fmt.Fprintf(w, "%-52s %5s %7s %7s %7s %7s %12s\n", "case", "keys", "p50 ms", "p90 ms", "p99 ms", "max ms", "load before/after")
	for _, k := range r.Keys {
		fmt.Fprintf(w, "%-52s %5d %7.1f %7.1f %7.1f %7.1f %12s\n", k.Case, k.Keys, k.P50, k.P90, k.P99, k.Max, k.Load[0]+"/"+k.Load[1])
	}
	for _, c := range r.ClickType {
		verdict := "reads as typed"
		if !c.OK {
			verdict = fmt.Sprintf("SCRAMBLED: the draft holds %q", c.Found)
		}
		fmt.Fprintf(w, "%s: %q: %s\n", c.Case, c.Typed, verdict)
	}
	if r.OpenBig > 0 {
		fmt.Fprintf(w, "open a draft of %d characters from the list: its text shown in %.0f ms, the whole screen settled in %.0f ms\n", bigWindowDraft, r.OpenBigPage, r.OpenBig)
	}
	r.printRemote(w)
}

// printRemote prints the two-window probe's figures.
func (r *windowResult) printRemote(w io.Writer) {
	fmt.Fprintf(w, "\na key typed in one window to the other window's screen (two bpfdraft windows, two data dirs, loopback), 150 ms apart\n")
	fmt.Fprintf(w, "%-40s %5s %7s %7s %7s %7s %12s %s\n", "case", "keys", "p50 ms", "p90 ms", "p99 ms", "max ms", "load", "text saved there")
	for _, k := range r.Remote {
		fmt.Fprintf(w, "%-40s %5d %7.1f %7.1f %7.1f %7.1f %12s %v\n", k.Case, k.Keys, k.P50, k.P90, k.P99, k.Max, k.Load[0]+"/"+k.Load[1], k.Text)
	}
}

// bigWindowDraft is the size of the draft the window opens from the
// list: near app.MaxDraftText, in four headings.
const bigWindowDraft = 4 * 49_000

// The screen's layout at 1400×900: the window sits at the top left of
// Xvfb's screen (there is no window manager).
const (
	winW, winH = 1400, 900
	listX      = 100 // the headings list
	rowY0      = 128 // its first row
	rowH       = 38.5
	homeRowY0  = 128 // the drafts list's first row
	homeRowH   = 77
)

// The page's column, where typed text shows.
var pageRegion = [4]int{420, 150, 1100, 830}

const typedKeys = "Typed in the real window, key by key, to time what a person sees on the screen and finds on disk now"

// perKey is typed a key at a time, each timed to the screen alone.
const perKey = " one key at a time as a person types a sentence into the draft and waits to see it appear on the screen each time"

func runWindow(ctx context.Context, w *Workloads, dir string) (*windowResult, error) {
	if err := needX(); err != nil {
		return nil, err
	}
	if err := buildBinaries(ctx, dir, "bpfdraft"); err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "bpfdraft")
	data := filepath.Join(dir, "data")
	env := append(os.Environ(), "BPFDRAFT_DATA="+data, "LANG=en_US.UTF-8", "LC_ALL=")
	run := runner(ctx, bin, env)
	if _, err := run("", "profile", "--name", "Amina Diallo", "--group", "Civil society", "--region", "African"); err != nil {
		return nil, err
	}
	// 48 drafts to list, a long one (second in the list), then the one
	// typed in (listed first: the newest).
	for i := range 48 {
		id, err := run("", "new", "--title", fmt.Sprintf("Draft %02d", i+1))
		if err != nil {
			return nil, err
		}
		if _, err := run("", "write", strings.TrimSpace(id), "--section", "1", "--text", "Some text written in this draft."); err != nil {
			return nil, err
		}
	}
	var all []string
	for _, s := range []string{"s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"} {
		all = append(all, w.W1.Final[s])
	}
	out, err := run("", "new", "--title", "Annex: survey answers")
	if err != nil {
		return nil, err
	}
	bigID := strings.TrimSpace(out)
	part := []rune(strings.Repeat(strings.Join(all, "\n\n")+"\n\n", 2))[:bigWindowDraft/4]
	for sec := range 4 {
		if _, err := run(string(part), "write", bigID, "--section", strconv.Itoa(sec+1)); err != nil {
			return nil, err
		}
	}
	out, err = run("", "new", "--title", "BPF Cybersecurity 2026: norms in practice")
	if err != nil {
		return nil, err
	}
	id := strings.TrimSpace(out)
	long := strings.Join(all, "\n\n")                                  // 40,014 characters in W1's lines
	long += "\n\n" + strings.Repeat("More text to reach 41,000. ", 37) // and a last paragraph
	para := strings.ReplaceAll(w.W1.Final["s4"], "\n", " ")            // one paragraph of 5,000
	if _, err := run(para, "write", id, "--section", "1"); err != nil {
		return nil, err
	}
	if _, err := run(long, "write", id, "--section", "3"); err != nil {
		return nil, err
	}

	fb := filepath.Join(dir, "fb")
	if err := os.MkdirAll(fb, 0o700); err != nil {
		return nil, err
	}
	display, stopX, err := startXvfb(ctx, fb)
	if err != nil {
		return nil, err
	}
	defer stopX()
	env = append(env, "DISPLAY="+display)
	x := &screen{ctx: ctx, env: env, frame: filepath.Join(fb, "Xvfb_screen0"), data: filepath.Join(data, "bpfdraft.db")}
	fm, err := mapFrame(x.frame)
	if err != nil {
		return nil, err
	}
	defer fm.close()

	res := &windowResult{Cores: runtime.NumCPU()}
	t0 := time.Now()
	gui := exec.CommandContext(ctx, bin, "gui", "--offline")
	gui.Env = env
	var guiErr bytes.Buffer
	gui.Stderr = &guiErr
	if err := gui.Start(); err != nil {
		return nil, err
	}
	defer func() {
		gui.Process.Kill()
		gui.Wait()
	}()
	win, err := x.do("search", "--sync", "--onlyvisible", "--name", "BPF Draft")
	if err != nil {
		return nil, fmt.Errorf("the window never showed: %v\n%s", err, guiErr.String())
	}
	win = strings.Fields(win)[0]
	if _, err := x.do("windowsize", win, strconv.Itoa(winW), strconv.Itoa(winH)); err != nil {
		return nil, err
	}
	settled, err := x.settle(nil, time.Second, 20*time.Second)
	if err != nil {
		return nil, err
	}
	res.Start = ms(settled.Sub(t0))

	// Open the draft (the first row of the list), go to heading 3 and
	// click in the middle of its text.
	if err := x.click(150, rowY0); err != nil {
		return nil, err
	}
	time.Sleep(2 * time.Second)
	cases := []struct {
		name    string
		heading int
		y       int
		chars   int
		section string
	}{
		{"a section of 41,000 characters", 3, 600, len([]rune(long)), "3"},
		{"a single paragraph of 5,000 characters", 1, 420, len([]rune(para)), "1"},
	}
	for _, c := range cases {
		if err := x.click(listX, int(rowY0+rowH*float64(c.heading-1))); err != nil {
			return nil, err
		}
		time.Sleep(time.Second)
		if err := x.click(700, c.y); err != nil {
			return nil, err
		}
		time.Sleep(time.Second)
		typed, err := x.typeKeys(c.section, id, run, pageRegion[:])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		typed.Case, typed.Chars = c.name, c.chars
		res.Typing = append(res.Typing, typed)
		lat, err := x.timeKeys(c.name, fm, pageRegion[:], perKey, 120*time.Millisecond, 2*time.Second)
		if err != nil {
			return nil, err
		}
		res.Keys = append(res.Keys, lat)
	}

	// Click in heading 1's text and type at once, 8 keys a second, the
	// button held 90 ms: the driver's tap arrives 300 ms after the click.
	if err := x.click(listX, rowY0); err != nil {
		return nil, err
	}
	time.Sleep(time.Second)
	for _, typed := range []string{"word ", "\nPara after three Enters"} {
		ct, err := x.clickThenType(id, "1", run, 700, 440, typed)
		if err != nil {
			return nil, err
		}
		res.ClickType = append(res.ClickType, ct)
	}

	// Resize with heading 3 in view.
	if err := x.click(listX, int(rowY0+rowH*2)); err != nil {
		return nil, err
	}
	time.Sleep(time.Second)
	for i := range 8 {
		w, h := "1100", "800"
		if i%2 == 1 {
			w, h = strconv.Itoa(winW), strconv.Itoa(winH)
		}
		t := time.Now()
		if _, err := x.do("windowsize", win, w, h); err != nil {
			return nil, err
		}
		settled, err = x.settle(nil, time.Second, 20*time.Second)
		if err != nil {
			return nil, err
		}
		res.Resize = append(res.Resize, ms(settled.Sub(t)))
	}

	// Back to the list (Ctrl+L), and open the long draft.
	if _, err := x.do("key", "ctrl+l"); err != nil {
		return nil, err
	}
	if _, err := x.settle(nil, time.Second, 20*time.Second); err != nil {
		return nil, err
	}
	t := time.Now()
	if err := x.click(150, homeRowY0+homeRowH); err != nil {
		return nil, err
	}
	whole, page, err := x.settleAlso(nil, pageRegion[:], 2*time.Second, 60*time.Second)
	if err != nil {
		return nil, err
	}
	res.OpenBigPage, res.OpenBig = ms(page.Sub(t)), ms(whole.Sub(t))
	// What it showed, for a look (ImageMagick's import; kept with -dir).
	shot := exec.CommandContext(ctx, "import", "-window", "root", filepath.Join(dir, "open-big.png"))
	shot.Env = env
	shot.Run()
	gui.Process.Kill()
	stopX()

	if res.Remote, err = twoWindows(ctx, w, dir, bin); err != nil {
		return nil, err
	}
	return res, nil
}

// typeKeys types the keys and waits for them on the screen and on disk.
func (x *screen) typeKeys(section, id string, run func(string, ...string) (string, error), region []int) (windowType, error) {
	r := windowType{Keys: len(typedKeys)}
	writes := x.watchFile()
	defer writes.stop()
	t0 := time.Now()
	if _, err := x.do("type", "--delay", "10", typedKeys); err != nil {
		return r, err
	}
	sent := time.Now()
	r.Typing = ms(sent.Sub(t0))
	// Another process looks for the keys in the data file meanwhile, at
	// the lowest priority (it loads the whole draft each time, and the
	// window needs the CPU). They were saved between the last look that
	// missed them and the first that found them: at the file's last
	// change before that one, or when the one before missed them.
	saved := make(chan time.Time, 1)
	go func() {
		missed := sent
		for time.Since(sent) < 30*time.Second {
			asked := time.Now()
			out, err := run("", "show", id, "--section", section)
			if err == nil && strings.Contains(out, typedKeys) {
				at := writes.lastBefore(asked)
				if at.Before(missed) {
					at = missed
				}
				saved <- at
				return
			}
			missed = asked
			time.Sleep(50 * time.Millisecond)
		}
		close(saved)
	}()
	shown, err := x.settle(region, 2*time.Second, 30*time.Second)
	if err != nil {
		return r, err
	}
	r.Shown = max(ms(shown.Sub(sent)), 0)
	at, ok := <-saved
	if !ok {
		return r, errors.New("the typed keys never reached the data file")
	}
	r.Saved = ms(at.Sub(sent))
	return r, nil
}

// screen drives the X display and watches its frame buffer.
type screen struct {
	ctx   context.Context
	env   []string
	frame string // Xvfb's frame buffer, an XWD file
	data  string // the data file
}

// fileWatch records when a file changed (size or time), every 5 ms.
type fileWatch struct {
	mu      sync.Mutex
	changes []time.Time
	done    chan struct{}
}

func (x *screen) watchFile() *fileWatch {
	w := &fileWatch{done: make(chan struct{})}
	go func() {
		var last os.FileInfo
		for {
			if fi, err := os.Stat(x.data); err == nil {
				if last != nil && (fi.Size() != last.Size() || !fi.ModTime().Equal(last.ModTime())) {
					w.mu.Lock()
					w.changes = append(w.changes, time.Now())
					w.mu.Unlock()
				}
				last = fi
			}
			select {
			case <-w.done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return w
}

func (w *fileWatch) stop() { close(w.done) }

// lastBefore is the last change seen before t (t itself when none was).
func (w *fileWatch) lastBefore(t time.Time) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	at := t
	for _, c := range w.changes {
		if c.Before(t) {
			at = c
		}
	}
	return at
}

func (x *screen) do(args ...string) (string, error) {
	cmd := exec.CommandContext(x.ctx, "xdotool", args...)
	cmd.Env = x.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("xdotool %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

func (x *screen) click(px, py int) error {
	_, err := x.do("mousemove", strconv.Itoa(px), strconv.Itoa(py), "click", "1")
	return err
}

// settle reads the screen (or a region of it: x0, y0, x1, y1) until it
// has not changed for quiet, and returns when the last picture first
// appeared (the start of the read that first saw it: reads take about
// 3 ms and follow each other every 5 ms).
func (x *screen) settle(region []int, quiet, limit time.Duration) (time.Time, error) {
	settled, _, err := x.settleAlso(region, nil, quiet, limit)
	return settled, err
}

// settleAlso is settle that also says when another region (also) last
// changed, read from the same pictures; nil also: it is not watched.
func (x *screen) settleAlso(region, also []int, quiet, limit time.Duration) (settled, alsoChanged time.Time, err error) {
	regions := [][]int{region}
	if also != nil {
		regions = append(regions, also)
	}
	start := time.Now()
	last := make([][32]byte, len(regions))
	since := make([]time.Time, len(regions))
	for {
		t0 := time.Now()
		hs, err := x.capture(regions...)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		now := time.Now()
		for i, h := range hs {
			if since[i].IsZero() || h != last[i] {
				last[i], since[i] = h, t0 // the picture was there when this read began
			}
		}
		if now.Sub(since[0]) >= quiet {
			return since[0], since[len(since)-1], nil
		}
		if now.Sub(start) > limit {
			return time.Time{}, time.Time{}, fmt.Errorf("the screen kept changing for %v", limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// capture hashes the screen's pixels in each region (nil: all of it),
// from one read of the frame buffer (XWD's format: a header, a colour
// map, then rows of pixels).
func (x *screen) capture(regions ...[]int) ([][32]byte, error) {
	img, err := os.ReadFile(x.frame)
	if err != nil {
		return nil, fmt.Errorf("reading Xvfb's frame buffer: %v", err)
	}
	field := func(i int) int { return int(binary.BigEndian.Uint32(img[4*i:])) }
	if len(img) < 100 {
		return nil, errors.New("the frame buffer holds no picture")
	}
	headerSize, width, height := field(0), field(4), field(5)
	bpp, perLine, ncolors := field(11), field(12), field(19)
	pix := img[headerSize+12*ncolors:]
	if len(pix) < perLine*height {
		return nil, errors.New("the frame buffer is cut short")
	}
	sums := make([][32]byte, len(regions))
	for i, region := range regions {
		x0, y0, x1, y1 := 0, 0, width, height
		if region != nil {
			x0, y0, x1, y1 = region[0], region[1], min(region[2], width), min(region[3], height)
		}
		h := sha256.New()
		for y := y0; y < y1; y++ {
			h.Write(pix[y*perLine+x0*bpp/8 : y*perLine+x1*bpp/8])
		}
		copy(sums[i][:], h.Sum(nil))
	}
	return sums, nil
}

// startXvfb starts a virtual screen on a free display number.
func startXvfb(ctx context.Context, fbdir string) (string, func(), error) {
	return startXvfbSized(ctx, fbdir, winW, winH)
}

// startXvfbSized starts a virtual screen of a size on a free display number.
func startXvfbSized(ctx context.Context, fbdir string, w, h int) (string, func(), error) {
	for n := 71; n < 99; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		display := ":" + strconv.Itoa(n)
		cmd := exec.CommandContext(ctx, "Xvfb", display, "-screen", "0", fmt.Sprintf("%dx%dx24", w, h), "-nolisten", "tcp", "-fbdir", fbdir)
		if err := cmd.Start(); err != nil {
			return "", nil, err
		}
		stop := func() {
			cmd.Process.Kill()
			cmd.Wait()
		}
		for range 100 {
			if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
				return display, stop, nil
			}
			time.Sleep(50 * time.Millisecond)
		}
		stop()
	}
	return "", nil, errors.New("no free X display between :71 and :98")
}

// clickThenType clicks at (px, py), the button held 90 ms, and 50 ms
// later types text at 8 keys a second; once saved, the section must hold
// its text as before with the typed text in one piece at one place.
func (x *screen) clickThenType(id, section string, run func(string, ...string) (string, error), px, py int, text string) (clickType, error) {
	r := clickType{Case: "click, then type at once", Typed: text}
	before, err := run("", "show", id, "--section", section)
	if err != nil {
		return r, err
	}
	// One xdotool run, for the timing; a line break is the Return key
	// (xdotool types "\n" as Linefeed, which no window takes for Enter).
	args := []string{"mousemove", strconv.Itoa(px), strconv.Itoa(py), "mousedown", "1", "sleep", "0.09", "mouseup", "1", "sleep", "0.05"}
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			args = append(args, "key", "Return", "sleep", "0.125")
		}
		if line != "" {
			args = append(args, "type", "--delay", "125", line)
		}
	}
	if _, err := x.do(args...); err != nil {
		return r, err
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		after, err := run("", "show", id, "--section", section)
		if err != nil {
			return r, err
		}
		if len(after) >= len(before)+len(text) || time.Now().After(deadline) {
			r.OK, r.Found = insertedOnce(before, after, text)
			return r, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// insertedOnce reports whether after is before with ins inserted at one
// place; if not, it returns what after holds around the first difference.
func insertedOnce(before, after, ins string) (bool, string) {
	p := 0
	for p < len(before) && p < len(after) && before[p] == after[p] {
		p++
	}
	for i := max(p-len(ins), 0); i <= p; i++ {
		if i+len(ins) <= len(after) && after[:i] == before[:i] && after[i:i+len(ins)] == ins && after[i+len(ins):] == before[i:] {
			return true, ins
		}
	}
	lo, hi := max(p-10, 0), min(p+len(ins)+10, len(after))
	return false, after[lo:hi]
}

// needX checks for the virtual screen and the keyboard driver.
func needX() error {
	for _, tool := range []string{"Xvfb", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is missing: run bash cmd/bpfbench/window.sh, which installs it", tool)
		}
	}
	return nil
}
