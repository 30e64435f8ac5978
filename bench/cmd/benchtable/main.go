// Command benchtable measures the figures the cxtokens issues set targets
// for and prints them as one table, each beside its reference measured in
// the same run: `cxtokens get` beside `secret-tool lookup`, the desktop
// app's start and idle memory beside a bare Fyne window (bench/hello), the
// vault package's benchmarks at 10,000 tokens, testing 100 tokens against
// the emulator with added latency beside doing it one at a time, and the
// desktop list filter.
//
// It runs inside scripts/session.sh (D-Bus session, throw-away unlocked
// gnome-keyring, Xvfb) through scripts/bench.sh; see the README's
// benchmark section. It talks to loopback only.
//
// It drives the built binary and imports tokens and api/emulator for the
// TestMany row; it must not import Fyne (the reference window is its own
// program) or ui.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// config is the command line.
type config struct {
	bin, hello        string
	title, helloTitle string
	module, goCmd     string
	seed              int
	getRuns           int
	desktopRuns       int
	idle              time.Duration
	sections          string
}

var started = time.Now()

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench %5.1fs: %s\n", time.Since(started).Seconds(), fmt.Sprintf(format, args...))
}

func main() { os.Exit(mainCode()) }

func mainCode() int {
	var cfg config
	flag.StringVar(&cfg.bin, "bin", "bin/cxtokens", "the cxtokens binary to measure")
	flag.StringVar(&cfg.hello, "hello", "bin/bench-hello", "the bare Fyne window (built from bench/hello)")
	flag.StringVar(&cfg.title, "title", "CarrierX Tokens", "cxtokens' window title")
	flag.StringVar(&cfg.helloTitle, "hello-title", "Fyne Hello (cxtokens bench reference)", "bench/hello's window title")
	flag.StringVar(&cfg.module, "module", ".", "the cxtokens module directory, for go test")
	flag.StringVar(&cfg.goCmd, "go", "go", "the go command")
	flag.IntVar(&cfg.seed, "tokens", 100, "tokens seeded in the vault for rows 1, 2 and 4")
	flag.IntVar(&cfg.getRuns, "get-runs", 31, "runs of each command for row 1")
	flag.IntVar(&cfg.desktopRuns, "desktop-runs", 5, "launches of each program for row 2, after one warm-up")
	flag.DurationVar(&cfg.idle, "idle", 5*time.Second, "idle time before reading memory in row 2")
	flag.StringVar(&cfg.sections, "rows", "1,2,3,4,5", "which rows to measure (comma-separated)")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	want := map[string]bool{}
	for _, s := range strings.Split(cfg.sections, ",") {
		want[strings.TrimSpace(s)] = true
	}
	load0 := loadAvg()

	var rows []row
	if want["1"] || want["2"] || want["4"] {
		env, err := newBenchEnv(ctx, cfg)
		if err != nil {
			for _, id := range []string{"1", "2", "4"} {
				if want[id] {
					rows = append(rows, errRow(id, "seeding the vault for this row", err))
				}
			}
		} else {
			defer env.close()
			if want["1"] {
				rows = append(rows, benchGet(ctx, cfg, env)...)
			}
			if want["2"] {
				rows = append(rows, benchDesktop(ctx, cfg, env)...)
			}
			if want["4"] {
				rows = append(rows, benchTestMany(ctx, cfg, env)...)
			}
		}
	}
	if want["3"] {
		rows = append(rows, benchVault(ctx, cfg)...)
	}
	if want["5"] {
		rows = append(rows, benchFilter(ctx, cfg)...)
	}

	// Print in row order, whatever order they were measured in.
	slices.SortStableFunc(rows, func(a, b row) int { return strings.Compare(a.id, b.id) })
	header := fmt.Sprintf("cxtokens benchmark table, %s · %s · %s/%s, %d CPUs · %s · load average %s at start, %s at end · %s",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), cpuModel(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(),
		runtime.Version(), load0, loadAvg(), fmt.Sprintf("took %.0f s", time.Since(started).Seconds()))
	printTable(os.Stdout, header, rows)
	for _, r := range rows {
		if r.result == resultError {
			return 1
		}
	}
	return 0
}

// loadAvg is the 1-minute load average: on a shared machine it says how
// much else was running while we measured.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
