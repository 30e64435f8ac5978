package vault

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// KeyringService is the keyring service name the data key is stored under;
// the keyring user name is the vault id.
const KeyringService = "cxtokens"

// DefaultLockTimeout is how long one operation waits for the file lock when
// Options.LockTimeout is zero.
const DefaultLockTimeout = 2 * time.Second

// Options configure Create and Open.
type Options struct {
	Path        string        // the bbolt file
	LockTimeout time.Duration // how long one operation waits for the file lock; 0 means 2s
	Keyring     KeyStore      // nil: the keyring source is neither used nor offered
	Passphrase  []byte        // for Open (and Create with a passphrase source); nil when none
	KDF         KDFParams     // for Create/SetPassphrase; zero means DefaultKDF (~0.5 s)
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
	Count         int  // -1 when damaged pages keep the records from being counted
	Keyring       bool // a keyring source is configured
	Passphrase    bool // a passphrase source is configured
	Generation    uint64
	KDF           KDFParams // of the passphrase source; zero without one
}

// KeyStore is the small slice of an OS keyring the vault needs.
// Get returns an error wrapping ErrKeyNotFound when the entry is missing.
type KeyStore interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// Vault is an open vault. Safe for concurrent use. It holds the data key in
// memory, not the file lock: each method opens the file, runs one
// transaction and closes it.
type Vault struct {
	path    string
	timeout time.Duration
	keyring KeyStore
	kdf     KDFParams
	id      string // the vault id read at Open; a file with another id is not ours

	// mu guards keys and closed. Operations hold it for reading for their
	// whole run, so Lock waits for them and never pulls the key away from
	// a decryption in progress.
	mu     sync.RWMutex
	keys   *keys // nil when locked
	closed bool
}

// Exists reports whether a vault file is at path.
func Exists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// CheckPath reports a vault path that names something other than a file:
// a directory, a named pipe (opening one would wait forever for a writer),
// a device. A path that does not exist yet is fine.
func CheckPath(path string) error {
	st, err := os.Stat(path)
	switch {
	case err != nil || st.Mode().IsRegular():
		return nil
	case st.IsDir():
		return fmt.Errorf("%w: %s is a directory; give the path of a file in it, such as %s", ErrNotAFile, path, filepath.Join(path, "vault.db"))
	default:
		return fmt.Errorf("%w: %s is a %s", ErrNotAFile, path, fileKind(st.Mode()))
	}
}

func fileKind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "named pipe"
	case m&os.ModeSocket != 0:
		return "socket"
	case m&os.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

func newVault(opts Options) (*Vault, error) {
	if opts.Path == "" {
		return nil, errors.New("no vault path given")
	}
	if err := CheckPath(opts.Path); err != nil {
		return nil, err
	}
	v := &Vault{path: opts.Path, timeout: opts.LockTimeout, keyring: opts.Keyring, kdf: opts.KDF}
	if v.timeout <= 0 {
		v.timeout = DefaultLockTimeout
	}
	if v.kdf == (KDFParams{}) {
		v.kdf = DefaultKDF
	}
	if err := v.kdf.validate(); err != nil {
		return nil, err
	}
	return v, nil
}

// Create makes a new vault (ErrVaultExists if one is there) and returns it
// unlocked. The vault is built in a temporary file beside path and linked
// into place, so another process never sees a half-made vault, and two
// racing Creates cannot both win.
func Create(opts Options, src CreateSources) (*Vault, error) {
	v, err := newVault(opts)
	if err != nil {
		return nil, fmt.Errorf("create vault: %w", err)
	}
	if err := v.create(src); err != nil {
		return nil, fmt.Errorf("create vault: %w", err)
	}
	return v, nil
}

func (v *Vault) create(src CreateSources) (err error) {
	if !src.Keyring && len(src.Passphrase) == 0 {
		return ErrNoKeySource
	}
	if src.Keyring && v.keyring == nil {
		return errors.New("keyring source asked for but no keyring given")
	}
	if _, err := os.Lstat(v.path); err == nil {
		return ErrVaultExists
	}
	dir := filepath.Dir(v.path)
	if err := mkdirPrivate(dir); err != nil {
		return err
	}

	data := newDataKey()
	defer clear(data)
	k, err := deriveKeys(data)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			k.wipe()
		}
	}()
	h := header{format: formatVersion, id: hex.EncodeToString(newDataKey()[:16])}
	h.check = k.makeCheck(h.id)
	h.sources.Keyring = src.Keyring
	if len(src.Passphrase) > 0 {
		ps := newPassSource(k, h.id, src.Passphrase, v.kdf)
		h.sources.Passphrase = &ps
	}

	tmp, err := os.CreateTemp(dir, ".vault-*.tmp")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	err = withDB(tmpName, v.timeout, modeCreate, func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucket([]byte(bucketRecords)); err != nil {
			return err
		}
		return writeHeader(tx, h)
	})
	if err != nil {
		return err
	}

	if src.Keyring {
		if err := v.keyring.Set(KeyringService, h.id, base64.StdEncoding.EncodeToString(data)); err != nil {
			return fmt.Errorf("store data key in keyring: %w", err)
		}
		defer func() {
			if err != nil {
				v.keyring.Delete(KeyringService, h.id)
			}
		}()
	}
	if err := os.Link(tmpName, v.path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return ErrVaultExists
		}
		// Some filesystems cannot hard-link; a rename is atomic too, only
		// without the exclusive check, which Lstat above approximates.
		if _, serr := os.Lstat(v.path); serr == nil {
			return ErrVaultExists
		}
		if err := os.Rename(tmpName, v.path); err != nil {
			return err
		}
	}
	if err := os.Chmod(v.path, 0o600); err != nil {
		return err
	}
	v.id = h.id
	v.keys = k
	return nil
}

// mkdirPrivate creates dir and any missing parents with mode 0700, chmodding
// each one it creates so the umask cannot widen or narrow it. Directories
// that already exist are left alone: the path may be under /tmp or a shared
// folder the user chose.
func mkdirPrivate(dir string) error {
	st, err := os.Stat(dir)
	if err == nil {
		if !st.IsDir() {
			return fmt.Errorf("%s is not a directory", dir)
		}
		return nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := mkdirPrivate(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return os.Chmod(dir, 0o700)
}

// Open opens an existing vault (ErrNoVault if none), unlocking it with the
// keyring source if configured and reachable, else opts.Passphrase.
//
// Open never writes: a missing or unreachable keyring entry is reported
// (a *LockedError wrapping the cause, with a recovery hint), never answered
// by making a new key, which would orphan every record.
func Open(opts Options) (*Vault, error) {
	v, h, err := openHeader(opts)
	if err != nil {
		return nil, err
	}
	k, err := v.unlock(h, opts.Passphrase, true)
	if err != nil {
		return nil, fmt.Errorf("open vault: %w", err)
	}
	v.keys = k
	return v, nil
}

// OpenLocked opens the vault without its key, touching neither the keyring
// nor a passphrase: Status works, and Unlock gets the key later.
func OpenLocked(opts Options) (*Vault, error) {
	v, _, err := openHeader(opts)
	return v, err
}

// openHeader makes a Vault for opts.Path and reads its header.
func openHeader(opts Options) (*Vault, header, error) {
	v, err := newVault(opts)
	if err != nil {
		return nil, header{}, fmt.Errorf("open vault: %w", err)
	}
	h, err := v.readHeader()
	if err != nil {
		return nil, header{}, fmt.Errorf("open vault: %w", err)
	}
	v.id = h.id
	return v, h, nil
}

func (v *Vault) readHeader() (header, error) {
	var h header
	err := withDB(v.path, v.timeout, modeRead, func(tx *bolt.Tx) error {
		var err error
		h, err = readHeader(tx)
		return err
	})
	return h, err
}

// unlock gets the data key from the sources h offers: the keyring first
// (when allowed and configured), then pass. The KDF runs here, outside any
// transaction, so the file lock is never held for half a second.
func (v *Vault) unlock(h header, pass []byte, tryKeyring bool) (*keys, error) {
	var keyringErr error
	if tryKeyring && h.sources.Keyring {
		if v.keyring == nil {
			keyringErr = errors.New("no keyring available to this program")
		} else {
			k, err := v.keyFromKeyring(h)
			if err == nil {
				return k, nil
			}
			keyringErr = err
		}
	}
	if len(pass) > 0 && h.sources.Passphrase != nil {
		data, err := h.sources.Passphrase.unwrap(h.id, pass)
		if err != nil {
			if keyringErr != nil && errors.Is(err, ErrWrongPassphrase) {
				return nil, fmt.Errorf("%w (keyring: %w)", err, keyringErr)
			}
			return nil, err
		}
		defer clear(data)
		k, err := deriveKeys(data)
		if err != nil {
			return nil, corruptHeader("wrapped data key: " + err.Error())
		}
		if !k.verifyCheck(h.id, h.check) {
			k.wipe()
			return nil, corruptHeader("the passphrase opened a key that fails the key check")
		}
		return k, nil
	}
	return nil, &LockedError{Cause: keyringErr, Hint: lockedHint(h, len(pass) > 0, keyringErr), HasPassphrase: h.sources.Passphrase != nil}
}

func lockedHint(h header, gavePass bool, keyringErr error) string {
	unreachable := errors.Is(keyringErr, ErrKeyringUnavailable)
	switch {
	case h.sources.Passphrase != nil && !gavePass:
		return "unlock it with the vault passphrase (set CXTOKENS_PASSPHRASE, or enter it when asked)"
	case h.sources.Passphrase != nil:
		return "unlock it with the vault passphrase"
	case unreachable:
		// The key is likely still there; only this session cannot ask.
		return "its key is in the OS keyring, which cannot be reached from here: run cxtokens in the desktop session that unlocks the keyring (this vault has no passphrase; `cxtokens vault passphrase` adds one, for use elsewhere)"
	default:
		return "this vault has no passphrase to fall back on: restore the keyring entry, or restore your tokens from an export (cxtokens import); once open, add a passphrase with `cxtokens vault passphrase`"
	}
}

func (v *Vault) keyFromKeyring(h header) (*keys, error) {
	enc, err := v.keyring.Get(KeyringService, h.id)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	data, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(data) != keySize {
		return nil, errors.New("keyring entry does not hold a vault key")
	}
	defer clear(data)
	k, err := deriveKeys(data)
	if err != nil {
		return nil, err
	}
	if !k.verifyCheck(h.id, h.check) {
		k.wipe()
		return nil, errors.New("keyring entry holds a key that does not open this vault")
	}
	return k, nil
}

// Close forgets the data key. The file is not held open between
// operations, so there is nothing else to release. Close is idempotent.
func (v *Vault) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.keys.wipe()
	v.keys = nil
	v.closed = true
	return nil
}

// Path returns the vault file's path.
func (v *Vault) Path() string { return v.path }

// Lock forgets the data key (zeroing it) until Unlock.
func (v *Vault) Lock() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.keys.wipe()
	v.keys = nil
}

// Locked reports whether the data key is absent (after Lock or Close).
func (v *Vault) Locked() bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.keys == nil
}

// Unlock gets the data key again after Lock. With a passphrase it uses the
// passphrase source; with nil it tries the keyring source.
func (v *Vault) Unlock(pass []byte) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return fmt.Errorf("unlock: %w", ErrClosed)
	}
	if v.keys != nil {
		return nil
	}
	h, err := v.readHeader()
	if err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	if h.id != v.id {
		return fmt.Errorf("unlock: %w", errReplaced())
	}
	k, err := v.unlock(h, pass, len(pass) == 0)
	if err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	v.keys = k
	return nil
}

func errReplaced() error {
	return &CorruptError{Part: PartHeader, Detail: "the file at this path is now a different vault; open it again"}
}

// use runs fn with the keys held for reading, or fails when locked/closed.
func (v *Vault) use(op string, fn func(k *keys) error) error {
	v.mu.RLock()
	defer v.mu.RUnlock()
	switch {
	case v.closed:
		return fmt.Errorf("%s: %w", op, ErrClosed)
	case v.keys == nil:
		return fmt.Errorf("%s: %w", op, &LockedError{Hint: "the vault was locked; unlock it"})
	}
	if err := fn(v.keys); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// view and update run fn in a read or write transaction after checking the
// file still is the vault this Vault opened.
func (v *Vault) view(fn func(tx *bolt.Tx) error) error {
	return withDB(v.path, v.timeout, modeRead, func(tx *bolt.Tx) error {
		if err := v.checkID(tx); err != nil {
			return err
		}
		return fn(tx)
	})
}

func (v *Vault) update(fn func(tx *bolt.Tx) error) error {
	return withDB(v.path, v.timeout, modeWrite, func(tx *bolt.Tx) error {
		if err := v.checkID(tx); err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		_, err := bumpGeneration(tx)
		return err
	})
}

func (v *Vault) checkID(tx *bolt.Tx) error {
	b := tx.Bucket([]byte(bucketMeta))
	if b == nil {
		return corruptHeader("no vault header")
	}
	if f := b.Get([]byte(keyFormat)); len(f) == 4 && binary.BigEndian.Uint32(f) > formatVersion {
		return fmt.Errorf("%w (file format %d); update cxtokens", ErrNewerVersion, binary.BigEndian.Uint32(f))
	}
	if !bytes.Equal(b.Get([]byte(keyID)), []byte(v.id)) {
		return errReplaced()
	}
	if tx.Bucket([]byte(bucketRecords)) == nil {
		return corruptHeader("record bucket missing")
	}
	return nil
}

// Generation returns the change counter. Every write by any process bumps
// it in the same transaction, so a watcher that sees it change reloads. It
// works while locked.
func (v *Vault) Generation() (uint64, error) {
	var g uint64
	err := v.withHeader("generation", func(h header) { g = h.generation })
	return g, err
}

// Status describes the vault. It works while locked. When the header reads
// but damaged pages keep the records from being counted, it returns what it
// knows (Count -1) together with a *CorruptError.
func (v *Vault) Status() (Status, error) {
	s := Status{Path: v.path}
	err := v.withHeader("status", func(h header) {
		s.ID = h.id
		s.FormatVersion = int(h.format)
		s.Keyring = h.sources.Keyring
		s.Passphrase = h.sources.Passphrase != nil
		s.Generation = h.generation
		if p := h.sources.Passphrase; p != nil {
			s.KDF = p.KDF
		}
	}, func(tx *bolt.Tx) {
		s.Count = countRecords(tx)
	})
	if err == nil && s.Count < 0 {
		// The header read fine, so s says where the vault is and how it
		// opens; the error says the records cannot be trusted.
		err = fmt.Errorf("status: %w", &CorruptError{Part: PartFile, Detail: "damaged pages keep the records from being counted"})
	}
	return s, err
}

// countRecords counts the records without decrypting them, or returns -1
// when damaged pages keep bbolt from walking the bucket: status should still
// say where the vault is and how it opens, so the user can act on it.
func countRecords(tx *bolt.Tx) (n int) {
	defer func() {
		if recover() != nil {
			n = -1
		}
	}()
	return tx.Bucket([]byte(bucketRecords)).Stats().KeyN
}

func (v *Vault) withHeader(op string, fn func(h header), more ...func(tx *bolt.Tx)) error {
	v.mu.RLock()
	closed := v.closed
	v.mu.RUnlock()
	if closed {
		return fmt.Errorf("%s: %w", op, ErrClosed)
	}
	err := withDB(v.path, v.timeout, modeRead, func(tx *bolt.Tx) error {
		h, err := readHeader(tx)
		if err != nil {
			return err
		}
		if h.id != v.id {
			return errReplaced()
		}
		fn(h)
		for _, f := range more {
			f(tx)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// changeSources runs a read-modify-write of the key sources in one
// transaction, refusing a result with no source left.
func (v *Vault) changeSources(op string, fn func(h *header) error) error {
	return v.use(op, func(*keys) error { return v.changeSourcesLocked(fn) })
}

// changeSourcesLocked is changeSources for a caller already inside use.
func (v *Vault) changeSourcesLocked(fn func(h *header) error) error {
	return v.update(func(tx *bolt.Tx) error {
		h, err := readHeader(tx)
		if err != nil {
			return err
		}
		if err := fn(&h); err != nil {
			return err
		}
		if h.sources.Passphrase == nil && !h.sources.Keyring {
			return ErrNoKeySource
		}
		return writeHeader(tx, h) // generation is bumped by update
	})
}

// SetPassphrase adds a passphrase source, or replaces the passphrase, by
// wrapping the data key anew. Records are not touched.
func (v *Vault) SetPassphrase(pass []byte) error {
	if len(pass) == 0 {
		return errors.New("set passphrase: empty passphrase")
	}
	// The KDF runs before the transaction, with the key held for reading
	// only long enough to wrap it.
	var ps passSource
	err := v.use("set passphrase", func(k *keys) error {
		ps = newPassSource(k, v.id, pass, v.kdf)
		return nil
	})
	if err != nil {
		return err
	}
	return v.changeSources("set passphrase", func(h *header) error {
		h.sources.Passphrase = &ps
		return nil
	})
}

// RemovePassphrase removes the passphrase source. It refuses (ErrNoKeySource)
// when the keyring source is not configured, and also when the keyring does
// not actually hold this vault's key right now: removing the only working
// way in would lock the user out for good.
func (v *Vault) RemovePassphrase() error {
	return v.use("remove passphrase", func(k *keys) error {
		if v.keyring == nil {
			return fmt.Errorf("%w: no keyring available", ErrNoKeySource)
		}
		// Ask the keyring before taking the file lock: the call may take
		// seconds, and the lock must not be held that long.
		h, err := v.readHeader()
		if err != nil {
			return err
		}
		if !h.sources.Keyring {
			return ErrNoKeySource
		}
		kk, err := v.keyFromKeyring(h)
		if err != nil {
			return fmt.Errorf("%w: the keyring source does not work: %w", ErrNoKeySource, err)
		}
		same := sameKey(kk.data[:], k.data[:])
		kk.wipe()
		if !same {
			return fmt.Errorf("%w: the keyring holds a different key", ErrNoKeySource)
		}
		return v.changeSourcesLocked(func(h *header) error {
			if !h.sources.Keyring {
				return ErrNoKeySource
			}
			h.sources.Passphrase = nil
			return nil
		})
	})
}

// AddKeyring stores the data key in the keyring (Options.Keyring) and
// records the keyring source in the header. Adding it again re-stores the
// key, which mends a deleted keyring entry while a passphrase opened the
// vault; when the header names the keyring and the entry holds this very
// key, nothing is written (ErrAlreadyInKeyring).
func (v *Vault) AddKeyring() error {
	if v.keyring == nil {
		return errors.New("add keyring: no keyring given")
	}
	return v.use("add keyring", func(k *keys) error {
		h, err := v.readHeader()
		if err != nil {
			return err
		}
		if h.sources.Keyring {
			if kk, err := v.keyFromKeyring(h); err == nil {
				same := kk.data == k.data
				kk.wipe()
				if same {
					return ErrAlreadyInKeyring
				}
			}
		}
		if err := v.keyring.Set(KeyringService, v.id, base64.StdEncoding.EncodeToString(k.data[:])); err != nil {
			return err
		}
		err = v.changeSourcesLocked(func(h *header) error {
			h.sources.Keyring = true
			return nil
		})
		if err != nil && !h.sources.Keyring {
			// Best effort: the header does not mention the entry.
			v.keyring.Delete(KeyringService, v.id)
		}
		return err
	})
}

// RemoveKeyring removes the keyring source from the header and then deletes
// the keyring entry. It refuses (ErrNoKeySource) without a passphrase
// source, and writes nothing (ErrNotInKeyring) when there is no keyring
// source to remove.
func (v *Vault) RemoveKeyring() error {
	return v.use("remove keyring", func(k *keys) error {
		err := v.changeSourcesLocked(func(h *header) error {
			if !h.sources.Keyring {
				return ErrNotInKeyring
			}
			h.sources.Keyring = false
			return nil
		})
		if err != nil {
			return err
		}
		if v.keyring == nil {
			return nil
		}
		if err := v.keyring.Delete(KeyringService, v.id); err != nil && !errors.Is(err, ErrKeyNotFound) {
			return fmt.Errorf("source removed, but the keyring entry could not be deleted: %w", err)
		}
		return nil
	})
}
