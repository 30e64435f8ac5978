// Package api is the CarrierX Core API client: the calls cxtokens makes (the
// test request; list, get, find, create, rename and revoke tokens), the
// transport hardening around them (scheme policy, redirect and credential
// header policy, timeouts, body size limits, 429 retries) and one typed error
// for every failure.
//
// It holds no state between calls beyond its configuration and owns nothing on
// disk. It must not import Fyne, vault or any other cxtokens package (only its
// tests use api/emulator). It never logs, and a token value never appears in an
// error, a panic or a formatted Token: secrets show as Mask(token).
package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is the production Core API root.
const DefaultBaseURL = "https://api.carrierx.com/core/v2"

// Defaults and bounds.
const (
	DefaultTimeout      = 15 * time.Second
	DefaultMaxRetries   = 3
	DefaultMaxRetryWait = 30 * time.Second

	// MaxBodySize bounds a successful response body; a larger one is an
	// error (ErrTooLarge), not an out-of-memory crash.
	MaxBodySize = 8 << 20

	// ListPageSize is the limit sent when listing: the documented maximum.
	ListPageSize = 1000

	maxErrorBody     = 64 << 10 // error bodies beyond this are truncated, not refused
	maxRedirects     = 5
	maxPages         = 1000 // ListTokens gives up after this many pages (a million tokens)
	defaultRetryWait = time.Second
)

// Sentinels answered by errors.Is on *Error (HTTP) and on network failures.
var (
	ErrUnauthorized = errors.New("unauthorized")       // 401
	ErrForbidden    = errors.New("forbidden")          // 403
	ErrNotFound     = errors.New("not found")          // 404
	ErrRateLimited  = errors.New("rate limited")       // 429
	ErrServer       = errors.New("server error")       // 5xx
	ErrTimeout      = errors.New("request timed out")  // deadline or client timeout
	ErrTLS          = errors.New("tls failure")        // handshake or certificate
	ErrDNS          = errors.New("host not found")     // name resolution
	ErrNetwork      = errors.New("network failure")    // any other transport failure (refused, reset…); also wrapped by ErrTimeout/ErrTLS/ErrDNS errors
	ErrInsecureURL  = errors.New("insecure base url")  // http:// to a non-loopback host
	ErrBadResponse  = errors.New("malformed response") // a 2xx body we could not decode
	ErrRedirect     = errors.New("redirect refused")   // https→http or a policy violation

	// ErrTooLarge is a response body over MaxBodySize; such errors also
	// match ErrBadResponse.
	ErrTooLarge = errors.New("response too large")
	// ErrInvalidURL is a base URL that is not an absolute http(s) URL, or
	// carries credentials, a query or a fragment.
	ErrInvalidURL = errors.New("invalid base url")
	// ErrInvalidInput is an argument refused before anything is sent: an
	// empty token or one with spaces or control characters, a malformed
	// sid, an empty or malformed scope list, conflicting credentials.
	ErrInvalidInput = errors.New("invalid input")
)

// TestResult is the outcome of the test request.
type TestResult struct {
	Status     int
	Latency    time.Duration
	Containers int // total (or count) of storage containers
	// AtLeast says Containers counts one page only: the server gave no
	// total and said more containers follow.
	AtLeast bool
}

// Auth authenticates a call: a bearer token, or a login and password (Basic).
// Its formatting masks the secrets.
type Auth struct {
	Bearer   string
	Login    string
	Password string
}

// CreateRequest is the body of POST /oauth/token.
type CreateRequest struct {
	Name      string
	Scopes    []string      // nil: all the partner's available scopes; empty but non-nil is refused
	ExpiresIn time.Duration // 0: server default (about 100 years); sent in whole seconds, rounded up
}

// Options configure a Client.
type Options struct {
	BaseURL      string        // "" means DefaultBaseURL
	HTTPClient   *http.Client  // nil: one is built (proxies from env, CA bundle, redirect policy)
	Timeout      time.Duration // per request; 0 means 15s
	CAFile       string        // optional extra PEM bundle, added to the system roots
	UserAgent    string        // "" means "cxtokens/<version>"
	MaxRetries   int           // 429 retries on GET; 0 means 3, negative means none
	MaxRetryWait time.Duration // cap on the total Retry-After wait; 0 means 30s
}

// Client talks to one base URL. Safe for concurrent use.
type Client struct {
	base       *url.URL
	hc         *http.Client
	timeout    time.Duration
	userAgent  string
	maxRetries int
	maxWait    time.Duration

	// Seams for tests in this package; New sets the real ones.
	sleep func(context.Context, time.Duration) error
	now   func() time.Time
}

// New validates the base URL (https, or http to a loopback host) and builds a client.
//
// A caller-supplied HTTPClient is copied and its CheckRedirect replaced by
// this package's policy, so the credential rules hold whatever transport is
// used; CAFile needs the built-in transport and is refused with HTTPClient.
func New(opts Options) (*Client, error) {
	raw := opts.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := parseBaseURL(raw)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:       base,
		timeout:    opts.Timeout,
		userAgent:  opts.UserAgent,
		maxRetries: opts.MaxRetries,
		maxWait:    opts.MaxRetryWait,
		sleep:      sleepContext,
		now:        time.Now,
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.userAgent == "" {
		c.userAgent = "cxtokens/" + Version
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.maxWait <= 0 {
		c.maxWait = DefaultMaxRetryWait
	}

	if opts.HTTPClient != nil {
		if opts.CAFile != "" {
			return nil, fmt.Errorf("new client: %w: CAFile cannot be combined with HTTPClient", ErrInvalidInput)
		}
		hc := *opts.HTTPClient
		c.hc = &hc
	} else {
		tr, err := newTransport(opts.CAFile)
		if err != nil {
			return nil, err
		}
		c.hc = &http.Client{Transport: tr}
	}
	c.hc.CheckRedirect = checkRedirect
	return c, nil
}

// BaseURL is the validated base URL, without a trailing slash.
func (c *Client) BaseURL() string { return c.base.String() }

// parseBaseURL applies the scheme policy to a base URL. Its errors never
// repeat the URL, which could carry credentials.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: not a url", ErrInvalidURL)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%w: scheme must be https", ErrInvalidURL)
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("%w: no host", ErrInvalidURL)
	case u.User != nil:
		return nil, fmt.Errorf("%w: credentials in the url are not allowed", ErrInvalidURL)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("%w: a query or fragment is not allowed", ErrInvalidURL)
	}
	if err := checkScheme(u); err != nil {
		return nil, err
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// checkScheme is the one rule for every URL a request goes to: https, or
// plain http only to this machine (the emulator).
func checkScheme(u *url.URL) error {
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%w: http is allowed only to a loopback host, not %q", ErrInsecureURL, u.Hostname())
	}
	return fmt.Errorf("%w: scheme must be https", ErrInvalidURL)
}

// isLoopback reports whether host is localhost or a loopback IP (127.0.0.0/8, ::1).
func isLoopback(host string) bool {
	if isLocalhostName(host) {
		return true // held to it when dialled: loopbackDial
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	return ip.WithZone("").Unmap().IsLoopback()
}

// isLocalhostName reports whether host is the name localhost.
func isLocalhostName(host string) bool {
	return strings.EqualFold(strings.TrimSuffix(host, "."), "localhost")
}

// Mask shows a token as its first and last four characters ("5ebc…1dda"),
// or "…" alone when it is too short to show anything safely.
func Mask(token string) string {
	r := []rune(token)
	if len(r) < 12 {
		return "…"
	}
	return string(r[:4]) + "…" + string(r[len(r)-4:])
}

// Version is the app version used in the User-Agent; main may set it.
var Version = "dev"
