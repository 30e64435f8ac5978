package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"cxtokens/api/emulator"
)

// benchEnv is what the measurements share: a throw-away home and vault, an
// emulator on loopback that the seeded tokens belong to, and every secret
// made, for scrubbing.
type benchEnv struct {
	dir       string
	vaultPath string
	appEnv    []string // for every child: private HOME, CXTOKENS_VAULT
	em        *emulator.Server
	baseURL   string
	srv       *http.Server
	names     []string
	secrets   map[string]string // name → token value; never printed
	scrub     *scrubber
}

// newBenchEnv starts the emulator and seeds the vault with cfg.seed tokens
// issued by it, each added through `cxtokens add` as a person would. The
// tokens point at the loopback emulator, so whatever the desktop app or a
// test does with them stays on this machine.
func newBenchEnv(ctx context.Context, cfg config) (*benchEnv, error) {
	dir, err := os.MkdirTemp("", "cxtokens-bench-")
	if err != nil {
		return nil, err
	}
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	e := &benchEnv{dir: dir, vaultPath: filepath.Join(dir, "vault", "vault.db"),
		secrets: map[string]string{}, scrub: &scrubber{}}
	// A private HOME keeps Fyne's preferences and caches, and anything else
	// the apps write, out of the user's own; the D-Bus session, keyring and
	// display come from scripts/session.sh through the environment.
	e.appEnv = withEnv(os.Environ(),
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"CXTOKENS_VAULT="+e.vaultPath,
	)

	e.em = emulator.New(emulator.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.close()
		return nil, fmt.Errorf("emulator: %w", err)
	}
	e.baseURL = "http://" + ln.Addr().String() + emulator.BasePath
	e.srv = &http.Server{Handler: e.em, ReadHeaderTimeout: 10 * time.Second}
	go e.srv.Serve(ln)

	logf("seeding %d tokens with `cxtokens add`", cfg.seed)
	for i := range cfg.seed {
		name := fmt.Sprintf("bench-%03d", i)
		tok, _ := e.em.IssueToken(name, nil, 0)
		e.scrub.add(tok)
		if _, err := run(ctx, e.appEnv, tok+"\n", cfg.bin, "add", name, "--base-url", e.baseURL); err != nil {
			e.close()
			return nil, errors.New(e.scrub.scrub(err.Error()))
		}
		e.names = append(e.names, name)
		e.secrets[name] = tok
	}
	return e, nil
}

func (e *benchEnv) close() {
	if e.srv != nil {
		e.srv.Close()
	}
	os.RemoveAll(e.dir)
}
