package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The two-window probe (issue 22): two bpfdraft windows on one screen,
// on two data dirs, co-authors of one draft; a key typed in the left one
// is timed until the right one shows it. Once connected directly (the
// right window dials the left's address), once through a `bpfdraft
// serve` peer that both dial (as co-authors meet through an always-on
// machine), with the local network search off so that nothing else
// links them.

// remoteLatency is keys typed in one window, each timed to the other's
// screen.
type remoteLatency struct {
	keyTimes
	Text bool `json:"text_arrived"` // the right window's draft holds the keys in the end
}

const (
	pairW, pairH = 2 * winW, winH
	remoteKeys   = "co-authors see this as it is typed, key by key, in the other window right away"
)

// runTwoWindows builds bpfdraft and runs the probe alone (bpfbench window2).
func runTwoWindows(ctx context.Context, w *Workloads, dir string) ([]remoteLatency, error) {
	if err := needX(); err != nil {
		return nil, err
	}
	if err := buildBinaries(ctx, dir, "bpfdraft"); err != nil {
		return nil, err
	}
	return twoWindows(ctx, w, dir, filepath.Join(dir, "bpfdraft"))
}

// twoWindows runs the probe on its own screen, twice as wide as the
// window benchmark's.
func twoWindows(ctx context.Context, w *Workloads, dir, bin string) ([]remoteLatency, error) {
	base := append(os.Environ(), "LANG=en_US.UTF-8", "LC_ALL=")
	runIn := func(data, stdin string, args ...string) (string, error) {
		return runner(ctx, bin, append(slices.Clone(base), "BPFDRAFT_DATA="+data))(stdin, args...)
	}
	a, b, s := filepath.Join(dir, "pair-a"), filepath.Join(dir, "pair-b"), filepath.Join(dir, "pair-serve")
	for _, p := range []struct{ data, name string }{{a, "Amina Diallo"}, {b, "Bruno Silva"}, {s, "Always-on machine"}} {
		if _, err := runIn(p.data, "", "profile", "--name", p.name, "--group", "Civil society", "--region", "African"); err != nil {
			return nil, err
		}
	}
	out, err := runIn(a, "", "new", "--title", "Two windows")
	if err != nil {
		return nil, err
	}
	id := strings.TrimSpace(out)
	if _, err := runIn(a, strings.ReplaceAll(w.W1.Final["s1"], "\n", " "), "write", id, "--section", "1"); err != nil {
		return nil, err
	}
	code, err := runIn(a, "", "invite", id)
	if err != nil {
		return nil, err
	}
	code = strings.TrimSpace(code)
	for _, d := range []string{b, s} {
		if _, err := runIn(d, "", "join", code); err != nil {
			return nil, err
		}
	}

	// The serve peer, on a port of its own; it prints its addresses.
	serve := exec.CommandContext(ctx, bin, "serve", "--listen", "/ip4/127.0.0.1/tcp/0")
	serve.Env = append(slices.Clone(base), "BPFDRAFT_DATA="+s)
	serveOut := &syncBuffer{}
	serve.Stdout = serveOut
	if err := serve.Start(); err != nil {
		return nil, err
	}
	defer func() {
		serve.Process.Kill()
		serve.Wait()
	}()
	serveAddr, err := waitFor(serveOut, loopbackAddr, 20*time.Second)
	if err != nil {
		return nil, fmt.Errorf("the serve peer's address: %w", err)
	}
	for _, d := range []string{a, b} {
		if _, err := runIn(d, "", "sync", "--once", "--peer", serveAddr); err != nil {
			return nil, err
		}
	}

	fb := filepath.Join(dir, "fb-pair")
	if err := os.MkdirAll(fb, 0o700); err != nil {
		return nil, err
	}
	display, stopX, err := startXvfbSized(ctx, fb, pairW, pairH)
	if err != nil {
		return nil, err
	}
	defer stopX()
	x := &screen{ctx: ctx, env: append(slices.Clone(base), "DISPLAY="+display), frame: filepath.Join(fb, "Xvfb_screen0")}
	fm, err := mapFrame(x.frame)
	if err != nil {
		return nil, err
	}
	defer fm.close()

	var res []remoteLatency
	for _, c := range []struct {
		name   string
		direct bool
	}{{"directly", true}, {"through a serve peer", false}} {
		r, err := x.pairRun(fm, bin, base, a, b, id, serveAddr, c.direct, runIn)
		if err != nil {
			return nil, fmt.Errorf("two windows %s: %w", c.name, err)
		}
		r.Case = "two windows, " + c.name
		res = append(res, r)
	}
	return res, nil
}

// pairRun opens the two windows, side by side, types into the left one
// and times each key to the right one's screen.
func (x *screen) pairRun(fm *frameMap, bin string, base []string, a, b, id, serveAddr string, direct bool,
	runIn func(data, stdin string, args ...string) (string, error)) (remoteLatency, error) {
	var r remoteLatency
	start := func(data string, args ...string) (*exec.Cmd, *syncBuffer, error) {
		cmd := exec.CommandContext(x.ctx, bin, append([]string{"--verbose", "gui", "--no-lan"}, args...)...)
		cmd.Env = append(slices.Clone(x.env), "BPFDRAFT_DATA="+data)
		errb := &syncBuffer{}
		cmd.Stderr = errb
		return cmd, errb, cmd.Start()
	}
	stop := func(cmd *exec.Cmd) {
		cmd.Process.Kill()
		cmd.Wait()
	}
	var left, right *exec.Cmd
	var leftLog *syncBuffer
	var err error
	if direct {
		if left, leftLog, err = start(a, "--listen", "/ip4/127.0.0.1/tcp/0"); err != nil {
			return r, err
		}
		defer stop(left)
		addr, err := waitFor(leftLog, loopbackAddr, 20*time.Second)
		if err != nil {
			return r, fmt.Errorf("the left window's address: %w", err)
		}
		if right, _, err = start(b, "--peer", addr); err != nil {
			return r, err
		}
	} else {
		if left, _, err = start(a, "--peer", serveAddr); err != nil {
			return r, err
		}
		defer stop(left)
		if right, _, err = start(b, "--peer", serveAddr); err != nil {
			return r, err
		}
	}
	defer stop(right)
	// Each window, found by its process, sized and put in its half.
	for i, cmd := range []*exec.Cmd{left, right} {
		var win string
		for range 100 {
			out, _ := x.do("search", "--onlyvisible", "--pid", strconv.Itoa(cmd.Process.Pid), "--name", "BPF Draft")
			if f := strings.Fields(out); len(f) > 0 {
				win = f[0]
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if win == "" {
			return r, errors.New("a window never showed")
		}
		// Fyne may size its window once more as it settles: until the
		// geometry holds.
		want := fmt.Sprintf("Position: %d,0", i*winW)
		for try := 0; ; try++ {
			if _, err := x.do("windowsize", win, strconv.Itoa(winW), strconv.Itoa(winH)); err != nil {
				return r, err
			}
			if _, err := x.do("windowmove", win, strconv.Itoa(i*winW), "0"); err != nil {
				return r, err
			}
			time.Sleep(500 * time.Millisecond)
			geo, err := x.do("getwindowgeometry", win)
			if err != nil {
				return r, err
			}
			if strings.Contains(geo, want) && strings.Contains(geo, fmt.Sprintf("Geometry: %dx%d", winW, winH)) {
				break
			}
			if try == 10 {
				return r, fmt.Errorf("a window stays at %s", strings.Join(strings.Fields(geo), " "))
			}
		}
	}
	time.Sleep(2 * time.Second)
	// Open the draft in both (the first row of each list), then put the
	// left one's caret at the end of a row of heading 1's text.
	for i := range 2 {
		if err := x.click(i*winW+150, homeRowY0); err != nil {
			return r, err
		}
	}
	time.Sleep(3 * time.Second)
	if _, err := x.do("mousemove", "700", "420", "click", "1", "sleep", "0.5", "key", "End"); err != nil {
		return r, err
	}
	// Until the right window shows the left one present and settles.
	right0 := []int{winW + pageRegion[0], pageRegion[1], winW + pageRegion[2], pageRegion[3]}
	if _, err := x.settleMapped(fm, right0, time.Second, 30*time.Second); err != nil {
		return r, err
	}
	var err2 error
	if r.keyTimes, err2 = x.timeKeys("", fm, right0, remoteKeys, 150*time.Millisecond, 5*time.Second); err2 != nil {
		return r, err2
	}
	// And the text itself reaches the right window's data file.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && !r.Text {
		out, err := runIn(b, "", "show", id, "--section", "1")
		r.Text = err == nil && strings.Contains(out, remoteKeys)
		time.Sleep(300 * time.Millisecond)
	}
	return r, nil
}

// settleMapped waits until a region has not changed for quiet.
func (x *screen) settleMapped(fm *frameMap, region []int, quiet, limit time.Duration) (time.Time, error) {
	start := time.Now()
	last, since := fm.sum(region), time.Now()
	for time.Since(start) < limit {
		if h := fm.sum(region); h != last {
			last, since = h, time.Now()
		}
		if time.Since(since) >= quiet {
			return since, nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Time{}, fmt.Errorf("the screen kept changing for %v", limit)
}

// loopbackAddr is a loopback multiaddr with a peer id, as a process
// prints or logs where it listens.
var loopbackAddr = regexp.MustCompile(`/ip4/127\.0\.0\.1/tcp/\d+/p2p/\w+`)

// syncBuffer is a process's output, written by the process's copier
// while the benchmark reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until a growing log matches re.
func waitFor(log *syncBuffer, re *regexp.Regexp, limit time.Duration) (string, error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if m := re.FindString(log.String()); m != "" {
			return m, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", fmt.Errorf("not in its log: %s", log.String())
}
