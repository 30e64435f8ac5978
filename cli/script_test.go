package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"go.etcd.io/bbolt"

	"cxtokens/api"
	"cxtokens/api/emulator"
)

// TestMain makes the test binary double as the cxtokens binary: testscript
// puts a "cxtokens" on the scripts' PATH that runs the real command line
// (Run, as main.go's Main does) in its own process. Only two things differ
// from the shipped binary: the desktop app is replaced by a func that fails
// (so no script can open a window), and exports use a lower scrypt cost
// (age's default costs seconds and 256 MiB per export under -race).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"cxtokens": func() {
			os.Exit(Run(Config{Desktop: testDesktop, ScryptWorkFactor: 12}, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// testDesktop stands in for the desktop app: it says how it was called and fails.
func testDesktop(o DesktopOptions) error {
	return fmt.Errorf("desktop app called (demo=%v vault=%q) but not available in tests", o.Demo, o.VaultPath)
}

// TestScripts runs the end-to-end scripts in testdata/*.txtar against the
// real command line, a real vault file, the OS keyring of the test session
// (scripts/session.sh) and an emulator over real HTTP on loopback.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup:               setupScript,
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "keyring":
				// The Secret Service of scripts/session.sh.
				return os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "", nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"emufault":   cmdEmufault,
			"issue":      cmdIssue,
			"apistatus":  cmdAPIStatus,
			"nosecret":   cmdNoSecret,
			"secretfile": cmdSecretFile,
			"exits":      cmdExits,
			"freeport":   cmdFreePort,
			"waitport":   cmdWaitPort,
			"waitfile":   cmdWaitFile,
			"tlsserver":  cmdTLSServer,
			"holdlock":   cmdHoldLock,
		},
	})
}

// scriptState is one script's emulator and the secrets it must never see
// printed.
type scriptState struct {
	emu  *emulator.Server
	base string

	mu      sync.Mutex
	secrets map[string]bool
}

type stateKey struct{}

func state(ts *testscript.TestScript) *scriptState {
	return ts.Value(stateKey{}).(*scriptState)
}

// setupScript gives every script its own emulator (in this process, over
// real HTTP on 127.0.0.1) and vault path, and passes the test session's
// D-Bus address through so the real keyring is reachable.
func setupScript(env *testscript.Env) error {
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	env.Defer(srv.Close)
	seed := emu.Seed()
	st := &scriptState{emu: emu, base: srv.URL + emulator.BasePath, secrets: map[string]bool{seed.Token: true, seed.Password: true}}
	env.Values[stateKey{}] = st

	env.Setenv("BASE_URL", st.base)
	env.Setenv("EMU_ADDR", strings.TrimPrefix(srv.URL, "http://"))
	env.Setenv("LOGIN", seed.Login)
	env.Setenv("PASSWORD", seed.Password)
	env.Setenv("BOOT_TOKEN", seed.Token)
	env.Setenv("PARTNER_SID", seed.PartnerSID)
	env.Setenv("CXTOKENS_VAULT", filepath.Join(env.WorkDir, "vault.db"))
	for _, k := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"} {
		if v := os.Getenv(k); v != "" {
			env.Setenv(k, v)
		}
	}
	return nil
}

// emufault ratelimit N | servererror N [STATUS] | none
func cmdEmufault(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: emufault ratelimit N | servererror N [STATUS] | none")
	}
	num := func(i int) int {
		if len(args) <= i {
			return 0
		}
		n, err := strconv.Atoi(args[i])
		ts.Check(err)
		return n
	}
	var f emulator.Faults
	switch args[0] {
	case "ratelimit":
		f = emulator.Faults{RateLimit: num(1), RetryAfter: time.Second}
	case "servererror":
		f = emulator.Faults{ServerError: num(1), ServerStatus: num(2)}
	case "none":
	default:
		ts.Fatalf("unknown fault %q", args[0])
	}
	state(ts).emu.SetFaults(f)
}

// issue VAR [SCOPE…] mints a token on the emulator (all scopes when none
// are given) and puts its value in $VAR.
func cmdIssue(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: issue VAR [SCOPE…]")
	}
	var scopes []string
	if len(args) > 1 {
		scopes = args[1:]
	}
	st := state(ts)
	tok, _ := st.emu.IssueToken(strings.ToLower(args[0]), scopes, 0)
	st.mu.Lock()
	st.secrets[tok] = true
	st.mu.Unlock()
	ts.Setenv(args[0], tok)
}

// apistatus VAR|@FILE STATUS makes the test request with the token in $VAR
// (or FILE) straight to the emulator, outside cxtokens, and checks the status.
func cmdAPIStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: apistatus VAR|@FILE STATUS")
	}
	tok := ts.Getenv(args[0])
	if f, ok := strings.CutPrefix(args[0], "@"); ok {
		tok = strings.TrimSpace(ts.ReadFile(f))
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	c, err := api.New(api.Options{BaseURL: state(ts).base, MaxRetries: -1})
	ts.Check(err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, _ := c.Test(ctx, tok)
	if res.Status != want {
		ts.Fatalf("the test request with %s answered %d, want %d", args[0], res.Status, want)
	}
}

// nosecret fails if the last command's stdout or stderr holds any token or
// password the emulator has handed out so far (the emulator's live tokens
// are collected on every call, so revoked ones stay on the list).
func cmdNoSecret(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: nosecret")
	}
	st := state(ts)
	c, err := api.New(api.Options{BaseURL: st.base, MaxRetries: -1})
	ts.Check(err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	live, err := c.ListTokens(ctx, ts.Getenv("BOOT_TOKEN"))
	st.mu.Lock()
	defer st.mu.Unlock()
	if err == nil {
		for _, t := range live {
			st.secrets[t.AccessToken] = true
			if t.RefreshToken != "" {
				st.secrets[t.RefreshToken] = true
			}
		}
	} else if !errors.Is(err, api.ErrUnauthorized) {
		ts.Fatalf("list the emulator's tokens: %v", err)
	}
	out, errOut := ts.ReadFile("stdout"), ts.ReadFile("stderr")
	for s := range st.secrets {
		if s == "" {
			continue
		}
		if strings.Contains(out, s) {
			ts.Fatalf("stdout holds a secret (%s)", api.Mask(s))
		}
		if strings.Contains(errOut, s) {
			ts.Fatalf("stderr holds a secret (%s)", api.Mask(s))
		}
	}
}

// secretfile FILE TEMPLATE checks that FILE (less one trailing newline)
// equals TEMPLATE with $VARS expanded, without ever printing either.
func cmdSecretFile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: secretfile FILE TEMPLATE")
	}
	got := strings.TrimSuffix(ts.ReadFile(args[0]), "\n")
	want := os.Expand(args[1], ts.Getenv)
	if (got == want) == neg {
		if neg {
			ts.Fatalf("%s matches the template, want it not to", args[0])
		}
		ts.Fatalf("%s (%d bytes, %s) does not match the template (%d bytes, %s)", args[0], len(got), api.Mask(got), len(want), api.Mask(want))
	}
}

// exits CODE PROG [ARGS…] runs PROG like exec and checks its exit code;
// its stdout and stderr are kept for the next stdout/stderr checks.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROG [ARGS…]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("run %s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// freeport VAR sets $VAR to a loopback address with a port that was free a
// moment ago (for `cxtokens emulator --addr`).
func cmdFreePort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport VAR")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	addr := ln.Addr().String()
	ts.Check(ln.Close())
	ts.Setenv(args[0], addr)
}

// waitport ADDR waits until something accepts connections on ADDR.
func cmdWaitPort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitport ADDR")
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", args[0], time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("nothing listens on %s: %v", args[0], err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitfile FILE waits until FILE exists.
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile FILE")
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(ts.MkAbs(args[0])); err == nil {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not appear", args[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tlsserver VAR serves the script's emulator over TLS with a certificate
// nobody trusts and sets $VAR to its base URL.
func cmdTLSServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: tlsserver VAR")
	}
	srv := httptest.NewUnstartedServer(state(ts).emu)
	// The handshake failures are the point; keep them out of the test log.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	ts.Defer(srv.Close)
	ts.Setenv(args[0], srv.URL+emulator.BasePath)
}

// holdlock FILE holds the bbolt file lock of a vault (as a second process
// in the middle of a long write would) until the script ends.
func cmdHoldLock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: holdlock FILE")
	}
	db, err := bbolt.Open(ts.MkAbs(args[0]), 0o600, &bbolt.Options{Timeout: 5 * time.Second})
	ts.Check(err)
	ts.Defer(func() { db.Close() })
}
