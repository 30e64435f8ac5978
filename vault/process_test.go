package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// childEnv names the job a re-executed test binary does (see TestMain).
const childEnv = "CXT_VAULT_TEST_CHILD"

// runChild is the body of a child process. It reports through its exit
// code and a JSON line on stdout.
func runChild(job string) int {
	switch job {
	case "writer":
		// Adds CXT_N records named CXT_PREFIX-i to the vault at CXT_PATH,
		// opened with the passphrase in CXT_PASS.
		n, _ := strconv.Atoi(os.Getenv("CXT_N"))
		v, err := Open(Options{Path: os.Getenv("CXT_PATH"), Passphrase: []byte(os.Getenv("CXT_PASS")), LockTimeout: 30 * time.Second})
		if err != nil {
			fmt.Fprintln(os.Stderr, "child open:", err)
			return 1
		}
		defer v.Close()
		for i := range n {
			if _, err := v.Add(Record{Name: fmt.Sprintf("%s-%d", os.Getenv("CXT_PREFIX"), i), Secret: "child"}); err != nil {
				fmt.Fprintln(os.Stderr, "child add:", err)
				return 1
			}
		}
		return 0
	case "keyring":
		// Uses the system keyring with whatever D-Bus address the parent
		// set, then opens the keyring-only vault at CXT_PATH with it.
		timeout, _ := time.ParseDuration(os.Getenv("CXT_TIMEOUT"))
		ks := NewSystemKeyring(timeout)
		start := time.Now()
		_, getErr := ks.Get(KeyringService, "cxtokens-test-unreachable")
		getTook := time.Since(start)
		start = time.Now()
		_, openErr := Open(Options{Path: os.Getenv("CXT_PATH"), Keyring: ks})
		openTook := time.Since(start)
		json.NewEncoder(os.Stdout).Encode(childKeyringReport{
			GetUnavailable:  errors.Is(getErr, ErrKeyringUnavailable),
			GetErr:          fmt.Sprint(getErr),
			GetTook:         getTook,
			OpenLocked:      errors.Is(openErr, ErrLocked),
			OpenUnavailable: errors.Is(openErr, ErrKeyringUnavailable),
			OpenErr:         fmt.Sprint(openErr),
			OpenTook:        openTook,
		})
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown child job", job)
	return 2
}

type childKeyringReport struct {
	GetUnavailable, OpenLocked, OpenUnavailable bool
	GetErr, OpenErr                             string
	GetTook, OpenTook                           time.Duration
}

// child returns a command that re-runs this test binary as a child doing job.
func child(t *testing.T, job string, env ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(append(os.Environ(), childEnv+"="+job), env...)
	return cmd
}

func TestVault_TwoProcesses_InterleavedWrites(t *testing.T) {
	t.Parallel()
	const n = 25
	opts := testOpts(t)
	opts.LockTimeout = 30 * time.Second
	v := mustCreate(t, opts, CreateSources{Passphrase: []byte("shared")})
	g0, _ := v.Generation()

	cmd := child(t, "writer", "CXT_PATH="+opts.Path, "CXT_PASS=shared", "CXT_PREFIX=child", "CXT_N="+strconv.Itoa(n))
	out := make(chan error, 1)
	var stderr []byte
	go func() {
		var err error
		stderr, err = cmd.CombinedOutput()
		out <- err
	}()
	for i := range n {
		mustAdd(t, v, Record{Name: fmt.Sprintf("parent-%d", i)})
	}
	if err := <-out; err != nil {
		t.Fatalf("child writer: %v\n%s", err, stderr)
	}

	list, err := v.List()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range list {
		seen[r.Name] = true
	}
	for i := range n {
		for _, p := range []string{"parent", "child"} {
			if name := fmt.Sprintf("%s-%d", p, i); !seen[name] {
				t.Errorf("%s lost", name)
			}
		}
	}
	if len(list) != 2*n {
		t.Errorf("List has %d records, want %d", len(list), 2*n)
	}
	if g, _ := v.Generation(); g != g0+2*n {
		t.Errorf("generation %d, want %d", g, g0+2*n)
	}
}

func TestVault_TwoValues_InterleavedWrites(t *testing.T) {
	t.Parallel()
	const n, writers = 20, 3
	opts := testOpts(t)
	mustCreate(t, opts, CreateSources{Keyring: true}).Close()
	var wg sync.WaitGroup
	errs := make(chan error, writers*n)
	for w := range writers {
		v := mustOpen(t, opts)
		wg.Go(func() {
			for i := range n {
				r, err := v.Add(Record{Name: fmt.Sprintf("w%d-%d", w, i), Note: "first"})
				if err != nil {
					errs <- err
					continue
				}
				r.Note = "second"
				if err := v.Update(r); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	list, err := mustOpen(t, opts).List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != writers*n {
		t.Fatalf("%d records, want %d", len(list), writers*n)
	}
	for _, r := range list {
		if r.Note != "second" {
			t.Errorf("%s: update lost", r.Name)
		}
	}
}

// TestVault_HeldLock holds the file lock the way another process would and
// checks operations give up with ErrBusy after the lock timeout.
func TestVault_HeldLock(t *testing.T) {
	t.Parallel()
	for _, readOnlyHolder := range []bool{false, true} {
		t.Run(fmt.Sprintf("holder read-only %v", readOnlyHolder), func(t *testing.T) {
			t.Parallel()
			opts := testOpts(t)
			opts.LockTimeout = 300 * time.Millisecond
			v := mustCreate(t, opts, CreateSources{Keyring: true})
			mustAdd(t, v, Record{Name: "a"})

			held, err := bolt.Open(opts.Path, 0o600, &bolt.Options{ReadOnly: readOnlyHolder, Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			ops := map[string]func() error{
				"Add": func() error { _, err := v.Add(Record{Name: "b"}); return err },
			}
			if !readOnlyHolder {
				// A shared (read) lock lets readers in; an exclusive one
				// keeps everyone out.
				ops["Get"] = func() error { _, err := v.Get("a"); return err }
				ops["List"] = func() error { _, err := v.List(); return err }
				ops["Generation"] = func() error { _, err := v.Generation(); return err }
				ops["Open"] = func() error { _, err := Open(opts); return err }
			} else if _, err := v.Get("a"); err != nil {
				t.Errorf("Get beside a reader: %v", err)
			}
			for name, op := range ops {
				start := time.Now()
				err := op()
				took := time.Since(start)
				if !errors.Is(err, ErrBusy) {
					t.Errorf("%s with the lock held: %v, want ErrBusy", name, err)
				}
				// Not a performance assertion: a bound that tells "gave up
				// at the timeout" from "hung until the holder let go".
				if took > opts.LockTimeout+5*time.Second {
					t.Errorf("%s took %s to give up, lock timeout %s", name, took, opts.LockTimeout)
				}
			}
			held.Close()
			if _, err := v.Add(Record{Name: "b"}); err != nil {
				t.Errorf("Add after the lock is released: %v", err)
			}
		})
	}
}

// TestVault_Permissions runs with permissive and hostile umasks: the
// directories Create makes are 0700 and the file 0600 regardless. Not
// parallel: the umask is process-wide.
func TestVault_Permissions(t *testing.T) {
	for _, mask := range []int{0, 0o022, 0o377} {
		t.Run(fmt.Sprintf("umask %03o", mask), func(t *testing.T) {
			base := t.TempDir()
			if err := os.Chmod(base, 0o755); err != nil {
				t.Fatal(err)
			}
			opts := testOpts(t)
			old := syscall.Umask(mask)
			defer syscall.Umask(old)
			opts.Path = filepath.Join(base, "a", "b", "vault.db")
			v := mustCreate(t, opts, CreateSources{Keyring: true})
			mustAdd(t, v, Record{Name: "a"})
			for path, want := range map[string]fs.FileMode{
				base:                          0o755 | fs.ModeDir, // existing: left alone
				filepath.Join(base, "a"):      0o700 | fs.ModeDir,
				filepath.Join(base, "a", "b"): 0o700 | fs.ModeDir,
				opts.Path:                     0o600,
			} {
				st, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if st.Mode() != want {
					t.Errorf("%s: mode %v, want %v", path, st.Mode(), want)
				}
			}
		})
	}
	// A vault file that became readable by others (restored with cp, say)
	// is 0600 again after the next write.
	opts := testOpts(t)
	v := mustCreate(t, opts, CreateSources{Keyring: true})
	if err := os.Chmod(opts.Path, 0o644); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, v, Record{Name: "b"})
	if st, err := os.Stat(opts.Path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("after a write the loosened file is %v (%v), want 0600", st.Mode(), err)
	}
}
