package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/online"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

var inviteCmd = &command{
	name:    "invite",
	usage:   "invite DRAFT [--relay MULTIADDR]... [--rotate]",
	summary: "print a code that lets someone join a draft",
	details: `The code holds the draft id, the draft's secret and the relays to reach it
through. Anyone with the code can read and edit the draft: send it privately.
--rotate issues a new secret: holders of an older code can no longer sync new
changes (what they already received stays with them); send the new code to
everyone who should keep access.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		var relays listFlag
		fs.Var(&relays, "relay", "a relay's multiaddr (ending in /p2p/ID); repeat for several")
		rotate := fs.Bool("rotate", false, "issue a new secret, revoking older codes")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 1, 1, "DRAFT"); err != nil {
				return err
			}
			for _, r := range relays {
				if err := online.CheckAddr(r); err != nil {
					return usagef("--relay %q: %v (it must end in /p2p/PEER-ID, as bpfrelay prints it)", r, err)
				}
			}
			ws, err := e.workspace(ctx)
			if err != nil {
				return err
			}
			defer ws.Close()
			id, err := ws.Resolve(ctx, args[0])
			if err != nil {
				return err
			}
			inv, err := e.invite(ctx, ws, id, relays, *rotate)
			var behind *online.RelaysBehind
			if errors.As(err, &behind) {
				// The code is the draft's now: print it, and say which
				// relays have yet to learn of it.
				fmt.Fprintln(e.stdout, inv.Code())
				return err
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, inv.Code())
			return nil
		}
	},
}

// invite issues a draft's invite, or a new secret with rotate; relays
// are told of a new secret, or a rotation, over the network.
func (e *env) invite(ctx context.Context, ws *app.Workspace, id string, relays []string, rotate bool) (app.Invite, error) {
	network := len(relays) > 0
	if rotate && !network {
		current, err := ws.Relays(ctx, id)
		if err != nil {
			return app.Invite{}, err
		}
		network = len(current) > 0
	}
	if !network {
		return online.Invite(ctx, ws, nil, id, nil, rotate)
	}
	on, err := e.online(ws, online.Config{})
	if err != nil {
		return app.Invite{}, err
	}
	defer on.Close()
	return on.Invite(ctx, id, relays, rotate)
}

var joinCmd = &command{
	name:    "join",
	usage:   "join CODE [--replace] [--add-relay] [--peer MULTIADDR]... [--timeout D]",
	summary: "join a draft from an invite code and fetch it",
	details: `A code for a draft you already have, with another secret than the one it
syncs with here, is refused: it would send the draft to other relays. When
the draft's owner gave you a new code, confirm with --replace. A code that was
replaced by a newer one is always refused.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		var peers listFlag
		fs.Var(&peers, "peer", "also sync with this peer (multiaddr ending in /p2p/ID)")
		timeout := fs.Duration("timeout", 2*time.Minute, "give up fetching after this long")
		replace := fs.Bool("replace", false, "let a draft already here switch to this code")
		addRelay := fs.Bool("add-relay", false, "for a draft already here, take a relay this code names that its co-facilitators do not list (to receive through; nothing is sent to it until they list it)")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 1, 1, "CODE"); err != nil {
				return err
			}
			ws, err := e.workspace(ctx)
			if err != nil {
				return err
			}
			defer ws.Close()
			on, err := e.online(ws, online.Config{Peers: peers})
			if err != nil {
				return err
			}
			defer on.Close()
			inv, err := on.Join(ctx, args[0], *replace, *addRelay)
			if err != nil {
				return err
			}
			if len(inv.Relays) == 0 && len(peers) == 0 {
				fmt.Fprintf(e.stdout, "joined %s\n", inv.DraftID)
				fmt.Fprintln(e.stdout, "the invite names no relay: run `bpfdraft sync --peer MULTIADDR` with a co-author's address, or `bpfdraft serve` on the same network")
				return nil
			}
			ctx, cancel := context.WithTimeout(ctx, *timeout)
			defer cancel()
			results, err := on.SyncOnce(ctx, nil, 0)
			e.printResults(results)
			if err != nil {
				// Said before the sync, "joined" read as done when the relay
				// then refused a revoked code.
				return fmt.Errorf("the code is kept here, but draft %s did not arrive: %w", inv.DraftID, err)
			}
			fmt.Fprintf(e.stdout, "joined %s\n", inv.DraftID)
			return nil
		}
	},
}

var syncCmd = &command{
	name:    "sync",
	usage:   "sync [DRAFT] [--once [--json]] [--timeout D] [--peer MULTIADDR]...",
	summary: "sync drafts with every reachable peer and relay, and print what moved",
	details: `Peers are the --peer addresses, the relays named in the drafts' invites,
and co-authors found on the local network. With --once, sync stops when every
peer agrees or the timeout passes; without it, sessions stay open until the
timeout (or Ctrl-C), reconnecting as links come and go.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		var peers listFlag
		fs.Var(&peers, "peer", "a peer's multiaddr (ending in /p2p/ID); repeat for several")
		once := fs.Bool("once", false, "stop as soon as every reachable peer agrees")
		timeout := fs.Duration("timeout", time.Minute, "stop after this long")
		lan := fs.Duration("lan", 2*time.Second, "how long to look for peers on the local network (0: don't)")
		asJSON := fs.Bool("json", false, "with --once: print each peer's result as JSON")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 0, 1, ""); err != nil {
				return err
			}
			for _, p := range peers {
				if err := online.CheckAddr(p); err != nil {
					return usagef("--peer %q: %v (it must end in /p2p/PEER-ID)", p, err)
				}
			}
			ctx, cancel := context.WithTimeout(ctx, *timeout)
			defer cancel()
			ws, err := e.workspace(ctx)
			if err != nil {
				return err
			}
			defer ws.Close()
			cfg := online.Config{Peers: peers, MDNS: *lan > 0}
			if len(args) == 1 {
				if cfg.Draft, err = ws.Resolve(ctx, args[0]); err != nil {
					return err
				}
			}
			on, err := e.online(ws, cfg)
			if err != nil {
				return err
			}
			defer on.Close()
			if *asJSON && !*once {
				return usagef("--json goes with --once")
			}
			if *once {
				results, err := on.SyncOnce(ctx, nil, *lan)
				link := on.Link()
				if *asJSON {
					out := []jsonSyncResult{}
					for _, r := range results {
						j := syncJSON(r)
						j.TodayLinkUp, j.TodayLinkDown = link.Today.Sent, link.Today.Received
						out = append(out, j)
					}
					if werr := writeJSON(e.stdout, out); werr != nil {
						return werr
					}
				} else {
					e.printResults(results)
					e.printLink(results, link)
				}
				if errors.Is(err, context.DeadlineExceeded) || err == nil && ctx.Err() != nil {
					return fmt.Errorf("stopped after %v, as --timeout asked: the peers above that did not finish are not synced yet; your edits are safe here", *timeout)
				}
				return err
			}
			on.Serve(ctx, e.report)
			return nil
		}
	},
}

var serveCmd = &command{
	name:    "serve",
	usage:   "serve [--listen MULTIADDR]...",
	summary: "keep a headless peer running that syncs every draft here (for an always-on machine)",
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		var listen listFlag
		fs.Var(&listen, "listen", "multiaddr to listen on (default: TCP and QUIC, all interfaces, random ports)")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 0, 0, ""); err != nil {
				return err
			}
			ws, err := e.workspace(ctx)
			if err != nil {
				return err
			}
			defer ws.Close()
			on, err := e.online(ws, online.Config{Listen: listen, MDNS: true})
			if err != nil {
				return err
			}
			defer on.Close()
			for _, a := range on.Addrs() {
				fmt.Fprintln(e.stdout, a)
			}
			on.Serve(ctx, e.report)
			return nil
		}
	},
}

// online starts the network service on the workspace, without dialing.
func (e *env) online(ws *app.Workspace, cfg online.Config) (*online.Online, error) {
	dir, err := e.dir()
	if err != nil {
		return nil, err
	}
	cfg.Logger = e.logger()
	return online.Open(ws, dir, cfg)
}

// printLink says what a one-shot sync cost on the link, and today's
// syncing: what a person on a metered connection pays for.
func (e *env) printLink(results []online.Result, link online.LinkStatus) {
	var this online.LinkBytes
	for _, r := range results {
		this = this.Add(r.Link)
	}
	fmt.Fprintf(e.stdout, "on the link: %s sent, %s received by this sync; %s sent, %s received today\n",
		byteCount(this.Sent), byteCount(this.Received), byteCount(link.Today.Sent), byteCount(link.Today.Received))
}

// byteCount writes n bytes as people read them: 980 B, 2.6 KB, 1.4 MB.
func byteCount(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f KB", float64(n)/1000)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/1000/1000)
	}
}

// printResults prints a one-shot sync's results as a table.
func (e *env) printResults(results []online.Result) {
	if len(results) == 0 {
		return
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PEER\tDRAFTS\tUP\tDOWN\tCHANGES IN\tCHANGES OUT\tRESULT")
	for _, r := range results {
		res := "synced"
		switch {
		case r.Err != nil:
			res = endText(r.Err)
		case len(r.Stats.Failed) > 0 && len(r.Stats.Drafts) <= len(r.Stats.Failed):
			res = "not synced" + failures(r.Stats.Failed)
		case len(r.Stats.Failed) > 0:
			res = "partly synced" + failures(r.Stats.Failed)
		case len(r.Stats.Drafts) == 0:
			res = "shares no draft with you"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d B\t%d B\t%d\t%d\t%s\n", shortID(r.Peer), len(r.Stats.Drafts), r.Stats.BytesOut, r.Stats.BytesIn,
			r.Stats.ChangesIn, r.Stats.ChangesOut, res)
	}
	tw.Flush()
}

func (e *env) report(r online.Result) {
	status := "ok" + failures(r.Stats.Failed)
	if r.Err != nil {
		if quietEnd(r.Err) && !e.verbose {
			return
		}
		status = endText(r.Err)
	}
	fmt.Fprintf(e.stdout, "%s  %s  drafts %d  up %d B  down %d B  changes in %d out %d  %s\n", time.Now().Format("15:04:05"),
		shortID(r.Peer), len(r.Stats.Drafts), r.Stats.BytesOut, r.Stats.BytesIn, r.Stats.ChangesIn, r.Stats.ChangesOut, status)
}

// failures says which drafts a session stopped syncing, and why.
func failures(failed map[string]string) string {
	ids := slices.Sorted(maps.Keys(failed))
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "; not draft %s: %s", id, failed[id])
	}
	return b.String()
}

func shortID(id string) string {
	if len(id) > 12 {
		return "…" + id[len(id)-10:]
	}
	return id
}

// quietEnd reports a live session's end that is not news: this side
// stopping (Ctrl-C, or the --timeout the person set), or this machine's
// own gater turning away a peer on the local network that shares no
// draft (serve said so every ten seconds).
func quietEnd(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "gater disallows")
}

// endText says how a session ended, in words: a timeout is the limit the
// person set, not a failure of the program.
func endText(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "not finished within --timeout"
	}
	// One line per table row: libp2p lists each address it tried on a
	// line of its own.
	var parts []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "*")); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}
