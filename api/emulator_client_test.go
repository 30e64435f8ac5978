package api_test

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cxtokens/api"
	"cxtokens/api/emulator"
)

// emuEnv is the real emulator over real loopback HTTP (plain or TLS) and a
// client pointed at it.
type emuEnv struct {
	emu    *emulator.Server
	srv    *httptest.Server
	base   string
	caFile string
	client *api.Client
	seed   emulator.Seed

	mu   sync.Mutex
	seen []seenHeaders // every request the emulator received
}

type seenHeaders struct {
	method, path, auth, ua, ctype string
}

func (e *emuEnv) requests() []seenHeaders {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.seen)
}

func newEmu(t *testing.T, useTLS bool, emuOpts emulator.Options, opts api.Options) *emuEnv {
	t.Helper()
	env := &emuEnv{}
	emuOpts.OnRequest = func(r *http.Request) {
		env.mu.Lock()
		env.seen = append(env.seen, seenHeaders{r.Method, r.URL.Path, r.Header.Get("Authorization"),
			r.Header.Get("User-Agent"), r.Header.Get("Content-Type")})
		env.mu.Unlock()
	}
	env.emu = emulator.New(emuOpts)
	env.seed = env.emu.Seed()
	if useTLS {
		env.srv = httptest.NewUnstartedServer(env.emu)
		env.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // failed handshakes are expected in some tests
		env.srv.StartTLS()
		env.caFile = filepath.Join(t.TempDir(), "emulator-ca.pem")
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: env.srv.Certificate().Raw})
		if err := os.WriteFile(env.caFile, pemBytes, 0o600); err != nil {
			t.Fatal(err)
		}
		opts.CAFile = env.caFile
	} else {
		env.srv = httptest.NewServer(env.emu)
	}
	t.Cleanup(env.srv.Close)
	env.base = env.srv.URL + emulator.BasePath
	opts.BaseURL = env.base
	c, err := api.New(opts)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	env.client = c
	return env
}

func TestEmulator_RoundTrip(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		name := "plain"
		if useTLS {
			name = "tls"
		}
		t.Run(name, func(t *testing.T) {
			env := newEmu(t, useTLS, emulator.Options{}, api.Options{})
			if useTLS && !strings.HasPrefix(env.client.BaseURL(), "https://") {
				t.Fatalf("base URL %s is not https", env.client.BaseURL())
			}
			roundTrip(t, env)
		})
	}
}

func roundTrip(t *testing.T, env *emuEnv) {
	ctx := context.Background()
	c, boot := env.client, env.seed.Token

	// Test request.
	res, err := c.Test(ctx, boot)
	if err != nil || res.Status != 200 || res.Containers != 1 || res.Latency <= 0 {
		t.Fatalf("Test = %+v, %v; want 200 with the seeded container", res, err)
	}

	// List, find self, get.
	toks, err := c.ListTokens(ctx, boot)
	if err != nil || len(toks) != 1 || toks[0].TokenSID != env.seed.TokenSID {
		t.Fatalf("ListTokens = %v, %v; want the bootstrap token", toks, err)
	}
	self, err := c.FindToken(ctx, boot, boot)
	if err != nil || self.TokenSID != env.seed.TokenSID || self.Name != "bootstrap" {
		t.Fatalf("FindToken(self) = %v, %v", self, err)
	}
	got, err := c.GetToken(ctx, boot, self.TokenSID)
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	if got.AccessToken != boot || got.TokenType != "bearer" || got.PartnerSID != env.seed.PartnerSID {
		t.Errorf("GetToken = %v: want the bootstrap token of the seeded partner", got)
	}
	if !slices.Equal(sorted(got.Scopes), sorted(env.seed.Scopes)) {
		t.Errorf("bootstrap scopes %v, want %v", got.Scopes, env.seed.Scopes)
	}
	if got.LastAccessed.IsZero() || got.LastAccessedIP != "127.0.0.1" || got.Created.IsZero() ||
		got.AccessExpires.Before(time.Now().AddDate(50, 0, 0)) {
		t.Errorf("GetToken dates/IP: created %v expires %v last used %v from %q", got.Created, got.AccessExpires,
			got.LastAccessed, got.LastAccessedIP)
	}

	// Create with the bearer token: name, scopes, lifetime.
	before := time.Now()
	ci, err := c.CreateToken(ctx, api.Auth{Bearer: boot}, api.CreateRequest{
		Name: "ci-bot", Scopes: []string{"oauth.read", "storage.read"}, ExpiresIn: time.Hour,
	})
	if err != nil {
		t.Fatalf("CreateToken(bearer): %v", err)
	}
	if ci.Name != "ci-bot" || !slices.Equal(sorted(ci.Scopes), []string{"oauth.read", "storage.read"}) ||
		ci.AccessToken == "" || ci.AccessToken == boot || ci.TokenSID == "" {
		t.Errorf("created %v: want ci-bot with oauth.read and storage.read", ci)
	}
	if exp := ci.AccessExpires; exp.Before(before.Add(time.Hour-time.Minute)) || exp.After(time.Now().Add(time.Hour+time.Minute)) {
		t.Errorf("created token expires %v, want about an hour from now", exp)
	}

	// Use the new token.
	if res, err := c.Test(ctx, ci.AccessToken); err != nil || res.Status != 200 {
		t.Fatalf("Test with the new token = %+v, %v", res, err)
	}
	if own, err := c.FindToken(ctx, ci.AccessToken, ci.AccessToken); err != nil || own.TokenSID != ci.TokenSID {
		t.Fatalf("FindToken with the new token = %v, %v", own, err)
	}

	// Create with login/password.
	pw, err := c.CreateToken(ctx, api.Auth{Login: env.seed.Login, Password: env.seed.Password}, api.CreateRequest{Name: "made-with-password"})
	if err != nil {
		t.Fatalf("CreateToken(login/password): %v", err)
	}
	if pw.Name != "made-with-password" || !slices.Equal(sorted(pw.Scopes), sorted(env.seed.Scopes)) {
		t.Errorf("created %v: want every available scope by default", pw)
	}
	if _, err := c.Test(ctx, pw.AccessToken); err != nil {
		t.Fatalf("Test with the password-made token: %v", err)
	}

	// Create with a sub-login whose token_scopes hold no oauth.* scope: the
	// client sends the grant and the same login's Basic header.
	sub := env.seed.Login + "_storage"
	env.emu.AddLogin(sub, "sub-login-password", []string{"storage.read"})
	st, err := c.CreateToken(ctx, api.Auth{Login: sub, Password: "sub-login-password"}, api.CreateRequest{Name: "made-by-sub-login"})
	if err != nil || !slices.Equal(st.Scopes, []string{"storage.read"}) {
		t.Fatalf("CreateToken(sub-login) = %v, %v; want a storage.read token", st, err)
	}
	if err := c.Revoke(ctx, boot, st.AccessToken); err != nil {
		t.Fatalf("revoke the sub-login's token: %v", err)
	}

	// Rename.
	renamed, err := c.RenameToken(ctx, boot, ci.TokenSID, "ci-bot renamed")
	if err != nil || renamed.Name != "ci-bot renamed" || renamed.TokenSID != ci.TokenSID {
		t.Fatalf("RenameToken = %v, %v", renamed, err)
	}
	if again, err := c.GetToken(ctx, boot, ci.TokenSID); err != nil || again.Name != "ci-bot renamed" {
		t.Fatalf("GetToken after rename = %v, %v", again, err)
	}

	// Revoke another token, then confirm it is dead.
	if err := c.Revoke(ctx, boot, ci.AccessToken); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if _, err := c.Test(ctx, ci.AccessToken); !errors.Is(err, api.ErrUnauthorized) {
		t.Fatalf("Test with the revoked token: %v, want ErrUnauthorized", err)
	}
	if _, err := c.GetToken(ctx, boot, ci.TokenSID); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("GetToken of the revoked token: %v, want ErrNotFound", err)
	}
	if _, err := c.FindToken(ctx, boot, ci.AccessToken); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("FindToken of the revoked token: %v, want ErrNotFound", err)
	}
	if err := c.Revoke(ctx, boot, ci.AccessToken); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("revoking twice: %v, want ErrNotFound", err)
	}

	// Self-revoke.
	if err := c.Revoke(ctx, pw.AccessToken, ""); err != nil {
		t.Fatalf("self-revoke: %v", err)
	}
	if _, err := c.ListTokens(ctx, pw.AccessToken); !errors.Is(err, api.ErrUnauthorized) {
		t.Fatalf("ListTokens with the self-revoked token: %v, want ErrUnauthorized", err)
	}
	if left, err := c.ListTokens(ctx, boot); err != nil || len(left) != 1 {
		t.Errorf("after two revokes the list holds %d tokens (%v), want 1", len(left), err)
	}

	// Every request carried the app's User-Agent, and bodies the documented types.
	for _, r := range env.requests() {
		if r.ua != "cxtokens/"+api.Version {
			t.Errorf("%s %s: User-Agent %q", r.method, r.path, r.ua)
		}
		if want := wantContentType(r.method, r.path); r.ctype != want {
			t.Errorf("%s %s: Content-Type %q, want %q", r.method, r.path, r.ctype, want)
		}
	}
}

func wantContentType(method, path string) string {
	switch {
	case method == "PATCH":
		return "application/json"
	case method == "POST":
		return "application/x-www-form-urlencoded"
	}
	return ""
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestEmulator_TLSNeedsTheCA(t *testing.T) {
	env := newEmu(t, true, emulator.Options{}, api.Options{})
	c, err := api.New(api.Options{BaseURL: env.base}) // system roots only
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Test(context.Background(), env.seed.Token); !errors.Is(err, api.ErrTLS) {
		t.Fatalf("Test without the CA file: %v, want ErrTLS", err)
	}
	if n := len(env.requests()); n != 0 {
		t.Errorf("the emulator saw %d requests through a failed handshake", n)
	}
}

func TestEmulator_ScopeLimited(t *testing.T) {
	env := newEmu(t, false, emulator.Options{}, api.Options{})
	ctx := context.Background()
	c := env.client
	storageOnly, _ := env.emu.IssueToken("storage-only", []string{"storage.read"}, 0)
	readOnly, readSID := env.emu.IssueToken("oauth-read", []string{"oauth.read"}, 0)

	if _, err := c.Test(ctx, storageOnly); err != nil {
		t.Fatalf("Test with storage.read: %v", err)
	}
	checks := []struct {
		name string
		err  error
	}{
		{"list without an oauth scope", func() error { _, err := c.ListTokens(ctx, storageOnly); return err }()},
		{"find without an oauth scope", func() error { _, err := c.FindToken(ctx, storageOnly, storageOnly); return err }()},
		{"test without a storage scope", func() error { _, err := c.Test(ctx, readOnly); return err }()},
		{"create with oauth.read", func() error {
			_, err := c.CreateToken(ctx, api.Auth{Bearer: readOnly}, api.CreateRequest{Name: "x"})
			return err
		}()},
		{"rename with oauth.read", func() error { _, err := c.RenameToken(ctx, readOnly, readSID, "y"); return err }()},
		{"revoke with oauth.read", c.Revoke(ctx, readOnly, storageOnly)},
	}
	for _, ch := range checks {
		var he *api.Error
		if !errors.Is(ch.err, api.ErrForbidden) || !errors.As(ch.err, &he) || he.Status != 403 {
			t.Errorf("%s: %v, want a 403 ErrForbidden", ch.name, ch.err)
		}
	}
	// The read-only token may still read itself.
	if self, err := c.FindToken(ctx, readOnly, readOnly); err != nil || self.TokenSID != readSID {
		t.Errorf("FindToken with oauth.read = %v, %v", self, err)
	}
}

func TestEmulator_Errors(t *testing.T) {
	env := newEmu(t, false, emulator.Options{}, api.Options{})
	ctx := context.Background()
	c, boot := env.client, env.seed.Token

	_, err := c.CreateToken(ctx, api.Auth{Bearer: boot}, api.CreateRequest{Name: "x", Scopes: []string{"no.such_scope"}})
	var he *api.Error
	if !errors.As(err, &he) || he.Status != 422 || len(he.Fields) == 0 || he.Fields[0].Field != "scopes" {
		t.Errorf("create with an unknown scope: %v, want 422 with a scopes field error", err)
	}
	_, err = c.CreateToken(ctx, api.Auth{Login: env.seed.Login, Password: "wrong-password"}, api.CreateRequest{})
	if !errors.Is(err, api.ErrUnauthorized) {
		t.Errorf("create with a wrong password: %v, want ErrUnauthorized", err)
	}
	if _, err := c.GetToken(ctx, boot, "00000000-0000-0000-0000-000000000000"); !errors.Is(err, api.ErrNotFound) ||
		!strings.Contains(err.Error(), "Cannot find item by SID") {
		t.Errorf("GetToken of an unknown sid: %v, want 404 Cannot find item by SID", err)
	}
	if _, err := c.Test(ctx, "not-a-real-token-value"); !errors.Is(err, api.ErrUnauthorized) ||
		!strings.Contains(err.Error(), "Bad credentials") {
		t.Errorf("Test with an unknown token: %v, want 401 Bad credentials", err)
	}
	if err := c.Revoke(ctx, boot, "not-a-real-token-value"); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("revoke of an unknown value: %v, want ErrNotFound", err)
	}
}

func TestEmulator_Expiry(t *testing.T) {
	clock := emulator.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	env := newEmu(t, false, emulator.Options{Now: clock.Now}, api.Options{})
	ctx := context.Background()
	short, err := env.client.CreateToken(ctx, api.Auth{Bearer: env.seed.Token}, api.CreateRequest{Name: "short", ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if want := clock.Now().Add(time.Hour); !short.AccessExpires.Equal(want) {
		t.Errorf("expires %v, want %v", short.AccessExpires, want)
	}
	if _, err := env.client.Test(ctx, short.AccessToken); err != nil {
		t.Fatalf("Test before expiry: %v", err)
	}
	clock.Advance(2 * time.Hour)
	if _, err := env.client.Test(ctx, short.AccessToken); !errors.Is(err, api.ErrUnauthorized) {
		t.Fatalf("Test after expiry: %v, want ErrUnauthorized", err)
	}
}

func TestEmulator_Pagination(t *testing.T) {
	env := newEmu(t, false, emulator.Options{}, api.Options{})
	const extra = 2100 // with the bootstrap token: three pages of up to 1000
	want := map[string]bool{env.seed.TokenSID: true}
	for i := 0; i < extra; i++ {
		_, sid := env.emu.IssueToken("bulk", []string{"storage.read"}, 0)
		want[sid] = true
	}
	toks, err := env.client.ListTokens(context.Background(), env.seed.Token)
	if err != nil {
		t.Fatalf("ListTokens: %v", err)
	}
	if len(toks) != len(want) {
		t.Fatalf("%d tokens listed, want %d", len(toks), len(want))
	}
	for _, tok := range toks {
		if !want[tok.TokenSID] {
			t.Fatalf("unexpected or repeated sid %s", tok.TokenSID)
		}
		delete(want, tok.TokenSID)
	}
	var lists int
	for _, r := range env.requests() {
		if r.path == emulator.BasePath+"/oauth/tokens" {
			lists++
		}
	}
	if lists != 3 {
		t.Errorf("%d list requests, want 3", lists)
	}
	// The same over TLS, where the emulator's next URLs are https.
	envTLS := newEmu(t, true, emulator.Options{}, api.Options{})
	for i := 0; i < 1500; i++ {
		envTLS.emu.IssueToken("bulk", nil, 0)
	}
	if toks, err := envTLS.client.ListTokens(context.Background(), envTLS.seed.Token); err != nil || len(toks) != 1501 {
		t.Fatalf("ListTokens over TLS = %d tokens, %v; want 1501", len(toks), err)
	}
}

func TestEmulator_Faults(t *testing.T) {
	ctx := context.Background()

	t.Run("429 then success honours Retry-After", func(t *testing.T) {
		env := newEmu(t, false, emulator.Options{}, api.Options{})
		env.emu.SetFaults(emulator.Faults{RateLimit: 2, RetryAfter: time.Second})
		start := time.Now()
		if _, err := env.client.Test(ctx, env.seed.Token); err != nil {
			t.Fatalf("Test: %v", err)
		}
		if n := len(env.requests()); n != 3 {
			t.Errorf("%d requests, want 3 (two 429s, then the answer)", n)
		}
		if waited := time.Since(start); waited < 2*time.Second {
			t.Errorf("two Retry-After: 1 answers were retried after only %v", waited)
		}
	})

	t.Run("429 exhausts MaxRetries", func(t *testing.T) {
		env := newEmu(t, false, emulator.Options{}, api.Options{MaxRetries: 1})
		env.emu.SetFaults(emulator.Faults{RateLimit: 5, RetryAfter: time.Second})
		_, err := env.client.ListTokens(ctx, env.seed.Token)
		var he *api.Error
		if !errors.Is(err, api.ErrRateLimited) || !errors.As(err, &he) || he.RetryAfter != time.Second {
			t.Fatalf("ListTokens: %v, want a 429 with Retry-After 1s", err)
		}
		if n := len(env.requests()); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})

	t.Run("429 on create is not retried", func(t *testing.T) {
		env := newEmu(t, false, emulator.Options{}, api.Options{})
		env.emu.SetFaults(emulator.Faults{RateLimit: 1, RetryAfter: time.Second})
		_, err := env.client.CreateToken(ctx, api.Auth{Bearer: env.seed.Token}, api.CreateRequest{Name: "x"})
		if !errors.Is(err, api.ErrRateLimited) || len(env.requests()) != 1 {
			t.Fatalf("CreateToken: %v after %d requests; want ErrRateLimited after 1", err, len(env.requests()))
		}
	})

	t.Run("Retry-After beyond MaxRetryWait gives up at once", func(t *testing.T) {
		env := newEmu(t, false, emulator.Options{}, api.Options{MaxRetryWait: time.Second})
		env.emu.SetFaults(emulator.Faults{RateLimit: 1, RetryAfter: 5 * time.Second})
		if _, err := env.client.Test(ctx, env.seed.Token); !errors.Is(err, api.ErrRateLimited) || len(env.requests()) != 1 {
			t.Fatalf("Test: %v after %d requests; want ErrRateLimited after 1", err, len(env.requests()))
		}
	})

	t.Run("5xx", func(t *testing.T) {
		env := newEmu(t, false, emulator.Options{}, api.Options{})
		env.emu.SetFaults(emulator.Faults{ServerError: 1, ServerStatus: 503})
		_, err := env.client.GetToken(ctx, env.seed.Token, env.seed.TokenSID)
		var he *api.Error
		if !errors.Is(err, api.ErrServer) || !errors.As(err, &he) || he.Status != 503 || len(env.requests()) != 1 {
			t.Fatalf("GetToken: %v, want one 503 ErrServer", err)
		}
	})

	t.Run("stall hits the timeout", func(t *testing.T) {
		env := newEmu(t, false, emulator.Options{}, api.Options{Timeout: 300 * time.Millisecond})
		env.emu.SetFaults(emulator.Faults{Stall: true})
		if _, err := env.client.Test(ctx, env.seed.Token); !errors.Is(err, api.ErrTimeout) {
			t.Fatalf("Test: %v, want ErrTimeout", err)
		}
	})

	t.Run("latency under the timeout is fine", func(t *testing.T) {
		env := newEmu(t, false, emulator.Options{}, api.Options{Timeout: 5 * time.Second})
		env.emu.SetFaults(emulator.Faults{Latency: 50 * time.Millisecond})
		if res, err := env.client.Test(ctx, env.seed.Token); err != nil || res.Latency < 50*time.Millisecond {
			t.Fatalf("Test = %+v, %v; want success with the added latency measured", res, err)
		}
	})

	t.Run("oversize body", func(t *testing.T) {
		env := newEmu(t, false, emulator.Options{}, api.Options{})
		env.emu.SetFaults(emulator.Faults{Oversize: true, OversizeBytes: api.MaxBodySize + 1<<20})
		_, err := env.client.ListTokens(ctx, env.seed.Token)
		if !errors.Is(err, api.ErrTooLarge) || !errors.Is(err, api.ErrBadResponse) {
			t.Fatalf("ListTokens: %v, want ErrTooLarge", err)
		}
	})

	t.Run("redirect to another emulator is refused, nothing sent there", func(t *testing.T) {
		other := newEmu(t, false, emulator.Options{}, api.Options{})
		env := newEmu(t, false, emulator.Options{}, api.Options{})
		env.emu.SetFaults(emulator.Faults{RedirectTo: other.srv.URL})
		_, err := env.client.Test(ctx, env.seed.Token)
		if !errors.Is(err, api.ErrRedirect) || errors.Is(err, api.ErrUnauthorized) {
			t.Fatalf("Test: %v, want ErrRedirect", err)
		}
		if n := len(other.requests()); n != 0 {
			t.Fatalf("the other emulator saw %d requests", n)
		}
	})

	t.Run("redirect of a revoke to another emulator is refused", func(t *testing.T) {
		other := newEmu(t, false, emulator.Options{}, api.Options{})
		env := newEmu(t, false, emulator.Options{}, api.Options{})
		env.emu.SetFaults(emulator.Faults{RedirectTo: other.srv.URL})
		if err := env.client.Revoke(ctx, env.seed.Token, ""); !errors.Is(err, api.ErrRedirect) {
			t.Fatalf("Revoke: %v, want ErrRedirect", err)
		}
		if n := len(other.requests()); n != 0 {
			t.Errorf("the other emulator saw %d requests", n)
		}
	})

	t.Run("https emulator redirecting to plain http is refused", func(t *testing.T) {
		plain := newEmu(t, false, emulator.Options{}, api.Options{})
		env := newEmu(t, true, emulator.Options{}, api.Options{})
		env.emu.SetFaults(emulator.Faults{RedirectTo: plain.srv.URL})
		if _, err := env.client.Test(ctx, env.seed.Token); !errors.Is(err, api.ErrRedirect) {
			t.Fatalf("Test: %v, want ErrRedirect", err)
		}
		if n := len(plain.requests()); n != 0 {
			t.Errorf("the plain emulator saw %d requests", n)
		}
	})
}

func TestEmulator_LastUse(t *testing.T) {
	env := newEmu(t, false, emulator.Options{IPHeader: "X-Forwarded-For"}, api.Options{})
	ctx := context.Background()
	tok, sid := env.emu.IssueToken("fresh", nil, 0)
	got, err := env.client.GetToken(ctx, env.seed.Token, sid)
	if err != nil || !got.LastAccessed.IsZero() || got.LastAccessedIP != "" {
		t.Fatalf("unused token: last use %v from %q (%v); want null and null", got.LastAccessed, got.LastAccessedIP, err)
	}
	if _, err := env.client.Test(ctx, tok); err != nil {
		t.Fatal(err)
	}
	got, err = env.client.GetToken(ctx, env.seed.Token, sid)
	if err != nil || got.LastAccessed.IsZero() || got.LastAccessedIP != "127.0.0.1" {
		t.Fatalf("used token: last use %v from %q (%v)", got.LastAccessed, got.LastAccessedIP, err)
	}
}
