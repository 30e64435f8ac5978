package vault

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Bucket and key names. See "File format" in the package doc.
const (
	bucketMeta    = "meta"
	bucketRecords = "records"

	keyFormat     = "format"
	keyID         = "id"
	keySources    = "sources"
	keyCheck      = "check"
	keyGeneration = "generation"

	formatVersion = 1
)

// fillPercent is where bbolt splits a full page (its default). Records go
// in under random keys, and for random inserts splitting in half packs best:
// at 10,000 records it gave a 4.7 MB file where 0.9 gave 6.5 MB (a high
// split point leaves a trail of nearly empty pages behind).
const fillPercent = 0.5

// allocSize is how far ahead of need a write grows the file.
const allocSize = 256 << 10

// sources is the key-source part of the header.
type sources struct {
	Keyring    bool        `json:"keyring,omitempty"`
	Passphrase *passSource `json:"passphrase,omitempty"`
}

// header is the decoded meta bucket.
type header struct {
	format     uint32
	id         string
	sources    sources
	check      []byte
	generation uint64
}

var errEmptyFile = errors.New("empty file")

type dbMode int

const (
	modeRead   dbMode = iota // shared lock, file opened read-only
	modeWrite                // exclusive lock
	modeCreate               // exclusive lock on a new, empty file
)

// withDB is the only place the package touches bbolt. It opens the file,
// runs fn in one transaction, and closes the file, so the lock is held for
// one operation only. It turns bbolt's lock timeout into ErrBusy, a file
// bbolt rejects into a CorruptError, and a panic or memory fault while
// reading a damaged file into a CorruptError too (never a crash).
//
// Reads open the file read-only, so they cannot change a byte of it. Writes
// check that the file is as long as bbolt's meta page says before running
// fn; fn returns an error before putting anything when it finds damage,
// which rolls the transaction back.
func withDB(path string, timeout time.Duration, mode dbMode, fn func(tx *bolt.Tx) error) (err error) {
	var file *os.File
	defer func() {
		if r := recover(); r != nil {
			// bbolt's state may be half-updated (a lock taken, a page
			// half-read): calling into it again could deadlock. Release the
			// file lock ourselves (the mapping keeps the open file, and with
			// it the flock, alive otherwise) and close our descriptor. The
			// mapping itself, a few MB of address space, stays until the
			// process exits; callers should not retry a damaged file in a
			// loop.
			if file != nil {
				unlockFile(file)
				file.Close()
			}
			err = &CorruptError{Part: PartFile, Detail: fmt.Sprintf("bbolt failed reading the file: %v", r)}
		}
	}()
	// A truncated file makes bbolt touch mapped pages past its end (SIGBUS);
	// with this set, that is a panic recovered above instead of a crash.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))

	opts := &bolt.Options{
		Timeout:  timeout,
		ReadOnly: mode == modeRead,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			if mode != modeCreate {
				// Only Create makes files: an operation on a vault that was
				// deleted meanwhile must fail, not leave an empty one.
				flag &^= os.O_CREATE
			}
			f, err := os.OpenFile(name, flag, perm)
			if err != nil {
				return nil, err
			}
			if mode != modeCreate {
				// bbolt would initialise a zero-length file as a new empty
				// database, overwriting what is left of a vault.
				st, err := f.Stat()
				if err == nil && st.Size() == 0 {
					f.Close()
					return nil, errEmptyFile
				}
				// A vault restored with cp or unpacked from an archive may
				// be readable by others: every write puts it back to 0600.
				if err == nil && mode == modeWrite && st.Mode().Perm()&0o077 != 0 {
					_ = f.Chmod(0o600) // best effort: not ours to change, say
				}
			}
			file = f
			return f, nil
		},
	}
	db, err := bolt.Open(path, 0o600, opts)
	if err != nil {
		return openError(err, timeout)
	}
	// bbolt grows a file below 16 MiB to the next power of two; growing by
	// small steps instead keeps a 5 MB vault from taking 8 MB on disk.
	db.AllocSize = allocSize
	if mode == modeRead {
		err = db.View(func(tx *bolt.Tx) error {
			if err := checkSize(tx, file); err != nil {
				return err
			}
			return fn(tx)
		})
	} else {
		err = db.Update(func(tx *bolt.Tx) error {
			if err := checkSize(tx, file); err != nil {
				return err
			}
			if mode == modeWrite {
				// Writing can move and free pages anywhere in the file, and
				// a damaged page bbolt does not notice would then spread.
				// The whole-file check (a few ms at 10,000 tokens) makes a
				// damaged vault read-only: the user restores it, we don't
				// make it worse.
				if err := checkPages(tx); err != nil {
					return err
				}
			}
			return fn(tx)
		})
	}
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close vault file: %w", cerr)
	}
	return err
}

// checkSize compares the file's length with the high-water mark bbolt's
// meta page records. A shorter file lost pages; writing to it would make
// bbolt grow it again and fill the gap.
func checkSize(tx *bolt.Tx, f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat vault file: %w", err)
	}
	if st.Size() < tx.Size() {
		return &CorruptError{Part: PartFile, Detail: fmt.Sprintf("file is %d bytes, shorter than the %d its metadata needs (truncated)", st.Size(), tx.Size())}
	}
	return nil
}

// checkPages runs bbolt's consistency check over every page and turns the
// first problem into a CorruptError.
func checkPages(tx *bolt.Tx) error {
	var first error
	for err := range tx.Check() {
		if first == nil {
			first = err
		}
	}
	if first != nil {
		// bbolt reports a page it could not walk as "panic: …": say what
		// it means instead, so nobody reads it as a crash of ours.
		return &CorruptError{Part: PartFile, Detail: "consistency check failed: " + strings.TrimPrefix(first.Error(), "panic: ")}
	}
	return nil
}

func openError(err error, timeout time.Duration) error {
	var pathErr *fs.PathError
	var errno syscall.Errno
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return fmt.Errorf("%w (waited %s for the file lock)", ErrBusy, timeout)
	case errors.Is(err, fs.ErrNotExist):
		return ErrNoVault
	case errors.Is(err, errEmptyFile):
		return &CorruptError{Part: PartFile, Detail: "the file is empty"}
	case errors.As(err, &pathErr), errors.As(err, &errno):
		return err // an I/O or permission problem, not damage
	default:
		// Everything else bbolt's Open reports is about the contents:
		// invalid or mismatched meta pages, checksum, size too small.
		return &CorruptError{Part: PartFile, Detail: err.Error()}
	}
}

// readHeader decodes the meta bucket. It checks the format version first,
// so a newer file is reported as such even if the rest changed shape.
func readHeader(tx *bolt.Tx) (header, error) {
	var h header
	b := tx.Bucket([]byte(bucketMeta))
	if b == nil {
		return h, corruptHeader("no vault header: not a cxtokens vault")
	}
	f := b.Get([]byte(keyFormat))
	if len(f) != 4 {
		return h, corruptHeader("no format version")
	}
	h.format = binary.BigEndian.Uint32(f)
	switch {
	case h.format > formatVersion:
		return h, fmt.Errorf("%w (file format %d, this build reads %d); update cxtokens", ErrNewerVersion, h.format, formatVersion)
	case h.format == 0:
		return h, corruptHeader("format version 0")
	}
	h.id = string(b.Get([]byte(keyID)))
	if h.id == "" {
		return h, corruptHeader("no vault id")
	}
	if err := json.Unmarshal(b.Get([]byte(keySources)), &h.sources); err != nil {
		return h, corruptHeader("unreadable key sources")
	}
	h.check = append([]byte(nil), b.Get([]byte(keyCheck))...)
	if len(h.check) == 0 {
		return h, corruptHeader("no key check")
	}
	g := b.Get([]byte(keyGeneration))
	if len(g) != 8 {
		return h, corruptHeader("no generation counter")
	}
	h.generation = binary.BigEndian.Uint64(g)
	if tx.Bucket([]byte(bucketRecords)) == nil {
		return h, corruptHeader("record bucket missing")
	}
	return h, nil
}

// writeHeader puts every header key. Used by Create and by key-source
// changes; the generation is bumped separately by every write.
func writeHeader(tx *bolt.Tx, h header) error {
	b, err := tx.CreateBucketIfNotExists([]byte(bucketMeta))
	if err != nil {
		return err
	}
	src, err := json.Marshal(h.sources)
	if err != nil {
		return err
	}
	for _, kv := range []struct {
		k string
		v []byte
	}{
		{keyFormat, binary.BigEndian.AppendUint32(nil, h.format)},
		{keyID, []byte(h.id)},
		{keySources, src},
		{keyCheck, h.check},
		{keyGeneration, binary.BigEndian.AppendUint64(nil, h.generation)},
	} {
		if err := b.Put([]byte(kv.k), kv.v); err != nil {
			return err
		}
	}
	return nil
}

// bumpGeneration increments the change counter in the same transaction as
// the write it counts.
func bumpGeneration(tx *bolt.Tx) (uint64, error) {
	b := tx.Bucket([]byte(bucketMeta))
	g := b.Get([]byte(keyGeneration))
	if len(g) != 8 {
		return 0, corruptHeader("no generation counter")
	}
	n := binary.BigEndian.Uint64(g) + 1
	return n, b.Put([]byte(keyGeneration), binary.BigEndian.AppendUint64(nil, n))
}
