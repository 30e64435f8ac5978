package proof

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"cxtokens/api/emulator"
	"cxtokens/tokens"
)

// mintLog keeps every access and refresh token the emulator hands out in
// answers to POST /oauth/token, so the scan knows them too.
type mintLog struct {
	mu     sync.Mutex
	values []string
}

// wrap records the token values in the answers of the create route.
func (m *mintLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/oauth/token") {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var tok struct {
			Access  string `json:"access_token"`
			Refresh string `json:"refresh_token"`
		}
		if json.Unmarshal(rec.Body.Bytes(), &tok) == nil {
			m.mu.Lock()
			m.values = append(m.values, tok.Access, tok.Refresh)
			m.mu.Unlock()
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}

func (m *mintLog) get() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, v := range m.values {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// echoServer is a hostile or careless API that repeats whatever credential
// it was sent in its error messages, as some servers do.
func echoServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		msg := fmt.Sprintf("token %s is not valid here (you sent %q)", got, body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", got)
		status := http.StatusInternalServerError
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/storage/containers") {
			status = http.StatusUnauthorized
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"message": msg, "errors": []map[string]any{{"field": "token", "message": got, "reference_sid": nil}}})
	}))
	t.Cleanup(srv.Close)
	return srv.URL + emulator.BasePath
}

// step is one command of the end-to-end run and what it may print.
type step struct {
	stdin string
	args  []string
	env   []string
	code  int      // the exit code it must have
	allow []string // secrets its stdout may hold (get, exec's child)
}

// TestHygiene_NoSecretOutsideTheVault runs every command of the built
// binary end to end, and every error path we can reach, against the
// emulator with the real keyring, with HOME, XDG_CONFIG_HOME,
// XDG_CACHE_HOME, XDG_DATA_HOME and TMPDIR pointed at the test's own dirs.
// Afterwards no token, refresh token, password or passphrase used may show,
// raw or base64 or hex or URL-encoded, in any file under those dirs (the
// encrypted vault and the encrypted export included), in any stdout or
// stderr but the stdout of `get` and of exec's deliberately printing child,
// or in any error string or test detail of the tokens package.
func TestHygiene_NoSecretOutsideTheVault(t *testing.T) {
	needBus(t)
	t.Parallel()
	w := newWorld(t)
	mints := &mintLog{}
	e := newEmu(t, emulator.Options{}, mints.wrap)
	seed := e.Seed()
	admin, _ := e.IssueToken("admin", nil, 0)
	reader, _ := e.IssueToken("reader", []string{"storage.read"}, 0)
	noscope, _ := e.IssueToken("noscope", []string{"sms.manage"}, 0)
	echoed, _ := e.IssueToken("echoed", nil, 0)
	const (
		wrongPassword = "0123456789abcdef-wrong-password"
		exportPhrase  = "hygiene export passphrase"
		vaultPhrase   = "hygiene vault passphrase"
	)
	static := []string{seed.Token, seed.Password, admin, reader, noscope, echoed, wrongPassword, exportPhrase, vaultPhrase}
	w.secret(static...)
	echo := echoServer(t)
	home := w.dir("HOME")
	exportEnv := []string{"CXTOKENS_EXPORT_PASSPHRASE=" + exportPhrase}
	other := []string{"--vault", filepath.Join(home, "other", "vault.db")}

	var results []struct {
		step
		result
	}
	run := func(s step) result {
		t.Helper()
		r := w.cliWith(runOpts{stdin: s.stdin, env: s.env}, s.args...)
		if r.code != s.code {
			t.Errorf("want exit %d:\n%s", s.code, w.mask(r.String()))
		}
		results = append(results, struct {
			step
			result
		}{s, r})
		return r
	}
	b := e.base
	for _, s := range []step{
		{args: []string{"vault", "status"}},
		{args: []string{"list"}},
		{stdin: admin + "\n", args: []string{"add", "admin", "--base-url", b}},
		{stdin: reader, args: []string{"add", "reader", "--base-url", b, "--note", "reads storage"}},
		{stdin: noscope, args: []string{"add", "noscope", "--base-url", b}},
		{stdin: echoed, args: []string{"add", "echoed", "--base-url", echo}},
		{stdin: reader, args: []string{"add", "offline", "--base-url", "http://127.0.0.1:1/core/v2"}},
		{stdin: admin, args: []string{"add", "admin", "--base-url", b}, code: 1},
		{stdin: admin, args: []string{"add", "bad\nname"}, code: 1},
		{stdin: admin + " " + admin, args: []string{"add", "spaced"}, code: 1},
		{stdin: "Bearer " + admin, args: []string{"add", "bearer"}, code: 1},
		{stdin: admin[:10] + "\x00" + admin[10:], args: []string{"add", "nul"}, code: 1},
		{stdin: "", args: []string{"add", "empty"}, code: 1},
		{stdin: admin, args: []string{"add", "copy", "--base-url", b}},
		{args: []string{"forget", "copy", "--yes"}},
		{stdin: admin, args: []string{"add", "insecure", "--base-url", "http://api.example.invalid/core/v2"}, code: 1},
		{args: []string{"list"}},
		{args: []string{"list", "--json"}},
		{args: []string{"get", "admin"}, allow: []string{admin}},
		{args: []string{"get", "admin", "--format", "raw"}, allow: []string{admin}},
		{args: []string{"get", "admin", "--format", "header"}, allow: []string{admin}},
		{args: []string{"get", "admin", "--format", "curl"}, allow: []string{admin}},
		{args: []string{"get", "admin", "--format", "env"}, allow: []string{admin}},
		{args: []string{"get", "admin", "--format", "bogus"}, code: 2},
		{args: []string{"get", "nothing"}, code: 1},
		{args: []string{"test", "admin"}},
		{args: []string{"test", "admin", "--json"}},
		{args: []string{"test", "noscope"}, code: 1},
		{args: []string{"test", "echoed"}, code: 1},
		{args: []string{"test", "echoed", "--json"}, code: 1},
		{args: []string{"test", "offline"}, code: 1},
		{args: []string{"test", "nothing"}, code: 1},
		{args: []string{"info", "admin"}},
		{args: []string{"info", "admin", "--json"}},
		{args: []string{"info", "reader"}},
		{args: []string{"info", "noscope", "--json"}},
		{args: []string{"info", "echoed"}, code: 1},
		{args: []string{"info", "offline", "--json"}, code: 1},
		{args: []string{"create", "made", "--using", "admin", "--scopes", "storage.read,oauth.read", "--expires-in", "90d"}},
		{stdin: seed.Password + "\n", args: []string{"create", "made2", "--login", seed.Login, "--base-url", b}},
		{args: []string{"create", "badscope", "--using", "admin", "--scopes", "no.such.scope"}, code: 1},
		{stdin: wrongPassword, args: []string{"create", "wrongpw", "--login", seed.Login, "--base-url", b}, code: 1},
		{args: []string{"create", "refused", "--using", "reader"}, code: 1},
		{args: []string{"create", "viaecho", "--using", "echoed"}, code: 1},
		{args: []string{"test", "made"}},
		{args: []string{"info", "made", "--json"}},
		{args: []string{"rename", "made", "made-renamed"}},
		{args: []string{"rename", "made-renamed", "admin"}, code: 1},
		{args: []string{"rename", "echoed", "echoed-2"}},
		{args: []string{"revoke", "made-renamed", "--yes", "--using", "admin"}},
		{args: []string{"create", "made3", "--using", "admin", "--scopes", "storage.read"}},
		{args: []string{"revoke", "made3", "--yes"}}, // it may not revoke itself: admin does
		{args: []string{"revoke", "echoed-2", "--yes"}, code: 1},
		{args: []string{"revoke", "nothing", "--yes"}, code: 1},
		{args: []string{"revoke", "made2"}, code: 2},
		{args: []string{"forget", "noscope", "--yes"}},
		{args: []string{"forget", "nothing", "--yes"}, code: 1},
		{args: []string{"forget", "reader"}, code: 2},
		{args: []string{"export", filepath.Join(home, "backup.age")}, env: exportEnv},
		{args: []string{"export", filepath.Join(home, "backup.age")}, env: exportEnv, code: 1},
		{args: []string{"export", filepath.Join(home, "nopass.age")}, code: 1},
		{args: append(other, "import", filepath.Join(home, "backup.age")), env: exportEnv},
		{args: append(other, "import", filepath.Join(home, "backup.age")), env: exportEnv},
		{args: append(other, "list", "--json")},
		{args: append(other, "import", filepath.Join(home, "backup.age")), env: []string{"CXTOKENS_EXPORT_PASSPHRASE=not it"}, code: 1},
		{args: []string{"import", filepath.Join(home, "missing.age")}, env: exportEnv, code: 1},
		{args: []string{"exec", "admin", "--", "sh", "-c", `printf '%s' "$CARRIERX_TOKEN"`}, allow: []string{admin}},
		{args: []string{"exec", "admin", "--", "sh", "-c", `test -n "$CARRIERX_TOKEN" && test -n "$CARRIERX_BASE_URL" && exit 3`}, code: 3},
		{args: []string{"exec", "admin", "--", filepath.Join(home, "no-such-program")}, code: 127},
		{args: []string{"exec", "nothing", "--", "true"}, code: 1},
		{args: []string{"exec", "admin"}, code: 2},
		{args: []string{"vault", "status"}},
		{args: []string{"vault", "passphrase"}, env: []string{"CXTOKENS_NEW_PASSPHRASE=" + vaultPhrase}},
		{args: []string{"vault", "status"}},
		{args: []string{"vault", "init"}, code: 1},
		{args: []string{"vault", "bogus"}, code: 2},
		{args: []string{"--help"}},
		{args: []string{"help", "create"}},
		{args: []string{"get", "--help"}},
		{args: []string{"frobnicate"}, code: 2},
		{args: []string{"emulator", "--addr", "0.0.0.0:0"}, code: 1},
	} {
		r := run(s)
		if s.args[0] == "get" && s.code == 0 && len(s.allow) > 0 && !strings.Contains(r.stdout, admin) {
			t.Errorf("%s did not print the token", strings.Join(s.args, " "))
		}
	}

	// A server error during the test request, and a revoked token tested.
	e.SetFaults(emulator.Faults{ServerError: 1})
	run(step{args: []string{"test", "admin"}, code: 1})
	minted := mints.get()
	if len(minted) < 4 {
		t.Fatalf("saw %d minted token values, want the access and refresh tokens of two creates", len(minted))
	}
	w.secret(minted...)
	made := minted[0]
	run(step{stdin: made, args: []string{"add", "dead", "--base-url", b}})
	run(step{args: []string{"test", "dead"}, code: 1})
	run(step{args: []string{"revoke", "dead", "--yes"}})
	r := run(step{args: []string{"get", "made2"}, allow: minted})
	if !strings.Contains(strings.Join(minted, " "), strings.TrimSpace(r.stdout)) {
		t.Error("get made2 did not print a token the emulator minted")
	}

	// The same error paths in the tokens package, the desktop app's code
	// path: every error string, in every verb, and every test detail.
	svc := tokens.New(tokens.Options{VaultPath: filepath.Join(w.dir("XDG_CONFIG_HOME"), "cxtokens", "vault.db")})
	t.Cleanup(func() { svc.Close() })
	var texts []string
	keep := func(what string, err error) {
		if err == nil {
			t.Errorf("%s: no error", what)
			return
		}
		texts = append(texts, fmt.Sprintf("%s: %v | %+v | %#v | %s", what, err, err, err, errors.Unwrap(err)))
	}
	ctx := t.Context()
	_, _, err := svc.Add(ctx, tokens.AddInput{Name: "x", Token: admin + " " + admin})
	keep("add spaced", err)
	_, _, err = svc.Add(ctx, tokens.AddInput{Name: "x", Token: "Authorization: Bearer " + admin})
	keep("add header", err)
	_, _, err = svc.Add(ctx, tokens.AddInput{Name: "admin", Token: admin, BaseURL: b})
	keep("add duplicate", err)
	_, _, err = svc.Add(ctx, tokens.AddInput{Name: "x", Token: admin, BaseURL: "http://api.example.invalid/core/v2?token=" + admin})
	keep("add bad base url", err)
	_, err = svc.Import(bytes.NewReader([]byte("garbage "+admin)), []byte(exportPhrase))
	keep("import garbage", err)
	f, err := os.ReadFile(filepath.Join(home, "backup.age"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Import(bytes.NewReader(f), []byte("not it"))
	keep("import wrong passphrase", err)
	_, err = svc.Create(ctx, tokens.CreateInput{Name: "y", Using: "admin", Scopes: []string{"no.such.scope"}})
	keep("create bad scope", err)
	_, err = svc.Create(ctx, tokens.CreateInput{Name: "y", Login: seed.Login, Password: wrongPassword, BaseURL: b})
	keep("create wrong password", err)
	_, err = svc.Create(ctx, tokens.CreateInput{Name: "y", Using: "echoed-2"})
	keep("create via echo", err)
	_, err = svc.Revoke(ctx, "echoed-2", "")
	keep("revoke via echo", err)
	_, err = svc.Details(ctx, "echoed-2")
	keep("details via echo", err)
	_, err = svc.Rename(ctx, "admin", "made2")
	keep("rename onto another", err)
	for _, name := range []string{"echoed-2", "offline", "admin"} {
		rep, err := svc.Test(ctx, name)
		if err != nil {
			t.Fatalf("test %s: %v", name, err)
		}
		texts = append(texts, fmt.Sprintf("test %s: %s %+v", name, rep.Detail, rep))
	}
	recs, err := svc.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		texts = append(texts, fmt.Sprintf("record %v | %+v | %#v", rec, rec, rec))
		if rec.LastTest != nil {
			texts = append(texts, "stored detail: "+rec.LastTest.Detail)
		}
	}

	// Scan.
	secrets := append(append([]string(nil), static...), minted...)
	s := newScanner(secrets)
	var leaks []leak
	fileLeaks, files := s.scanTree(t, w.root)
	leaks = append(leaks, fileLeaks...)
	for _, res := range results {
		where := strings.Join(res.step.args, " ")
		leaks = append(leaks, s.scan("stdout of "+where, []byte(res.stdout), res.allow...)...)
		leaks = append(leaks, s.scan("stderr of "+where, []byte(res.stderr))...)
	}
	for i, text := range texts {
		leaks = append(leaks, s.scan(fmt.Sprintf("error string %d (%s)", i, strings.SplitN(text, ":", 2)[0]), []byte(text))...)
	}
	t.Logf("scanned %d files, the output of %d runs and %d error strings for %d secrets in %d forms",
		files, len(results), len(texts), len(secrets), len(s.needles))
	if files < 3 {
		t.Errorf("only %d files were written: the run did not do what it should", files)
	}
	if len(leaks) > 0 {
		t.Errorf("%d leaks:\n%s", len(leaks), leakReport(leaks))
	}
}
