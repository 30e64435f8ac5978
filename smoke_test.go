package main

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestDesktop_Smoke builds the binary and runs the desktop app under the
// session's X display: the window must map, render something that is not
// blank, answer a second launch by staying single, write nothing to stderr
// but the lines this headless session explains, and quit cleanly on Ctrl+Q
// and on SIGTERM.
func TestDesktop_Smoke(t *testing.T) {
	if os.Getenv("DISPLAY") == "" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Skip("needs a display and a session bus: run it inside scripts/session.sh (make test does)")
	}
	for _, tool := range []string{"xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing (scripts/install-deps.sh test installs it): %v", tool, err)
		}
	}
	bin := filepath.Join(t.TempDir(), "cxtokens")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	t.Run("demo", func(t *testing.T) {
		env, tmp := smokeEnv(t)
		app := startApp(t, bin, env, "demo")
		win := waitForWindow(t, app, "CarrierX Tokens (demo)")
		checkNotBlank(t, win)

		second := exec.Command(bin, "demo")
		second.Env = env
		out, err := second.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "already running") {
			t.Errorf("a second launch: %v, %q; want exit 0 saying one is running", err, out)
		}

		app.quit(t, win)
		checkStderr(t, app.stderr.String())
		if left, _ := filepath.Glob(filepath.Join(tmp, "cxtokens-demo-*")); len(left) > 0 {
			t.Errorf("the demo left %v behind", left)
		}
	})

	t.Run("vault", func(t *testing.T) {
		env, tmp := smokeEnv(t)
		vaultPath := filepath.Join(tmp, "vault.db")
		add := exec.Command(bin, "--vault", vaultPath, "add", "laptop")
		add.Env = env
		add.Stdin = strings.NewReader("5ebc03d6-8b2b-44ad-bf65-72d4f1491dda\n")
		if out, err := add.CombinedOutput(); err != nil {
			t.Fatalf("cxtokens add: %v\n%s", err, out)
		}
		app := startApp(t, bin, env, "--vault", vaultPath)
		win := waitForWindow(t, app, "CarrierX Tokens")
		checkNotBlank(t, win)
		app.quit(t, win)
		checkStderr(t, app.stderr.String())

		// SIGTERM (a logout, a kill) quits the way Quit does: a clean exit,
		// after clearing a token we put on the clipboard.
		app = startApp(t, bin, env, "--vault", vaultPath)
		waitForWindow(t, app, "CarrierX Tokens")
		app.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-app.exited:
			if app.err != nil {
				t.Errorf("after SIGTERM the app did not exit cleanly: %v\nstderr:\n%s", app.err, app.stderr)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("the app did not quit on SIGTERM\nstderr:\n%s", app.stderr)
		}
		checkStderr(t, app.stderr.String())
	})
}

// smokeEnv isolates a run: its own config dir (Fyne preferences, the
// default vault) and temp dir.
func smokeEnv(t *testing.T) (env []string, tmp string) {
	tmp = t.TempDir()
	return append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(tmp, "config"), "TMPDIR="+tmp), tmp
}

type runningApp struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	exited chan struct{} // closed when the process has exited; err is then set
	err    error
}

func startApp(t *testing.T, bin string, env []string, args ...string) *runningApp {
	t.Helper()
	a := &runningApp{cmd: exec.Command(bin, args...), stderr: &syncBuffer{}, exited: make(chan struct{})}
	a.cmd.Env = env
	a.cmd.Stderr = a.stderr
	a.cmd.WaitDelay = 5 * time.Second // a child holding stderr open must not hang the test
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { a.err = a.cmd.Wait(); close(a.exited) }()
	t.Cleanup(func() {
		select {
		case <-a.exited:
		default:
			a.cmd.Process.Kill()
			<-a.exited
		}
	})
	return a
}

// waitForWindow waits until a window with exactly this title is mapped and
// returns its X id.
func waitForWindow(t *testing.T, a *runningApp, title string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-a.exited:
			t.Fatalf("the app exited before its window mapped: %v\nstderr:\n%s", a.err, a.stderr)
		default:
		}
		out, _ := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^"+regexp.QuoteMeta(title)+"$").Output()
		if ids := strings.Fields(string(out)); len(ids) > 0 {
			time.Sleep(1500 * time.Millisecond) // the first frames and the background load
			return ids[0]
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no window %q mapped within a minute\nstderr:\n%s", title, a.stderr)
	return ""
}

// checkNotBlank captures the window and wants more than a few colours: text,
// buttons and icons, not an empty or single-colour surface.
func checkNotBlank(t *testing.T, win string) {
	t.Helper()
	shot := filepath.Join(t.TempDir(), "window.png")
	if out, err := exec.Command("import", "-window", win, shot).CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	n := colours(img)
	t.Logf("window %v with %d distinct colours", img.Bounds().Size(), n)
	if n < 40 {
		t.Errorf("the window shows only %d distinct colours; it looks blank", n)
	}
	if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 300 {
		t.Errorf("the window is %v, too small to be the app", b.Size())
	}
}

func colours(img image.Image) int {
	seen := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[r>>8<<16|g>>8<<8|bl>>8] = true
		}
	}
	return len(seen)
}

// quit presses Ctrl+Q in the window and waits for a clean exit.
func (a *runningApp) quit(t *testing.T, win string) {
	t.Helper()
	exec.Command("xdotool", "windowfocus", "--sync", win).Run()
	if out, err := exec.Command("xdotool", "key", "--clearmodifiers", "ctrl+q").CombinedOutput(); err != nil {
		t.Fatalf("xdotool key: %v\n%s", err, out)
	}
	select {
	case <-a.exited:
		if a.err != nil {
			t.Errorf("the app did not exit cleanly: %v\nstderr:\n%s", a.err, a.stderr)
		}
	case <-time.After(20 * time.Second):
		a.cmd.Process.Signal(syscall.SIGQUIT) // a goroutine dump on stderr, for the failure below
		t.Fatalf("the app did not quit on Ctrl+Q\nstderr:\n%s", a.stderr)
	}
}

// expectedStderr are the only blocks the app may log here, each explained:
var expectedStderr = []*regexp.Regexp{
	// Fyne 2.7.1 saves its preferences file at quit and its own watcher on
	// that file can read it between truncate and write (app/preferences.go).
	regexp.MustCompile(`Preferences load error:\n.*Cause: EOF`),
}

// checkStderr splits stderr into Fyne's log blocks (a timestamped line and
// its indented Cause/At lines) and fails on any it does not expect.
func checkStderr(t *testing.T, stderr string) {
	t.Helper()
	var blocks []string
	for _, line := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
		switch {
		case line == "":
		case strings.Contains(line, "  Cause:") || strings.Contains(line, "  At:"):
			if len(blocks) > 0 {
				blocks[len(blocks)-1] += "\n" + line
				continue
			}
			blocks = append(blocks, line)
		default:
			blocks = append(blocks, line)
		}
	}
next:
	for _, b := range blocks {
		for _, re := range expectedStderr {
			if re.MatchString(b) {
				continue next
			}
		}
		t.Errorf("unexpected stderr output:\n%s", b)
	}
}

// syncBuffer is a bytes.Buffer the process writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
