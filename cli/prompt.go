package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"

	"cxtokens/tokens"
)

// stdinTerminal returns stdin's file descriptor when stdin is a terminal.
// Prompts are only ever shown on a terminal: a script gets a clear error
// instead of a hang.
func (a *app) stdinTerminal() (int, bool) {
	f, ok := a.stdin.(*os.File)
	if !ok {
		return 0, false
	}
	fd := int(f.Fd())
	return fd, term.IsTerminal(fd)
}

// errInterrupted is Ctrl-C typed at a hidden prompt: exit 130, as if the
// signal had ended the command.
var errInterrupted = errors.New("interrupted at the prompt")

// readSecret prompts on stderr and reads a line from the terminal without
// echo. The terminal is in raw mode for that line and restored right after,
// so Ctrl-C (a byte then, not a signal) ends the command with echo back on,
// and Ctrl-D on an empty line is the end of input.
func (a *app) readSecret(prompt string) ([]byte, error) {
	fd, ok := a.stdinTerminal()
	if !ok {
		return nil, errors.New("stdin is not a terminal")
	}
	fmt.Fprint(a.stderr, prompt)
	old, err := term.MakeRaw(fd)
	if err != nil {
		return nil, fmt.Errorf("read from terminal: %w", err)
	}
	b, err := readHiddenLine(a.stdin)
	if rerr := term.Restore(fd, old); rerr != nil && err == nil {
		err = rerr
	}
	fmt.Fprintln(a.stderr)
	switch {
	case errors.Is(err, errInterrupted):
		return nil, err
	case errors.Is(err, io.EOF):
		return nil, nil // nothing typed: each caller says what was missing
	case err != nil:
		return nil, fmt.Errorf("read from terminal: %w", err)
	}
	return b, nil
}

// readHiddenLine reads one line typed on a terminal in raw mode: Enter ends
// it, Backspace takes back a character and Ctrl-U the line, Ctrl-C aborts
// and Ctrl-D on an empty line (or the end of input) is io.EOF. Bytes it
// drops are zeroed.
func readHiddenLine(r io.Reader) ([]byte, error) {
	line := make([]byte, 0, 512) // room for any token or password: no copies left behind by growth
	var c [1]byte
	for {
		n, err := r.Read(c[:])
		if n == 0 {
			if err == nil || errors.Is(err, io.EOF) {
				if len(line) > 0 {
					return line, nil
				}
				return nil, io.EOF
			}
			clear(line)
			return nil, err
		}
		switch c[0] {
		case '\r', '\n':
			return line, nil
		case 3: // Ctrl-C
			clear(line)
			return nil, errInterrupted
		case 4: // Ctrl-D
			if len(line) == 0 {
				return nil, io.EOF
			}
		case 8, 127: // Backspace
			if len(line) > 0 {
				_, size := utf8.DecodeLastRune(line)
				clear(line[len(line)-size:])
				line = line[:len(line)-size]
			}
		case 21: // Ctrl-U
			clear(line)
			line = line[:0]
		default:
			line = append(line, c[0])
		}
	}
}

// readNewSecret prompts twice and insists both entries match.
func (a *app) readNewSecret(what string) ([]byte, error) {
	first, err := a.readSecret(fmt.Sprintf("New %s: ", what))
	if err != nil {
		return nil, err
	}
	if len(first) == 0 {
		return nil, fmt.Errorf("empty %s", what)
	}
	second, err := a.readSecret(fmt.Sprintf("Repeat the %s: ", what))
	if err != nil {
		clear(first)
		return nil, err
	}
	defer clear(second)
	if !bytes.Equal(first, second) {
		clear(first)
		return nil, fmt.Errorf("the two %ss differ; nothing was changed", what)
	}
	return first, nil
}

// vaultPassphrase is the tokens.Options.Passphrase callback: the
// environment, else a prompt on a terminal, else ErrNoPassphrase.
func (a *app) vaultPassphrase() ([]byte, error) {
	if p := a.cfg.Getenv("CXTOKENS_PASSPHRASE"); p != "" {
		return []byte(p), nil
	}
	if _, ok := a.stdinTerminal(); !ok {
		// The vault's own error says how to unlock it; the hint for
		// ErrNoPassphrase adds why nobody was asked.
		return nil, tokens.ErrNoPassphrase
	}
	return a.readSecret("Vault passphrase: ")
}

// secretFromEnvOrPrompt reads a passphrase for something other than opening
// the vault: from env, else (on a terminal) a prompt, twice when confirm.
func (a *app) secretFromEnvOrPrompt(env, what string, confirm bool) ([]byte, error) {
	if p := a.cfg.Getenv(env); p != "" {
		return []byte(p), nil
	}
	if _, ok := a.stdinTerminal(); !ok {
		return nil, fmt.Errorf("no %s: set %s, or run in a terminal to type it", what, env)
	}
	if confirm {
		return a.readNewSecret(what)
	}
	b, err := a.readSecret(strings.ToUpper(what[:1]) + what[1:] + ": ")
	if err == nil && len(b) == 0 {
		return nil, fmt.Errorf("empty %s", what)
	}
	return b, err
}

// readInput reads a secret the person pipes in (a token, a password): all of
// stdin up to limit bytes. The caller trims it.
func (a *app) readInput(limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(a.stdin, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read stdin: %w", err)
	}
	if int64(len(b)) > limit {
		clear(b)
		return nil, fmt.Errorf("stdin holds more than %d bytes: that is not a token or password", limit)
	}
	return b, nil
}

// confirm asks a yes/no question on a terminal; anything but y/yes is no.
// Without a terminal it returns a usage error naming --yes.
func (a *app) confirm(c *command, question string) (bool, error) {
	if _, ok := a.stdinTerminal(); !ok {
		return false, usagef(c.name, "stdin is not a terminal, so there is no one to confirm: add --yes")
	}
	fmt.Fprintf(a.stderr, "%s [y/N] ", question)
	// Ctrl-C while the question waits ends the command the way it does at
	// a hidden prompt: said, with 130, nothing done.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	type answer struct {
		line string
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(a.stdin).ReadString('\n')
		got <- answer{line, err}
	}()
	var line string
	select {
	case <-sigs:
		fmt.Fprintln(a.stderr)
		return false, errInterrupted
	case ans := <-got:
		if ans.err != nil && ans.line == "" {
			return false, nil
		}
		line = ans.line
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
