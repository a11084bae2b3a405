// Command bpfdraft is BPF Draft: with no arguments (a later issue) it opens
// the window; its subcommands do everything the window can do to a draft
// from a terminal or a script.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	// Before Fyne's language support reads the locale (see its doc).
	_ "github.com/igf-bpf/bpfdraft/cmd/bpfdraft/localeenv"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// started is when the process began, for the window's start-up time.
var started = time.Now()

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError marks errors in how the command was called (exit code 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// env is what every subcommand gets.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	dataDir        string // from --data before the subcommand; "" = default
	verbose        bool
	listen         []string // multiaddrs a node listens on; nil = default
	warnedRollback bool     // the warning about lost saved edits was printed
	warnedUnsigned bool     // the note about a draft made before signatures was printed
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	global := flag.NewFlagSet("bpfdraft", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	global.StringVar(&e.dataDir, "data", "", "data directory")
	global.BoolVar(&e.verbose, "verbose", false, "log more")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "bpfdraft: %v\n", err)
		printUsage(stderr)
		return exitUsage
	}
	args = global.Args()
	if len(args) == 0 {
		args = []string{"gui"}
	}
	name, rest := args[0], args[1:]
	if name == "help" {
		if len(rest) > 0 {
			if c := findCommand(rest[0]); c != nil {
				c.help(stdout)
				return exitOK
			}
		}
		printUsage(stdout)
		return exitOK
	}
	c := findCommand(name)
	if c == nil {
		fmt.Fprintf(stderr, "bpfdraft: unknown command %q\n\n", name)
		printUsage(stderr)
		return exitUsage
	}
	// Standard error is always text; standard output is a file for export.
	errOut := &terminalText{w: stderr}
	e.stderr, stderr = errOut, errOut
	defer errOut.Flush()
	if !c.raw {
		out := &terminalText{w: stdout}
		e.stdout, stdout = out, out
		defer out.Flush()
	}
	err := c.run(ctx, e, rest)
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		c.help(stdout)
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "bpfdraft %s: %v\n", c.name, err)
		fmt.Fprintf(stderr, "usage: bpfdraft %s\n(run `bpfdraft %s --help` for details)\n", c.usage, c.name)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "bpfdraft %s: %v\n", c.name, err)
		return exitFailed
	}
}

func (e *env) logger() *slog.Logger {
	// Without --verbose a command prints what was asked and errors only:
	// warnings are for whoever looks into a problem.
	level := slog.LevelError
	if e.verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
}
