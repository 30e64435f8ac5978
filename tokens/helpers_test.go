package tokens

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"cxtokens/api"
	"cxtokens/api/emulator"
	"cxtokens/vault"
)

// fakeKeyring is an in-memory vault.KeyStore; down makes every call fail
// the way an unreachable Secret Service does.
type fakeKeyring struct {
	mu   sync.Mutex
	m    map[string]string
	down bool
	sets int
}

func newFakeKeyring() *fakeKeyring { return &fakeKeyring{m: map[string]string{}} }

func (k *fakeKeyring) Get(service, user string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.down {
		return "", fmt.Errorf("fake keyring: %w", vault.ErrKeyringUnavailable)
	}
	v, ok := k.m[service+"\x00"+user]
	if !ok {
		return "", fmt.Errorf("fake keyring: %w", vault.ErrKeyNotFound)
	}
	return v, nil
}

func (k *fakeKeyring) Set(service, user, secret string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.down {
		return fmt.Errorf("fake keyring: %w", vault.ErrKeyringUnavailable)
	}
	k.sets++
	k.m[service+"\x00"+user] = secret
	return nil
}

func (k *fakeKeyring) Delete(service, user string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.down {
		return fmt.Errorf("fake keyring: %w", vault.ErrKeyringUnavailable)
	}
	delete(k.m, service+"\x00"+user)
	return nil
}

func (k *fakeKeyring) setDown(d bool) {
	k.mu.Lock()
	k.down = d
	k.mu.Unlock()
}

// cheapKDF keeps passphrase vaults fast in tests; the vault stores the
// parameters, so the cost is only paid at the strength it was made with.
var cheapKDF = vault.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1}

// env is one test's world: an emulator over real HTTP on loopback, a real
// vault file in a temp dir with a fake keyring, and a Service on both.
type env struct {
	t       *testing.T
	emu     *emulator.Server
	srv     *httptest.Server
	base    string
	keyring *fakeKeyring
	path    string
	svc     *Service
	boot    string // the emulator's bootstrap token (every scope)
}

// mustEnv builds an env. handler, when not nil, wraps the emulator (to
// script misbehaviour the emulator has no fault for).
func mustEnv(t *testing.T, wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	e := &env{t: t, emu: emulator.New(emulator.Options{}), keyring: newFakeKeyring()}
	var h http.Handler = e.emu
	if wrap != nil {
		h = wrap(h)
	}
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	e.base = e.srv.URL + emulator.BasePath
	e.boot = e.emu.Seed().Token
	e.path = filepath.Join(t.TempDir(), "cfg", "vault.db")
	e.svc = e.newService(nil)
	return e
}

// newService opens another Service on the same vault and emulator.
func (e *env) newService(pass func() ([]byte, error)) *Service {
	e.t.Helper()
	svc := New(Options{
		VaultPath:        e.path,
		Keyring:          e.keyring,
		Passphrase:       pass,
		DefaultBaseURL:   e.base,
		KDF:              cheapKDF,
		ScryptWorkFactor: 10,
		NewClient: func(base string) (*api.Client, error) {
			// No 429 retries: a rate-limit test must not sleep.
			return api.New(api.Options{BaseURL: base, MaxRetries: -1, Timeout: 10 * time.Second})
		},
	})
	e.t.Cleanup(func() { svc.Close() })
	return svc
}

// mustAdd stores tok under name with the emulator's base URL.
func (e *env) mustAdd(name, tok string) vault.Record {
	e.t.Helper()
	r, _, err := e.svc.Add(e.t.Context(), AddInput{Name: name, Token: tok})
	if err != nil {
		e.t.Fatalf("Add(%q): %v", name, err)
	}
	return r
}

// mustIssue mints a token on the emulator with the given scopes.
func (e *env) mustIssue(name string, scopes ...string) (tok, sid string) {
	e.t.Helper()
	return e.emu.IssueToken(name, scopes, 0)
}

// serverToken reads a token's server record with the bootstrap token.
func (e *env) serverToken(sid string) (api.Token, error) {
	c, err := api.New(api.Options{BaseURL: e.base})
	if err != nil {
		e.t.Fatal(err)
	}
	return c.GetToken(e.t.Context(), e.boot, sid)
}

// testStatus makes the test request with tok directly and returns the status.
func (e *env) testStatus(tok string) int {
	c, err := api.New(api.Options{BaseURL: e.base, MaxRetries: -1})
	if err != nil {
		e.t.Fatal(err)
	}
	res, _ := c.Test(e.t.Context(), tok)
	return res.Status
}

func randomUUID(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
