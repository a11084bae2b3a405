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
	"strconv"
	"strings"
	"time"
)

// The real window's benchmark (issue 14): bpfdraft's window under Xvfb,
// driven by xdotool as a person's keyboard would, and watched through
// screen captures (xwd), since Fyne's test driver paints nothing. A key
// is "shown" when the screen reaches the picture it ends with, and
// "saved" when another bpfdraft process reads it from the data file.
//
//	bash cmd/bpfbench/window.sh     (installs Xvfb, xdotool and xwd, then runs this)

type windowResult struct {
	Start  float64      `json:"start_ms"`  // process start to a drafts list that stops changing, 50 drafts
	Typing []windowType `json:"typing"`    // keys typed into long texts
	Resize float64      `json:"resize_ms"` // a resize with the 41,000-character section in view, until the screen stops changing
	Cores  int          `json:"cores"`
}

type windowType struct {
	Case   string  `json:"case"`
	Chars  int     `json:"chars"`     // the section's length before typing
	Keys   int     `json:"keys"`      // keys typed, 10 ms apart
	Typing float64 `json:"typing_ms"` // xdotool's time to send them
	Shown  float64 `json:"shown_ms"`  // last key sent to the screen showing all of them
	Saved  float64 `json:"saved_ms"`  // last key sent to another process reading them from the file (an upper bound: each read takes ~0.2 s)
}

func (r *windowResult) print(w io.Writer) {
	fmt.Fprintf(w, "The real window under Xvfb (Mesa, %d cores), keys sent by xdotool 10 ms apart\n\n", r.Cores)
	fmt.Fprintf(w, "%-44s %8s %6s %10s %10s %10s\n", "case", "chars", "keys", "typing ms", "shown ms", "saved ms")
	for _, t := range r.Typing {
		fmt.Fprintf(w, "%-44s %8d %6d %10.0f %10.0f %10.0f\n", t.Case, t.Chars, t.Keys, t.Typing, t.Shown, t.Saved)
	}
	fmt.Fprintf(w, "\nresize 1400×900 → 1100×800 with the 41,000-character section in view: redrawn in %.0f ms\n", r.Resize)
	fmt.Fprintf(w, "start with 50 drafts to a drafts list that stops changing: %.0f ms\n", r.Start)
}

// The screen's layout at 1400×900: the window sits at the top left of
// Xvfb's screen (there is no window manager).
const (
	winW, winH = 1400, 900
	listX      = 100 // the headings list
	rowY0      = 128 // its first row
	rowH       = 38.5
)

// The page's column, where typed text shows.
var pageRegion = [4]int{420, 150, 1100, 830}

const typedKeys = "Typed in the real window, key by key, to time what a person sees on the screen and finds on disk now"

func runWindow(ctx context.Context, w *Workloads, dir string) (*windowResult, error) {
	for _, tool := range []string{"Xvfb", "xdotool", "xwd"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%s is missing: run bash cmd/bpfbench/window.sh, which installs it", tool)
		}
	}
	if err := buildBinaries(ctx, dir, "bpfdraft"); err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "bpfdraft")
	data := filepath.Join(dir, "data")
	env := append(os.Environ(), "BPFDRAFT_DATA="+data, "LANG=en_US.UTF-8", "LC_ALL=")
	run := func(stdin string, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("bpfdraft %s: %v: %s", strings.Join(args, " "), err, errb.String())
		}
		return out.String(), nil
	}
	if _, err := run("", "profile", "--name", "Amina Diallo", "--group", "Civil society", "--region", "African"); err != nil {
		return nil, err
	}
	// 49 drafts to list, then the one typed in (listed first: the newest).
	for i := range 49 {
		id, err := run("", "new", "--title", fmt.Sprintf("Draft %02d", i+1))
		if err != nil {
			return nil, err
		}
		if _, err := run("", "write", strings.TrimSpace(id), "--section", "1", "--text", "Some text written in this draft."); err != nil {
			return nil, err
		}
	}
	out, err := run("", "new", "--title", "BPF Cybersecurity 2026: norms in practice")
	if err != nil {
		return nil, err
	}
	id := strings.TrimSpace(out)
	var all []string
	for _, s := range []string{"s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"} {
		all = append(all, w.W1.Final[s])
	}
	long := strings.Join(all, "\n\n")                                  // 40,014 characters in W1's lines
	long += "\n\n" + strings.Repeat("More text to reach 41,000. ", 37) // and a last paragraph
	para := strings.ReplaceAll(w.W1.Final["s4"], "\n", " ")            // one paragraph of 5,000
	if _, err := run(para, "write", id, "--section", "1"); err != nil {
		return nil, err
	}
	if _, err := run(long, "write", id, "--section", "3"); err != nil {
		return nil, err
	}

	display, stopX, err := startXvfb(ctx)
	if err != nil {
		return nil, err
	}
	defer stopX()
	env = append(env, "DISPLAY="+display)
	x := &screen{ctx: ctx, env: env}

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
	}

	// Resize with heading 3 in view.
	if err := x.click(listX, int(rowY0+rowH*2)); err != nil {
		return nil, err
	}
	time.Sleep(time.Second)
	t := time.Now()
	if _, err := x.do("windowsize", win, "1100", "800"); err != nil {
		return nil, err
	}
	settled, err = x.settle(nil, time.Second, 20*time.Second)
	if err != nil {
		return nil, err
	}
	res.Resize = ms(settled.Sub(t))
	return res, nil
}

// typeKeys types the keys and waits for them on the screen and on disk.
func (x *screen) typeKeys(section, id string, run func(string, ...string) (string, error), region []int) (windowType, error) {
	r := windowType{Keys: len(typedKeys)}
	t0 := time.Now()
	if _, err := x.do("type", "--delay", "10", typedKeys); err != nil {
		return r, err
	}
	sent := time.Now()
	r.Typing = ms(sent.Sub(t0))
	saved := make(chan time.Time, 1)
	go func() {
		for time.Since(sent) < 30*time.Second {
			out, err := run("", "show", id, "--section", section)
			if err == nil && strings.Contains(out, typedKeys) {
				saved <- time.Now()
				return
			}
			time.Sleep(100 * time.Millisecond)
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

// screen drives the X display.
type screen struct {
	ctx context.Context
	env []string
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

// settle captures the screen (or a region of it: x0, y0, x1, y1) until
// it has not changed for quiet, and returns when the last picture first
// appeared (the end of that capture).
func (x *screen) settle(region []int, quiet, limit time.Duration) (time.Time, error) {
	start := time.Now()
	var last [32]byte
	var since time.Time
	for {
		h, err := x.capture(region)
		if err != nil {
			return time.Time{}, err
		}
		now := time.Now()
		if since.IsZero() || h != last {
			last, since = h, now
		}
		if now.Sub(since) >= quiet {
			return since, nil
		}
		if now.Sub(start) > limit {
			return time.Time{}, fmt.Errorf("the screen kept changing for %v", limit)
		}
	}
}

// capture hashes the screen's pixels (xwd's format: a header, a colour
// map, then rows of pixels).
func (x *screen) capture(region []int) ([32]byte, error) {
	cmd := exec.CommandContext(x.ctx, "xwd", "-root", "-silent")
	cmd.Env = x.env
	img, err := cmd.Output()
	if err != nil {
		return [32]byte{}, fmt.Errorf("xwd: %v", err)
	}
	field := func(i int) int { return int(binary.BigEndian.Uint32(img[4*i:])) }
	if len(img) < 100 {
		return [32]byte{}, errors.New("xwd wrote no picture")
	}
	headerSize, width, height := field(0), field(4), field(5)
	bpp, perLine, ncolors := field(11), field(12), field(19)
	pix := img[headerSize+12*ncolors:]
	if len(pix) < perLine*height {
		return [32]byte{}, errors.New("xwd's picture is cut short")
	}
	x0, y0, x1, y1 := 0, 0, width, height
	if region != nil {
		x0, y0, x1, y1 = region[0], region[1], min(region[2], width), min(region[3], height)
	}
	h := sha256.New()
	for y := y0; y < y1; y++ {
		h.Write(pix[y*perLine+x0*bpp/8 : y*perLine+x1*bpp/8])
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// startXvfb starts a virtual screen on a free display number.
func startXvfb(ctx context.Context) (string, func(), error) {
	for n := 71; n < 99; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		display := ":" + strconv.Itoa(n)
		cmd := exec.CommandContext(ctx, "Xvfb", display, "-screen", "0", fmt.Sprintf("%dx%dx24", winW, winH), "-nolisten", "tcp")
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
