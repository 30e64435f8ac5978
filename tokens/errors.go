package tokens

import (
	"errors"
	"fmt"
	"strings"

	"cxtokens/api"
	"cxtokens/vault"
)

// Sentinels for input a person can correct. Errors returned by the workflows
// wrap one of these, a vault or api sentinel, or one of the types below.
var (
	ErrEmptyToken        = errors.New("empty token")
	ErrInvalidToken      = errors.New("invalid token")
	ErrBaseURLMismatch   = errors.New("tokens belong to different base urls")
	ErrRevokeUnverified  = errors.New("revoke not verified")
	ErrWrongExportPass   = errors.New("wrong passphrase for this export file")
	ErrNotExport         = errors.New("not a cxtokens export file")
	ErrEmptyPassphrase   = errors.New("empty passphrase")
	ErrNoManagementToken = errors.New("no stored token could do it")
	// ErrLoginRejected is a create with a login and password that the
	// server refused (401); the api error it wraps says so too.
	ErrLoginRejected = errors.New("login or password not accepted")
)

// UnknownNameError is returned for a name that is not in the vault.
// errors.Is(err, vault.ErrNotFound) holds for it.
type UnknownNameError struct {
	Name string
}

func (e *UnknownNameError) Error() string { return fmt.Sprintf("no token named %q", e.Name) }

// Is makes the error match vault.ErrNotFound.
func (e *UnknownNameError) Is(target error) bool { return target == vault.ErrNotFound }

// ScopeError says that a token was refused (403) for an operation and which
// scopes would have allowed it. It wraps the API error.
type ScopeError struct {
	Name string   // the stored token that was refused
	Op   string   // what it tried, in words ("run the test request")
	Need []string // any one of these scopes would do
	Err  error
	// OthersTried: the other stored tokens of the base URL were asked too,
	// and none could.
	OthersTried bool
}

func (e *ScopeError) Error() string {
	return fmt.Sprintf("token %q may not %s: it needs one of the scopes %s", e.Name, e.Op, strings.Join(e.Need, ", "))
}

func (e *ScopeError) Unwrap() error { return e.Err }

// Scopes the operations need, from carrierx-core-api.md §5–6. Any one will do.
var (
	ScopesTest   = []string{"storage.read", "storage.manage"}
	ScopesRead   = []string{"oauth.read", "oauth.manage", "oauth.manage_all_tokens"}
	ScopesCreate = []string{"oauth.create", "oauth.manage", "oauth.manage_all_tokens"}
	ScopesRename = []string{"oauth.update", "oauth.manage", "oauth.manage_all_tokens"}
	ScopesRevoke = []string{"oauth.manage", "oauth.manage_all_tokens"}
)

// scopeErr wraps a 403 from the API in a ScopeError; other errors pass through.
func scopeErr(err error, name, op string, need []string) error {
	if errors.Is(err, api.ErrForbidden) {
		return &ScopeError{Name: name, Op: op, Need: need, Err: err}
	}
	return err
}

// Holds reports whether the server has told that r has one of the scopes
// in need.
func Holds(r vault.Record, need []string) bool { return hasAnyScope(r.Scopes, need) }

// MayDo reports whether r is worth offering for an operation that needs one
// of need: its last test did not find it invalid or revoked, and its scopes,
// when the server has told them, include one of need. A token whose scopes
// were never fetched may or may not; the server will say.
func MayDo(r vault.Record, need []string) bool {
	return !Rejected(r) && (len(r.Scopes) == 0 || hasAnyScope(r.Scopes, need))
}

// Rejected reports a token whose last test found it invalid or revoked.
func Rejected(r vault.Record) bool {
	return r.LastTest != nil && Outcome(r.LastTest.Outcome) == OutcomeInvalid
}

// hasAnyScope reports whether a token's known scopes include one of need.
func hasAnyScope(have, need []string) bool {
	for _, h := range have {
		for _, n := range need {
			if h == n {
				return true
			}
		}
	}
	return false
}
