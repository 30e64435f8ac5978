package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSample_Median(t *testing.T) {
	tests := []struct {
		in   sample
		want float64
	}{
		{nil, 0},
		{sample{3}, 3},
		{sample{5, 1, 3}, 3},
		{sample{4, 1, 3, 2}, 2.5},
		{sample{1, 100, 2, 3, 2}, 2}, // one slow run does not move it
	}
	for _, tt := range tests {
		if got := tt.in.median(); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	s := sample{5, 1, 3}
	s.median()
	if s[0] != 5 || s[1] != 1 {
		t.Errorf("median reordered its input: %v", s)
	}
}

func TestParseGoBench(t *testing.T) {
	out := `goos: linux
goarch: amd64
pkg: cxtokens/vault
cpu: Intel(R) Xeon(R) Processor @ 2.60GHz
BenchmarkOpenGet-2         	    1522	    712345 ns/op	         3.112 file-MB
BenchmarkList-2            	      31	  38123456 ns/op	         3.112 file-MB	 123 B/op	 4 allocs/op
BenchmarkDefaultKDF        	       2	 512345678 ns/op
BenchmarkBroken-2 	 --- FAIL: nothing
PASS
ok  	cxtokens/vault	12.345s
`
	got := parseGoBench(out)
	if len(got) != 3 {
		t.Fatalf("parsed %d benchmarks, want 3: %v", len(got), got)
	}
	og := got["BenchmarkOpenGet"]
	if og.iterations != 1522 || og.metrics["ns/op"] != 712345 || og.metrics["file-MB"] != 3.112 {
		t.Errorf("BenchmarkOpenGet = %+v", og)
	}
	if l := got["BenchmarkList"]; l.metrics["allocs/op"] != 4 || l.metrics["B/op"] != 123 {
		t.Errorf("BenchmarkList = %+v", l)
	}
	if ns(got["BenchmarkDefaultKDF"]) != 0.512345678 {
		t.Errorf("BenchmarkDefaultKDF = %+v", got["BenchmarkDefaultKDF"])
	}
}

func TestParseStatTicks(t *testing.T) {
	// The command name holds a space and a ')' to prove fields are counted
	// after the last one. utime is 1500, stime 250.
	stat := "4242 (cx (tok) s) S 1 4242 4242 0 -1 4194560 12000 0 3 0 1500 250 0 0 20 0 14 0 123456 2000000000 40000"
	got, err := parseStatTicks(stat)
	if err != nil || got != 1750 {
		t.Errorf("parseStatTicks = %d, %v; want 1750", got, err)
	}
	if _, err := parseStatTicks("4242 (x) S 1 2"); err == nil {
		t.Error("short stat line: want an error")
	}
	if _, err := parseStatTicks("no command field"); err == nil {
		t.Error("no ')': want an error")
	}
}

func TestParseVMRSS(t *testing.T) {
	status := "Name:\tcxtokens\nVmPeak:\t 2000 kB\nVmRSS:\t  175104 kB\nThreads:\t14\n"
	got, err := parseVMRSS(status)
	if err != nil || got != 175104*1024 {
		t.Errorf("parseVMRSS = %d, %v; want %d", got, err, 175104*1024)
	}
	for _, bad := range []string{"Name:\tx\n", "VmRSS:\t12 MB\n", "VmRSS:\tlots kB\n"} {
		if _, err := parseVMRSS(bad); err == nil {
			t.Errorf("parseVMRSS(%q): want an error", bad)
		}
	}
}

func TestParseXprop(t *testing.T) {
	tests := []struct {
		out       string
		wantPID   int
		wantTitle string
	}{
		{"_NET_WM_PID(CARDINAL) = 4242\nWM_NAME(UTF8_STRING) = \"CarrierX Tokens\"\n", 4242, "CarrierX Tokens"},
		{"_NET_WM_PID:  not found.\nWM_NAME(STRING) = \"say \\\"hi\\\"\"\n", 0, `say "hi"`},
		{"_NET_WM_PID:  not found.\nWM_NAME:  not found.\n", 0, ""},
	}
	for _, tt := range tests {
		pid, title := parseXprop(tt.out)
		if pid != tt.wantPID || title != tt.wantTitle {
			t.Errorf("parseXprop(%q) = %d, %q; want %d, %q", tt.out, pid, title, tt.wantPID, tt.wantTitle)
		}
	}
}

func TestXWatch_Read(t *testing.T) {
	// What `xev -root -event substructure` prints when a window is created
	// and mapped; only the MapNotify may become an event.
	out := `
CreateNotify event, serial 18, synthetic NO, window 0x50d,
    parent 0x50d, window 0x400001, (0,0), width 178, height 178
border_width 2, override NO

MapNotify event, serial 18, synthetic NO, window 0x50d,
    event 0x50d, window 0x400001, override NO

UnmapNotify event, serial 18, synthetic NO, window 0x50d,
    event 0x50d, window 0x400001, from_configure NO
`
	x := &xwatch{events: make(chan mapEvent, 8)}
	before := time.Now()
	x.read(bufio.NewScanner(strings.NewReader(out)))
	close(x.events)
	var got []mapEvent
	for ev := range x.events {
		got = append(got, ev)
	}
	if len(got) != 1 || got[0].window != "0x400001" || got[0].at.Before(before) {
		t.Errorf("events = %+v, want one MapNotify of 0x400001", got)
	}
}

func TestWithEnv(t *testing.T) {
	got := withEnv([]string{"HOME=/root", "PATH=/bin", "HOMEDIR=x"}, "HOME=/tmp/h", "NEW=1")
	want := []string{"PATH=/bin", "HOMEDIR=x", "HOME=/tmp/h", "NEW=1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("withEnv = %v, want %v", got, want)
	}
}

func TestScrubber(t *testing.T) {
	const tok = "5ebc03d6-8b2b-44ad-bf65-72d4f1491dda"
	s := &scrubber{}
	s.add(tok)
	s.add("")
	got := s.scrub("add: token " + tok + " refused")
	if strings.Contains(got, tok) || !strings.Contains(got, "5ebc…1dda") {
		t.Errorf("scrub left the token or lost its mask: %q", got)
	}
}

func TestRows_Verdicts(t *testing.T) {
	tests := []struct {
		name       string
		r          row
		wantResult string
		wantRatio  string
	}{
		{"rel pass", relRow("1", "f", 0.012, 0.010, "(ref)", fmtDur, 1.5), resultPass, "1.20×"},
		{"rel at limit", relRow("1", "f", 0.015, 0.010, "(ref)", fmtDur, 1.5), resultPass, "1.50×"},
		{"rel miss", relRow("1", "f", 0.016, 0.010, "(ref)", fmtDur, 1.5), resultMiss, "1.60×"},
		{"rel zero ref", relRow("1", "f", 0.016, 0, "(ref)", fmtDur, 1.5), resultError, "—"},
		{"abs pass", absRow("3a", "f", 0.0004, 0.001, fmtDur), resultPass, "0.40× of target"},
		{"abs miss", absRow("3b", "f", 0.080, 0.050, fmtDur), resultMiss, "1.60× of target"},
	}
	for _, tt := range tests {
		if tt.r.result != tt.wantResult || tt.r.ratio != tt.wantRatio {
			t.Errorf("%s: result %s ratio %s, want %s %s", tt.name, tt.r.result, tt.r.ratio, tt.wantResult, tt.wantRatio)
		}
	}
}

func TestFmtDur(t *testing.T) {
	tests := map[float64]string{0.000412: "412 µs", 0.00412: "4.12 ms", 0.0412: "41.2 ms", 1.3: "1.30 s"}
	for in, want := range tests {
		if got := fmtDur(in); got != want {
			t.Errorf("fmtDur(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestPrintTable(t *testing.T) {
	rows := []row{
		relRow("1", "get", 0.012, 0.010, "(secret-tool lookup)", fmtDur, 1.5).note("n=31"),
		errRow("2a", "desktop start", os.ErrNotExist),
	}
	var b bytes.Buffer
	printTable(&b, "header line", rows)
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if lines[0] != "header line" || lines[1] != "" {
		t.Fatalf("header missing: %q", lines[:2])
	}
	table := lines[2:6]
	width := len([]rune(table[0]))
	for _, l := range table {
		if !strings.HasPrefix(l, "|") || len([]rune(l)) != width {
			t.Errorf("table line not aligned to %d runes: %q", width, l)
		}
	}
	if !strings.Contains(table[2], "12.0 ms") || !strings.Contains(table[2], "1.20×") || !strings.Contains(table[2], "PASS") {
		t.Errorf("row 1 = %q", table[2])
	}
	rest := strings.Join(lines[6:], "\n")
	if !strings.Contains(rest, "- [1] n=31") || !strings.Contains(rest, "- [2a] not measured: file does not exist") {
		t.Errorf("notes = %q", rest)
	}
}

func TestHasBenchmark(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("list.go", "package ui\nfunc BenchmarkFilter(b *testing.B) {}\n") // not a test file
	write("list_test.go", "package ui\nfunc BenchmarkFilterWide(b *testing.B) {}\n")
	if ok, err := hasBenchmark(dir, "BenchmarkFilter"); err != nil || ok {
		t.Errorf("hasBenchmark = %v, %v; want false (only a longer name and a non-test file)", ok, err)
	}
	write("filter_test.go", "package ui\nfunc BenchmarkFilter(b *testing.B) {}\n")
	if ok, err := hasBenchmark(dir, "BenchmarkFilter"); err != nil || !ok {
		t.Errorf("hasBenchmark = %v, %v; want true", ok, err)
	}
}

func TestParseXwininfo(t *testing.T) {
	out := `
xwininfo: Window id: 0x400001 "CarrierX Tokens"

  Absolute upper-left X:  0
  Absolute upper-left Y:  0
  Width: 1000
  Height: 660
  Depth: 24
`
	if w, h := parseXwininfo(out); w != 1000 || h != 660 {
		t.Errorf("parseXwininfo = %d×%d, want 1000×660", w, h)
	}
	if w, h := parseXwininfo("xwininfo: error: no such window\n"); w != 0 || h != 0 {
		t.Errorf("parseXwininfo of an error = %d×%d, want 0×0", w, h)
	}
}
