package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The chaos run (issue 13's suite): a relay and three peers as real
// bpfdraft and bpfrelay processes on loopback. Each peer appends uniquely
// tagged text and syncs now and then while the run kills peers' commands
// and the relay with SIGKILL at random moments, restores a peer's data dir
// from an earlier backup, and partitions the group (the relay down while
// one pair syncs directly and the third peer writes alone). At the end
// every peer must print the same draft, holding every acknowledged tag
// exactly once (an unacknowledged one at most once), and no process may
// have panicked.
//
// A tag is acknowledged when `bpfdraft write` exits 0: that is the
// promise the command makes to a person. A restore happens only after
// the peer's sync with the relay succeeded, so that what the backup
// forgets is held elsewhere, as it would be for a person who synced
// before their disk died.

type chaosConfig struct {
	Rounds int
	Seed   uint64
	Bin    string // directory holding the bpfdraft and bpfrelay binaries
	Dir    string
	Logf   func(format string, args ...any)
}

type chaosResult struct {
	Rounds      int     `json:"rounds"`
	Writes      int     `json:"writes"`
	Acked       int     `json:"acked"`
	Syncs       int     `json:"syncs"`
	PeerKills   int     `json:"peer_kills"`
	RelayKills  int     `json:"relay_kills"`
	Restores    int     `json:"restores"`
	Partitions  int     `json:"partitions"`
	Lost        int     `json:"lost"`
	Duplicated  int     `json:"duplicated"`
	Panics      int     `json:"panics"`
	Converged   bool    `json:"converged"`
	Seconds     float64 `json:"seconds"`
	FinalSyncs  int     `json:"final_syncs"`
	TextBytes   int     `json:"text_bytes"`
	FailedCalls int     `json:"failed_calls"`
}

func (r *chaosResult) print(w io.Writer) {
	fmt.Fprintf(w, "chaos: %d rounds in %.0f s, seed as given\n", r.Rounds, r.Seconds)
	fmt.Fprintf(w, "  writes %d (acknowledged %d), syncs %d, commands that failed %d\n", r.Writes, r.Acked, r.Syncs, r.FailedCalls)
	fmt.Fprintf(w, "  kill -9: peers %d, relay %d; backups restored %d; partitions %d\n", r.PeerKills, r.RelayKills, r.Restores, r.Partitions)
	fmt.Fprintf(w, "  end: converged %v after %d final syncs, text %d B; acknowledged tags lost %d, duplicated %d; panics %d\n",
		r.Converged, r.FinalSyncs, r.TextBytes, r.Lost, r.Duplicated, r.Panics)
}

// ok reports whether the run kept every promise.
func (r *chaosResult) ok() error {
	var errs []error
	if !r.Converged {
		errs = append(errs, errors.New("peers did not converge"))
	}
	if r.Lost > 0 || r.Duplicated > 0 {
		errs = append(errs, fmt.Errorf("%d acknowledged tags lost, %d duplicated", r.Lost, r.Duplicated))
	}
	if r.Panics > 0 {
		errs = append(errs, fmt.Errorf("%d processes panicked", r.Panics))
	}
	return errors.Join(errs...)
}

// buildBinaries compiles the named commands into dir, from the module
// this program belongs to.
func buildBinaries(ctx context.Context, dir string, names ...string) error {
	root, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("finding the module (the chaos run needs the go command): %w", err)
	}
	for _, name := range names {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, name), "./cmd/"+name)
		cmd.Dir = filepath.Dir(strings.TrimSpace(string(root)))
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("building %s: %v\n%s", name, err, out)
		}
	}
	return nil
}

type chaos struct {
	cfg chaosConfig
	rng *rand.Rand
	res chaosResult

	mu      sync.Mutex // guards res counters written by peer goroutines, acked, tags
	acked   map[string]bool
	tagged  map[string]bool // every tag ever attempted
	stderrs []*bytes.Buffer

	draft    string
	relayDir string
	port     int
	relay    *exec.Cmd
	relayErr *bytes.Buffer
	relayUp  bool
	peers    []*chaosPeer
}

type chaosPeer struct {
	name   string
	dir    string
	backup string // a copy of dir taken between rounds, or ""
	next   int    // the next tag number
	rng    *rand.Rand
}

func runChaos(ctx context.Context, cfg chaosConfig) (*chaosResult, error) {
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	c := &chaos{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 13)), acked: map[string]bool{}, tagged: map[string]bool{}}
	start := time.Now()
	defer c.stopRelay()
	if err := c.setUp(ctx); err != nil {
		return nil, err
	}
	for round := 1; round <= cfg.Rounds; round++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c.round(ctx, round)
		c.res.Rounds = round
	}
	if err := c.converge(ctx); err != nil {
		return nil, err
	}
	c.res.Seconds = time.Since(start).Seconds()
	return &c.res, nil
}

func (c *chaos) setUp(ctx context.Context) error {
	c.relayDir = filepath.Join(c.cfg.Dir, "relay")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	c.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	addr, err := c.startRelay(ctx)
	if err != nil {
		return err
	}
	groups := []string{"Civil society", "Government", "Technical community"}
	regions := []string{"African", "Asia-Pacific", "GRULAC"}
	for i := range 3 {
		p := &chaosPeer{name: fmt.Sprintf("p%d", i), dir: filepath.Join(c.cfg.Dir, fmt.Sprintf("p%d", i)),
			rng: rand.New(rand.NewPCG(c.cfg.Seed, uint64(i)))}
		c.peers = append(c.peers, p)
		if _, err := c.must(ctx, p, "profile", "--name", "Peer "+p.name, "--group", groups[i], "--region", regions[i]); err != nil {
			return err
		}
	}
	out, err := c.must(ctx, c.peers[0], "new", "--title", "Chaos")
	if err != nil {
		return err
	}
	c.draft = strings.TrimSpace(out)
	code, err := c.must(ctx, c.peers[0], "invite", c.draft, "--relay", addr)
	if err != nil {
		return err
	}
	// The relay holds the draft's text once its owner has synced.
	if _, err := c.must(ctx, c.peers[0], "sync", "--once", "--lan", "0"); err != nil {
		return err
	}
	for _, p := range c.peers[1:] {
		if _, err := c.must(ctx, p, "join", strings.TrimSpace(code), "--timeout", "60s"); err != nil {
			return err
		}
	}
	return nil
}

// bpfdraft runs one command for peer p; kill, when positive, is when to
// SIGKILL it. It reports the output, whether the command succeeded, and
// whether it was killed.
func (c *chaos) bpfdraft(ctx context.Context, p *chaosPeer, kill time.Duration, args ...string) (string, bool, bool) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.cfg.Bin, "bpfdraft"), append([]string{"--data", p.dir}, args...)...)
	cmd.Env = append(os.Environ(), "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
	var out bytes.Buffer
	stderr := c.capture()
	cmd.Stdout, cmd.Stderr = &out, stderr
	if err := cmd.Start(); err != nil {
		return err.Error(), false, false
	}
	var killed bool
	var timer *time.Timer
	var tmu sync.Mutex
	if kill > 0 {
		timer = time.AfterFunc(kill, func() {
			tmu.Lock()
			defer tmu.Unlock()
			if cmd.ProcessState == nil {
				killed = cmd.Process.Signal(syscall.SIGKILL) == nil
			}
		})
	}
	err := cmd.Wait()
	if timer != nil {
		timer.Stop()
	}
	tmu.Lock()
	defer tmu.Unlock()
	if err != nil {
		c.cfg.Logf("%s %s: %v %s", p.name, args[0], err, strings.TrimSpace(stderr.String()))
	}
	return out.String(), err == nil, killed
}

// capture returns a buffer for a process's standard error, kept to look
// for panics at the end.
func (c *chaos) capture() *bytes.Buffer {
	b := new(bytes.Buffer)
	c.mu.Lock()
	c.stderrs = append(c.stderrs, b)
	c.mu.Unlock()
	return b
}

func (c *chaos) must(ctx context.Context, p *chaosPeer, args ...string) (string, error) {
	out, ok, _ := c.bpfdraft(ctx, p, 0, args...)
	if !ok {
		return "", fmt.Errorf("%s: bpfdraft %s failed: %s", p.name, strings.Join(args, " "), out)
	}
	return out, nil
}

func (c *chaos) startRelay(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.cfg.Bin, "bpfrelay"), "--data", c.relayDir, "--open",
		"--listen", fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", c.port))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	c.relayErr = c.capture()
	cmd.Stderr = c.relayErr
	if err := cmd.Start(); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return "", fmt.Errorf("relay did not start: %v: %s", err, c.relayErr)
	}
	go io.Copy(io.Discard, stdout)
	c.relay, c.relayUp = cmd, true
	return strings.TrimSpace(line), nil
}

func (c *chaos) killRelay() {
	if !c.relayUp {
		return
	}
	c.relay.Process.Signal(syscall.SIGKILL)
	c.relay.Wait()
	c.relayUp = false
	c.res.RelayKills++
}

func (c *chaos) stopRelay() {
	if c.relayUp {
		c.relay.Process.Signal(syscall.SIGTERM)
		c.relay.Wait()
		c.relayUp = false
	}
}

func (c *chaos) ensureRelay(ctx context.Context) {
	for try := 0; !c.relayUp && try < 20; try++ {
		if _, err := c.startRelay(ctx); err != nil {
			c.cfg.Logf("relay restart: %v", err)
			time.Sleep(250 * time.Millisecond) // the port may still be held
		}
	}
}

// write appends a fresh tag; the run kills one write in ten at a random
// moment.
func (c *chaos) write(ctx context.Context, p *chaosPeer) {
	tag := fmt.Sprintf("<%s.%04d>", p.name, p.next)
	p.next++
	var kill time.Duration
	if p.rng.IntN(10) == 0 {
		kill = time.Duration(p.rng.IntN(400)) * time.Millisecond
	}
	c.mu.Lock()
	c.tagged[tag] = true
	c.mu.Unlock()
	_, ok, killed := c.bpfdraft(ctx, p, kill, "write", c.draft, "--section", "2", "--append", "--text", " "+tag)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.res.Writes++
	if killed {
		c.res.PeerKills++
	}
	if ok {
		c.acked[tag] = true
		c.res.Acked++
	} else if !killed {
		c.res.FailedCalls++
	}
}

// sync runs `sync --once`; one in eight is killed midway. It reports
// whether the relay confirmed the session.
func (c *chaos) sync(ctx context.Context, p *chaosPeer, extra ...string) bool {
	var kill time.Duration
	if p.rng.IntN(8) == 0 {
		kill = time.Duration(p.rng.IntN(1500)) * time.Millisecond
	}
	return c.syncKilledAt(ctx, p, kill, extra...)
}

// syncKilledAt runs `sync --once`, killed after kill when it is positive.
func (c *chaos) syncKilledAt(ctx context.Context, p *chaosPeer, kill time.Duration, extra ...string) bool {
	args := append([]string{"sync", "--once", "--lan", "0", "--timeout", "30s"}, extra...)
	out, ok, killed := c.bpfdraft(ctx, p, kill, args...)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.res.Syncs++
	if killed {
		c.res.PeerKills++
	} else if !ok {
		c.res.FailedCalls++
	}
	return ok && !killed && strings.Contains(out, "synced")
}

// eachPeer runs f for every peer at once, as people work at the same
// time, and returns a func that waits for them all.
func (c *chaos) eachPeer(f func(p *chaosPeer)) (wait func()) {
	var wg sync.WaitGroup
	for _, p := range c.peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(p)
		}()
	}
	return wg.Wait
}

// round: every peer writes and syncs in its own goroutine while the relay
// may be killed and brought back; between rounds, backups, restores and
// partitions.
func (c *chaos) round(ctx context.Context, n int) {
	c.ensureRelay(ctx)
	wait := c.eachPeer(func(p *chaosPeer) {
		for range 2 + p.rng.IntN(4) {
			if p.rng.IntN(4) == 0 {
				c.sync(ctx, p)
			} else {
				c.write(ctx, p)
			}
		}
		c.sync(ctx, p)
	})
	if c.rng.IntN(2) == 0 {
		time.Sleep(time.Duration(c.rng.IntN(3000)) * time.Millisecond)
		c.killRelay()
		time.Sleep(time.Duration(c.rng.IntN(2000)) * time.Millisecond)
		c.ensureRelay(ctx)
	}
	wait()

	switch c.rng.IntN(4) {
	case 0:
		c.backupOrRestore(ctx, c.peers[c.rng.IntN(len(c.peers))])
	case 1:
		c.partition(ctx)
	}
	c.cfg.Logf("round %d: writes %d acked %d kills %d/%d restores %d partitions %d", n, c.res.Writes, c.res.Acked,
		c.res.PeerKills, c.res.RelayKills, c.res.Restores, c.res.Partitions)
}

// backupOrRestore copies p's data dir aside, or, when a copy exists and
// p's sync with the relay succeeds first, puts the copy back in place of
// the data dir.
func (c *chaos) backupOrRestore(ctx context.Context, p *chaosPeer) {
	if p.backup == "" {
		p.backup = p.dir + ".backup"
		if err := copyDir(p.dir, p.backup); err != nil {
			c.cfg.Logf("backup of %s: %v", p.name, err)
			p.backup = ""
		}
		return
	}
	c.ensureRelay(ctx)
	// The sync before a restore is not killed: the person synced, then
	// their disk died.
	if !c.syncKilledAt(ctx, p, 0) {
		c.cfg.Logf("restore of %s skipped: its sync failed", p.name)
		return
	}
	if err := os.RemoveAll(p.dir); err != nil {
		c.cfg.Logf("restore of %s: %v", p.name, err)
		return
	}
	if err := copyDir(p.backup, p.dir); err != nil {
		c.cfg.Logf("restore of %s: %v", p.name, err)
		return
	}
	os.RemoveAll(p.backup)
	p.backup = ""
	c.res.Restores++
}

// partition takes the relay down; one pair syncs directly (one of them
// serving, the other dialling it) while all three write; then the relay
// comes back.
func (c *chaos) partition(ctx context.Context) {
	c.killRelay()
	c.res.Partitions++
	i := c.rng.IntN(3)
	j := (i + 1 + c.rng.IntN(2)) % 3
	server, client := c.peers[i], c.peers[j]
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	serve := exec.CommandContext(sctx, filepath.Join(c.cfg.Bin, "bpfdraft"), "--data", server.dir, "serve",
		"--listen", "/ip4/127.0.0.1/tcp/0")
	serve.Env = append(os.Environ(), "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
	stderr := c.capture()
	serve.Stderr = stderr
	stdout, err := serve.StdoutPipe()
	if err == nil {
		err = serve.Start()
	}
	if err != nil {
		c.cfg.Logf("partition: %v", err)
		return
	}
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		c.cfg.Logf("partition: serve printed no address: %v %s", err, stderr)
		serve.Process.Kill()
		serve.Wait()
		return
	}
	go io.Copy(io.Discard, stdout)
	c.eachPeer(func(p *chaosPeer) {
		for range 1 + p.rng.IntN(3) {
			c.write(ctx, p)
		}
		if p == client {
			c.sync(ctx, p, "--peer", strings.TrimSpace(addr))
		}
	})()
	// The serving peer stops as a person's laptop does: sometimes closed
	// properly, sometimes its battery dies.
	if c.rng.IntN(2) == 0 {
		serve.Process.Signal(syscall.SIGKILL)
		c.res.PeerKills++
	} else {
		serve.Process.Signal(syscall.SIGTERM)
	}
	serve.Wait()
}

var tagPattern = regexp.MustCompile(`<p\d\.\d{4}>`)

// converge brings the relay back and syncs every peer in turn until all
// print the same draft (at most ten passes), then counts the tags.
func (c *chaos) converge(ctx context.Context) error {
	c.ensureRelay(ctx)
	if !c.relayUp {
		return errors.New("the relay does not restart")
	}
	var texts []string
	for pass := 1; pass <= 10; pass++ {
		for _, p := range c.peers {
			out, _, _ := c.bpfdraft(ctx, p, 0, "sync", "--once", "--lan", "0", "--timeout", "60s")
			c.res.FinalSyncs++
			_ = out
		}
		texts = texts[:0]
		for _, p := range c.peers {
			out, err := c.must(ctx, p, "show", c.draft)
			if err != nil {
				return err
			}
			texts = append(texts, out)
		}
		if texts[0] == texts[1] && texts[1] == texts[2] {
			c.res.Converged = true
			break
		}
	}
	c.res.TextBytes = len(texts[0])
	count := map[string]int{}
	for _, tag := range tagPattern.FindAllString(texts[0], -1) {
		count[tag]++
	}
	for tag := range c.acked {
		switch n := count[tag]; {
		case n == 0:
			c.res.Lost++
			c.cfg.Logf("lost: %s", tag)
		case n > 1:
			c.res.Duplicated++
			c.cfg.Logf("duplicated: %s ×%d", tag, n)
		}
	}
	for tag, n := range count {
		if !c.tagged[tag] || n > 1 && !c.acked[tag] {
			c.res.Duplicated++
			c.cfg.Logf("unexpected: %s ×%d", tag, n)
		}
	}
	c.stopRelay()
	for _, e := range c.stderrs {
		if s := e.String(); strings.Contains(s, "panic:") || strings.Contains(s, "fatal error:") {
			c.res.Panics++
			c.cfg.Logf("panic: %s", s)
		}
	}
	return nil
}

// copyDir copies a data dir's regular files (no subdirectories are kept
// in one).
func copyDir(from, to string) error {
	if err := os.MkdirAll(to, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func benchChaos(ctx context.Context, dir string, rounds int, seed uint64, verbose bool) (*chaosResult, error) {
	bin := filepath.Join(dir, "bin")
	if err := buildBinaries(ctx, bin, "bpfdraft", "bpfrelay"); err != nil {
		return nil, err
	}
	cfg := chaosConfig{Rounds: rounds, Seed: seed, Bin: bin, Dir: dir}
	if verbose {
		cfg.Logf = func(format string, args ...any) {
			fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
		}
	}
	return runChaos(ctx, cfg)
}
