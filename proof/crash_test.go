package proof

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"cxtokens/tokens"
	"cxtokens/vault"
)

// crashWorker is a child that writes to the vault at CXT_VAULT through
// tokens.Service (the code path of both front-ends) until it is killed:
// mostly adds, some renames and forgets. Before each operation it writes
// "B op args" to stdout and after its success "E op args", each with one
// write(2) to a pipe, so the parent knows exactly which operations returned
// success and which one (at most) was in flight when the kill came.
func crashWorker() int {
	pass := os.Getenv("CXT_PASS")
	round, _ := strconv.Atoi(os.Getenv("CXT_ROUND"))
	seed, _ := strconv.ParseUint(os.Getenv("CXT_SEED"), 10, 64)
	rng := rand.New(rand.NewPCG(seed, uint64(round)))
	svc := tokens.New(tokens.Options{
		VaultPath:   os.Getenv("CXT_VAULT"),
		Passphrase:  func() ([]byte, error) { return []byte(pass), nil },
		LockTimeout: 10 * time.Second,
	})
	say := func(format string, args ...any) {
		os.Stdout.WriteString(fmt.Sprintf(format, args...) + "\n")
	}
	fail := func(err error) int {
		// Errors name tokens, never their values.
		say("ERR %v", err)
		return 3
	}
	recs, err := svc.List()
	if err != nil {
		return fail(fmt.Errorf("list after the previous kill: %w", err))
	}
	var live []string
	for _, r := range recs {
		live = append(live, r.Name)
	}
	say("READY %d", len(live))
	ctx := context.Background()
	for i := 0; ; i++ {
		p := rng.IntN(100)
		switch {
		case p < 15 && len(live) > 0:
			j := rng.IntN(len(live))
			name := live[j]
			say("B forget %s", name)
			if err := svc.Forget(name); err != nil {
				return fail(err)
			}
			say("E forget %s", name)
			live = slices.Delete(live, j, j+1)
		case p < 30 && len(live) > 0:
			j := rng.IntN(len(live))
			old := live[j]
			nu := fmt.Sprintf("r%02d-%03d-renamed", round, i)
			say("B rename %s %s", old, nu)
			if _, err := svc.Rename(ctx, old, nu); err != nil {
				return fail(err)
			}
			say("E rename %s %s", old, nu)
			live[j] = nu
		default:
			name := fmt.Sprintf("r%02d-%03d", round, i)
			say("B add %s", name)
			if _, _, err := svc.Add(ctx, tokens.AddInput{Name: name, Token: secretFor(name)}); err != nil {
				return fail(err)
			}
			say("E add %s", name)
			live = append(live, name)
		}
	}
}

// crashOp is one operation a worker reported.
type crashOp struct {
	kind string // add, forget, rename
	args []string
}

// apply returns state (name → secret) with op applied.
func (op crashOp) apply(state map[string]string, secretOf func(string) string) map[string]string {
	out := maps.Clone(state)
	switch op.kind {
	case "add":
		out[op.args[0]] = secretOf(op.args[0])
	case "forget":
		delete(out, op.args[0])
	case "rename":
		out[op.args[1]] = out[op.args[0]]
		delete(out, op.args[0])
	}
	return out
}

// workerLog collects the lines a killed child wrote.
type workerLog struct {
	mu    sync.Mutex
	lines []string
	ready chan struct{}
	done  chan struct{}
}

func readWorker(r io.Reader) *workerLog {
	l := &workerLog{ready: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		sc := bufio.NewScanner(r)
		readySeen := false
		for sc.Scan() {
			l.mu.Lock()
			l.lines = append(l.lines, sc.Text())
			l.mu.Unlock()
			if !readySeen && (strings.HasPrefix(sc.Text(), "READY") || strings.HasPrefix(sc.Text(), "ERR")) {
				readySeen = true
				close(l.ready)
			}
		}
	}()
	return l
}

// replay applies every finished operation in lines to state and returns the
// new state and the operation in flight at the kill (nil when none).
func replay(t *testing.T, state map[string]string, lines []string, secretOf func(string) string) (map[string]string, *crashOp) {
	t.Helper()
	var inflight *crashOp
	for _, ln := range lines {
		f := strings.Fields(ln)
		switch {
		case len(f) == 0 || f[0] == "READY":
		case f[0] == "ERR":
			t.Fatalf("the worker failed: %s", ln)
		case f[0] == "B" && len(f) >= 3:
			inflight = &crashOp{kind: f[1], args: f[2:]}
		case f[0] == "E" && len(f) >= 3:
			if inflight == nil || inflight.kind != f[1] || !slices.Equal(inflight.args, f[2:]) {
				t.Fatalf("worker log out of order at %q", ln)
			}
			state = inflight.apply(state, secretOf)
			inflight = nil
		default:
			t.Fatalf("unexpected worker line %q", ln)
		}
	}
	return state, inflight
}

// vaultState reads every record through a fresh Vault and fails on any
// error, ErrCorrupt above all.
func vaultState(t *testing.T, v *vault.Vault) map[string]string {
	t.Helper()
	recs, err := v.List()
	if err != nil {
		if errors.Is(err, vault.ErrCorrupt) {
			t.Fatalf("the vault is damaged after a kill: %v", err)
		}
		t.Fatalf("list after a kill: %v", err)
	}
	st, err := v.Status()
	if err != nil {
		t.Fatalf("status after a kill: %v", err)
	}
	if st.Count != len(recs) {
		t.Errorf("status counts %d records, list read %d", st.Count, len(recs))
	}
	out := map[string]string{}
	for _, r := range recs {
		out[r.Name] = r.Secret
	}
	return out
}

// diffState describes how got differs from want by name; secrets are never
// shown, only whether they match.
func diffState(want, got map[string]string) string {
	var b strings.Builder
	for n, s := range want {
		g, ok := got[n]
		switch {
		case !ok:
			fmt.Fprintf(&b, " lost %q;", n)
		case g != s:
			fmt.Fprintf(&b, " %q holds another token;", n)
		}
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			fmt.Fprintf(&b, " unexpected %q;", n)
		}
	}
	return b.String()
}

// TestCrash_ServiceWrites_SIGKILL kills a child writing through
// tokens.Service at random points, 40 times. After every kill the vault must
// open undamaged and hold exactly what the finished operations wrote, plus
// or minus the one operation that was in flight.
func TestCrash_ServiceWrites_SIGKILL(t *testing.T) {
	t.Parallel()
	const rounds = 40
	const pass = "crash test passphrase"
	path := newPassVault(t, t.TempDir(), pass)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	state := map[string]string{}
	var lastGen uint64
	var finished, inflightKept, inflightLost, killedEarly int
	for round := range rounds {
		cmd := child(t, "crash-worker", "CXT_VAULT="+path, "CXT_PASS="+pass,
			"CXT_ROUND="+strconv.Itoa(round), "CXT_SEED="+strconv.FormatUint(seed, 10))
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		log := readWorker(out)
		if round%4 == 0 {
			// Anywhere from start-up on: opening the vault, the first list.
			time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		} else {
			select {
			case <-log.ready:
			case <-time.After(60 * time.Second):
				killGroup(cmd)
				t.Fatalf("round %d: the worker did not get ready in 60 s; stderr: %s", round, stderr.String())
			}
			time.Sleep(time.Duration(rng.IntN(250)) * time.Millisecond)
		}
		killGroup(cmd)
		<-log.done
		werr := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(werr, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: the worker ended by itself (%v) before the kill; stderr: %s; log: %q", round, werr, stderr.String(), log.lines)
		}

		next, inflight := replay(t, state, log.lines, secretFor)
		for _, ln := range log.lines {
			if strings.HasPrefix(ln, "E ") {
				finished++
			}
		}
		if len(log.lines) == 0 {
			killedEarly++
		}
		v := openPassVault(t, path, pass)
		got := vaultState(t, v)
		gen, err := v.Generation()
		if err != nil {
			t.Fatal(err)
		}
		v.Close()
		if gen < lastGen {
			t.Errorf("round %d: the generation went back from %d to %d", round, lastGen, gen)
		}
		lastGen = gen
		switch {
		case maps.Equal(got, next):
			if inflight != nil {
				inflightLost++
			}
		case inflight != nil && maps.Equal(got, inflight.apply(next, secretFor)):
			inflightKept++
		default:
			in := "none"
			if inflight != nil {
				in = inflight.kind + " " + strings.Join(inflight.args, " ")
			}
			t.Fatalf("round %d: the vault does not hold what the finished operations wrote (in flight: %s):%s", round, in, diffState(next, got))
		}
		state = got
	}
	t.Logf("%d rounds: %d operations returned success, %d kills during start-up, in-flight operation kept %d times and not %d times; %d tokens at the end",
		rounds, finished, killedEarly, inflightKept, inflightLost, len(state))
	if finished < rounds {
		t.Errorf("only %d operations finished in %d rounds: the kills came too early to prove much", finished, rounds)
	}
}

// TestCrash_CLIAdd_SIGKILL runs the built binary's `add` in a shell loop
// and kills the whole process group (shell and cxtokens) with SIGKILL at
// random points, 15 times, starting without a vault so that the first add
// creates one with the OS keyring. The shell echoes a name only after
// `cxtokens add` exited 0. Every such name must be in the vault with its
// token, and the binary must still list the vault.
func TestCrash_CLIAdd_SIGKILL(t *testing.T) {
	needBus(t)
	t.Parallel()
	const rounds = 15
	w := newWorld(t)
	path := filepath.Join(w.dir("XDG_CONFIG_HOME"), "cxtokens", "vault.db")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	const script = `while read -r name tok; do
	echo "B add $name"
	printf '%s\n' "$tok" | "$CXT" add "$name" 2>>"$ERRLOG" || exit 9
	echo "E add $name"
done < "$LIST"
exit 0
`
	state := map[string]string{}
	var finished int
	for round := range rounds {
		list := filepath.Join(w.root, fmt.Sprintf("round-%02d.txt", round))
		var b strings.Builder
		for i := range 200 {
			name := fmt.Sprintf("cli-%02d-%03d", round, i)
			fmt.Fprintf(&b, "%s %s\n", name, secretFor(name))
		}
		if err := os.WriteFile(list, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		errlog := filepath.Join(w.root, "stderr.log")
		cmd := exec.Command("sh", "-c", script)
		cmd.Env = append(append([]string(nil), w.env...), "CXT="+cxtokensBin(t), "LIST="+list, "ERRLOG="+errlog)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		log := readWorker(out)
		time.Sleep(time.Duration(rng.IntN(700)) * time.Millisecond)
		killGroup(cmd)
		<-log.done
		werr := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(werr, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			msg, _ := os.ReadFile(errlog)
			t.Fatalf("round %d: the add loop ended by itself (%v) before the kill; cxtokens said: %s", round, werr, msg)
		}
		next, inflight := replay(t, state, log.lines, secretFor)
		for _, ln := range log.lines {
			if strings.HasPrefix(ln, "E ") {
				finished++
			}
		}
		got := map[string]string{}
		if vault.Exists(path) {
			v, err := vault.Open(vault.Options{Path: path, Keyring: vault.NewSystemKeyring(0), LockTimeout: 10 * time.Second})
			if err != nil {
				t.Fatalf("round %d: open the vault after the kill: %v", round, err)
			}
			got = vaultState(t, v)
			v.Close()
		}
		if !maps.Equal(got, next) && (inflight == nil || !maps.Equal(got, inflight.apply(next, secretFor))) {
			t.Fatalf("round %d: the vault does not hold what the finished adds wrote:%s", round, diffState(next, got))
		}
		state = got
	}
	r := w.must(w.cli("", "list", "--json"), 0)
	if n := strings.Count(r.stdout, `"name"`); n != len(state) {
		t.Errorf("cxtokens list --json shows %d tokens, the vault holds %d", n, len(state))
	}
	var litter []string
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if e.Name() != filepath.Base(path) {
			litter = append(litter, e.Name())
		}
	}
	t.Logf("%d rounds: %d adds returned success, %d tokens at the end; other files beside the vault: %q", rounds, finished, len(state), litter)
	if finished < rounds {
		t.Errorf("only %d adds finished in %d rounds: the kills came too early to prove much", finished, rounds)
	}
}
