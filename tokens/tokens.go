// Package tokens owns the workflows both front-ends share: add, list, get,
// test, details, create, rename, revoke-and-verify, forget, exec environment,
// export and import. It combines vault and api and holds no UI: it never
// prompts, prints or reads a terminal; a front-end passes what it asked the
// person (a token, a passphrase) in, and turns the typed errors it gets back
// into sentences.
//
// It must not import Fyne, cli or ui.
//
// # Vault lifecycle
//
// A Service opens its vault lazily, on the first call that needs it, and keeps
// it open (the vault itself holds no file lock between operations). Reads on
// a vault that does not exist yet behave as an empty vault. The first write
// creates it with the OS keyring as the only key source; when the keyring is
// unreachable that write fails with an error wrapping
// vault.ErrKeyringUnavailable that tells the person to run
// `cxtokens vault init --passphrase`. The Options.Passphrase callback is
// called only when the vault cannot be unlocked without it.
package tokens

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
func (o Outcome) Words() string {
	switch o {
	case OutcomeWorks:
		return "works"
	case OutcomeInvalid:
		return "invalid or revoked"
	case OutcomeMissingScope:
		return "missing scope"
	case OutcomeRateLimited:
		return "rate limited"
	case OutcomeServerError:
		return "server error"
	case OutcomeNetwork:
		return "network or TLS error"
	case "":
		return "not tested"
	}
	return strings.ReplaceAll(string(o), "_", " ")
}

// Options configure a Service.
type Options struct {
	VaultPath      string                                    // resolved by VaultPath
	Keyring        vault.KeyStore                            // nil: vault.NewSystemKeyring(0)
	Passphrase     func() ([]byte, error)                    // asked only when a vault needs one; nil: none available
	NewClient      func(baseURL string) (*api.Client, error) // nil: api.New with defaults and CAFile
	CAFile         string                                    // extra PEM CAs to trust beside the system's ($CXTOKENS_CA_FILE)
	Now            func() time.Time                          // nil: time.Now
	DefaultBaseURL string                                    // "": api.DefaultBaseURL
	KDF            vault.KDFParams                           // for vaults it creates; zero: default cost
	LockTimeout    time.Duration                             // per vault operation; 0: the vault's default

	// ScryptWorkFactor is the age scrypt work factor (log2 N) Export uses;
	// 0 means age's default. Tests lower it: the default costs about a second
	// and 256 MiB per export or import.
	ScryptWorkFactor int
}

// VaultPath resolves the vault path: flag, then $CXTOKENS_VAULT, then
// <UserConfigDir>/cxtokens/vault.db.
func VaultPath(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if env := os.Getenv("CXTOKENS_VAULT"); env != "" {
		return env, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the vault: %w (use --vault PATH or set CXTOKENS_VAULT)", err)
	}
	return filepath.Join(dir, "cxtokens", "vault.db"), nil
}

// CAFileEnv names the environment variable that gives an extra PEM bundle
// of certificate authorities to trust (a corporate TLS-inspecting proxy's),
// beside the system's; verification is never turned off.
const CAFileEnv = "CXTOKENS_CA_FILE"

// Service runs the workflows against one vault. Safe for concurrent use.
// The vault is opened lazily; the first write to a missing vault creates it
// with the keyring source (or fails with vault.ErrKeyringUnavailable and a
// hint to run `cxtokens vault init --passphrase`).
type Service struct {
	opts Options

	mu sync.Mutex // guards v and clients, and serialises opening
	v  *vault.Vault

	clients map[string]*api.Client
}

// New returns a Service; it touches neither the vault nor the network.
func New(opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.DefaultBaseURL == "" {
		opts.DefaultBaseURL = api.DefaultBaseURL
	}
	if opts.NewClient == nil {
		opts.NewClient = func(baseURL string) (*api.Client, error) {
			return api.New(api.Options{BaseURL: baseURL, CAFile: opts.CAFile})
		}
	}
	return &Service{opts: opts, clients: map[string]*api.Client{}}
}

// Close closes the vault if it was opened. The Service can be used again
// afterwards: the next call opens the vault anew.
func (s *Service) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.v == nil {
		return nil
	}
	err := s.v.Close()
	s.v = nil
	return err
}

// VaultPath is the path of the vault the Service works on.
func (s *Service) VaultPath() string { return s.opts.VaultPath }

func (s *Service) keyring() vault.KeyStore {
	if s.opts.Keyring == nil {
		// Built on first use so a Service that never touches a vault never
		// touches the keyring either.
		s.opts.Keyring = vault.NewSystemKeyring(0)
	}
	return s.opts.Keyring
}

func (s *Service) vaultOptions(pass []byte) vault.Options {
	return vault.Options{
		Path:        s.opts.VaultPath,
		LockTimeout: s.opts.LockTimeout,
		Keyring:     s.keyring(),
		Passphrase:  pass,
		KDF:         s.opts.KDF,
	}
}

// ErrNoPassphrase is what a Passphrase callback may return (wrapped) when it
// has no way to ask; the Service also returns it when it has no callback.
var ErrNoPassphrase = errors.New("no passphrase available")

// keyringHint is the advice for a vault that cannot be created with the keyring.
const keyringHint = "run `cxtokens vault init --passphrase` to keep the vault under a passphrase instead"

// openLocked opens the vault if it is not open. With create, a missing vault
// is created with the keyring source; without, it returns vault.ErrNoVault.
// s.mu must be held.
func (s *Service) openLocked(create bool) (*vault.Vault, error) {
	if s.v != nil {
		return s.v, nil
	}
	if s.opts.VaultPath == "" {
		return nil, errors.New("open vault: no vault path")
	}
	if err := vault.CheckPath(s.opts.VaultPath); err != nil {
		return nil, fmt.Errorf("open vault: %w", err)
	}
	if !vault.Exists(s.opts.VaultPath) {
		if !create {
			return nil, fmt.Errorf("open vault: %w", vault.ErrNoVault)
		}
		v, err := vault.Create(s.vaultOptions(nil), vault.CreateSources{Keyring: true})
		if errors.Is(err, vault.ErrVaultExists) {
			// Another process created it between Exists and Create: use theirs.
			return s.openExistingLocked()
		}
		if err != nil {
			// vault.Create's errors start with "create vault:" already.
			if errors.Is(err, vault.ErrKeyringUnavailable) {
				return nil, fmt.Errorf("%w; %s", err, keyringHint)
			}
			return nil, err
		}
		s.v = v
		return v, nil
	}
	return s.openExistingLocked()
}

func (s *Service) openExistingLocked() (*vault.Vault, error) {
	// vault.Open's errors start with "open vault:" already.
	v, err := vault.Open(s.vaultOptions(nil))
	if err == nil {
		s.v = v
		return v, nil
	}
	if !needsPassphrase(err) {
		return nil, err
	}
	pass, perr := s.askPassphrase()
	if perr != nil {
		return nil, &noPassphraseError{err: err, cause: perr}
	}
	v, err = vault.Open(s.vaultOptions(pass))
	clear(pass)
	if err != nil {
		return nil, err
	}
	s.v = v
	return v, nil
}

// needsPassphrase reports whether opening failed for want of a key that a
// passphrase could provide.
func needsPassphrase(err error) bool {
	// A keyring-only vault whose entry is lost cannot be opened by any
	// passphrase: asking for one would be a dead end.
	var locked *vault.LockedError
	if errors.As(err, &locked) {
		return locked.HasPassphrase
	}
	return errors.Is(err, vault.ErrLocked) || errors.Is(err, vault.ErrKeyringUnavailable) ||
		errors.Is(err, vault.ErrKeyNotFound)
}

// noPassphraseError is a vault that needs a passphrase nobody could give.
// Its text is the vault's (which already says how to unlock it), plus the
// callback's reason unless that is only ErrNoPassphrase; errors.Is sees both.
type noPassphraseError struct {
	err, cause error
}

func (e *noPassphraseError) Error() string {
	if errors.Is(e.cause, ErrNoPassphrase) && e.cause.Error() == ErrNoPassphrase.Error() {
		return e.err.Error()
	}
	return e.err.Error() + " (" + e.cause.Error() + ")"
}

func (e *noPassphraseError) Unwrap() []error { return []error{e.err, e.cause} }

func (s *Service) askPassphrase() ([]byte, error) {
	if s.opts.Passphrase == nil {
		return nil, ErrNoPassphrase
	}
	return s.opts.Passphrase()
}

// read runs fn on the open vault. A missing vault is reported as
// vault.ErrNoVault (callers that read decide what that means).
func (s *Service) read(fn func(v *vault.Vault) error) error {
	return s.with(false, fn)
}

// write runs fn on the open vault, creating it first when missing.
func (s *Service) write(fn func(v *vault.Vault) error) error {
	return s.with(true, fn)
}

func (s *Service) with(create bool, fn func(v *vault.Vault) error) error {
	s.mu.Lock()
	v, err := s.openLocked(create)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	err = fn(v)
	if errors.Is(err, vault.ErrLocked) && v.Locked() && s.opts.Passphrase != nil {
		// Locked by Lock (auto-lock in the desktop app): ask once and retry.
		pass, perr := s.opts.Passphrase()
		if perr != nil {
			return fmt.Errorf("%w (%w)", err, perr)
		}
		uerr := v.Unlock(pass)
		clear(pass)
		if uerr != nil {
			return fmt.Errorf("unlock vault: %w", uerr)
		}
		err = fn(v)
	}
	return err
}

// Init creates the vault with the given sources (vault init).
func (s *Service) Init(keyring bool, passphrase []byte) error {
	if !keyring && len(passphrase) == 0 {
		return errors.New("create vault: a vault needs the keyring, a passphrase or both")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.v != nil || vault.Exists(s.opts.VaultPath) {
		return fmt.Errorf("create vault %s: %w", s.opts.VaultPath, vault.ErrVaultExists)
	}
	opts := s.vaultOptions(nil)
	if !keyring {
		// A passphrase-only vault must not even try the keyring.
		opts.Keyring = nil
	}
	var pass []byte
	if len(passphrase) > 0 {
		pass = append([]byte(nil), passphrase...)
		defer clear(pass)
	}
	v, err := vault.Create(opts, vault.CreateSources{Keyring: keyring, Passphrase: pass})
	if err != nil {
		return fmt.Errorf("create vault: %w", err)
	}
	s.v = v
	return nil
}

// InitPreferKeyring creates the vault with a passphrase and, when the OS
// keyring is reachable, the keyring as well. It reports whether the keyring
// source was set up. This is what `vault init --passphrase` does, so that the
// advice given when the keyring is unreachable works on that same machine.
func (s *Service) InitPreferKeyring(passphrase []byte) (keyring bool, err error) {
	if len(passphrase) == 0 {
		return false, errors.New("create vault: empty passphrase")
	}
	err = s.Init(true, passphrase)
	if errors.Is(err, vault.ErrKeyringUnavailable) {
		return false, s.Init(false, passphrase)
	}
	return err == nil, err
}

// Status describes the vault; vault.ErrNoVault when there is none yet.
func (s *Service) Status() (vault.Status, error) {
	var st vault.Status
	err := s.read(func(v *vault.Vault) error {
		var err error
		st, err = v.Status()
		return err
	})
	return st, err
}

// Inspect describes the vault without asking for a passphrase (vault
// status): where it is, its id, key sources and token count. unlockErr says
// why it does not open right now without a passphrase (the keyring entry is
// missing, no keyring answers, it has only a passphrase), or is nil when it
// does. err is for a vault that cannot be read at all; with a damaged one,
// what could be read comes back together with a CorruptError.
func (s *Service) Inspect() (st vault.Status, unlockErr, err error) {
	s.mu.Lock()
	v := s.v
	s.mu.Unlock()
	if v == nil {
		if err := vault.CheckPath(s.opts.VaultPath); err != nil {
			return vault.Status{Path: s.opts.VaultPath}, nil, fmt.Errorf("open vault: %w", err)
		}
		if !vault.Exists(s.opts.VaultPath) {
			return vault.Status{Path: s.opts.VaultPath}, nil, fmt.Errorf("open vault: %w", vault.ErrNoVault)
		}
		lv, err := vault.OpenLocked(s.vaultOptions(nil))
		if err != nil {
			return vault.Status{Path: s.opts.VaultPath}, nil, err
		}
		defer lv.Close()
		v = lv
		unlockErr = v.Unlock(nil) // the keyring only; never a prompt
	}
	st, err = v.Status()
	return st, unlockErr, err
}

// SetPassphrase adds a passphrase source to the vault or changes it.
func (s *Service) SetPassphrase(pass []byte) error {
	if len(pass) == 0 {
		return errors.New("set passphrase: empty passphrase")
	}
	return s.read(func(v *vault.Vault) error {
		if err := v.SetPassphrase(pass); err != nil {
			return fmt.Errorf("set passphrase: %w", err)
		}
		return nil
	})
}

// StoreInKeyring puts the vault's data key in the OS keyring and records the
// keyring source, so the vault opens without its passphrase again. It is the
// way back after a lost keyring entry, once the passphrase has opened the vault.
func (s *Service) StoreInKeyring() error {
	return s.read(func(v *vault.Vault) error {
		if err := v.AddKeyring(); err != nil {
			return fmt.Errorf("store key in keyring: %w", err)
		}
		return nil
	})
}

// RemoveFromKeyring drops the keyring source and deletes the keyring entry;
// the vault then opens with its passphrase only. The vault refuses when it
// has no passphrase source.
func (s *Service) RemoveFromKeyring() error {
	return s.read(func(v *vault.Vault) error {
		if err := v.RemoveKeyring(); err != nil {
			return fmt.Errorf("remove key from keyring: %w", err)
		}
		return nil
	})
}

// Lock forgets the vault's data key until Unlock (or the Passphrase callback).
func (s *Service) Lock() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.v != nil {
		s.v.Lock()
	}
}

// Unlock unlocks the vault with a passphrase, opening it if needed.
func (s *Service) Unlock(pass []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.v == nil {
		if !vault.Exists(s.opts.VaultPath) {
			return fmt.Errorf("unlock vault: %w", vault.ErrNoVault)
		}
		v, err := vault.Open(s.vaultOptions(pass))
		if err != nil {
			return fmt.Errorf("unlock vault: %w", err)
		}
		s.v = v
		return nil
	}
	if err := s.v.Unlock(pass); err != nil {
		return fmt.Errorf("unlock vault: %w", err)
	}
	return nil
}

// Locked reports whether an opened vault has forgotten its data key. A vault
// that has not been opened yet is not locked: it is opened on demand.
func (s *Service) Locked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.v != nil && s.v.Locked()
}

// Generation changes on any write by any process; 0 when there is no vault yet.
func (s *Service) Generation() (uint64, error) {
	var g uint64
	err := s.read(func(v *vault.Vault) error {
		var err error
		g, err = v.Generation()
		return err
	})
	if errors.Is(err, vault.ErrNoVault) {
		return 0, nil
	}
	return g, err
}

// client returns the API client for a base URL, built once per URL.
func (s *Service) client(baseURL string) (*api.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[baseURL]; ok {
		return c, nil
	}
	c, err := s.opts.NewClient(baseURL)
	if err != nil {
		return nil, fmt.Errorf("base url: %w", err)
	}
	s.clients[baseURL] = c
	s.clients[c.BaseURL()] = c
	return c, nil
}

// normalizeBaseURL trims what a person pastes around a URL; the api client
// decides whether what is left is acceptable.
func normalizeBaseURL(u string) string {
	return strings.TrimRight(strings.TrimSpace(u), "/")
}

// List returns every stored token, sorted by name. No vault yet: none.
func (s *Service) List() ([]vault.Record, error) {
	var recs []vault.Record
	err := s.read(func(v *vault.Vault) error {
		var err error
		recs, err = v.List()
		return err
	})
	if errors.Is(err, vault.ErrNoVault) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return recs, nil
}

// Get returns one stored token by name (case-insensitive) or an
// *UnknownNameError.
func (s *Service) Get(name string) (vault.Record, error) {
	var r vault.Record
	err := s.read(func(v *vault.Vault) error {
		var err error
		r, err = v.Get(name)
		return err
	})
	if errors.Is(err, vault.ErrNoVault) || errors.Is(err, vault.ErrNotFound) {
		return vault.Record{}, &UnknownNameError{Name: name}
	}
	if err != nil {
		return vault.Record{}, err
	}
	return r, nil
}

// update applies fn to the record with that id in one vault transaction,
// so a concurrent change to other fields (a rename by the command line while
// the window stores a test result) is never overwritten with stale values.
func (s *Service) update(id string, fn func(r *vault.Record)) (vault.Record, error) {
	var out vault.Record
	err := s.read(func(v *vault.Vault) error {
		var err error
		out, err = v.Modify(id, func(r *vault.Record) error {
			fn(r)
			return nil
		})
		return err
	})
	return out, err
}

// now is the Service clock.
func (s *Service) now() time.Time { return s.opts.Now() }

// ctxErr returns the context's error if it is done, so workflows report a
// cancelled operation as such rather than as a network outcome.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return nil
}
