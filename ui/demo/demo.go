// Package demo builds the throw-away world `cxtokens demo` runs in: the Core
// API emulator on a loopback port, a vault in a temporary directory whose key
// lives in memory (so the real OS keyring is never touched), and a few seeded
// tokens that between them show every state the window can show.
//
// It holds no UI and must not import Fyne, cli or ui; main wires it to ui.
package demo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"cxtokens/api"
	"cxtokens/api/emulator"
	"cxtokens/tokens"
	"cxtokens/vault"
)

// Env is a running demo. Close removes everything it made.
type Env struct {
	Service   *tokens.Service
	VaultPath string
	BaseURL   string
	Seed      emulator.Seed

	dir string
	srv *http.Server
}

// seeded are the demo's tokens: one of each kind a person meets.
var seeded = []struct {
	name     string
	scopes   []string // nil: every scope
	lifetime time.Duration
	revoke   bool
	note     string
}{
	{"production", nil, 0, false, "Full access: every scope the demo account has, including creating and revoking tokens."},
	{"ci-storage", []string{"storage.manage"}, 0, false, "Storage only, for a CI job. It cannot read its own record, so details come through “production”."},
	{"old-laptop", nil, 0, true, "Revoked on the server already: its test fails with 401."},
	{"sandbox-trial", []string{"sms.manage", "phonenumber.manage", "storage.manage"}, 4*24*time.Hour + 3*time.Hour, false, "Expires in a few days."},
}

// Start starts the emulator on 127.0.0.1:0, makes a vault in a new temporary
// directory and seeds it. On error nothing is left behind.
func Start(ctx context.Context) (_ *Env, err error) {
	dir, err := os.MkdirTemp("", "cxtokens-demo-")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	e := &Env{dir: dir, VaultPath: filepath.Join(dir, "vault.db")}
	defer func() {
		if err != nil {
			e.Close()
		}
	}()

	em := emulator.New(emulator.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: start emulator: %w", err)
	}
	e.srv = &http.Server{Handler: em, ReadHeaderTimeout: 10 * time.Second}
	go e.srv.Serve(ln)
	e.BaseURL = "http://" + ln.Addr().String() + emulator.BasePath
	e.Seed = em.Seed()

	e.Service = tokens.New(tokens.Options{
		VaultPath:      e.VaultPath,
		Keyring:        vault.NewMemoryKeyStore(),
		DefaultBaseURL: e.BaseURL,
	})
	client, err := api.New(api.Options{BaseURL: e.BaseURL})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	for _, s := range seeded {
		tok, _ := em.IssueToken(s.name, s.scopes, s.lifetime)
		if s.revoke {
			if err := client.Revoke(ctx, tok, ""); err != nil {
				return nil, fmt.Errorf("demo: revoke %q: %w", s.name, err)
			}
		}
		if _, _, err := e.Service.Add(ctx, tokens.AddInput{Name: s.name, Token: tok, BaseURL: e.BaseURL, Note: s.note}); err != nil {
			return nil, fmt.Errorf("demo: add %q: %w", s.name, err)
		}
	}
	// A test and then details for each, so the window opens with status
	// dots, scopes, expiry and the test as the last use filled in. A revoked
	// token's details are beyond reach; that is part of the demo, not a
	// failure.
	for _, s := range seeded {
		if _, err := e.Service.Test(ctx, s.name); err != nil {
			return nil, fmt.Errorf("demo: test %q: %w", s.name, err)
		}
	}
	for _, s := range seeded {
		e.Service.Details(ctx, s.name)
	}
	return e, nil
}

// Banner explains the demo in the window.
func (e *Env) Banner() string {
	return fmt.Sprintf("Demo: an offline CarrierX emulator at %s (login %q, password %q). The vault is temporary and is deleted when you quit.",
		e.BaseURL, e.Seed.Login, e.Seed.Password)
}

// Close stops the emulator and deletes the vault and its directory.
func (e *Env) Close() error {
	var errs []error
	if e.Service != nil {
		errs = append(errs, e.Service.Close())
	}
	if e.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		errs = append(errs, e.srv.Shutdown(ctx))
		cancel()
	}
	errs = append(errs, os.RemoveAll(e.dir))
	return errors.Join(errs...)
}
