package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one subcommand's flags and the text -h shows: what it does,
// its flags and an example.
type command struct {
	*flag.FlagSet
	synopsis string // "servicebot job run NAME [--at TIME] [--config FILE]"
	about    string // what it does, a few lines
	example  string // one or more lines to copy
	maxArgs  int    // positional arguments it takes (FILE, NAME); more is an error
	stdout   io.Writer
	stderr   io.Writer
}

// newCommand makes the flag set of one subcommand. Its help goes to stdout
// (asked for: exit 0); a mistake's goes to stderr (exit 1).
func newCommand(name, synopsis, about, example string, maxArgs int, stdout, stderr io.Writer) *command {
	c := &command{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), synopsis: synopsis, about: about,
		example: example, maxArgs: maxArgs, stdout: stdout, stderr: stderr}
	c.SetOutput(stderr)
	// The flag package would print the usage itself on -h and on every
	// mistake; parse decides where it goes.
	c.Usage = func() {}
	return c
}

// printUsage writes the synopsis, the flags and the example.
func (c *command) printUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage:\n  %s\n\n", c.synopsis)
	if c.about != "" {
		fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(c.about))
	}
	has := false
	c.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprintln(w, "Flags:")
		out := c.Output()
		c.SetOutput(w)
		c.PrintDefaults()
		c.SetOutput(out)
		fmt.Fprintln(w)
	}
	if c.example != "" {
		fmt.Fprintf(w, "Example:\n")
		for _, line := range strings.Split(strings.TrimSpace(c.example), "\n") {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
}

// parse reads flags wherever they stand among the positional arguments
// (`kpi input FILE --config X` as well as `kpi input --config X FILE`):
// Go's flag package stops at the first positional argument and would
// silently leave the flags after it unread. After parse, c.Args() are the
// positional arguments; more than the command takes is an error. -h and
// --help print the usage to stdout and return an error wrapping
// flag.ErrHelp, which run turns into exit status 0.
func (c *command) parse(args []string) error {
	var positional []string
	for {
		if err := c.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c.printUsage(c.stdout)
				return usageError{err}
			}
			fmt.Fprintln(c.stderr)
			c.printUsage(c.stderr)
			return usageError{err}
		}
		args = c.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			positional = append(positional, args[1:]...)
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	if len(positional) > c.maxArgs {
		extra := positional[c.maxArgs:]
		fmt.Fprintf(c.stderr, "unexpected argument %q\n\n", extra[0])
		c.printUsage(c.stderr)
		return usageError{fmt.Errorf("%s: unexpected argument %q", c.Name(), extra[0])}
	}
	// Leave the positional arguments where c.Args() finds them.
	_ = c.Parse(append([]string{"--"}, positional...))
	return nil
}

// fail prints a mistake and the usage to stderr.
func (c *command) fail(err error) error {
	fmt.Fprintf(c.stderr, "%v\n\n", err)
	c.printUsage(c.stderr)
	return usageError{err}
}

// subcommands is the help of a command that takes a subcommand (job, kpi).
func subcommands(w io.Writer, name string, lines ...string) {
	fmt.Fprintf(w, "Usage:\n")
	for _, l := range lines {
		fmt.Fprintf(w, "  %s\n", l)
	}
	fmt.Fprintf(w, "\n`servicebot %s SUBCOMMAND --help` shows a subcommand's flags and an example.\n", name)
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}
