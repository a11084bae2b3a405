package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// frameMap is Xvfb's frame buffer mapped into memory: Xvfb keeps the
// screen in that file (-fbdir) and writes every frame to it, so a shared
// mapping sees a frame the moment it is drawn, and reading a region
// costs a hash of its pixels instead of a read of the whole 5 MB file.
// Polled without sleeping, it times a key to the screen to within a
// fraction of a millisecond.
type frameMap struct {
	data                        []byte
	pix                         []byte
	width, height, perLine, bpp int
	seed                        maphash.Seed
}

func mapFrame(path string) (*frameMap, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening Xvfb's frame buffer: %v", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mapping Xvfb's frame buffer: %v", err)
	}
	if len(data) < 100 {
		syscall.Munmap(data)
		return nil, errors.New("the frame buffer holds no picture")
	}
	field := func(i int) int { return int(binary.BigEndian.Uint32(data[4*i:])) }
	m := &frameMap{data: data, width: field(4), height: field(5), bpp: field(11), perLine: field(12), seed: maphash.MakeSeed()}
	m.pix = data[field(0)+12*field(19):]
	if len(m.pix) < m.perLine*m.height {
		syscall.Munmap(data)
		return nil, errors.New("the frame buffer is cut short")
	}
	return m, nil
}

func (m *frameMap) close() { syscall.Munmap(m.data) }

// sum hashes the pixels of a region (x0, y0, x1, y1; nil: the screen).
func (m *frameMap) sum(region []int) uint64 {
	x0, y0, x1, y1 := 0, 0, m.width, m.height
	if region != nil {
		x0, y0, x1, y1 = region[0], region[1], min(region[2], m.width), min(region[3], m.height)
	}
	var h maphash.Hash
	h.SetSeed(m.seed)
	for y := y0; y < y1; y++ {
		h.Write(m.pix[y*m.perLine+x0*m.bpp/8 : y*m.perLine+x1*m.bpp/8])
	}
	return h.Sum64()
}

// waitChange spins until the region differs from before, and returns
// when it first did; it gives up after limit.
func (m *frameMap) waitChange(region []int, before uint64, limit time.Duration) (time.Time, bool) {
	start := time.Now()
	for time.Since(start) < limit {
		if m.sum(region) != before {
			return time.Now(), true
		}
		time.Sleep(100 * time.Microsecond)
	}
	return time.Time{}, false
}

// keyTimes is keys typed one at a time, each timed from xdotool's
// return (the key is in the X server by then) to the first change of a
// region of the screen.
type keyTimes struct {
	Case string    `json:"case"`
	Keys int       `json:"keys"`
	P50  float64   `json:"p50_ms"`
	P90  float64   `json:"p90_ms"`
	P99  float64   `json:"p99_ms"`
	Max  float64   `json:"max_ms"`
	Load [2]string `json:"load"` // the 1-minute load average before and after
}

// timeKeys types keys gap apart into whatever has the keyboard and times
// each to region; a key that shows nothing within limit is an error.
func (x *screen) timeKeys(name string, m *frameMap, region []int, keys string, gap, limit time.Duration) (keyTimes, error) {
	r := keyTimes{Case: name, Keys: len([]rune(keys)), Load: [2]string{loadAvg(), ""}}
	var all []float64
	for _, k := range keys {
		sym := keysym(k)
		before := m.sum(region)
		cmd := exec.CommandContext(x.ctx, "xdotool", "key", "--delay", "0", sym)
		cmd.Env = x.env
		if out, err := cmd.CombinedOutput(); err != nil {
			return r, fmt.Errorf("xdotool key %s: %v: %s", sym, err, out)
		}
		sent := time.Now()
		at, ok := m.waitChange(region, before, limit)
		if !ok {
			shot := exec.CommandContext(x.ctx, "import", "-window", "root", x.frame+"-missed.png")
			shot.Env = x.env
			shot.Run()
			return r, fmt.Errorf("%s: key %d (%q) never showed (the screen: %s-missed.png)", name, len(all)+1, k, x.frame)
		}
		all = append(all, max(ms(at.Sub(sent)), 0))
		time.Sleep(gap)
	}
	slices.Sort(all)
	at := func(q float64) float64 { return all[min(int(q*float64(len(all))), len(all)-1)] }
	r.P50, r.P90, r.P99, r.Max = at(0.5), at(0.9), at(0.99), all[len(all)-1]
	r.Load[1] = loadAvg()
	return r, nil
}

// runner runs bpfdraft's commands at the lowest priority (the window
// being timed needs the CPU) in an environment, returning what they print.
func runner(ctx context.Context, bin string, env []string) func(stdin string, args ...string) (string, error) {
	return func(stdin string, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "nice", append([]string{"-n", "19", bin}, args...)...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("bpfdraft %s: %v: %s", strings.Join(args, " "), err, errb.String())
		}
		return out.String(), nil
	}
}

// loadAvg is the machine's 1-minute load average, to read each figure by.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// keysym names a character's key for xdotool key.
func keysym(r rune) string {
	switch r {
	case ' ':
		return "space"
	case ',':
		return "comma"
	case '-':
		return "minus"
	case '.':
		return "period"
	}
	return string(r)
}
