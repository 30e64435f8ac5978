// Package cli owns the command line: parsing, help, output formats, prompts
// and exit codes. It calls tokens and prints; it holds no workflow logic.
//
// Data goes to stdout, messages and prompts to stderr. Exit codes: 0 ok,
// 1 failure, 2 usage (exec passes its child's code through). Only `get`
// prints a token; `exec` hands one to its child in the environment.
//
// It must not import Fyne or ui, and it never touches the display except by
// calling the Desktop func it is given.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"cxtokens/tokens"
	"cxtokens/vault"
)

// DesktopOptions is what the command line passes to the desktop app.
type DesktopOptions struct {
	VaultPath string // "" : tokens.VaultPath("")
	Demo      bool   // cxtokens demo: in-process emulator, throw-away vault, seeded tokens
}

// Version is the app version `cxtokens --version` prints; main sets it.
var Version = "dev"

// Desktop starts the desktop app and returns when it quits. main.go provides it,
// because only main may import fyne.io/fyne/v2/app.
type Desktop func(o DesktopOptions) error

// Main runs the command line and returns the exit code: 0 ok, 1 failure, 2 usage.
// With no subcommand (only global flags) it calls desktop.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer, desktop Desktop) int {
	return Run(Config{Desktop: desktop}, args, stdin, stdout, stderr)
}

// Config is what Run needs besides its arguments. Main fills it for the
// real binary; tests lower the costs.
type Config struct {
	Desktop Desktop
	Getenv  func(string) string // nil: os.Getenv
	Keyring vault.KeyStore      // nil: the OS keyring

	// KDF is the Argon2id cost for vaults this run creates; zero means the
	// vault's default (about half a second).
	KDF vault.KDFParams
	// ScryptWorkFactor is the age scrypt cost of `export`; 0 means age's default.
	ScryptWorkFactor int
}

// Run is Main with a Config.
func Run(cfg Config, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	a := &app{cfg: cfg, stdin: stdin, stdout: stdout, stderr: stderr}
	defer a.close()
	err := a.run(args)
	return a.report(err)
}

// app is one run of the command line.
type app struct {
	cfg    Config
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer

	vaultFlag string
	svc       *tokens.Service
}

func (a *app) close() {
	if a.svc != nil {
		if err := a.svc.Close(); err != nil {
			fmt.Fprintf(a.stderr, "cxtokens: close vault: %v\n", err)
		}
	}
}

// service builds the tokens.Service on first use, so that `--help`, usage
// errors and `emulator` never resolve or open a vault.
func (a *app) service() (*tokens.Service, error) {
	if a.svc != nil {
		return a.svc, nil
	}
	path, err := a.vaultPath()
	if err != nil {
		return nil, err
	}
	a.svc = tokens.New(tokens.Options{
		VaultPath:        path,
		Keyring:          a.cfg.Keyring,
		Passphrase:       a.vaultPassphrase,
		KDF:              a.cfg.KDF,
		ScryptWorkFactor: a.cfg.ScryptWorkFactor,
		CAFile:           a.cfg.Getenv(tokens.CAFileEnv),
	})
	return a.svc, nil
}

func (a *app) vaultPath() (string, error) {
	if a.vaultFlag != "" {
		return a.vaultFlag, nil
	}
	if env := a.cfg.Getenv("CXTOKENS_VAULT"); env != "" {
		return env, nil
	}
	return tokens.VaultPath("")
}

// run parses the global flags and dispatches to a command.
func (a *app) run(args []string) error {
globals:
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		arg := args[0]
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		switch {
		case arg == "--":
			args = args[1:]
			break globals
		case name == "h" || name == "help":
			a.printMainHelp(a.stdout)
			return nil
		case name == "version":
			fmt.Fprintf(a.stdout, "cxtokens %s\n", Version)
			return nil
		case name == "vault":
			if !hasValue {
				if len(args) < 2 {
					return usagef("", "flag needs an argument: --vault")
				}
				value, args = args[1], args[1:]
			}
			if value == "" {
				return usagef("", "--vault needs a path")
			}
			a.vaultFlag = value
			args = args[1:]
		default:
			return usagef("", "unknown flag %s", arg)
		}
	}
	if len(args) == 0 {
		return a.runDesktop(false)
	}
	name := args[0]
	if name == "vault" && len(args) > 1 && !strings.HasPrefix(args[1], "-") {
		name = "vault " + args[1]
		args = args[1:]
	}
	if name == "vault" {
		if len(args) > 1 && (args[1] == "-h" || args[1] == "--help" || args[1] == "-help") {
			a.printVaultHelp()
			return nil
		}
		return usagef("", "vault needs a command: init, status, passphrase or keyring (see `cxtokens vault --help`)")
	}
	c := findCommand(name)
	if c == nil {
		if strings.HasPrefix(name, "vault ") {
			return usagef("vault", "unknown vault command %q (init, status, passphrase or keyring)", strings.TrimPrefix(name, "vault "))
		}
		return usagef("", "unknown command %q", name)
	}
	return c.run(a, c, args[1:])
}

func (a *app) runDesktop(demo bool) error {
	if a.cfg.Desktop == nil {
		return errors.New("this build has no desktop app")
	}
	o := DesktopOptions{Demo: demo}
	if !demo {
		p, err := a.vaultPath()
		if err != nil {
			return err
		}
		o.VaultPath = p
	} else {
		o.VaultPath = a.vaultFlag
	}
	return a.cfg.Desktop(o)
}

// say writes a message line to stderr.
func (a *app) say(format string, args ...any) {
	fmt.Fprintf(a.stderr, format+"\n", args...)
}

// warn writes a warning line to stderr.
func (a *app) warn(format string, args ...any) {
	fmt.Fprintf(a.stderr, "cxtokens: warning: "+format+"\n", args...)
}
