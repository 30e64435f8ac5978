// Package vault owns the encrypted token store: one bbolt file, the sealed
// record format, the data key and the key sources that wrap it (the OS keyring
// and a passphrase), and token-name validation.
//
// It must not import Fyne, net/http, or any other cxtokens package.
//
// CONTRACT STUB: the exported names below are the agreed surface that tokens,
// cli and ui compile against. The implementation replaces the bodies.
package vault

import (
	"errors"
	"time"
)

// Sentinel errors. Every error the package returns wraps one of these where
// one applies, so callers use errors.Is.
var (
	ErrNotFound           = errors.New("token not found")
	ErrExists             = errors.New("a token with that name already exists")
	ErrInvalidName        = errors.New("invalid token name")
	ErrBusy               = errors.New("vault busy: another process holds it")
	ErrLocked             = errors.New("vault locked: no key source could open it")
	ErrWrongPassphrase    = errors.New("wrong passphrase")
	ErrKeyringUnavailable = errors.New("os keyring unavailable")
	ErrCorrupt            = errors.New("vault damaged")
	ErrNewerVersion       = errors.New("vault made by a newer version of cxtokens")
	ErrNoVault            = errors.New("no vault at that path")
	ErrVaultExists        = errors.New("a vault already exists at that path")
)

// TestResult is the outcome of the last test request made with a token.
type TestResult struct {
	At      time.Time
	Outcome string // tokens.Outcome* words: "works", "invalid", "missing_scope", "rate_limited", "server_error", "network_error"
	Status  int    // HTTP status, 0 when no response
	Latency time.Duration
	Detail  string // short human detail, never a secret
}

// Record is one stored token. Secret and RefreshToken are the only secret
// fields; String and GoString mask them.
type Record struct {
	ID             string // random, assigned by Add; stable for the record's life
	Name           string // unique, case-insensitive
	Secret         string // the access token value
	RefreshToken   string // when we got one from a create call
	BaseURL        string // the API base URL the token is pinned to
	TokenSID       string
	PartnerSID     string
	Scopes         []string
	Created        time.Time // date_created from the API
	AccessExpires  time.Time
	RefreshExpires time.Time
	LastUsed       time.Time // date_last_accessed as last seen from the API; zero if never
	LastUsedIP     string
	DetailsAt      time.Time // when the API fields above were last refreshed
	Note           string
	AddedAt        time.Time // set by Add
	LastTest       *TestResult
}

// Options configure Create and Open.
type Options struct {
	Path        string        // the bbolt file
	LockTimeout time.Duration // how long one operation waits for the file lock; 0 means 2s
	Keyring     KeyStore      // nil: the keyring source is neither used nor offered
	Passphrase  []byte        // for Open (and Create with a passphrase source); nil when none
	KDF         KDFParams     // for Create/SetPassphrase; zero means the default (~0.5 s)
}

// KDFParams are Argon2id parameters, stored in the vault header.
type KDFParams struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// CreateSources says which key sources wrap the data key of a new vault.
type CreateSources struct {
	Keyring    bool   // store the data key in opts.Keyring
	Passphrase []byte // nil: no passphrase source
}

// Status describes an open vault.
type Status struct {
	Path          string
	ID            string
	FormatVersion int
	Count         int
	Keyring       bool // a keyring source is configured
	Passphrase    bool // a passphrase source is configured
	Generation    uint64
	KDF           KDFParams
}

// KeyStore is the small slice of an OS keyring the vault needs.
// Get returns an error wrapping ErrKeyNotFound when the entry is missing.
type KeyStore interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// ErrKeyNotFound is what a KeyStore returns for a missing entry.
var ErrKeyNotFound = errors.New("keyring entry not found")

// NewSystemKeyring returns a KeyStore backed by go-keyring where every call
// gives up after timeout (0 means 3s) with an error wrapping ErrKeyringUnavailable.
func NewSystemKeyring(timeout time.Duration) KeyStore { panic("stub") }

// Vault is an open vault. Safe for concurrent use. It holds the data key in
// memory, not the file lock: each method opens the file, runs one
// transaction and closes it.
type Vault struct{}

// Exists reports whether a vault file is at path.
func Exists(path string) bool { panic("stub") }

// Create makes a new vault (ErrVaultExists if one is there).
func Create(opts Options, src CreateSources) (*Vault, error) { panic("stub") }

// Open opens an existing vault (ErrNoVault if none), unlocking it with the
// keyring source if configured and reachable, else opts.Passphrase.
func Open(opts Options) (*Vault, error) { panic("stub") }

func (v *Vault) Close() error                         { panic("stub") }
func (v *Vault) Path() string                         { panic("stub") }
func (v *Vault) List() ([]Record, error)              { panic("stub") } // sorted by name, case-insensitive
func (v *Vault) Get(nameOrID string) (Record, error)  { panic("stub") }
func (v *Vault) Add(r Record) (Record, error)         { panic("stub") } // assigns ID and AddedAt
func (v *Vault) Update(r Record) error                { panic("stub") } // by r.ID; may change Name (unique)
func (v *Vault) Rename(oldName, newName string) error { panic("stub") }
func (v *Vault) Delete(nameOrID string) error         { panic("stub") }
func (v *Vault) Generation() (uint64, error)          { panic("stub") } // bumps on every write by any process
func (v *Vault) Status() (Status, error)              { panic("stub") }
func (v *Vault) SetPassphrase(pass []byte) error      { panic("stub") } // add or change
func (v *Vault) RemovePassphrase() error              { panic("stub") }
func (v *Vault) AddKeyring() error                    { panic("stub") }
func (v *Vault) RemoveKeyring() error                 { panic("stub") }
func (v *Vault) Lock()                                { panic("stub") } // forget the data key
func (v *Vault) Unlock(pass []byte) error             { panic("stub") }
func (v *Vault) Locked() bool                         { panic("stub") }

// ValidateName checks a token name: 1–64 printable characters, no leading
// or trailing space, no control characters.
func ValidateName(name string) error { panic("stub") }
