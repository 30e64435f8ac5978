package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// benchResult is one `go test -bench` line: iterations and each metric by
// unit ("ns/op", "file-MB", …).
type benchResult struct {
	iterations int64
	metrics    map[string]float64
}

var procSuffix = regexp.MustCompile(`-\d+$`)

// parseGoBench reads the benchmark lines of `go test -bench` output, keyed
// by benchmark name without the GOMAXPROCS suffix.
func parseGoBench(out string) map[string]benchResult {
	res := map[string]benchResult{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		r := benchResult{iterations: n, metrics: map[string]float64{}}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			r.metrics[f[i+1]] = v
		}
		res[procSuffix.ReplaceAllString(f[0], "")] = r
	}
	return res
}

// goBench runs one package's benchmarks matching pattern in the module.
func goBench(ctx context.Context, cfg config, pkg, pattern string) (map[string]benchResult, error) {
	args := []string{"-C", cfg.module, "test", "-run", "^$", "-bench", pattern, "-count", "1", "-timeout", "4m", pkg}
	logf("go %s", strings.Join(args, " "))
	res, err := run(ctx, os.Environ(), "", cfg.goCmd, args...)
	if err != nil {
		return nil, fmt.Errorf("%w%s", err, lastLines(string(res.stdout), 5))
	}
	return parseGoBench(string(res.stdout)), nil
}

// lastLines is the tail of a failed go test's output for the note, where
// the reason usually is ("--- FAIL", a panic, a build error).
func lastLines(out string, n int) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 1 && lines[0] == "" {
		return ""
	}
	return "; output ends: " + strings.Join(lines, " / ")
}

// hasBenchmark reports whether a _test.go file in dir declares func name.
func hasBenchmark(dir, name string) (bool, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		return false, err
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return false, err
		}
		if strings.Contains(string(b), "func "+name+"(") {
			return true, nil
		}
	}
	return false, nil
}

func ns(r benchResult) float64 { return r.metrics["ns/op"] / 1e9 }

// benchVault runs the vault package's own benchmarks (a 10,000-token vault
// built once, copied per benchmark) and checks the absolute targets.
func benchVault(ctx context.Context, cfg config) []row {
	const (
		fGet  = "vault open + get one of 10,000"
		fList = "vault list, decrypting all 10,000"
		fAdd  = "vault add one to 10,000 (commit with fsync)"
		fSize = "vault file size at 10,000 tokens"
	)
	res, err := goBench(ctx, cfg, "./vault/", ".")
	if err != nil {
		return []row{errRow("3a", fGet, err), errRow("3b", fList, err), errRow("3c", fAdd, err), errRow("3d", fSize, err)}
	}
	pick := func(id, figure, name string, f func(benchResult) row) row {
		r, ok := res[name]
		if !ok {
			return errRow(id, figure, fmt.Errorf("vault has no %s", name))
		}
		return f(r).note("%s: %s", name, describe(r))
	}
	rows := []row{
		pick("3a", fGet, "BenchmarkOpenGet", func(r benchResult) row { return absRow("3a", fGet, ns(r), 0.001, fmtDur) }),
		pick("3b", fList, "BenchmarkList", func(r benchResult) row { return absRow("3b", fList, ns(r), 0.050, fmtDur) }),
		pick("3c", fAdd, "BenchmarkAdd", func(r benchResult) row { return infoRow("3c", fAdd, fmtDur(ns(r)), "—", "—") }),
	}
	size := func(r benchResult) row {
		mb, ok := r.metrics["file-MB"]
		if !ok {
			return errRow("3d", fSize, errors.New("BenchmarkList reports no file-MB metric"))
		}
		return absRow("3d", fSize, mb*1e6, 5e6, fmtMB)
	}
	rows = append(rows, pick("3d", fSize, "BenchmarkList", size))
	// Any other benchmark the vault package has is shown too, as
	// information: it was run anyway, and hiding it would be odd.
	seen := map[string]bool{"BenchmarkOpenGet": true, "BenchmarkList": true, "BenchmarkAdd": true}
	extra := []string{"BenchmarkGet"}
	var rest []string
	for name := range res {
		if !seen[name] && name != "BenchmarkGet" {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	id := 'e'
	for _, name := range append(extra, rest...) {
		if _, ok := res[name]; !ok {
			continue
		}
		figure, ok := vaultFigures[name]
		if !ok {
			figure = "vault " + strings.TrimPrefix(name, "Benchmark")
		}
		rid := "3" + string(id)
		rows = append(rows, pick(rid, figure, name, func(r benchResult) row { return infoRow(rid, figure, fmtDur(ns(r)), "—", "—") }))
		id++
	}
	return rows
}

// vaultFigures names the vault benchmarks the table knows, beyond the
// three with targets.
var vaultFigures = map[string]string{
	"BenchmarkGet":        "vault get one of 10,000 by name, vault already open",
	"BenchmarkGetByID":    "vault get one of 10,000 by id, vault already open",
	"BenchmarkDefaultKDF": "passphrase key derivation at the default Argon2id cost",
}

func describe(r benchResult) string {
	var parts []string
	parts = append(parts, fmt.Sprintf("%d iterations", r.iterations))
	for _, u := range []string{"ns/op", "file-MB", "B/op", "allocs/op"} {
		if v, ok := r.metrics[u]; ok {
			parts = append(parts, strconv.FormatFloat(v, 'f', -1, 64)+" "+u)
		}
	}
	return strings.Join(parts, ", ")
}

// benchFilter measures one keystroke in the desktop list's search field
// with 10,000 tokens listed (target ≤ 50 ms): bench/uifilter's benchmark,
// which drives the real ui package on Fyne's test driver, and ui's own
// BenchmarkFilter as well if the desktop package has one.
func benchFilter(ctx context.Context, cfg config) []row {
	const figure = "filter a 10,000-token list, one keystroke"
	var rows []row
	res, err := goBench(ctx, cfg, "./bench/uifilter/", "^BenchmarkDesktopFilter$")
	if err == nil {
		if r, ok := res["BenchmarkDesktopFilter"]; ok {
			rows = append(rows, absRow("5", figure, ns(r), 0.050, fmtDur).
				note("BenchmarkDesktopFilter (bench/uifilter: the real window on Fyne's test driver, keystrokes typed into its search field, list refreshed): %s", describe(r)))
		} else {
			err = errors.New("go test printed no BenchmarkDesktopFilter result")
		}
	}
	if err != nil {
		rows = append(rows, errRow("5", figure, err))
	}
	ok, err := hasBenchmark(filepath.Join(cfg.module, "ui"), "BenchmarkFilter")
	switch {
	case err != nil:
		rows = append(rows, errRow("5b", figure+", ui's own benchmark", err))
	case ok:
		res, err := goBench(ctx, cfg, "./ui/", "^BenchmarkFilter$")
		if r, found := res["BenchmarkFilter"]; err == nil && found {
			rows = append(rows, absRow("5b", figure+", ui's own benchmark", ns(r), 0.050, fmtDur).note("ui BenchmarkFilter: %s", describe(r)))
		} else {
			if err == nil {
				err = errors.New("go test printed no BenchmarkFilter result")
			}
			rows = append(rows, errRow("5b", figure+", ui's own benchmark", err))
		}
	}
	return rows
}
