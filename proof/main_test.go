package proof

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"cxtokens/api"
	"cxtokens/api/emulator"
	"cxtokens/vault"
)

// childEnv names the job of a re-executed test binary (see runChild).
const childEnv = "CXT_PROOF_CHILD"

// binDir holds the cxtokens binary, built from this checkout the way
// `make build` does on first use (see cxtokensBin), so the tests run what
// a person runs and the fuzz targets, which do not need it, start at once.
var (
	binDir    string
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	if job := os.Getenv(childEnv); job != "" {
		os.Exit(runChild(job))
	}
	dir, err := os.MkdirTemp("", "cxtokens-proof-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "proof:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cxtokensBin returns the built binary, building it on the first call.
func cxtokensBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		path := filepath.Join(binDir, "cxtokens")
		out, err := exec.Command("go", "build", "-trimpath", "-o", path, "cxtokens").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build cxtokens: %v\n%s", err, out)
			return
		}
		binPath = path
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// cheapKDF keeps passphrase vaults fast: a vault stores its KDF parameters,
// so every process that opens it (the binary too) pays only this cost.
var cheapKDF = vault.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1}

// secretFor is the token stored under name in the crash and sharing tests:
// UUID-shaped and derived from the name, so a reader can check that a
// record holds its own secret and not another's.
func secretFor(name string) string {
	h := sha256.Sum256([]byte("cxtokens proof token\x00" + name))
	s := hex.EncodeToString(h[:16])
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// hasBus reports whether the Secret Service of scripts/session.sh is there.
func hasBus() bool { return os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" }

// needBus skips a test that needs the real OS keyring outside
// scripts/session.sh (make test always runs inside it).
func needBus(t *testing.T) {
	t.Helper()
	if !hasBus() {
		t.Skip("no DBUS_SESSION_BUS_ADDRESS: run under scripts/session.sh for the real keyring")
	}
}

// world is one test's private machine: home, config, cache, data and temp
// dirs of its own, the environment the binary runs with, and the secrets
// that must be masked in anything a failing test prints.
type world struct {
	t    *testing.T
	root string
	env  []string

	mu      sync.Mutex
	secrets []string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	root := t.TempDir()
	w := &world{t: t, root: root}
	dirs := map[string]string{
		"HOME":            "home",
		"XDG_CONFIG_HOME": "config",
		"XDG_CACHE_HOME":  "cache",
		"XDG_DATA_HOME":   "data",
		"TMPDIR":          "tmp",
	}
	keys := make([]string, 0, len(dirs))
	for k := range dirs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d := filepath.Join(root, dirs[k])
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		w.env = append(w.env, k+"="+d)
	}
	// Only what the binary needs from outside: the tools, the locale, and
	// the test session's D-Bus (the keyring).
	for _, k := range []string{"PATH", "LANG", "LC_ALL", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"} {
		if v, ok := os.LookupEnv(k); ok {
			w.env = append(w.env, k+"="+v)
		}
	}
	return w
}

// dir returns the world's dir for an environment variable (HOME, TMPDIR…).
func (w *world) dir(key string) string {
	for _, kv := range w.env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	w.t.Fatalf("no %s in the world", key)
	return ""
}

// secret registers values that failure messages must mask.
func (w *world) secret(vals ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, v := range vals {
		if v != "" {
			w.secrets = append(w.secrets, v)
		}
	}
}

// mask replaces every registered secret in s by its masked form, for
// failure messages.
func (w *world) mask(s string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, v := range w.secrets {
		s = strings.ReplaceAll(s, v, api.Mask(v))
	}
	return s
}

// result is one finished run of the binary.
type result struct {
	args   []string
	stdout string
	stderr string
	code   int
	took   time.Duration
}

// runOpts are the optional parts of one run.
type runOpts struct {
	stdin string
	env   []string // added to the world's
	limit time.Duration
}

// cli runs the binary with args and the token (or nothing) on stdin.
func (w *world) cli(stdin string, args ...string) result {
	w.t.Helper()
	return w.cliWith(runOpts{stdin: stdin}, args...)
}

// cliWith runs the binary; a run that outlives its limit (60 s unless
// given) is killed and fails the test, so no hang goes unnoticed.
func (w *world) cliWith(o runOpts, args ...string) result {
	w.t.Helper()
	if o.limit == 0 {
		o.limit = 60 * time.Second
	}
	bin := cxtokensBin(w.t) // the first call builds it: not part of the limit
	ctx, cancel := context.WithTimeout(context.Background(), o.limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(append([]string(nil), w.env...), o.env...)
	cmd.Dir = w.dir("HOME")
	cmd.Stdin = strings.NewReader(o.stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{args: args, stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		w.t.Fatalf("cxtokens %s did not finish within %s", w.mask(strings.Join(args, " ")), o.limit)
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		w.t.Fatalf("cxtokens %s: %v", w.mask(strings.Join(args, " ")), err)
	}
	if strings.Contains(r.stderr, "panic:") || strings.Contains(r.stderr, "goroutine ") {
		w.t.Errorf("cxtokens %s panicked:\n%s", w.mask(strings.Join(args, " ")), w.mask(r.stderr))
	}
	return r
}

// uuidShape finds token-shaped values, masked in every failure message as
// a net under world.mask (which knows the secrets it was told about).
var uuidShape = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// String describes a run for a failure message: token-shaped values masked,
// long output cut.
func (r result) String() string {
	cut := func(s string) string {
		s = uuidShape.ReplaceAllStringFunc(s, api.Mask)
		if len(s) > 600 {
			s = s[:600] + fmt.Sprintf("… (%d bytes)", len(s))
		}
		return s
	}
	return fmt.Sprintf("cxtokens %s → exit %d\nstdout: %s\nstderr: %s", strings.Join(r.args, " "), r.code, cut(r.stdout), cut(r.stderr))
}

// must fails the test unless the run exited with code.
func (w *world) must(r result, code int) result {
	w.t.Helper()
	if r.code != code {
		w.t.Fatalf("want exit %d:\n%s", code, w.mask(r.String()))
	}
	return r
}

// emu is an emulator served over real HTTP on 127.0.0.1.
type emu struct {
	*emulator.Server
	srv  *httptest.Server
	base string // base URL with /core/v2
	boot string // bootstrap token (every scope)
}

// newEmu starts an emulator; wrap, when not nil, wraps its handler.
func newEmu(t *testing.T, opts emulator.Options, wrap func(http.Handler) http.Handler) *emu {
	t.Helper()
	s := emulator.New(opts)
	var h http.Handler = s
	if wrap != nil {
		h = wrap(s)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &emu{Server: s, srv: srv, base: srv.URL + emulator.BasePath, boot: s.Seed().Token}
}

// fileSum is a file's SHA-256, to prove it was not changed.
func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// newPassVault creates a passphrase-only vault with the cheap KDF and
// returns its path; every process opens it with CXTOKENS_PASSPHRASE.
func newPassVault(t *testing.T, dir, pass string) string {
	t.Helper()
	path := filepath.Join(dir, "vault.db")
	v, err := vault.Create(vault.Options{Path: path, KDF: cheapKDF}, vault.CreateSources{Passphrase: []byte(pass)})
	if err != nil {
		t.Fatalf("create vault: %v", err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// openPassVault opens a passphrase vault directly, as a checker.
func openPassVault(t *testing.T, path, pass string) *vault.Vault {
	t.Helper()
	v, err := vault.Open(vault.Options{Path: path, Passphrase: []byte(pass), LockTimeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("open vault after the run: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// killGroup sends SIGKILL to the process group of cmd (started with Setpgid).
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// child returns a command that re-runs this test binary as job.
func child(t *testing.T, job string, env ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{childEnv + "=" + job}, env...)...)
	return cmd
}

// runChild is the body of a re-executed test binary; its exit code is the
// process's.
func runChild(job string) int {
	switch job {
	case "crash-worker":
		return crashWorker()
	}
	fmt.Fprintln(os.Stderr, "proof: unknown child job", job)
	return 2
}

// newMemKeyring is the key store of the fuzz targets, which must not depend
// on a D-Bus session or leave keyring entries behind.
func newMemKeyring() vault.KeyStore { return vault.NewMemoryKeyStore() }
