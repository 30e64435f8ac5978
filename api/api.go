// Package api is the CarrierX Core API client: requests, hardening (scheme,
// redirect and header policy, timeouts, size limits, retries) and typed errors.
//
// It must not import Fyne, vault or any other cxtokens package except
// api/emulator in tests, and it never logs or formats a token value.
//
// CONTRACT STUB: the exported names below are the agreed surface that tokens,
// cli and ui compile against. The implementation replaces the bodies.
package api

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// DefaultBaseURL is the production Core API root.
const DefaultBaseURL = "https://api.carrierx.com/core/v2"

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
)

// FieldError is one entry of an error body's "errors" array.
type FieldError struct {
	Field        string
	Message      string
	ReferenceSID string
}

// Error is any non-2xx response.
type Error struct {
	Status     int
	Method     string
	Path       string // path relative to the base URL, no query
	Message    string // server's "message", or the status text
	Fields     []FieldError
	RetryAfter time.Duration // from Retry-After, when present
}

func (e *Error) Error() string        { panic("stub") }
func (e *Error) Is(target error) bool { panic("stub") }

// Token is the OAuth Token object. String/GoString mask the secrets.
type Token struct {
	AccessToken    string
	RefreshToken   string
	TokenSID       string
	PartnerSID     string
	ClientID       string
	Name           string
	TokenType      string
	Scopes         []string
	Created        time.Time
	AccessExpires  time.Time
	RefreshExpires time.Time
	LastAccessed   time.Time // zero when null
	LastAccessedIP string    // "" when null
}

// TestResult is the outcome of the test request.
type TestResult struct {
	Status     int
	Latency    time.Duration
	Containers int // total (or count) of storage containers
}

// Auth authenticates a call: a bearer token, or a login and password (Basic).
type Auth struct {
	Bearer   string
	Login    string
	Password string
}

// CreateRequest is the body of POST /oauth/token.
type CreateRequest struct {
	Name      string
	Scopes    []string      // nil: all the partner's available scopes
	ExpiresIn time.Duration // 0: server default (about 100 years)
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
type Client struct{}

// New validates the base URL (https, or http to a loopback host) and builds a client.
func New(opts Options) (*Client, error) { panic("stub") }

func (c *Client) BaseURL() string { panic("stub") }

// Test makes the test request, GET /storage/containers. A non-2xx answer is
// returned as *Error together with the filled-in TestResult (status, latency).
func (c *Client) Test(ctx context.Context, token string) (TestResult, error) { panic("stub") }

// ListTokens lists every token the caller can see, following every page.
func (c *Client) ListTokens(ctx context.Context, token string) ([]Token, error) { panic("stub") }

// GetToken fetches one token by sid.
func (c *Client) GetToken(ctx context.Context, token, sid string) (Token, error) { panic("stub") }

// FindToken lists tokens with the caller's token and returns the one whose
// access_token equals target (pass token itself to find the caller's own record).
// Not present: an error wrapping ErrNotFound.
func (c *Client) FindToken(ctx context.Context, token, target string) (Token, error) { panic("stub") }

// CreateToken is POST /oauth/token (form body), never retried.
func (c *Client) CreateToken(ctx context.Context, auth Auth, req CreateRequest) (Token, error) {
	panic("stub")
}

// RenameToken is PATCH /oauth/tokens/{sid} with {"name": name}.
func (c *Client) RenameToken(ctx context.Context, token, sid, name string) (Token, error) {
	panic("stub")
}

// Revoke is POST /oauth/revoke. target "" revokes token itself.
func (c *Client) Revoke(ctx context.Context, token, target string) error { panic("stub") }

// Mask shows a token as its first and last four characters ("5ebc…1dda"),
// or "…" alone when it is too short to show anything safely.
func Mask(token string) string { panic("stub") }

// Version is the app version used in the User-Agent; main may set it.
var Version = "dev"
