package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// DefaultAddr is where Run listens when no address is given.
const DefaultAddr = "127.0.0.1:0"

// ErrNotLoopback is returned by Run for an address that is not on the
// loopback interface: the emulator speaks plain HTTP and prints its
// password and a full-scope token.
var ErrNotLoopback = errors.New("emulator address is not a loopback address")

// RunConfig configures RunWith.
type RunConfig struct {
	Addr     string    // host:port; "" means DefaultAddr
	SeedFile string    // optional seed file (see LoadSeed)
	Out      io.Writer // gets the one-line JSON banner
	// AllowRemote lets the emulator listen on a non-loopback address.
	AllowRemote bool
	// Options for the server; a seed file overrides Options.Seed.
	Options Options
}

// Banner is the JSON object Run prints as its first line.
type Banner struct {
	BaseURL  string `json:"base_url"`
	Login    string `json:"login"`
	Password string `json:"password"`
	Token    string `json:"token"`
}

// Run listens on addr (e.g. "127.0.0.1:0"), writes one JSON line with
// base_url, login, password and token to out, then serves until ctx ends.
// seedFile, if non-empty, is a JSON file that overrides the seed.
// Non-loopback addresses are refused with ErrNotLoopback.
func Run(ctx context.Context, addr, seedFile string, out io.Writer) error {
	return RunWith(ctx, RunConfig{Addr: addr, SeedFile: seedFile, Out: out})
}

// RunWith is Run with every option. It returns nil after a graceful
// shutdown once ctx is done.
func RunWith(ctx context.Context, cfg RunConfig) error {
	addr := cfg.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	opts := cfg.Options
	if cfg.SeedFile != "" {
		seed, err := LoadSeed(cfg.SeedFile)
		if err != nil {
			return err
		}
		opts.Seed = &seed
	} else if opts.Seed != nil {
		if err := opts.Seed.Validate(); err != nil {
			return fmt.Errorf("emulator seed: %w", err)
		}
	}
	if !cfg.AllowRemote && !isLoopbackAddr(addr) {
		return fmt.Errorf("listen on %q: %w (use 127.0.0.1:PORT or [::1]:PORT)", addr, ErrNotLoopback)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("emulator listen: %w", err)
	}
	if !cfg.AllowRemote && !isLoopbackAddr(ln.Addr().String()) {
		_ = ln.Close()
		return fmt.Errorf("listen on %q: %w", addr, ErrNotLoopback)
	}

	srv := New(opts)
	seed := srv.Seed()
	banner := Banner{
		BaseURL:  "http://" + ln.Addr().String() + BasePath,
		Login:    seed.Login,
		Password: seed.Password,
		Token:    seed.Token,
	}
	line, err := json.Marshal(banner)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("emulator banner: %w", err)
	}
	if cfg.Out != nil {
		if _, err := cfg.Out.Write(append(line, '\n')); err != nil {
			_ = ln.Close()
			return fmt.Errorf("emulator banner: %w", err)
		}
	}

	// Request contexts derive from serveCtx, so stalled and slowed requests
	// end when the emulator stops instead of holding the shutdown.
	serveCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return serveCtx },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("emulator serve: %w", err)
	case <-ctx.Done():
	}
	stop()
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil {
		_ = hs.Close()
		return fmt.Errorf("emulator shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("emulator serve: %w", err)
	}
	return nil
}

func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// LoadSeed reads a seed file: one JSON object with any of the keys
//
//	partner_sid, login, password, token, scopes (array of strings),
//	partner_name, token_sid, container_sid
//
// Absent keys are generated. Unknown keys are an error, so a typo is not
// silently ignored.
func LoadSeed(path string) (Seed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Seed{}, fmt.Errorf("read seed file: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s Seed
	if err := dec.Decode(&s); err != nil {
		return Seed{}, fmt.Errorf("parse seed file %q: %w", path, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Seed{}, fmt.Errorf("parse seed file %q: data after the JSON object", path)
	}
	if err := s.Validate(); err != nil {
		return Seed{}, fmt.Errorf("seed file %q: %w", path, err)
	}
	return s, nil
}

var scopeRE = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)+$`)

// Validate checks the fields that are set; empty fields are fine (they
// are generated).
func (s Seed) Validate() error {
	visible := func(field, v string, max int) error {
		switch {
		case len(v) > max:
			return fmt.Errorf("%s is longer than %d bytes", field, max)
		case strings.ContainsFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
			return fmt.Errorf("%s must not contain spaces or control characters", field)
		}
		return nil
	}
	pathSafe := func(field, v string) error {
		if strings.ContainsAny(v, "/?#%") {
			return fmt.Errorf("%s must not contain '/', '?', '#' or '%%'", field)
		}
		return visible(field, v, 128)
	}
	checks := []error{
		pathSafe("partner_sid", s.PartnerSID),
		pathSafe("token_sid", s.TokenSID),
		pathSafe("container_sid", s.ContainerSID),
		visible("login", s.Login, 128),
		visible("token", s.Token, 256),
	}
	if strings.Contains(s.Login, ":") {
		checks = append(checks, errors.New("login must not contain ':' (it separates login and password in Basic auth)"))
	}
	if len(s.Password) > 256 || strings.ContainsFunc(s.Password, unicode.IsControl) {
		checks = append(checks, errors.New("password must be at most 256 bytes without control characters"))
	}
	if len(s.PartnerName) > 256 || strings.ContainsFunc(s.PartnerName, unicode.IsControl) {
		checks = append(checks, errors.New("partner_name must be at most 256 bytes without control characters"))
	}
	for _, sc := range s.Scopes {
		if !scopeRE.MatchString(sc) {
			checks = append(checks, fmt.Errorf("scope %q is not shaped like area.action", sc))
		}
	}
	return errors.Join(checks...)
}
