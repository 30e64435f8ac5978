package vault

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error the package returns wraps one of these where
// one applies, so callers use errors.Is.
var (
	ErrNotFound           = errors.New("token not found")
	ErrExists             = errors.New("a token with that name already exists")
	ErrInvalidName        = errors.New("invalid token name")
	ErrInvalidRecord      = errors.New("invalid token record")
	ErrBusy               = errors.New("vault busy: another process holds it")
	ErrLocked             = errors.New("vault locked: no key source could open it")
	ErrWrongPassphrase    = errors.New("wrong passphrase")
	ErrKeyringUnavailable = errors.New("os keyring unavailable")
	ErrCorrupt            = errors.New("vault damaged")
	ErrNewerVersion       = errors.New("vault made by a newer version of cxtokens")
	ErrNoVault            = errors.New("no vault at that path")
	ErrVaultExists        = errors.New("a vault already exists at that path")
	ErrNotAFile           = errors.New("the vault path is not a file")

	// ErrNoKeySource is returned by Create without any key source and by
	// RemoveKeyring or RemovePassphrase when that source is the last one:
	// a vault whose data key nothing wraps could never be opened again.
	ErrNoKeySource = errors.New("a vault needs at least one key source (keyring or passphrase)")
	// ErrNotInKeyring is returned by RemoveKeyring for a vault whose key
	// is not kept in the keyring; nothing is written.
	ErrNotInKeyring = errors.New("the vault key is not kept in the OS keyring")
	// ErrAlreadyInKeyring is returned by AddKeyring when the keyring
	// already holds the key; nothing is written.
	ErrAlreadyInKeyring = errors.New("the vault key is already in the OS keyring")
	// ErrClosed is returned by every method of a closed Vault.
	ErrClosed = errors.New("vault closed")
)

// ErrKeyNotFound is what a KeyStore returns for a missing entry.
var ErrKeyNotFound = errors.New("keyring entry not found")

// CorruptPart says which part of a vault file a CorruptError is about.
type CorruptPart string

// The parts of a vault file that can be found damaged.
const (
	PartFile   CorruptPart = "file"   // the bbolt structure itself: truncated, garbage, zeroed
	PartHeader CorruptPart = "header" // the vault header: format, id, key sources, key check
	PartRecord CorruptPart = "record" // one or more sealed records (IDs says which)
)

// CorruptError reports a damaged vault file or a record that fails
// authentication. errors.Is(err, ErrCorrupt) is true for it. The vault never
// rewrites or "repairs" what it found damaged; the user restores from a backup
// or an export.
type CorruptError struct {
	Part   CorruptPart
	IDs    []string // the damaged record ids when Part is PartRecord
	Detail string   // what was wrong; never contains a secret
}

func (e *CorruptError) Error() string {
	var b strings.Builder
	b.WriteString(ErrCorrupt.Error())
	switch {
	case e.Part == PartRecord && len(e.IDs) == 1:
		fmt.Fprintf(&b, ": record %s", e.IDs[0])
	case e.Part == PartRecord && len(e.IDs) > 1:
		fmt.Fprintf(&b, ": %d records (%s)", len(e.IDs), strings.Join(e.IDs, ", "))
	case e.Part != "":
		fmt.Fprintf(&b, ": %s", e.Part)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %s", e.Detail)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// LockedError is returned when no key source could produce the data key.
// errors.Is(err, ErrLocked) is true, and errors.Is also sees Cause (for
// example ErrKeyNotFound or ErrKeyringUnavailable from the keyring source).
type LockedError struct {
	Cause error  // why the configured sources failed; nil when none was tried
	Hint  string // how the user can get in: a sentence for a person
	// HasPassphrase says the vault has a passphrase source, so asking the
	// person for one can succeed; without it a prompt would be a dead end.
	HasPassphrase bool
}

func (e *LockedError) Error() string {
	msg := "vault locked"
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Unwrap returns the cause.
func (e *LockedError) Unwrap() error { return e.Cause }

func corruptRecord(id, detail string) *CorruptError {
	return &CorruptError{Part: PartRecord, IDs: []string{id}, Detail: detail}
}

func corruptHeader(detail string) *CorruptError {
	return &CorruptError{Part: PartHeader, Detail: detail}
}
