package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"cxtokens/api"
	"cxtokens/tokens"
	"cxtokens/vault"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name     string
		cmd      string // "" means list, which takes no command line after --
		args     []string
		min, max int
		wantPos  []string
		wantRest []string
		wantDash bool
		wantJSON bool
		wantErr  bool
	}{
		{name: "flags first", args: []string{"--json", "a"}, min: 1, max: 1, wantPos: []string{"a"}, wantJSON: true},
		{name: "flags after", args: []string{"a", "--json"}, min: 1, max: 1, wantPos: []string{"a"}, wantJSON: true},
		{name: "between", args: []string{"a", "-json", "b"}, min: 2, max: 2, wantPos: []string{"a", "b"}, wantJSON: true},
		{name: "dash dash", cmd: "exec", args: []string{"a", "--", "cmd", "--json", "-x"}, min: 1, max: 1, wantPos: []string{"a"}, wantRest: []string{"cmd", "--json", "-x"}, wantDash: true},
		{name: "flag before dash dash", cmd: "exec", args: []string{"a", "--json", "--", "cmd"}, min: 1, max: 1, wantPos: []string{"a"}, wantRest: []string{"cmd"}, wantDash: true, wantJSON: true},
		{name: "empty after dash dash", cmd: "exec", args: []string{"a", "--"}, min: 1, max: 1, wantPos: []string{"a"}, wantDash: true},
		{name: "dash dash ends flags", args: []string{"--", "-odd"}, min: 1, max: 1, wantPos: []string{"-odd"}, wantDash: true},
		{name: "dash dash then too many", args: []string{"a", "--", "-odd"}, min: 1, max: 1, wantErr: true},
		{name: "lone dash is positional", args: []string{"-"}, min: 1, max: 1, wantPos: []string{"-"}},
		{name: "missing", args: []string{"--json"}, min: 1, max: 1, wantErr: true},
		{name: "too many", args: []string{"a", "b"}, min: 1, max: 1, wantErr: true},
		{name: "unknown flag", args: []string{"a", "--nope"}, min: 1, max: 1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
			name := tt.cmd
			if name == "" {
				name = "list"
			}
			c := findCommand(name)
			fs := a.newFlags(c)
			asJSON := fs.Bool("json", false, "")
			p, err := a.parseArgs(c, fs, tt.args, tt.min, tt.max)
			if tt.wantErr {
				var ue *usageError
				if !errors.As(err, &ue) {
					t.Fatalf("err = %v, want a usage error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.pos, tt.wantPos) || !slices.Equal(p.rest, tt.wantRest) || p.dash != tt.wantDash || *asJSON != tt.wantJSON {
				t.Errorf("got pos %q rest %q dash %v json %v", p.pos, p.rest, p.dash, *asJSON)
			}
		})
	}
}

func TestParseLifetime(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: "90d", want: 90 * 24 * time.Hour},
		{in: "2w", want: 14 * 24 * time.Hour},
		{in: "1y", want: 365 * 24 * time.Hour},
		{in: "1.5d", want: 36 * time.Hour},
		{in: "12h", want: 12 * time.Hour},
		{in: "90m", want: 90 * time.Minute},
		{in: "3600", want: time.Hour},
		{in: " 7d ", want: 7 * 24 * time.Hour},
		{in: "0", wantErr: true},
		{in: "-5d", wantErr: true},
		{in: "d", wantErr: true},
		{in: "500y", wantErr: true},
		{in: "200y", want: 200 * 365 * 24 * time.Hour},
		{in: "6307200000", want: 200 * 365 * 24 * time.Hour}, // 200 years in seconds
		{in: "6307200001", wantErr: true},
		{in: "200000000000", wantErr: true}, // found by fuzzing: overflowed to a negative lifetime
		{in: "2000000h", wantErr: true},
		{in: "soon", wantErr: true},
		{in: "1ms", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseLifetime(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseLifetime(%q) = %v, %v; want %v, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func FuzzParseLifetime(f *testing.F) {
	for _, s := range []string{"90d", "1y", "12h", "3600", "-1", "1e9d", "NaNd", "Infd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseLifetime(s)
		if err == nil && (d < time.Second || d > maxLifetime) {
			t.Fatalf("parseLifetime(%q) = %v without an error", s, d)
		}
	})
}

// TestHintFor checks that every error the brief lists gets advice a person
// can act on.
func TestHintFor(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&tokens.UnknownNameError{Name: "x"}, "see `cxtokens list`"},
		{fmt.Errorf("open vault: %w", vault.ErrBusy), "try again in a moment"},
		{fmt.Errorf("open vault: %w", &vault.LockedError{Cause: fmt.Errorf("keyring: %w", vault.ErrKeyringUnavailable), Hint: "h"}), ""}, // the vault's hint says what to do, and only it
		{fmt.Errorf("create vault: %w; run `cxtokens vault init --passphrase` to keep…", vault.ErrKeyringUnavailable), ""},
		{&vault.LockedError{Hint: "unlock it with the vault passphrase"}, ""},
		{tokens.ErrNoPassphrase, "set CXTOKENS_PASSPHRASE"},
		{vault.ErrWrongPassphrase, "CXTOKENS_PASSPHRASE"},
		{vault.ErrCorrupt, "nothing was changed"},
		{&api.Error{Status: 401}, "invalid, expired or revoked"},
		{&tokens.ScopeError{Name: "a", Op: "b", Need: tokens.ScopesTest, Err: &api.Error{Status: 403}}, "has one of those scopes"},
		{&api.Error{Status: 429}, "rate limiting"},
		{&api.Error{Status: 503}, "try again later"},
		{fmt.Errorf("x: %w", api.ErrTLS), "TLS"},
		{fmt.Errorf("x: %w", api.ErrNetwork), "check your network"},
		{fmt.Errorf("x: %w", api.ErrInsecureURL), "https://"},
		{errors.New("something else"), ""},
	}
	for _, tt := range tests {
		got := hintFor(tt.err)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("hintFor(%v) = %q, want it to contain %q", tt.err, got, tt.want)
		}
	}
}

// TestRun_Report checks the exit codes and that messages go to stderr.
func TestRun_Report(t *testing.T) {
	desktopCalled := DesktopOptions{}
	cfg := Config{
		Desktop: func(o DesktopOptions) error { desktopCalled = o; return nil },
		Getenv:  func(k string) string { return map[string]string{"CXTOKENS_VAULT": "/nonexistent/dir/vault.db"}[k] },
	}
	tests := []struct {
		args       []string
		code       int
		wantStdout string
		wantStderr string
	}{
		{[]string{"--help"}, 0, "commands:", ""},
		{[]string{"get", "--help"}, 0, "example:", ""},
		{[]string{"nope"}, 2, "", `unknown command "nope"`},
		{[]string{"get"}, 2, "", "missing argument"},
		{[]string{"list", "--json"}, 0, "[]", ""},
		{[]string{"get", "x"}, 1, "", `no token named "x" — see ` + "`cxtokens list`"},
		{[]string{"vault", "init", "--no-keyring"}, 2, "", "--no-keyring needs --passphrase"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := Run(cfg, tt.args, strings.NewReader(""), &out, &errOut)
		if code != tt.code || !strings.Contains(out.String(), tt.wantStdout) || !strings.Contains(errOut.String(), tt.wantStderr) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", tt.args, code, out.String(), errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	if code := Run(cfg, []string{"--vault", "/x.db"}, strings.NewReader(""), &out, &errOut); code != 0 || desktopCalled.VaultPath != "/x.db" || desktopCalled.Demo {
		t.Errorf("no command: exit %d, desktop called with %+v", code, desktopCalled)
	}
	if code := Run(cfg, []string{"demo"}, strings.NewReader(""), &out, &errOut); code != 0 || !desktopCalled.Demo {
		t.Errorf("demo: exit %d, desktop called with %+v", code, desktopCalled)
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain note", "plain note"},
		{"ünïcødé 名前", "ünïcødé 名前"},
		{"two\nlines\ttab", `two\nlines\ttab`},
		{"\x1b]52;c;aGk=\a", `\x1b]52;c;aGk=\a`}, // OSC 52: set the clipboard
		{"\x1b[2J\x1b[31mred", `\x1b[2J\x1b[31mred`},
		{"csi\u009b31m", `csi\u009b31m`},
		{"bidi\u202eevil", `bidi\u202eevil`},
		{"bad\xffutf8", `bad\xffutf8`},
	}
	for _, tt := range tests {
		if got := printable(tt.in); got != tt.want {
			t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// info shows a hostile note and server fields escaped.
	r := vault.Record{Name: "x", Secret: "5ebc03d6-8b2b-44ad-bf65-72d4f1491dda", Note: "\x1b]52;c;aGk=\a",
		LastUsedIP: "203.0.113.7\x1b[2J", TokenSID: "sid\x1b[1A", Scopes: []string{"oauth.read\x1b[31m"}, DetailsAt: time.Now(), LastUsed: time.Now()}
	var out bytes.Buffer
	if err := writeInfo(&out, r, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(out.String(), '\x1b') || strings.ContainsRune(out.String(), '\a') {
		t.Errorf("info printed a raw escape character:\n%q", out.String())
	}
	out.Reset()
	if err := writeList(&out, []vault.Record{r}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(out.String(), '\x1b') {
		t.Errorf("list printed a raw escape character:\n%q", out.String())
	}
}

func TestReadHiddenLine(t *testing.T) {
	tests := []struct {
		name, in string
		want     string
		err      error
	}{
		{"enter", "s3cret\r", "s3cret", nil},
		{"newline", "s3cret\nrest", "s3cret", nil},
		{"backspace", "s3cx\x7fret\r", "s3cret", nil},
		{"backspace over a multibyte rune", "pé\x7f\x08x\r", "x", nil},
		{"backspace at the start", "\x7f\x7fab\r", "ab", nil},
		{"ctrl-u", "wrong\x15right\r", "right", nil},
		{"ctrl-c", "half\x03more\r", "", errInterrupted},
		{"ctrl-d on an empty line", "\x04", "", io.EOF},
		{"ctrl-d after text is ignored", "ab\x04c\r", "abc", nil},
		{"end of input after text", "abc", "abc", nil},
		{"end of input", "", "", io.EOF},
	}
	for _, tt := range tests {
		got, err := readHiddenLine(strings.NewReader(tt.in))
		if string(got) != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("%s: got %q, %v; want %q, %v", tt.name, got, err, tt.want, tt.err)
		}
	}
}

func TestWriteJSON_EscapesFormatCharacters(t *testing.T) {
	v := map[string]string{"ip": "203.0.113.7\u202e", "scope": "sms\u200b.manage\u0085", "tag": "x\U000E0041", "plain": "é ok\n"}
	var b strings.Builder
	if err := writeJSON(&b, v); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, r := range []rune{'\u202e', '\u200b', '\u0085', '\U000E0041'} {
		if strings.ContainsRune(out, r) {
			t.Errorf("JSON output holds %U raw:\n%s", r, out)
		}
	}
	var back map[string]string
	if err := json.Unmarshal([]byte(out), &back); err != nil || !maps.Equal(back, v) {
		t.Errorf("the escaped JSON reads back as %q (%v), want %q", back, err, v)
	}
	if !strings.Contains(out, "é ok") || !strings.Contains(out, "{\n  ") {
		t.Errorf("JSON lost its layout or its plain text:\n%s", out)
	}
}
