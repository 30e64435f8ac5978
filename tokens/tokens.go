// Package tokens owns the workflows both front-ends share: add, list, get,
// test, details, create, rename, revoke-and-verify, forget, exec environment,
// export and import. It combines vault and api and holds no UI.
//
// It must not import Fyne, cli or ui.
//
// CONTRACT STUB: the exported names below are the agreed surface that cli and
// ui compile against. The implementation replaces the bodies.
package tokens

import (
	"context"
	"io"
	"time"

	"cxtokens/api"
	"cxtokens/vault"
)

// Outcome is a test result in words a person understands.
type Outcome string

const (
	OutcomeWorks        Outcome = "works"
	OutcomeInvalid      Outcome = "invalid"       // invalid, expired or revoked (401)
	OutcomeMissingScope Outcome = "missing_scope" // authenticated but not allowed (403)
	OutcomeRateLimited  Outcome = "rate_limited"  // 429 after retries
	OutcomeServerError  Outcome = "server_error"  // 5xx or a malformed answer
	OutcomeNetwork      Outcome = "network_error" // DNS, connect, TLS, timeout
)

// Words is the outcome as a short phrase ("works", "invalid or revoked", …).
func (o Outcome) Words() string { panic("stub") }

// Options configure a Service.
type Options struct {
	VaultPath      string                                    // resolved by VaultPath
	Keyring        vault.KeyStore                            // nil: vault.NewSystemKeyring(0)
	Passphrase     func() ([]byte, error)                    // asked only when a vault needs one; nil: none available
	NewClient      func(baseURL string) (*api.Client, error) // nil: api.New with defaults
	Now            func() time.Time                          // nil: time.Now
	DefaultBaseURL string                                    // "": api.DefaultBaseURL
	KDF            vault.KDFParams                           // for vaults it creates; zero: default cost
}

// VaultPath resolves the vault path: flag, then $CXTOKENS_VAULT, then
// <UserConfigDir>/cxtokens/vault.db.
func VaultPath(flag string) (string, error) { panic("stub") }

// Service runs the workflows against one vault. Safe for concurrent use.
// The vault is opened lazily; the first write to a missing vault creates it
// with the keyring source (or fails with vault.ErrKeyringUnavailable and a
// hint to run `cxtokens vault init --passphrase`).
type Service struct{}

func New(opts Options) *Service { panic("stub") }
func (s *Service) Close() error { panic("stub") }

// Init creates the vault with the given sources (vault init).
func (s *Service) Init(keyring bool, passphrase []byte) error { panic("stub") }
func (s *Service) Status() (vault.Status, error)              { panic("stub") }
func (s *Service) SetPassphrase(pass []byte) error            { panic("stub") }
func (s *Service) Lock()                                      { panic("stub") }
func (s *Service) Unlock(pass []byte) error                   { panic("stub") }
func (s *Service) Locked() bool                               { panic("stub") }
func (s *Service) Generation() (uint64, error)                { panic("stub") } // changes on any write by any process

// AddInput is what a person gives to add a token.
type AddInput struct {
	Name    string
	Token   string // surrounding whitespace trimmed; inner whitespace/control chars refused
	BaseURL string // "": the default
	Note    string
}

// Add stores a token. Warnings (e.g. "not UUID-shaped") do not stop it.
func (s *Service) Add(ctx context.Context, in AddInput) (rec vault.Record, warnings []string, err error) {
	panic("stub")
}

func (s *Service) List() ([]vault.Record, error)         { panic("stub") }
func (s *Service) Get(name string) (vault.Record, error) { panic("stub") }

// Format is how `get` renders a token.
type Format string

const (
	FormatRaw    Format = "raw"    // the value
	FormatHeader Format = "header" // Authorization: Bearer …
	FormatCurl   Format = "curl"   // a curl line for the test request
	FormatEnv    Format = "env"    // export CARRIERX_TOKEN=… (and CARRIERX_BASE_URL)
)

// Render formats a record's secret; the only function that emits one.
func Render(r vault.Record, f Format) (string, error) { panic("stub") }

// Env is the environment exec adds: CARRIERX_TOKEN and CARRIERX_BASE_URL.
func Env(r vault.Record) []string { panic("stub") }

// TestReport is one test request's result, also stored on the record.
type TestReport struct {
	Name       string
	Outcome    Outcome
	Status     int
	Latency    time.Duration
	Containers int
	Detail     string // one sentence, never a secret
	At         time.Time
}

// Test runs the test request. err is only for vault problems or an unknown
// name; API failures are outcomes.
func (s *Service) Test(ctx context.Context, name string) (TestReport, error) { panic("stub") }

// TestMany tests several tokens with bounded concurrency (0: 8).
func (s *Service) TestMany(ctx context.Context, names []string, concurrency int) []TestReport {
	panic("stub")
}

// DetailsReport is what the API knows about a token, also stored on the record.
type DetailsReport struct {
	Record vault.Record
	Via    string // name of another stored token used because this one could not read its own record; "" if itself
}

func (s *Service) Details(ctx context.Context, name string) (DetailsReport, error) { panic("stub") }

// CreateInput asks the server for a new token.
type CreateInput struct {
	Name      string
	Using     string // name of a stored management token; or Login/Password
	Login     string
	Password  string
	BaseURL   string // with Login; "" : default. With Using: the management token's base URL
	Scopes    []string
	ExpiresIn time.Duration
	Note      string
}

// Create makes a token on the server and stores it (with its refresh token).
func (s *Service) Create(ctx context.Context, in CreateInput) (vault.Record, error) { panic("stub") }

// RenameReport says whether the server-side name changed too.
type RenameReport struct {
	Remote    bool  // the server was asked (sid known)
	RemoteErr error // non-nil: local rename done, server rename failed
}

func (s *Service) Rename(ctx context.Context, oldName, newName string) (RenameReport, error) {
	panic("stub")
}

// RevokeReport says how the revoke was verified.
type RevokeReport struct {
	Using        string // "" : the token revoked itself
	VerifyStatus int    // status of the verifying test request (401 expected)
}

// Revoke revokes on the server (with the token itself, or the stored token
// named using), verifies the token now gets 401, then removes it from the
// vault. If the server revoke fails nothing is removed.
func (s *Service) Revoke(ctx context.Context, name, using string) (RevokeReport, error) {
	panic("stub")
}

// Forget removes a token locally only; it stays valid on the server.
func (s *Service) Forget(name string) error { panic("stub") }

// ImportReport says what import did, by name.
type ImportReport struct {
	Added     []string
	Skipped   []string // same name, same token: nothing to do
	Conflicts []string // same name, different token: left as is
}

func (s *Service) Export(w io.Writer, passphrase []byte) (int, error)          { panic("stub") }
func (s *Service) Import(r io.Reader, passphrase []byte) (ImportReport, error) { panic("stub") }

// DescribeScope turns a scope into plain words ("sms.manage" → "send and manage SMS").
func DescribeScope(scope string) string { panic("stub") }

// NeverExpires reports an expiry so far away it effectively never comes (> 50 years).
func NeverExpires(exp, now time.Time) bool { panic("stub") }
