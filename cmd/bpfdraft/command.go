package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/igf-bpf/bpfdraft/app"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// command is one subcommand: its flags are declared by setup, which
// returns the function to run once the flags and positional arguments
// are parsed.
type command struct {
	name    string
	usage   string // after "bpfdraft "
	summary string
	details string
	setup   func(fs *flag.FlagSet) func(ctx context.Context, e *env, args []string) error
	raw     bool // writes files to standard output (export -o -): its output is not escaped
}

var commands []*command

func findCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `BPF Draft: write IGF Best Practice Forum outputs together, offline first.

usage: bpfdraft [--data DIR] COMMAND [arguments]

commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Every command takes --data DIR (or BPFDRAFT_DATA); the default is the
user data directory. DRAFT is a draft id, a unique start of one, or an
exact title. Run `+"`bpfdraft COMMAND --help`"+` for a command's details.
`)
}

func (c *command) flags() (*flag.FlagSet, func(ctx context.Context, e *env, args []string) error) {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("data", "", "data directory (default $BPFDRAFT_DATA or the user data directory)")
	fs.Bool("verbose", false, "log more to stderr")
	return fs, c.setup(fs)
}

func (c *command) help(w io.Writer) {
	fs, _ := c.flags()
	fmt.Fprintf(w, "usage: bpfdraft %s\n\n%s\n", c.usage, c.summary)
	if c.details != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.details))
	}
	fmt.Fprintln(w, "\nflags:")
	printFlags(w, fs)
}

// placeholders name what a flag takes, where Go's flag package would say
// "value" or "string".
var placeholders = map[string]string{
	"peer": "MULTIADDR", "relay": "MULTIADDR", "listen": "MULTIADDR", "data": "DIR",
	"file": "FILE", "o": "FILE", "text": "TEXT", "section": "N|ID", "timeout": "DURATION",
	"lan": "DURATION", "since": "WHEN", "format": "FORMAT", "title": "TITLE", "theme": "THEME",
	"year": "YEAR", "template": "TEMPLATE", "language": "LANGUAGE", "version": "VERSION",
	"name": "NAME", "group": "GROUP", "region": "REGION", "role": "ROLE", "participant": "WHO",
	"at": "N", "to": "N", "hint": "HINT", "status": "STATUS", "quote": "QUOTE", "reply": "ID", "resolve": "ID", "reopen": "ID",
	"screenshots": "DIR", "debug-listen": "ADDRESS", "screenshot": "DIR",
}

// printFlags lists a command's flags as people type them: two dashes
// (one for a single letter) and a name for what the flag takes.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		line := "  " + dash + f.Name
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
			name, _ := flag.UnquoteUsage(f)
			if p, ok := placeholders[f.Name]; ok {
				name = p
			} else if name == "value" || name == "string" {
				name = strings.ToUpper(f.Name)
			} else {
				name = strings.ToUpper(name)
			}
			line += " " + name
		}
		usage := f.Usage
		if d := f.DefValue; d != "" && d != "false" && d != "0" && d != "[]" {
			usage += fmt.Sprintf(" (default %s)", d)
		}
		fmt.Fprintf(w, "%s\n    \t%s\n", line, strings.ReplaceAll(usage, "`", ""))
	})
}

func (c *command) run(ctx context.Context, e *env, args []string) error {
	fs, do := c.flags()
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if d := fs.Lookup("data").Value.String(); d != "" {
		e.dataDir = d
	}
	if fs.Lookup("verbose").Value.String() == "true" {
		e.verbose = true
	}
	return do(ctx, e, pos)
}

// parseInterleaved parses flags that may come before, between or after
// positional arguments, so `sync DRAFT --once` and `sync --once DRAFT`
// mean the same. A "--" ends flag parsing.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		// flag stops at the first non-flag or just after "--".
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// dir returns the data dir chosen by --data, BPFDRAFT_DATA or the default.
func (e *env) dir() (string, error) {
	if e.dataDir != "" {
		return e.dataDir, nil
	}
	return app.DefaultDataDir()
}

// workspace opens the data dir.
func (e *env) workspace(ctx context.Context) (*app.Workspace, error) {
	dir, err := e.dir()
	if err != nil {
		return nil, err
	}
	// One-shot commands neither poll for other processes nor wait for an
	// idle pause: each write commits and saves before the command returns.
	ws, err := app.Open(ctx, dir, app.Options{Logger: e.logger(), Poll: -1, IdleCommit: -1})
	if err == nil && !e.warnedRollback {
		if r := ws.Rollback(); r != nil {
			e.warnedRollback = true
			fmt.Fprintf(e.stderr, "bpfdraft: warning: %v\n", r)
		}
		if ws.Unwritable() {
			e.warnedRollback = true
			fmt.Fprintf(e.stderr, "bpfdraft: note: %s cannot be written: its drafts can be read, not changed\n", dir)
		}
	}
	return ws, err
}

// session resolves DRAFT and opens it; done closes both (once, however
// often it is called) and reports what failed to save.
func (e *env) session(ctx context.Context, ref string) (s *app.Session, done func() error, err error) {
	ws, err := e.workspace(ctx)
	if err != nil {
		return nil, nil, err
	}
	id, err := ws.Resolve(ctx, ref)
	if err != nil {
		ws.Close()
		return nil, nil, err
	}
	s, err = ws.ReadSession(ctx, id)
	if err != nil {
		ws.Close()
		return nil, nil, err
	}
	if !crdt.SignedID(id) && !e.warnedUnsigned {
		// What log, review, versions, comments, coverage and role show
		// of such a draft is what its copies claim.
		e.warnedUnsigned = true
		fmt.Fprintf(e.stderr, "bpfdraft: note: %q was made before signatures: who wrote and decided what in it is not verified (see docs/SECURITY.md)\n", s.Meta().Title)
	}
	var once sync.Once
	var closeErr error
	return s, func() error {
		once.Do(func() { closeErr = errors.Join(s.Close(ctx), ws.Close()) })
		return closeErr
	}, nil
}

// wantArgs checks the number of positional arguments.
func wantArgs(args []string, min, max int, what string) error {
	if len(args) < min {
		return usagef("missing %s", what)
	}
	if max >= 0 && len(args) > max {
		return usagef("unexpected argument %q", args[max])
	}
	return nil
}
