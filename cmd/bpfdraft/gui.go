package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/exec"
	"runtime"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/app/online"
	"github.com/igf-bpf/bpfdraft/ui"
)

// appID names the application to the desktop (settings, preferences);
// FyneApp.toml carries the same id for packaging.
const appID = "org.intgovforum.bpfdraft"

var guiCmd = &command{
	name:    "gui",
	usage:   "gui [--offline] [--peer MULTIADDR]...",
	summary: "open the window (what bpfdraft with no command does)",
	details: `Opens BPF Draft's window on the data dir. Edits made by other processes on
the same data dir (the command line, a serve) appear in it as they land.
While it is open it syncs every draft: with the relays its invites name,
with co-authors found on the local network, and with --peer addresses.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		offline := fs.Bool("offline", false, "do not sync while the window is open")
		shots := fs.String("screenshots", "", "walk through the main screens, write a PNG of each to this directory, and quit (for the docs)")
		debugAddr := fs.String("debug-listen", "", "serve Go's profiles (net/http/pprof) on this address, e.g. 127.0.0.1:6061, to see where the window's time goes")
		var peers, listen listFlag
		fs.Var(&peers, "peer", "a co-author's multiaddr (ending in /p2p/ID) to keep in sync with; repeat for several")
		fs.Var(&listen, "listen", "multiaddr to listen on, for co-authors to reach this window with --peer (default: TCP and QUIC, all interfaces, random ports)")
		noLAN := fs.Bool("no-lan", false, "do not look for co-authors on the local network (mDNS)")
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 0, 0, ""); err != nil {
				return err
			}
			if err := haveDisplay(); err != nil {
				return err
			}
			dir, err := e.dir()
			if err != nil {
				return err
			}
			if *debugAddr != "" {
				go func() {
					if err := http.ListenAndServe(*debugAddr, nil); err != nil {
						e.logger().Warn("Profiles not served", "err", err)
					}
				}()
			}
			// Every change to widgets from another goroutine goes through
			// fyne.Do (ui.UI.do), so Fyne's checks of the calling goroutine
			// are off: each took a stack trace per redrawn object, a third
			// of a resize's time (docs/BENCHMARKS.md).
			fyneapp.SetMetadata(fyne.AppMetadata{ID: appID, Name: "BPF Draft", Icon: ui.Icon,
				Migrations: map[string]bool{"fyneDo": true}})
			// The window polls for other processes' edits and commits
			// typing after a short pause (app's defaults).
			ws, err := app.Open(ctx, dir, app.Options{Logger: e.logger()})
			if err != nil {
				if os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "" {
					// Started from the desktop, stderr goes nowhere.
					ui.StartError(fyneapp.NewWithID(appID), err).ShowAndRun()
				}
				return err
			}
			defer ws.Close()
			opts := ui.Options{Logger: e.logger()}
			if !*offline {
				// Drafting needs no network: if sync cannot start (ports
				// taken, a broken key file), the window opens offline and
				// tells why instead of not opening at all.
				on, err := online.Start(ws, dir, online.Config{MDNS: !*noLAN, Listen: listen, Peers: peers, Logger: e.logger()})
				if err != nil {
					e.logger().Error("Could not go online; the window works offline", "err", err)
					opts.OnlineErr = err
				} else {
					defer on.Close()
					opts.Online = on
					// Where co-authors reach this window (--peer), with --verbose.
					e.logger().Info("Online", "addrs", on.Addrs())
				}
			}
			a := fyneapp.NewWithID(appID)
			a.SetIcon(ui.Icon)
			w := ui.New(a, ws, opts)
			log := e.logger()
			a.Lifecycle().SetOnStarted(func() {
				// Measured in docs/BENCHMARKS.md: process start to a usable window.
				log.Info("Window ready", "after", time.Since(started).Round(time.Millisecond))
			})
			var tourErr error
			if *shots != "" {
				w.Window().Resize(fyne.NewSize(1200, 760))
				w.Tour(*shots, screenGrab(), func(err error) { tourErr = err })
			}
			w.Window().ShowAndRun()
			return tourErr
		}
	},
}

// screenGrab captures the X screen with ImageMagick's import when it is
// there (the window under Xvfb), and otherwise leaves capture to Fyne.
func screenGrab() func(path string) error {
	if os.Getenv("DISPLAY") == "" {
		return nil
	}
	if _, err := exec.LookPath("import"); err != nil {
		return nil
	}
	return func(path string) error {
		// The window sits at the top left of a bare X server: keep it alone.
		out, err := exec.Command("import", "-window", "root", "-crop", "1200x760+0+0", "+repage", path).CombinedOutput()
		if err != nil {
			return fmt.Errorf("capturing the screen: %v: %s", err, out)
		}
		return nil
	}
}

// haveDisplay says, before Fyne panics in GLFW, that there is no screen
// to open a window on (over SSH, in a container), and what works instead.
func haveDisplay() error {
	if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" && runtime.GOOS != "openbsd" && runtime.GOOS != "netbsd" {
		return nil
	}
	if os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "" {
		return nil
	}
	return errors.New("there is no display to open the window on (DISPLAY and WAYLAND_DISPLAY are not set: over SSH, use ssh -X, or run it on the desktop). The command line works without one: bpfdraft --help lists its commands")
}
