// Command bpfrelay runs a BPF Draft relay on a public host: a libp2p
// circuit relay for participants behind NAT, and a store of sealed blobs,
// so that two participants who are never online at the same time still
// merge. It stores only drafts registered with it (`bpfdraft invite DRAFT
// --relay ADDR`), and cannot read them.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/igf-bpf/bpfdraft/sync/relay"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bpfrelay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var listen listFlag
	fs.Var(&listen, "listen", "multiaddr to listen on; repeat for several (default: TCP and QUIC on port 4001)")
	data := fs.String("data", "", "data directory for the relay's store and identity (required)")
	allow := fs.String("allow-peers", "", "file of peer ids (one per line) allowed to register drafts")
	open := fs.Bool("open", false, "let any peer register drafts (within the quotas); without it, only --allow-peers may")
	maxBytes := fs.Int64("max-draft-bytes", 64<<20, "stop storing a draft's changes beyond this many bytes")
	maxRegistrant := fs.Int64("max-registrant-bytes", 256<<20, "bytes all the drafts of one creator may take")
	maxTotal := fs.Int64("max-total-bytes", 8<<30, "bytes the relay stores in all")
	maxDrafts := fs.Int("max-drafts-per-peer", 100, "drafts one creator may have registered")
	perHour := fs.Int("max-registrations-per-hour", 100, "new drafts one co-facilitator may register an hour (counted by the signing co-facilitator's key, never by address)")
	maxSessions := fs.Int("max-sessions-per-peer", 8, "concurrent sync sessions per peer")
	perMinute := fs.Int("max-sessions-per-minute", 60, "new sync sessions per peer per minute")
	inbound := fs.Int64("max-inbound-bytes", 0, "bytes of long messages being received at once, all sessions together (0: the largest message a draft's quota allows, 80 MiB by default)")
	memory := fs.Int("memory-limit", relay.DefaultMemoryLimit>>20, "MiB the Go heap aims to stay within (a soft limit: the garbage collector works harder near it); 0 for none")
	debugAddr := fs.String("debug-listen", "", "serve Go's profiles (net/http/pprof) on this address, e.g. 127.0.0.1:6060; never on a public one")
	verbose := fs.Bool("verbose", false, "log more")
	// Help asked for goes to standard output, as bpfdraft's does; help
	// after a mistake goes to standard error.
	helpOut := stderr
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" || a == "--h" {
			helpOut = stdout
		}
	}
	fs.SetOutput(helpOut)
	fs.Usage = func() {
		fmt.Fprintln(helpOut, "usage: bpfrelay --data DIR (--allow-peers FILE | --open) [--listen MULTIADDR]... [quotas]")
		fmt.Fprintln(helpOut, "")
		fmt.Fprintln(helpOut, "A relay stores each draft registered with it as blobs its participants seal")
		fmt.Fprintln(helpOut, "(XChaCha20-Poly1305) under a key derived from the draft's secret, which the")
		fmt.Fprintln(helpOut, "relay never receives. What its operator can see: the ids of the drafts it")
		fmt.Fprintln(helpOut, "holds, how many blobs and bytes each has and when they came, and the peer")
		fmt.Fprintln(helpOut, "ids and addresses of those who connect. What the operator cannot see or do:")
		fmt.Fprintln(helpOut, "read a draft's title, text, comments or people, nor its secret; prove access")
		fmt.Fprintln(helpOut, "to a draft; or change, drop, reorder or replay a blob without the")
		fmt.Fprintln(helpOut, "participants refusing it. It can still withhold blobs, or lose them (each")
		fmt.Fprintln(helpOut, "participant keeps a whole copy and sends it again).")
		fmt.Fprintln(helpOut, "")
		fmt.Fprintln(helpOut, "A draft is registered, and its key changed, only by its co-facilitators: each")
		fmt.Fprintln(helpOut, "registration is a chain of statements they sign, back to the draft's creator,")
		fmt.Fprintln(helpOut, "which the relay verifies and which must list this relay. --allow-peers or")
		fmt.Fprintln(helpOut, "--open says whose new drafts it takes; quotas bound what each draft, each")
		fmt.Fprintln(helpOut, "creator and the relay store, and new drafts per co-facilitator per hour.")
		fmt.Fprintln(helpOut, "")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *data == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	if *allow == "" && !*open {
		fmt.Fprintln(stderr, "bpfrelay: say who may register drafts: --allow-peers FILE (one peer id per line: the co-facilitators who will invite, whose ids a refused `bpfdraft invite` prints and which end the addresses `bpfdraft serve` prints), or --open for anyone, within the quotas")
		return 2
	}
	if len(listen) == 0 {
		listen = listFlag{"/ip4/0.0.0.0/tcp/4001", "/ip4/0.0.0.0/udp/4001/quic-v1"}
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	var allowed map[string]bool
	if *allow != "" {
		var err error
		if allowed, err = readAllowList(*allow); err != nil {
			fmt.Fprintf(stderr, "bpfrelay: %v\n", err)
			return 1
		}
	}
	// GOMEMLIMIT, when set, wins: it is how Go programs are usually tuned.
	if *memory > 0 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(*memory) << 20)
	}
	if *debugAddr != "" {
		// The profiles say where a relay's memory and time go under load.
		go func() {
			if err := http.ListenAndServe(*debugAddr, nil); err != nil {
				log.Warn("Profiles not served", "err", err)
			}
		}()
	}
	store, err := relay.OpenStore(*data, log)
	if err != nil {
		fmt.Fprintf(stderr, "bpfrelay: %v\n", err)
		return 1
	}
	defer store.Close()
	if _, err := os.Stat(filepath.Join(*data, "bpfdraft.db")); err == nil {
		// A relay before sealed blobs kept drafts readable, with their
		// secrets. They are no longer served: peers upload theirs again,
		// sealed. The file stays until its operator removes it.
		log.Warn("This data dir holds drafts from a relay version that could read them (bpfdraft.db); they are no longer used: remove bpfdraft.db, bpfdraft.db-wal, bpfdraft.db-shm and bpfdraft.db-acked from it")
	}
	r, err := relay.Start(relay.Config{
		KeyFile: filepath.Join(*data, "identity.key"), Listen: listen, Store: store, AllowPeers: allowed, Open: *open,
		MaxDraftBytes: *maxBytes, MaxRegistrantBytes: *maxRegistrant, MaxTotalBytes: *maxTotal, MaxDraftsPerPeer: *maxDrafts, MaxSessionsPerPeer: *maxSessions,
		MaxSessionsPerMinute: *perMinute, MaxInboundBytes: *inbound, MaxRegistrationsPerHour: *perHour, Logger: log,
	})
	if err != nil {
		fmt.Fprintf(stderr, "bpfrelay: %v\n", err)
		return 1
	}
	for _, a := range r.Addrs() {
		fmt.Fprintln(stdout, a)
	}
	<-ctx.Done()
	log.Info("Relay stopping")
	if err := r.Close(); err != nil {
		log.Warn("Relay did not stop cleanly", "err", err)
	}
	return 0
}

// readAllowList reads peer ids, one per line; blank lines and # comments are skipped.
func readAllowList(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("allow-list: %w", err)
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line != "" {
			out[line] = true
		}
	}
	return out, sc.Err()
}
