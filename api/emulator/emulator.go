// Package emulator is an in-process stand-in for the CarrierX Core API that
// behaves as shared/carrierx-core-api.md describes, for tests, demos and
// `cxtokens emulator`.
//
// It must not import Fyne, vault, api or any other cxtokens package.
//
// CONTRACT STUB: the exported names below are the agreed surface that other
// packages' tests compile against. The implementation replaces the bodies.
package emulator

import (
	"context"
	"io"
	"net/http"
	"time"
)

// BasePath is the prefix every Core route is served under.
const BasePath = "/core/v2"

// Faults are opt-in misbehaviours for tests. Zero value: none.
type Faults struct {
	Latency      time.Duration // added before every response
	RateLimit    int           // the next N requests get 429
	RetryAfter   time.Duration // Retry-After sent with those 429s (whole seconds, min 1)
	ServerError  int           // the next N requests get 500 (or ServerStatus)
	ServerStatus int           // status for ServerError; 0 means 500
	RedirectTo   string        // non-empty: every request gets 307 to this URL + original path
	Stall        bool          // requests block until the client gives up (context done)
	Oversize     bool          // 200 answers carry a body larger than any sane limit (~64 MiB, streamed)
}

// Options configure a Server.
type Options struct {
	Now      func() time.Time // nil: time.Now
	IPHeader string           // trusted header for the client IP ("" : X-Forwarded-For is trusted only if set here)
}

// Seed describes the seeded partner and bootstrap token.
type Seed struct {
	PartnerSID string   `json:"partner_sid"`
	Login      string   `json:"login"`
	Password   string   `json:"password"`
	Token      string   `json:"token"`  // bootstrap access token, every available scope
	Scopes     []string `json:"scopes"` // the partner's available_scopes
}

// Server is the emulator; it implements http.Handler. Safe for concurrent use.
type Server struct{}

// New returns a server with one seeded partner, one bootstrap token with
// every scope and one storage container.
func New(opts Options) *Server { panic("stub") }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { panic("stub") }

// Seed returns the seeded credentials.
func (s *Server) Seed() Seed { panic("stub") }

// SetFaults replaces the active faults.
func (s *Server) SetFaults(f Faults) { panic("stub") }

// IssueToken mints a token for the seeded partner directly (test set-up),
// with the given name, scopes (nil: all) and lifetime (0: ~100 years),
// and returns its access token value and sid.
func (s *Server) IssueToken(name string, scopes []string, lifetime time.Duration) (token, sid string) {
	panic("stub")
}

// Run listens on addr (e.g. "127.0.0.1:0"), writes one JSON line with
// base_url, login, password and token to out, then serves until ctx ends.
// seedFile, if non-empty, is a JSON file that overrides the seed.
func Run(ctx context.Context, addr, seedFile string, out io.Writer) error { panic("stub") }
