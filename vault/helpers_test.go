package vault

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"
)

// testKDF makes passphrase vaults cheap in tests; the default costs ~0.5 s.
var testKDF = KDFParams{Time: 1, Memory: 64, Threads: 1}

// TestMain lets a test re-run this binary as a second process: with
// childEnv set, the binary does the child's job instead of running tests.
func TestMain(m *testing.M) {
	if job := os.Getenv(childEnv); job != "" {
		os.Exit(runChild(job))
	}
	code := m.Run()
	if benchTemplate.dir != "" {
		os.RemoveAll(benchTemplate.dir)
	}
	os.Exit(code)
}

// memKeyring is an in-memory KeyStore: tests that are not about the OS
// keyring use it so they can run in parallel.
type memKeyring struct {
	mu   sync.Mutex
	m    map[string]string
	fail error // when set, every call returns it
	sets int   // Set calls, to prove Open never writes a key
}

func newMemKeyring() *memKeyring { return &memKeyring{m: map[string]string{}} }

func (k *memKeyring) Get(service, user string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail != nil {
		return "", k.fail
	}
	s, ok := k.m[service+"\x00"+user]
	if !ok {
		return "", fmt.Errorf("mem keyring: %w", ErrKeyNotFound)
	}
	return s, nil
}

func (k *memKeyring) Set(service, user, secret string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail != nil {
		return k.fail
	}
	k.sets++
	k.m[service+"\x00"+user] = secret
	return nil
}

func (k *memKeyring) Delete(service, user string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail != nil {
		return k.fail
	}
	key := service + "\x00" + user
	if _, ok := k.m[key]; !ok {
		return fmt.Errorf("mem keyring: %w", ErrKeyNotFound)
	}
	delete(k.m, key)
	return nil
}

func (k *memKeyring) len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.m)
}

// testOpts returns options for a new vault file in a fresh temp dir.
func testOpts(t testing.TB) Options {
	t.Helper()
	return Options{
		Path:        filepath.Join(t.TempDir(), "vault.db"),
		LockTimeout: 5 * time.Second,
		Keyring:     newMemKeyring(),
		KDF:         testKDF,
	}
}

// mustCreate creates a vault with the fake keyring and a passphrase, and
// closes it when the test ends.
func mustCreate(t testing.TB, opts Options, src CreateSources) *Vault {
	t.Helper()
	v, err := Create(opts, src)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func mustOpen(t testing.TB, opts Options) *Vault {
	t.Helper()
	v, err := Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func mustAdd(t testing.TB, v *Vault, r Record) Record {
	t.Helper()
	got, err := v.Add(r)
	if err != nil {
		t.Fatalf("Add %q: %v", r.Name, err)
	}
	return got
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sampleRecord has every field set, with values a test can look for in the
// raw file.
func sampleRecord(name string) Record {
	at := time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC)
	return Record{
		Name:           name,
		Secret:         "5ebc0a8e-1f0b-4c2a-9d3e-" + name + "-7b6a5c4d1dda",
		RefreshToken:   "refresh-" + name + "-3f1e77a0c2b94d5e",
		BaseURL:        "https://api.example.test/core/v2",
		TokenSID:       "c6b3a5f2-0d4e-4b8a-9f61-2a7c9e3d1b05",
		PartnerSID:     "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
		Scopes:         []string{"oauth.manage_tokens", "storage.read"},
		Created:        at,
		AccessExpires:  at.Add(24 * time.Hour),
		RefreshExpires: at.Add(30 * 24 * time.Hour),
		LastUsed:       at.Add(time.Hour),
		LastUsedIP:     "203.0.113.7",
		DetailsAt:      at.Add(2 * time.Hour),
		Note:           "note for " + name + ": ask Dana before rotating",
		AddedAt:        at.Add(-time.Hour),
		LastTest: &TestResult{
			At:      at.Add(3 * time.Hour),
			Outcome: "works",
			Status:  200,
			Latency: 123 * time.Millisecond,
			Detail:  "3 containers",
		},
	}
}

// sameRecord compares two records field by field, times with Equal. It
// reports which field differs without printing secret values.
func sameRecord(t testing.TB, got, want Record) {
	t.Helper()
	norm := func(r Record) Record {
		for _, p := range []*time.Time{&r.Created, &r.AccessExpires, &r.RefreshExpires, &r.LastUsed, &r.DetailsAt, &r.AddedAt} {
			*p = p.UTC()
		}
		if len(r.Scopes) == 0 {
			r.Scopes = nil
		}
		if r.LastTest != nil {
			lt := *r.LastTest
			lt.At = lt.At.UTC()
			r.LastTest = &lt
		}
		return r
	}
	g, w := reflect.ValueOf(norm(got)), reflect.ValueOf(norm(want))
	for i := 0; i < g.NumField(); i++ {
		name := g.Type().Field(i).Name
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			if name == "Secret" || name == "RefreshToken" {
				t.Errorf("record %q: %s mismatch", want.Name, name)
			} else {
				t.Errorf("record %q: %s = %v, want %v", want.Name, name, g.Field(i).Interface(), w.Field(i).Interface())
			}
		}
	}
}
