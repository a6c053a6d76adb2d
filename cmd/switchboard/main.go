// Command switchboard is the Switchboard server and its tools: one binary
// with subcommands. Run "switchboard help" for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand.
type command struct {
	name    string
	summary string
	// run parses args with its own FlagSet and runs.
	run func(ctx context.Context, env *env, args []string) error
}

// env is what every command gets: standard streams.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// voiceHooks, when set (tests), may observe voicebot calls.
	voiceHooks func(*voice)
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// errUsage is returned for bad command lines (exit status 2).
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// First signal: graceful drain via ctx. Second: exit at once.
		<-ctx.Done()
		stop()
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
		<-ch
		fmt.Fprintln(os.Stderr, "switchboard: second signal, exiting now")
		os.Exit(130)
	}()
	os.Exit(run(ctx, &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:]))
}

func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			if c := commands[args[1]]; c != nil {
				_ = c.run(ctx, e, []string{"--help"})
				return 0
			}
		}
		usage(e.stdout)
		return 0
	}
	c := commands[args[0]]
	if c == nil {
		fmt.Fprintf(e.stderr, "switchboard: unknown command %q\n\n", args[0])
		usage(e.stderr)
		return 2
	}
	err := c.run(ctx, e, args[1:])
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, errLint):
		return 1
	default:
		fmt.Fprintf(e.stderr, "switchboard %s: %v\n", c.name, err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, `Switchboard: AI-first voicebot and agent-assist platform.

Usage: switchboard <command> [flags]

Commands:`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-14s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, `
Run "switchboard <command> --help" for a command's flags.`)
}

// flags returns a FlagSet for a subcommand that prints its usage to the
// command's stderr (stdout for --help).
func flags(e *env, name, argsUsage, desc string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: switchboard %s [flags] %s\n\n%s\n", name, argsUsage, strings.TrimSpace(desc))
		var n int
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(w, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse parses args; --help prints usage to stdout and returns
// flag.ErrHelp; other errors are usage errors.
func parse(e *env, fs *flag.FlagSet, args []string) error {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return flag.ErrHelp
		}
		if a == "--" {
			break
		}
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

func init() {
	register(&command{name: "version", summary: "print the version", run: func(ctx context.Context, e *env, args []string) error {
		fs := flags(e, "version", "", "Print the switchboard version.")
		if err := parse(e, fs, args); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "switchboard %s\n", version)
		return nil
	}})
}
