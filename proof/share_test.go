package proof

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"cxtokens/api"
	"cxtokens/api/emulator"
	"cxtokens/tokens"
	"cxtokens/vault"
)

// Name states in the sharing test, as the writers know them.
const (
	stAdding = iota + 1
	stPresent
	stForgetting
	stGone
)

// tracker is what the command-line writers have done, by name.
type tracker struct {
	mu sync.Mutex
	m  map[string]int
}

func (tr *tracker) set(name string, st int) {
	tr.mu.Lock()
	tr.m[name] = st
	tr.mu.Unlock()
}

func (tr *tracker) snapshot() map[string]int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	out := make(map[string]int, len(tr.m))
	for k, v := range tr.m {
		out[k] = v
	}
	return out
}

// isBusyRun reports a command-line run that failed only because another
// process held the vault.
func isBusyRun(r result) bool {
	return r.code == 1 && strings.Contains(r.stderr, "vault busy")
}

// TestShare_CLIWritesWhileAppReads has two command-line processes at a time
// (the built binary) add 240 tokens and forget 120 of them while this
// process, on the desktop app's code path (tokens.Service: Generation, List,
// Get, as ui drives them), keeps reading the same vault. Every list must
// hold every token whose add had returned and whose forget had not begun,
// each with its own secret, and nothing that was not added or was already
// forgotten; the generation must only grow, and in the end by exactly the
// number of writes that returned success. The only error allowed on either
// side is "vault busy", retried.
func TestShare_CLIWritesWhileAppReads(t *testing.T) {
	t.Parallel()
	const (
		writers   = 2
		addsEach  = 120
		pass      = "sharing test passphrase"
		maxBusies = 20 // retries of one operation before it counts as a failure
	)
	w := newWorld(t)
	path := newPassVault(t, w.root, pass)
	env := []string{"CXTOKENS_VAULT=" + path, "CXTOKENS_PASSPHRASE=" + pass}
	tr := &tracker{m: map[string]int{}}

	app := tokens.New(tokens.Options{VaultPath: path, Passphrase: func() ([]byte, error) { return []byte(pass), nil }})
	t.Cleanup(func() { app.Close() })
	gen0, err := app.Generation()
	if err != nil {
		t.Fatal(err)
	}

	var cliBusy, appBusy, writes atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Bool
	// run repeats a command-line operation while it fails with "busy".
	run := func(stdin string, args ...string) bool {
		for range maxBusies {
			r := w.cliWith(runOpts{stdin: stdin, env: env}, args...)
			if r.code == 0 {
				writes.Add(1)
				return true
			}
			if !isBusyRun(r) {
				t.Errorf("a command-line writer failed:\n%s", r)
				return false
			}
			cliBusy.Add(1)
		}
		t.Errorf("cxtokens %s: still busy after %d tries", strings.Join(args, " "), maxBusies)
		return false
	}
	for wi := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(wi), uint64(time.Now().UnixNano())))
			var mine []string
			for i := range addsEach {
				if failed.Load() {
					return
				}
				name := fmt.Sprintf("share-%d-%03d", wi, i)
				tr.set(name, stAdding)
				if !run(secretFor(name)+"\n", "add", name) {
					failed.Store(true)
					return
				}
				tr.set(name, stPresent)
				mine = append(mine, name)
				if i%2 == 1 {
					j := rng.IntN(len(mine))
					gone := mine[j]
					mine = append(mine[:j], mine[j+1:]...)
					tr.set(gone, stForgetting)
					if !run("", "forget", gone, "--yes") {
						failed.Store(true)
						return
					}
					tr.set(gone, stGone)
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	// retry repeats an app read while it fails with ErrBusy.
	retry := func(what string, fn func() error) bool {
		for range maxBusies {
			err := fn()
			if err == nil {
				return true
			}
			if !errors.Is(err, vault.ErrBusy) {
				t.Errorf("app %s: %v", what, err)
				return false
			}
			appBusy.Add(1)
		}
		t.Errorf("app %s: still busy after %d tries", what, maxBusies)
		return false
	}
	var lists, gets int
	lastGen := gen0
	rng := rand.New(rand.NewPCG(7, uint64(time.Now().UnixNano())))
reading:
	for !failed.Load() {
		select {
		case <-done:
			break reading
		default:
		}
		before := tr.snapshot()
		var gen uint64
		if !retry("generation", func() (err error) { gen, err = app.Generation(); return err }) {
			break
		}
		if gen < lastGen {
			t.Errorf("the generation went back from %d to %d", lastGen, gen)
		}
		lastGen = gen
		var recs []vault.Record
		if !retry("list", func() (err error) { recs, err = app.List(); return err }) {
			break
		}
		after := tr.snapshot()
		lists++
		got := map[string]string{}
		for _, r := range recs {
			got[r.Name] = r.Secret
		}
		var steady []string
		for n, st := range before {
			if st == stPresent && after[n] == stPresent {
				steady = append(steady, n)
				if s, ok := got[n]; !ok {
					t.Errorf("list %d: %q is missing, though its add had returned and no forget had begun", lists, n)
				} else if s != secretFor(n) {
					t.Errorf("list %d: %q holds another token", lists, n)
				}
			}
			if st == stGone {
				if _, ok := got[n]; ok {
					t.Errorf("list %d: %q is listed, though its forget had returned", lists, n)
				}
			}
		}
		for n := range got {
			if _, ok := after[n]; !ok {
				t.Errorf("list %d: %q is listed, though nobody added it", lists, n)
			}
		}
		// Get, as the detail pane does, a few tokens that stay put.
		for range min(3, len(steady)) {
			n := steady[rng.IntN(len(steady))]
			var r vault.Record
			var unknown *tokens.UnknownNameError
			ok := retry("get", func() (err error) {
				r, err = app.Get(n)
				if errors.As(err, &unknown) && tr.snapshot()[n] != stPresent {
					// Forgotten since the list: not a loss.
					r.Secret, err = secretFor(n), nil
				}
				return err
			})
			if !ok {
				break
			}
			gets++
			if r.Secret != secretFor(n) {
				t.Errorf("get %q: another token", n)
			}
		}
		if t.Failed() {
			failed.Store(true)
		}
	}
	<-done
	if t.Failed() {
		return
	}

	final := tr.snapshot()
	recs, err := app.List()
	if err != nil {
		t.Fatalf("final list: %v", err)
	}
	present := 0
	for _, st := range final {
		if st == stPresent {
			present++
		}
	}
	if len(recs) != present {
		t.Errorf("the vault holds %d tokens, the writers left %d", len(recs), present)
	}
	for _, r := range recs {
		if final[r.Name] != stPresent || r.Secret != secretFor(r.Name) {
			t.Errorf("final list: %q should not be there, or holds another token", r.Name)
		}
	}
	gen, err := app.Generation()
	if err != nil {
		t.Fatal(err)
	}
	if gen-gen0 != uint64(writes.Load()) {
		t.Errorf("the generation moved by %d for %d writes that returned success", gen-gen0, writes.Load())
	}
	t.Logf("%d command-line writes, %d app lists and %d gets; busy: %d on the command line, %d in the app (all retried)",
		writes.Load(), lists, gets, cliBusy.Load(), appBusy.Load())
	if lists < 10 {
		t.Errorf("the app listed only %d times while the writers ran", lists)
	}
}

// TestShare_CLIRenameWhileAppTests renames one token 40 times with the
// built binary while this process, on the desktop app's code path, keeps
// pressing Test on it (tokens.Service.Test by record id, which stores the
// test result on the record). Every rename that returned success must
// stand: the next rename finds the token under its new name, and in the
// end it has the last name given. A test result stored from a copy read
// before the rename would put the old name back.
func TestShare_CLIRenameWhileAppTests(t *testing.T) {
	t.Parallel()
	const (
		renames = 40
		pass    = "rename test passphrase"
	)
	w := newWorld(t)
	e := newEmu(t, emulator.Options{}, nil)
	tok, _ := e.IssueToken("pivot", nil, 0)
	w.secret(tok, e.boot)
	path := newPassVault(t, w.root, pass)
	env := []string{"CXTOKENS_VAULT=" + path, "CXTOKENS_PASSPHRASE=" + pass}
	w.must(w.cliWith(runOpts{stdin: tok, env: env}, "add", "pivot-0", "--base-url", e.base), 0)

	app := tokens.New(tokens.Options{
		VaultPath:  path,
		Passphrase: func() ([]byte, error) { return []byte(pass), nil },
		NewClient: func(base string) (*api.Client, error) {
			return api.New(api.Options{BaseURL: base, Timeout: 10 * time.Second})
		},
	})
	t.Cleanup(func() { app.Close() })
	rec, err := app.Get("pivot-0")
	if err != nil {
		t.Fatal(err)
	}
	id := rec.ID

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var tests, appBusy atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				rep, err := app.Test(ctx, id)
				switch {
				case err == nil && rep.Outcome != tokens.OutcomeWorks:
					t.Errorf("app test: %s (%s)", rep.Outcome.Words(), rep.Detail)
					return
				case err == nil:
					tests.Add(1)
				case errors.Is(err, vault.ErrBusy):
					appBusy.Add(1)
				case ctx.Err() != nil:
					return
				default:
					t.Errorf("app test: %v", err)
					return
				}
			}
		}()
	}

	var lost []string
	cliBusy := 0
	for i := range renames {
		from, to := fmt.Sprintf("pivot-%d", i), fmt.Sprintf("pivot-%d", i+1)
		for {
			r := w.cliWith(runOpts{env: env}, "rename", from, to)
			if isBusyRun(r) {
				cliBusy++
				continue
			}
			if r.code == 0 {
				break
			}
			if strings.Contains(r.stderr, "no token named") || strings.Contains(r.stderr, "token not found") {
				// The previous rename was undone behind our back (seen
				// before the command or between its read and its rename):
				// find the name the token has now and carry on from there.
				cur, err := app.Get(id)
				if err != nil {
					t.Fatalf("get by id: %v", err)
				}
				lost = append(lost, fmt.Sprintf("%s→%s (found as %q)", fmt.Sprintf("pivot-%d", i-1), from, cur.Name))
				if _, err := app.Rename(ctx, cur.Name, from); err != nil {
					t.Fatalf("put the name back: %v", err)
				}
				continue
			}
			t.Fatalf("rename failed:\n%s", w.mask(r.String()))
		}
	}
	time.Sleep(100 * time.Millisecond) // let a test in flight store its result
	cancel()
	wg.Wait()
	final, err := app.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("pivot-%d", renames)
	if final.Name != want {
		lost = append(lost, fmt.Sprintf("the last rename (found as %q, want %q)", final.Name, want))
	}
	t.Logf("%d renames, %d app tests stored; busy: %d on the command line, %d in the app", renames, tests.Load(), cliBusy, appBusy.Load())
	if len(lost) > 0 {
		t.Errorf("%d renames that returned success were undone by the app storing a test result: %s", len(lost), strings.Join(lost, "; "))
	}
	if tests.Load() < renames/2 {
		t.Errorf("only %d tests ran alongside %d renames: too few to prove anything", tests.Load(), renames)
	}
}

// TestShare_HeldLock_BusyThenRetry holds the vault's file lock (as a
// stuck process would) longer than the lock timeout. The command line and
// the app's code path must each answer "vault busy" once their timeout has
// passed, never hang, change nothing, and succeed when retried after the
// lock is released.
func TestShare_HeldLock_BusyThenRetry(t *testing.T) {
	t.Parallel()
	const pass = "held lock passphrase"
	w := newWorld(t)
	path := newPassVault(t, w.root, pass)
	env := []string{"CXTOKENS_VAULT=" + path, "CXTOKENS_PASSPHRASE=" + pass}
	w.must(w.cliWith(runOpts{stdin: secretFor("before"), env: env}, "add", "before"), 0)
	app := tokens.New(tokens.Options{
		VaultPath:   path,
		Passphrase:  func() ([]byte, error) { return []byte(pass), nil },
		LockTimeout: 500 * time.Millisecond,
	})
	t.Cleanup(func() { app.Close() })
	if _, err := app.List(); err != nil { // unlock while the file is free
		t.Fatal(err)
	}
	sum := fileSum(t, path)

	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	held := true
	release := func() {
		if held {
			held = false
			db.Close()
		}
	}
	defer release()

	r := w.cliWith(runOpts{stdin: secretFor("during"), env: env}, "add", "during")
	if !isBusyRun(r) {
		t.Errorf("add while the lock is held: want exit 1 saying the vault is busy:\n%s", r)
	}
	// bbolt polls the lock every 50 ms and gives up a poll early.
	if r.took < vault.DefaultLockTimeout*8/10 || r.took > 3*vault.DefaultLockTimeout+5*time.Second {
		t.Errorf("add gave up after %s; the lock timeout is %s", r.took, vault.DefaultLockTimeout)
	}
	start := time.Now()
	_, err = app.List()
	took := time.Since(start)
	if !errors.Is(err, vault.ErrBusy) {
		t.Errorf("app list while the lock is held: %v, want vault busy", err)
	}
	if took < 400*time.Millisecond || took > 5*time.Second {
		t.Errorf("app list gave up after %s; its lock timeout is 500ms", took)
	}
	release()
	if got := fileSum(t, path); got != sum {
		t.Error("the vault file changed while its lock was held elsewhere")
	}
	w.must(w.cliWith(runOpts{stdin: secretFor("during"), env: env}, "add", "during"), 0)
	recs, err := app.List()
	if err != nil {
		t.Fatalf("app list after the release: %v", err)
	}
	if len(recs) != 2 {
		t.Errorf("after the retry the vault holds %d tokens, want 2", len(recs))
	}
}
