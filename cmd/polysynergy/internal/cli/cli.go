// Package cli implements the polysynergy command line.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailed  = 1 // the run failed
	ExitInvalid = 2 // invalid flow or usage
)

// command is one sub-command.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) int
}

// Env is the process environment a command sees.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

func (e *Env) errorf(format string, args ...any) {
	fmt.Fprintf(e.Stderr, "polysynergy: "+format+"\n", args...)
}

func commands() []command {
	return []command{
		{"run", "run a flow file and print each node as it runs", cmdRun},
		{"resume", "continue a paused run from its state file", cmdResume},
		{"validate", "list every problem of a flow file", cmdValidate},
		{"nodes", "list the node catalogue", cmdNodes},
		{"dev", "run the whole platform locally (editor, API, triggers, schedules)", cmdDev},
	}
}

// Main runs the CLI with args (without the program name) and returns the exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return ExitInvalid
	}
	switch args[0] {
	case "help", "-h", "--help", "-help":
		if args[0] == "help" && len(args) > 1 {
			// `polysynergy help run` is `polysynergy run --help`
			for _, c := range commands() {
				if c.name == args[1] {
					return c.run(ctx, env, append(args[2:len(args):len(args)], "--help"))
				}
			}
			env.errorf("help: unknown command %q", args[1])
			usage(stderr)
			return ExitInvalid
		}
		usage(stdout)
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	env.errorf("unknown command %q (try: polysynergy help)", args[0])
	return ExitInvalid
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "PolySynergy — visual workflow automation on AWS serverless.")
	fmt.Fprintln(w, "\nUsage: polysynergy <command> [arguments] [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Examples:
  polysynergy run examples/hello-route.json --input '{"method":"GET","path":"/hello/ada","params":{"name":"ada"}}'
  polysynergy validate examples/branching.json
  polysynergy nodes --category HTTP
  polysynergy dev --port 9000
  polysynergy dev token --user you@example.com

Exit codes: 0 success (a paused run too), 1 the run failed (dev: could not start or
stop), 2 an invalid flow or bad usage.

Flags take - or --, before or after the arguments. 'polysynergy help <command>' (or
'polysynergy <command> --help') shows a command's flags, examples and exit codes.
`)
}

// help is what a command's --help prints besides its flags.
type help struct {
	synopsis string   // after "polysynergy NAME "; further lines start with "polysynergy "
	about    string   // what the command does
	examples []string // command lines
	exits    string   // its exit codes
}

// usager prints a command's help: all of it for --help (on stdout, exit 0), the problem
// and the synopsis for a usage error (on stderr, exit 2).
type usager struct {
	env  *Env
	name string
	fs   *flag.FlagSet
	h    help
}

// newFlags makes a flag set that reports errors instead of exiting, and its help.
func newFlags(env *Env, name string, h help) (*flag.FlagSet, *usager) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	u := &usager{env: env, name: name, fs: fs, h: h}
	fs.Usage = func() {} // parse prints what a failed parse needs
	return fs, u
}

func (u *usager) synopsis(w io.Writer) {
	fmt.Fprintf(w, "Usage: polysynergy %s %s\n", u.name, strings.ReplaceAll(u.h.synopsis, "\npolysynergy ", "\n       polysynergy "))
}

// full is the whole help: synopsis, what the command does, examples, flags, exit codes.
func (u *usager) full(w io.Writer) {
	u.synopsis(w)
	fmt.Fprintf(w, "\n%s\n", u.h.about)
	if len(u.h.examples) > 0 {
		fmt.Fprintln(w, "\nExamples:")
		for _, e := range u.h.examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
	fmt.Fprintln(w, "\nFlags (- or --, before or after the arguments):")
	u.fs.SetOutput(w)
	u.fs.PrintDefaults()
	u.fs.SetOutput(u.env.Stderr)
	fmt.Fprintf(w, "\nExit codes: %s\n", u.h.exits)
}

// bad reports a usage error, then the synopsis, and returns ExitInvalid.
func (u *usager) bad(format string, args ...any) int {
	u.env.errorf("%s: "+format, append([]any{u.name}, args...)...)
	u.synopsis(u.env.Stderr)
	fmt.Fprintf(u.env.Stderr, "Run 'polysynergy %s --help' for its flags, examples and exit codes.\n", u.name)
	return ExitInvalid
}

// argCount reports a missing or extra positional argument; want says what the one
// argument is.
func (u *usager) argCount(pos []string, want string) int {
	if len(pos) == 0 {
		return u.bad("missing %s", want)
	}
	return u.bad("unexpected argument %q: it takes one, %s", pos[1], want)
}

// parse parses args. When it cannot, ok is false and code is the exit code: --help
// prints the whole help on stdout (0); a bad flag prints the error and the synopsis (2).
func (u *usager) parse(args []string) (pos []string, code int, ok bool) {
	u.fs.SetOutput(io.Discard) // the flag package's own message; bad says it instead
	pos, err := parse(u.fs, args)
	u.fs.SetOutput(u.env.Stderr)
	switch {
	case err == nil:
		return pos, ExitOK, true
	case errors.Is(err, flag.ErrHelp):
		u.full(u.env.Stdout)
		return nil, ExitOK, false
	default:
		return nil, u.bad("%v", err), false
	}
}

// parse parses flags that may come before or after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// kvFlag collects repeated K=V flags.
type kvFlag map[string]string

func (k kvFlag) String() string { return "" }

func (k kvFlag) Set(s string) error {
	key, val, ok := strings.Cut(s, "=")
	if !ok || key == "" {
		return errors.New("want KEY=VALUE")
	}
	k[key] = val
	return nil
}
