package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/igf-bpf/bpfdraft/app"
	docsync "github.com/igf-bpf/bpfdraft/sync"
	"github.com/igf-bpf/bpfdraft/sync/p2p"
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
				if _, err := p2p.ParseAddr(r); err != nil {
					return usagef("--relay %q: %v (it must end in /p2p/PEER-ID, as bpfrelay prints it)", r, err)
				}
			}
			var ws *app.Workspace
			var node *p2p.Node
			var err error
			if len(relays) > 0 {
				ws, node, err = e.startNode(ctx, nil, false)
				if err == nil {
					defer node.Close()
				}
			} else {
				ws, err = e.workspace(ctx)
			}
			if err != nil {
				return err
			}
			defer ws.Close()
			id, err := ws.Resolve(ctx, args[0])
			if err != nil {
				return err
			}
			current, err := ws.DraftSecret(ctx, id)
			if err != nil {
				return err
			}
			var newSecret []byte
			if *rotate || current == nil {
				newSecret = docsync.NewSecret()
			}
			// Relays learn the secret first: if one refuses, nothing changes here.
			if len(relays) > 0 {
				reg := p2p.Registration{DraftID: id, Secret: current}
				if newSecret != nil {
					reg.Secret = newSecret
					if current != nil {
						reg.Proof = docsync.RotationProof(current, id, newSecret)
					}
				}
				rctx, cancel := context.WithTimeout(ctx, time.Minute)
				defer cancel()
				for _, r := range relays {
					if err := node.Register(rctx, r, reg); err != nil {
						return fmt.Errorf("registering with relay %s: %w (nothing was changed)", r, err)
					}
				}
			}
			var rs []string
			if len(relays) > 0 {
				rs = relays
			}
			inv, err := ws.Invite(ctx, id, rs, newSecret)
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, inv.Code())
			return nil
		}
	},
}

var joinCmd = &command{
	name:    "join",
	usage:   "join CODE [--peer MULTIADDR]... [--timeout D]",
	summary: "join a draft from an invite code and fetch it",
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		var peers listFlag
		fs.Var(&peers, "peer", "also sync with this peer (multiaddr ending in /p2p/ID)")
		timeout := fs.Duration("timeout", 2*time.Minute, "give up fetching after this long")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 1, 1, "CODE"); err != nil {
				return err
			}
			ws, node, err := e.startNode(ctx, nil, false)
			if err != nil {
				return err
			}
			defer ws.Close()
			defer node.Close()
			inv, err := ws.Join(ctx, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "joined %s\n", inv.DraftID)
			targets := append(append([]string{}, inv.Relays...), peers...)
			if len(targets) == 0 {
				fmt.Fprintln(e.stdout, "the invite names no relay: run `bpfdraft sync --peer MULTIADDR` with a co-author's address, or `bpfdraft serve` on the same network")
				return nil
			}
			ctx, cancel := context.WithTimeout(ctx, *timeout)
			defer cancel()
			return e.syncAll(ctx, node, targets)
		}
	},
}

var syncCmd = &command{
	name:    "sync",
	usage:   "sync [DRAFT] [--once] [--timeout D] [--peer MULTIADDR]...",
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
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 0, 1, ""); err != nil {
				return err
			}
			for _, p := range peers {
				if _, err := p2p.ParseAddr(p); err != nil {
					return usagef("--peer %q: %v (it must end in /p2p/PEER-ID)", p, err)
				}
			}
			ctx, cancel := context.WithTimeout(ctx, *timeout)
			defer cancel()
			ws, node, err := e.startNode(ctx, args, *lan > 0)
			if err != nil {
				return err
			}
			defer ws.Close()
			defer node.Close()
			relays, err := relayTargets(ctx, ws)
			if err != nil {
				return err
			}
			targets := append(append([]string{}, peers...), relays...)
			if *lan > 0 {
				targets = append(targets, e.lanPeers(ctx, node, *lan)...)
			}
			if len(targets) == 0 {
				return errors.New("no peer to sync with: give --peer MULTIADDR, invite with --relay, or run `bpfdraft serve` on a co-author's machine on this network")
			}
			if *once {
				return e.syncAll(ctx, node, targets)
			}
			return e.keepAll(ctx, node, targets)
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
			e.listen = listen
			ws, node, err := e.startNode(ctx, nil, true)
			if err != nil {
				return err
			}
			defer ws.Close()
			defer node.Close()
			for _, a := range node.Addrs() {
				fmt.Fprintln(e.stdout, a)
			}
			relays, err := relayTargets(ctx, ws)
			if err != nil {
				return err
			}
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { defer wg.Done(); e.keepAll(ctx, node, relays) }()
			for {
				select {
				case <-ctx.Done():
					wg.Wait()
					return nil
				case ai := <-node.Found():
					wg.Add(1)
					go func() { defer wg.Done(); e.report(node.SyncPeer(ctx, ai, true)) }()
				}
			}
		}
	},
}

// startNode opens the workspace and starts a libp2p node on it. With
// drafts given, only those drafts are synced.
func (e *env) startNode(ctx context.Context, drafts []string, mdns bool) (*app.Workspace, *p2p.Node, error) {
	dir, err := e.dir()
	if err != nil {
		return nil, nil, err
	}
	ws, err := app.Open(ctx, dir, app.Options{Logger: e.logger()})
	if err != nil {
		return nil, nil, err
	}
	lib := ws.SyncLibrary()
	if len(drafts) > 0 {
		id, err := ws.Resolve(ctx, drafts[0])
		if err != nil {
			ws.Close()
			return nil, nil, err
		}
		lib = app.OnlyDraft(lib, id)
	}
	key, err := p2p.LoadKey(filepath.Join(dir, "identity.key"))
	if err != nil {
		ws.Close()
		return nil, nil, err
	}
	node, err := p2p.New(p2p.Config{Key: key, Listen: e.listen, MDNS: mdns, Library: lib, Logger: e.logger()})
	if err != nil {
		ws.Close()
		return nil, nil, err
	}
	return ws, node, nil
}

// lanPeers collects peers that announce themselves on the LAN for a while.
func (e *env) lanPeers(ctx context.Context, node *p2p.Node, d time.Duration) []string {
	var out []string
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case ai := <-node.Found():
			for _, a := range ai.Addrs {
				out = append(out, a.String()+"/p2p/"+ai.ID.String())
			}
		case <-t.C:
			return out
		case <-ctx.Done():
			return out
		}
	}
}

// syncAll syncs once with every target in parallel and prints a table.
func (e *env) syncAll(ctx context.Context, node *p2p.Node, targets []string) error {
	byPeer := map[string]string{} // one address per peer
	var order []string
	for _, t := range targets {
		ai, err := p2p.ParseAddr(t)
		if err != nil {
			continue
		}
		if _, ok := byPeer[ai.ID.String()]; !ok {
			order = append(order, ai.ID.String())
		}
		byPeer[ai.ID.String()] = t
	}
	results := make([]p2p.Result, len(order))
	var wg sync.WaitGroup
	for i, id := range order {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = node.Sync(ctx, byPeer[id], true) }()
	}
	wg.Wait()
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PEER\tDRAFTS\tUP\tDOWN\tCHANGES IN\tCHANGES OUT\tRESULT")
	ok, shared := 0, 0
	for _, r := range results {
		res := "synced"
		switch {
		case r.Err != nil:
			res = r.Err.Error()
		case len(r.Stats.Drafts) == 0:
			res = "shares no draft with you"
			ok++
		default:
			ok++
			shared++
		}
		fmt.Fprintf(tw, "%s\t%d\t%d B\t%d B\t%d\t%d\t%s\n", shortID(r.Peer), len(r.Stats.Drafts), r.Stats.BytesOut, r.Stats.BytesIn,
			r.Stats.ChangesIn, r.Stats.ChangesOut, res)
	}
	tw.Flush()
	if ok == 0 {
		return errors.New("no peer could be reached; your edits are safe here and will go out at the next sync")
	}
	if shared == 0 {
		return errors.New("no peer shares a draft with you: if you joined by invite, the code may be outdated (its owner can issue a new one with `bpfdraft invite DRAFT`)")
	}
	return nil
}

// relayTargets lists the relays named by the invites of every draft here.
func relayTargets(ctx context.Context, ws *app.Workspace) ([]string, error) {
	access, err := ws.Access(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range access {
		out = append(out, a.Relays...)
	}
	return dedupe(out), nil
}

// keepAll holds live sessions with every target until ctx ends.
func (e *env) keepAll(ctx context.Context, node *p2p.Node, targets []string) error {
	var wg sync.WaitGroup
	for _, t := range dedupe(targets) {
		ai, err := p2p.ParseAddr(t)
		if err != nil {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); node.Keep(ctx, ai, e.report) }()
	}
	wg.Wait()
	return nil
}

func (e *env) report(r p2p.Result) {
	status := "ok"
	if r.Err != nil {
		status = r.Err.Error()
	}
	fmt.Fprintf(e.stdout, "%s  %s  drafts %d  up %d B  down %d B  changes in %d out %d  %s\n", time.Now().Format("15:04:05"),
		shortID(r.Peer), len(r.Stats.Drafts), r.Stats.BytesOut, r.Stats.BytesIn, r.Stats.ChangesIn, r.Stats.ChangesOut, status)
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func shortID(id string) string {
	if len(id) > 12 {
		return "…" + id[len(id)-10:]
	}
	return id
}
