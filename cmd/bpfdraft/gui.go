package main

import (
	"context"
	"flag"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/ui"
)

// appID names the application to the desktop (settings, preferences);
// FyneApp.toml carries the same id for packaging.
const appID = "org.intgovforum.bpfdraft"

var guiCmd = &command{
	name:    "gui",
	usage:   "gui",
	summary: "open the window (what bpfdraft with no command does)",
	details: `Opens BPF Draft's window on the data dir. Edits made by other processes on
the same data dir (the command line, a serve) appear in it as they land.`,
	setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		return func(ctx context.Context, e *env, args []string) error {
			if err := wantArgs(args, 0, 0, ""); err != nil {
				return err
			}
			dir, err := e.dir()
			if err != nil {
				return err
			}
			// The window polls for other processes' edits and commits
			// typing after a short pause (app's defaults).
			ws, err := app.Open(ctx, dir, app.Options{Logger: e.logger()})
			if err != nil {
				return err
			}
			defer ws.Close()
			a := fyneapp.NewWithID(appID)
			ui.New(a, ws, e.logger()).Window().ShowAndRun()
			return nil
		}
	},
}
