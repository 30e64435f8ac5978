package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// command is one subcommand: its help and its run func.
type command struct {
	name    string // "list", "vault init"
	usage   string // after "cxtokens "
	summary string // one line for the command list
	detail  string // paragraphs for --help
	example string // one or more lines for --help
	run     func(a *app, c *command, args []string) error
	// passthrough: what follows "--" is a command line of its own (exec).
	// Elsewhere "--" only ends the flags, so `forget -- -odd-name` works.
	passthrough bool
}

func findCommand(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

// newFlags makes a command's FlagSet with the flags every command has
// (--vault, --help). Errors and help are printed by the caller.
func (a *app) newFlags(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet("cxtokens "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.Func("vault", "the vault `PATH` (default $CXTOKENS_VAULT, else <config dir>/cxtokens/vault.db)", func(s string) error {
		if s == "" {
			return errors.New("needs a path")
		}
		a.vaultFlag = s
		return nil
	})
	return fs
}

// parsed is the result of parseArgs.
type parsed struct {
	pos  []string // positional arguments, wherever they were
	rest []string // everything after "--" (exec's command line)
	dash bool     // "--" was given
}

// parseArgs parses flags interspersed with positional arguments: the flag
// package stops at the first non-flag, so parsing resumes after each one.
// A "--" ends the flags; what follows is rest. It checks that the number of
// positionals is within [min, max] (max < 0: no limit).
func (a *app) parseArgs(c *command, fs *flag.FlagSet, args []string, min, max int) (parsed, error) {
	var p parsed
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				a.printHelp(a.stdout, c, fs)
				return p, errHelp
			}
			return p, usagef(c.name, "%v", err)
		}
		left := fs.Args()
		consumed := len(args) - len(left)
		if consumed > 0 && args[consumed-1] == "--" {
			p.dash, p.rest = true, left
			break
		}
		if len(left) == 0 {
			break
		}
		p.pos = append(p.pos, left[0])
		args = left[1:]
	}
	if !c.passthrough {
		p.pos, p.rest = append(p.pos, p.rest...), nil
	}
	if len(p.pos) < min {
		return p, usagef(c.name, "missing argument")
	}
	if max >= 0 && len(p.pos) > max {
		return p, usagef(c.name, "unexpected argument %q", p.pos[max])
	}
	return p, nil
}

// printHelp prints one command's help.
func (a *app) printHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: cxtokens %s\n\n%s\n", c.usage, strings.TrimSpace(c.detail))
	if fs != nil {
		fmt.Fprintf(w, "\nflags:\n")
		tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
		fs.VisitAll(func(f *flag.Flag) {
			name, usage := flag.UnquoteUsage(f)
			arg := "--" + f.Name
			if name != "" {
				arg += " " + strings.ToUpper(name)
			}
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = fmt.Sprintf(" (default %s)", f.DefValue)
			}
			fmt.Fprintf(tw, "  %s\t%s%s\n", arg, usage, def)
		})
		fmt.Fprintf(tw, "  --help, -h\tthis help\n")
		tw.Flush()
	}
	fmt.Fprintf(w, "\nexample:\n")
	for _, l := range strings.Split(strings.TrimSpace(c.example), "\n") {
		fmt.Fprintf(w, "  %s\n", strings.TrimSpace(l))
	}
}

// printMainHelp prints the top-level help.
func (a *app) printMainHelp(w io.Writer) {
	fmt.Fprint(w, `cxtokens keeps CarrierX Core API tokens encrypted on this machine.

usage: cxtokens [--vault PATH]              start the desktop app
       cxtokens [--vault PATH] COMMAND [ARGS…]

commands:
`)
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprint(w, `
global flags (also accepted after the command):
  --vault PATH   the vault file (default $CXTOKENS_VAULT, else <config dir>/cxtokens/vault.db)
  --help, -h     help; every command has its own, with an example
  --version      the version

environment:
  CXTOKENS_VAULT               the vault file
  CXTOKENS_PASSPHRASE          the vault passphrase, for scripts (else a no-echo prompt on a terminal)
  CXTOKENS_NEW_PASSPHRASE      the new passphrase for 'vault passphrase'
  CXTOKENS_EXPORT_PASSPHRASE   the passphrase of an export file
  CXTOKENS_CA_FILE             extra PEM certificates to trust for the API (a TLS-inspecting proxy's CA)

Data goes to stdout, messages to stderr. Exit codes: 0 ok, 1 failure, 2 usage,
130 interrupted.
Only 'get' prints a token; 'exec' gives one to the command it runs.

example:
  pbpaste | cxtokens add prod
  cxtokens test prod && eval "$(cxtokens get prod --format env)"
`)
}

// flagGiven reports whether the flag was on the command line, even empty.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
