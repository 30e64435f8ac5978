package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// mapEvent is one top-level window being mapped on the display.
type mapEvent struct {
	window string // X id, "0x…"
	at     time.Time
}

// xwatch reports every window mapped on the display, as it happens: it runs
// `xev -root -event substructure`, which the X server tells about each
// child of the root window being mapped. Event-driven, so the start time is
// not rounded up to a polling interval and no poller competes with the app
// for the CPU while it starts.
type xwatch struct {
	cmd    *exec.Cmd
	events chan mapEvent
	done   chan struct{}
}

var mapLine = regexp.MustCompile(`\bevent (0x[0-9a-f]+), window (0x[0-9a-f]+)`)

func startXWatch(ctx context.Context) (*xwatch, error) {
	if os.Getenv("DISPLAY") == "" {
		return nil, errors.New("no DISPLAY: run through scripts/session.sh, which starts Xvfb")
	}
	cmd := exec.CommandContext(ctx, "xev", "-root", "-event", "substructure")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start xev: %w", err)
	}
	x := &xwatch{cmd: cmd, events: make(chan mapEvent, 64), done: make(chan struct{})}
	go func() {
		defer close(x.done)
		x.read(bufio.NewScanner(out))
	}()
	return x, nil
}

// read turns xev's two-line MapNotify reports into events, timed at the
// first line.
func (x *xwatch) read(sc *bufio.Scanner) {
	var pending time.Time
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "MapNotify event") {
			pending = time.Now()
			continue
		}
		if pending.IsZero() {
			continue
		}
		if m := mapLine.FindStringSubmatch(line); m != nil {
			select {
			case x.events <- mapEvent{window: m[2], at: pending}:
			default: // nobody is waiting; an old event is of no use
			}
		}
		pending = time.Time{}
	}
}

func (x *xwatch) stop() {
	if x.cmd.Process != nil {
		x.cmd.Process.Kill()
	}
	x.cmd.Wait()
	<-x.done
}

// flush forgets events from earlier runs.
func (x *xwatch) flush() {
	for {
		select {
		case <-x.events:
		default:
			return
		}
	}
}

// windowInfo reads the owner pid and title of a window with xprop.
func windowInfo(ctx context.Context, win string) (pid int, title string, err error) {
	res, err := run(ctx, os.Environ(), "", "xprop", "-id", win, "_NET_WM_PID", "WM_NAME")
	if err != nil {
		return 0, "", err
	}
	pid, title = parseXprop(string(res.stdout))
	return pid, title, nil
}

// parseXprop reads `_NET_WM_PID(CARDINAL) = 123` and
// `WM_NAME(UTF8_STRING) = "title"`; a missing property gives 0 or "".
func parseXprop(out string) (pid int, title string) {
	for _, line := range strings.Split(out, "\n") {
		name, val, ok := strings.Cut(line, " = ")
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(name, "_NET_WM_PID("):
			pid, _ = strconv.Atoi(strings.TrimSpace(val))
		case strings.HasPrefix(name, "WM_NAME("):
			if t, err := strconv.Unquote(strings.TrimSpace(val)); err == nil {
				title = t
			} else {
				title = strings.Trim(strings.TrimSpace(val), `"`)
			}
		}
	}
	return pid, title
}

// windowSize reads a window's size in pixels with xwininfo.
func windowSize(ctx context.Context, win string) (w, h int, err error) {
	res, err := run(ctx, os.Environ(), "", "xwininfo", "-id", win)
	if err != nil {
		return 0, 0, err
	}
	w, h = parseXwininfo(string(res.stdout))
	if w == 0 || h == 0 {
		return 0, 0, fmt.Errorf("xwininfo -id %s: no size in its answer", win)
	}
	return w, h, nil
}

// parseXwininfo reads the "  Width: 1000" and "  Height: 660" lines.
func parseXwininfo(out string) (w, h int) {
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			continue
		}
		switch k {
		case "Width":
			w = n
		case "Height":
			h = n
		}
	}
	return w, h
}

// launch is one start of a desktop program.
type launch struct {
	startup time.Duration // exec → its window mapped
	rss     int64         // VmRSS after the idle period, bytes
	cpu     float64       // CPU use over the idle period, percent of one core
	w, h    int           // the window's size in pixels
}

// desktopRun starts bin, waits for its window titled title to be mapped,
// lets it sit idle, reads its memory and CPU time, and ends it.
func (x *xwatch) desktopRun(ctx context.Context, env []string, bin string, args []string, title string, idle time.Duration, hz int64, sc *scrubber) (launch, error) {
	x.flush()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return launch{}, fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var stopOnce sync.Once
	stop := func() {
		stopOnce.Do(func() {
			// The process group: our child and anything it started.
			syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(3 * time.Second):
				syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				<-exited
			}
		})
	}
	defer stop()

	pid := cmd.Process.Pid
	deadline := time.After(30 * time.Second)
	var mapped time.Time
	var window string
	for mapped.IsZero() {
		select {
		case ev := <-x.events:
			wpid, wtitle, err := windowInfo(ctx, ev.window)
			if err != nil {
				continue // the window is gone already
			}
			if wpid == pid || wtitle == title {
				if wpid != 0 {
					pid = wpid
				}
				mapped, window = ev.at, ev.window
			}
		case err := <-exited:
			return launch{}, fmt.Errorf("%s exited before its window was mapped (%v): %s", bin, err, sc.scrub(lastLine(stderr.String())))
		case <-deadline:
			return launch{}, fmt.Errorf("%s: no window titled %q mapped within 30 s", bin, title)
		case <-ctx.Done():
			return launch{}, ctx.Err()
		}
	}
	l := launch{startup: mapped.Sub(start)}
	var err error
	if l.w, l.h, err = windowSize(ctx, window); err != nil {
		return launch{}, err
	}

	t0, err := cpuTicks(pid)
	if err != nil {
		return launch{}, err
	}
	w0 := time.Now()
	select {
	case <-time.After(idle):
	case err := <-exited:
		return launch{}, fmt.Errorf("%s exited while idle (%v): %s", bin, err, sc.scrub(lastLine(stderr.String())))
	case <-ctx.Done():
		return launch{}, ctx.Err()
	}
	t1, err := cpuTicks(pid)
	if err != nil {
		return launch{}, err
	}
	l.cpu = float64(t1-t0) / float64(hz) / time.Since(w0).Seconds() * 100
	if l.rss, err = rssBytes(pid); err != nil {
		return launch{}, err
	}
	return l, nil
}

// desktopSample is the figures of several launches of one program.
type desktopSample struct{ startup, rss, cpu sample }

func (d *desktopSample) add(l launch) {
	d.startup = append(d.startup, seconds(l.startup))
	d.rss = append(d.rss, float64(l.rss))
	d.cpu = append(d.cpu, l.cpu)
}

// benchDesktop launches cxtokens (on a vault of seeded tokens), the bare
// Fyne window, and the bare window resized to cxtokens' window size, in
// turns: one warm-up each, then rounds whose order rotates, so a burst of
// load from elsewhere hits all alike.
func benchDesktop(ctx context.Context, cfg config, env *benchEnv) []row {
	const (
		fStart = "desktop start → window mapped"
		fRSS   = "resident memory (VmRSS) after idle"
		fCPU   = "CPU while idle"
		fSized = "memory beside a bare window of the same size"
	)
	fail := func(err error) []row {
		err = errors.New(env.scrub.scrub(err.Error()))
		return []row{errRow("2a", fStart, err), errRow("2b", fRSS, err), errRow("2c", fCPU, err), errRow("2d", fSized, err)}
	}
	x, err := startXWatch(ctx)
	if err != nil {
		return fail(err)
	}
	defer x.stop()
	hz, err := clockTicks(ctx)
	if err != nil {
		return fail(err)
	}
	type prog struct {
		name, bin, title string
		args             []string
		s                desktopSample
		w, h             int
	}
	cx := &prog{name: "cxtokens", bin: cfg.bin, title: cfg.title}
	hello := &prog{name: "bare Fyne window", bin: cfg.hello, title: cfg.helloTitle}
	sized := &prog{name: "bare Fyne window, same size", bin: cfg.hello, title: cfg.helloTitle}
	launchOnce := func(p *prog, round int) error {
		if round < 0 {
			logf("desktop warm-up: %s", p.name)
		} else {
			logf("desktop run %d/%d: %s", round+1, cfg.desktopRuns, p.name)
		}
		l, err := x.desktopRun(ctx, env.appEnv, p.bin, p.args, p.title, cfg.idle, hz, env.scrub)
		if err != nil {
			return err
		}
		p.w, p.h = l.w, l.h
		if round >= 0 { // the warm-up fills the page cache, font and shader caches
			p.s.add(l)
		}
		return nil
	}
	// Warm-up, in an order that learns cxtokens' window size first.
	for _, p := range []*prog{cx, hello} {
		if err := launchOnce(p, -1); err != nil {
			return fail(err)
		}
	}
	sized.args = []string{"-size", fmt.Sprintf("%dx%d", cx.w, cx.h)}
	if err := launchOnce(sized, -1); err != nil {
		return fail(err)
	}
	progs := []*prog{cx, hello, sized}
	for round := range cfg.desktopRuns {
		for k := range progs {
			if err := launchOnce(progs[(round+k)%len(progs)], round); err != nil {
				return fail(err)
			}
		}
	}

	n, idle := cfg.desktopRuns, fmt.Sprintf("%.0f s", cfg.idle.Seconds())
	start := relRow("2a", fmt.Sprintf("%s, median of %d", fStart, n),
		cx.s.startup.median(), hello.s.startup.median(), "(bare Fyne window)", fmtDur, 1.25).
		note("start: cxtokens %s; bare Fyne window %s; timed from exec to the X MapNotify of its window",
			spread(cx.s.startup, fmtDur), spread(hello.s.startup, fmtDur))
	rss := relRow("2b", fmt.Sprintf("resident memory after %s idle, %d tokens", idle, len(env.names)),
		cx.s.rss.median(), hello.s.rss.median(), "(bare Fyne window)", fmtMB, 1.25).
		note("VmRSS: cxtokens %s (window %d×%d); bare Fyne window %s (window %d×%d)",
			spread(cx.s.rss, fmtMB), cx.w, cx.h, spread(hello.s.rss, fmtMB), hello.w, hello.h)
	pct := func(v float64) string { return fmt.Sprintf("%.1f %%", v) }
	cpu := infoRow("2c", fmt.Sprintf("CPU over those %s idle", idle), pct(cx.s.cpu.median()),
		pct(hello.s.cpu.median())+" (bare Fyne window)", "—").
		note("idle CPU is utime+stime over the idle period, %% of one core: cxtokens %s; bare Fyne window %s",
			spread(cx.s.cpu, pct), spread(hello.s.cpu, pct))
	same := relRow("2d", fmt.Sprintf("resident memory after %s idle, beside a bare window of cxtokens' size", idle),
		cx.s.rss.median(), sized.s.rss.median(), fmt.Sprintf("(bare Fyne window %d×%d)", sized.w, sized.h), fmtMB, 1.25)
	same.target, same.result = "—", resultInfo
	same = same.note("diagnostic, not the issue's reference: under Xvfb's software GL a window's buffers count in its process, so this row separates window size from cxtokens' own memory; bare window at cxtokens' size %s, start %s",
		spread(sized.s.rss, fmtMB), spread(sized.s.startup, fmtDur))
	return []row{start, rss, cpu, same}
}
