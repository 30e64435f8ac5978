package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// runResult is one finished child process.
type runResult struct {
	stdout, stderr []byte
	wall           time.Duration // from just before fork/exec to after wait
}

// run starts name with args, feeds it stdin, and times it from exec to
// exit. The wall time is what a person typing the command waits for.
func run(ctx context.Context, env []string, stdin string, name string, args ...string) (runResult, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	start := time.Now()
	err := cmd.Run()
	res := runResult{stdout: out.Bytes(), stderr: errb.Bytes(), wall: time.Since(start)}
	if err != nil {
		return res, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, lastLine(errb.String()))
	}
	return res, nil
}

// lastLine is the last non-empty line of a child's stderr, where its own
// error message is (libraries' warnings come earlier), cut to a sane length.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	l := strings.TrimSpace(lines[len(lines)-1])
	if len(l) > 300 {
		l = l[:300] + "…"
	}
	return l
}

// withEnv returns base with the given KEY=VALUE pairs replacing any
// earlier value of the same key.
func withEnv(base []string, kv ...string) []string {
	out := make([]string, 0, len(base)+len(kv))
	for _, e := range base {
		k, _, _ := strings.Cut(e, "=")
		replaced := false
		for _, n := range kv {
			if nk, _, _ := strings.Cut(n, "="); nk == k {
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, e)
		}
	}
	return append(out, kv...)
}

// cpuTicks reads utime+stime (clock ticks) of pid from /proc/PID/stat.
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatTicks(string(b))
}

// parseStatTicks takes utime and stime (fields 14 and 15) from a
// /proc/PID/stat line. The command name (field 2) may hold spaces and
// parentheses, so fields are counted after its last ')'.
func parseStatTicks(stat string) (int64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("proc stat: no command field")
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 13 {
		return 0, errors.New("proc stat: too few fields")
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("proc stat: %w", err)
	}
	return u + s, nil
}

// rssBytes reads VmRSS of pid from /proc/PID/status.
func rssBytes(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseVMRSS(string(b))
}

func parseVMRSS(status string) (int64, error) {
	for _, line := range strings.Split(status, "\n") {
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("proc status: odd VmRSS line %q", line)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("proc status: %w", err)
		}
		return kb * 1024, nil
	}
	return 0, errors.New("proc status: no VmRSS line")
}

// clockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat times.
// Go has no sysconf without cgo, so ask getconf once.
func clockTicks(ctx context.Context) (int64, error) {
	res, err := run(ctx, os.Environ(), "", "getconf", "CLK_TCK")
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(res.stdout)), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("getconf CLK_TCK: odd answer %q", res.stdout)
	}
	return n, nil
}
