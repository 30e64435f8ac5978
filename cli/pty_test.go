//go:build linux

package cli

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: the side a test types into and the
// side a command reads as its terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close() })
	return master, slave
}

// TestPrompt_Keys types at the prompts of `cxtokens add` (hidden) and
// `cxtokens forget` (y/N) on a real terminal, after the prompt shows, the way
// a person does: Ctrl-C ends the command with 130 and Ctrl-D on the empty
// token line with "empty token"; nothing is stored or removed, and the
// terminal has its echo back.
func TestPrompt_Keys(t *testing.T) {
	bin, err := exec.LookPath("cxtokens") // the test binary, as testscript.Main set it up
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent", "CXTOKENS_PASSPHRASE=sesame",
		"CXTOKENS_VAULT="+filepath.Join(t.TempDir(), "vault.db"))
	init := exec.Command(bin, "vault", "init", "--passphrase", "--no-keyring")
	init.Env = env
	if out, err := init.CombinedOutput(); err != nil {
		t.Fatalf("vault init: %v\n%s", err, out)
	}

	add := exec.Command(bin, "add", "kept")
	add.Env = env
	add.Stdin = strings.NewReader("5ebc03d6-8b2b-44ad-bf65-72d4f1491dda\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}

	for _, tt := range []struct {
		args     []string
		prompt   string
		keys     string
		code     int
		stderrRe string
	}{
		{[]string{"add", "typed"}, "(input hidden): ", "5ebc03d6\x03", 130, "interrupted; nothing was changed"},
		{[]string{"add", "typed"}, "(input hidden): ", "\x04", 1, "empty token"},
		{[]string{"forget", "kept"}, "[y/N] ", "\x03", 130, "interrupted; nothing was changed"},
	} {
		master, slave := openPTY(t)
		cmd := exec.Command(bin, tt.args...)
		cmd.Env = env
		cmd.Stdin = slave
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
		errPipe, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		stderr := bufio.NewReader(errPipe)
		prompt := make(chan error, 1)
		var said strings.Builder
		go func() {
			for !strings.Contains(said.String(), tt.prompt) {
				b, err := stderr.ReadByte()
				if err != nil {
					prompt <- err
					return
				}
				said.WriteByte(b)
			}
			prompt <- nil
		}()
		select {
		case err := <-prompt:
			if err != nil {
				t.Fatalf("no prompt (%v); stderr: %q", err, said.String())
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatal("no prompt within 20 s")
		}
		// The prompt is on screen; the terminal is switched before it.
		time.Sleep(100 * time.Millisecond)
		if _, err := master.Write([]byte(tt.keys)); err != nil {
			t.Fatal(err)
		}
		killer := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
		rest, _ := readAllBytes(stderr)
		err = cmd.Wait()
		if !killer.Stop() {
			t.Errorf("keys %q: the command still waited for input after 20 s", tt.keys)
		}
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != tt.code {
			t.Errorf("keys %q: %v, want exit %d; stderr %q", tt.keys, err, tt.code, rest)
		}
		if !strings.Contains(rest, tt.stderrRe) {
			t.Errorf("keys %q: stderr %q, want it to say %q", tt.keys, rest, tt.stderrRe)
		}
		tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		if tio.Lflag&unix.ECHO == 0 || tio.Lflag&unix.ICANON == 0 {
			t.Errorf("keys %q: the terminal was left without echo or line editing (lflag %#x)", tt.keys, tio.Lflag)
		}
	}
	list := exec.Command(bin, "list")
	list.Env = env
	if out, err := list.Output(); err != nil || strings.Contains(string(out), "typed") || !strings.Contains(string(out), "kept") {
		t.Errorf("list after the aborted prompts: %v\n%s", err, out)
	}
}

func readAllBytes(r *bufio.Reader) (string, error) {
	var b strings.Builder
	_, err := r.WriteTo(&b)
	return b.String(), err
}
