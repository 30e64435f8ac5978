package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"cxtokens/tokens"
)

// cmdExec runs a command with the token in its environment and passes its
// exit code through. The secret goes to the child's environment only.
func (a *app) cmdExec(c *command, args []string) error {
	fs := a.newFlags(c)
	p, err := a.parseArgs(c, fs, args, 1, 1)
	if err != nil {
		return err
	}
	if !p.dash || len(p.rest) == 0 {
		return usagef(c.name, "give the command after --, as in: cxtokens exec NAME -- CMD [ARGS…]")
	}
	svc, err := a.service()
	if err != nil {
		return err
	}
	r, err := svc.Get(p.pos[0])
	if err != nil {
		return err
	}
	// Close the vault before the child runs: it may run for hours, and
	// nothing here needs the data key any longer.
	if err := svc.Close(); err != nil {
		return err
	}

	cmd := exec.Command(p.rest[0], p.rest[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = a.stdin, a.stdout, a.stderr
	cmd.Env = append(childEnv(os.Environ()), tokens.Env(r)...)

	// Catch the signals before the child starts so none is lost between.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer signal.Stop(sigs)

	if err := cmd.Start(); err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			a.say("cxtokens: exec: command %q not found", p.rest[0])
			return exitCode(127)
		}
		a.say("cxtokens: exec: %v", err)
		return exitCode(126)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				// The child may already share the signal (a terminal's ^C
				// goes to the whole process group); a second copy of the
				// same signal is harmless for well-behaved programs and
				// needed when only cxtokens was signalled (kill PID).
				_ = cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err = cmd.Wait()
	close(done)
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return exitCode(128 + int(ws.Signal()))
		}
		return exitCode(ee.ExitCode())
	}
	return fmt.Errorf("exec: %w", err)
}

// childEnv is this process's environment for exec's child: without an
// inherited CARRIERX_TOKEN and CARRIERX_BASE_URL, so the child sees exactly
// the pair of the token it was given, and without the passphrases cxtokens
// reads from the environment, so a child handed one token cannot open the
// vault or a backup.
func childEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "CARRIERX_TOKEN", "CARRIERX_BASE_URL",
			"CXTOKENS_PASSPHRASE", "CXTOKENS_NEW_PASSPHRASE", "CXTOKENS_EXPORT_PASSPHRASE":
			continue
		}
		out = append(out, kv)
	}
	return out
}
