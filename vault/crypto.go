package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"
)

const (
	keySize     = 32
	nonceSize   = 12 // AES-GCM's standard nonce
	sealVersion = 1  // first byte of every sealed value
	saltSize    = 16
)

// DefaultKDF is the Argon2id cost used when Options.KDF is zero. On the
// project's 2-core reference machine (Xeon 2.6 GHz, shared with other work)
// one derivation took 0.35–0.6 s, and 0.4–0.8 s as the first in a process
// (page faults on the 128 MiB); the memory makes guessing on GPUs costly.
var DefaultKDF = KDFParams{Time: 3, Memory: 128 * 1024, Threads: 2}

// Bounds for KDF parameters read from a header: a crafted file must not make
// an unlock allocate the machine's memory or spin for minutes before the
// wrong-passphrase answer. At the bounds one derivation is about 1 GiB and
// 16 passes, some 40 times the default's work; nothing cxtokens writes
// comes near them.
const (
	maxKDFTime    = 16
	maxKDFMemory  = 1024 * 1024 // KiB, 1 GiB
	maxKDFThreads = 16
)

func (p KDFParams) validate() error {
	if p.Time < 1 || p.Time > maxKDFTime || p.Threads < 1 || p.Threads > maxKDFThreads ||
		p.Memory < 8*uint32(p.Threads) || p.Memory > maxKDFMemory {
		return fmt.Errorf("kdf parameters out of range (time %d, memory %d KiB, threads %d)", p.Time, p.Memory, p.Threads)
	}
	return nil
}

// keys is what an unlocked vault holds: the data key and the two keys
// derived from it with HKDF, so the record AEAD and the name-key MAC never
// share a key.
type keys struct {
	data  [keySize]byte
	rec   [keySize]byte // AES-256-GCM key for records and the key check
	index [keySize]byte // HMAC-SHA256 key for name keys
}

func deriveKeys(data []byte) (*keys, error) {
	if len(data) != keySize {
		return nil, fmt.Errorf("data key is %d bytes, want %d", len(data), keySize)
	}
	k := new(keys)
	copy(k.data[:], data)
	for _, d := range []struct {
		dst  *[keySize]byte
		info string
	}{{&k.rec, "cxtokens record key v1"}, {&k.index, "cxtokens name index key v1"}} {
		out, err := hkdf.Key(sha256.New, data, nil, d.info, keySize)
		if err != nil {
			return nil, err
		}
		copy(d.dst[:], out)
		clear(out)
	}
	return k, nil
}

// wipe zeroes the key material. The AEAD values made from it during
// operations are short-lived garbage Go gives us no way to clear; this is
// best effort, as everywhere in a garbage-collected language.
func (k *keys) wipe() {
	if k == nil {
		return
	}
	clear(k.data[:])
	clear(k.rec[:])
	clear(k.index[:])
}

func (k *keys) aead() cipher.AEAD { return newAEAD(k.rec[:]) }

// newAEAD is AES-256-GCM with random 96-bit nonces. Random nonces are safe
// far beyond any vault's lifetime of writes (NIST's bound is 2^32 per key);
// GCM rather than XChaCha20-Poly1305 because its nonce is 12 bytes shorter,
// which at 10,000 records is the difference that keeps the file under 5 MB.
func newAEAD(key []byte) cipher.AEAD {
	b, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // unreachable: the key is 32 bytes
	}
	a, err := cipher.NewGCM(b)
	if err != nil {
		panic(err) // unreachable: standard nonce and tag sizes
	}
	return a
}

// nameKey is the bucket key a record is stored under: HMAC-SHA256 of its
// case-folded name, so equal-ignoring-case names collide while the file
// reveals nothing about them. It is cut to 64 bits: a chance collision among
// 10,000 names is about 1 in 10^11, and would show as a false ErrExists,
// never as the wrong token, since Get checks the decrypted name.
func (k *keys) nameKey(name string) []byte {
	m := hmac.New(sha256.New, k.index[:])
	m.Write([]byte(foldName(name)))
	return m.Sum(nil)[:8]
}

// recordAD is the associated data of a sealed record: the bucket, the
// record id and the bucket key (the name key) it is stored under, so a value
// copied, swapped or moved to another slot or id fails to open.
func recordAD(dst []byte, id string, slot []byte) []byte {
	dst = append(dst[:0], "cxtokens\x00"+bucketRecords+"\x00"...)
	dst = append(dst, id...)
	dst = append(dst, 0)
	return append(dst, slot...)
}

// seal returns prefix | version | nonce | ciphertext for plaintext with a
// fresh random nonce.
func seal(a cipher.AEAD, ad, plaintext, prefix []byte) []byte {
	p := len(prefix)
	out := make([]byte, p+1+nonceSize, p+1+nonceSize+len(plaintext)+a.Overhead())
	copy(out, prefix)
	out[p] = sealVersion
	nonce := out[p+1:]
	rand.Read(nonce)
	return a.Seal(out, nonce, plaintext, ad)
}

var (
	errSealedNewer = errors.New("sealed with a newer format")
	errSealedBad   = errors.New("authentication failed")
)

// unseal opens a value made by seal. The plaintext is a fresh slice, never
// an alias of sealed (which may point into a bbolt page).
func unseal(a cipher.AEAD, ad, sealed []byte) ([]byte, error) {
	return unsealTo(nil, a, ad, sealed)
}

// unsealTo is unseal appending the plaintext to dst, so List can reuse one
// buffer for every record.
func unsealTo(dst []byte, a cipher.AEAD, ad, sealed []byte) ([]byte, error) {
	if len(sealed) == 0 {
		return dst, fmt.Errorf("%w: empty value", errSealedBad)
	}
	switch v := sealed[0]; {
	case v > sealVersion:
		return dst, fmt.Errorf("%w (version %d)", errSealedNewer, v)
	case v != sealVersion:
		return dst, fmt.Errorf("%w: unknown version %d", errSealedBad, v)
	}
	if len(sealed) < 1+nonceSize+a.Overhead() {
		return dst, fmt.Errorf("%w: value too short", errSealedBad)
	}
	pt, err := a.Open(dst, sealed[1:1+nonceSize], sealed[1+nonceSize:], ad)
	if err != nil {
		return dst, errSealedBad
	}
	return pt, nil
}

// checkAD binds the key check value to the vault id: a key that opens it is
// this vault's data key.
func checkAD(vaultID string) []byte { return []byte("cxtokens key check\x00" + vaultID) }

func (k *keys) makeCheck(vaultID string) []byte {
	return seal(k.aead(), checkAD(vaultID), nil, nil)
}

func (k *keys) verifyCheck(vaultID string, check []byte) bool {
	_, err := unseal(k.aead(), checkAD(vaultID), check)
	return err == nil
}

// passSource is the passphrase key source as stored in the header.
type passSource struct {
	KDF     KDFParams `json:"kdf"`
	Salt    []byte    `json:"salt"`
	Wrapped []byte    `json:"wrapped"` // seal(argon2id(pass), data key)
}

// wrapAD binds the wrapped key to the vault and to the KDF parameters, so
// lowering the stored cost in the file makes unwrapping fail instead of
// quietly weakening the next rewrap.
func wrapAD(vaultID string, p KDFParams, salt []byte) []byte {
	ad := []byte("cxtokens passphrase wrap\x00" + vaultID + "\x00")
	ad = binary.BigEndian.AppendUint32(ad, p.Time)
	ad = binary.BigEndian.AppendUint32(ad, p.Memory)
	ad = append(ad, p.Threads)
	return append(ad, salt...)
}

func passKEK(pass []byte, p KDFParams, salt []byte) cipher.AEAD {
	kek := argon2.IDKey(pass, salt, p.Time, p.Memory, p.Threads, keySize)
	defer clear(kek)
	return newAEAD(kek)
}

// newPassSource wraps the data key under a key derived from pass. It runs
// the (slow) KDF, so callers do it outside any bbolt transaction.
func newPassSource(k *keys, vaultID string, pass []byte, p KDFParams) passSource {
	salt := make([]byte, saltSize)
	rand.Read(salt)
	a := passKEK(pass, p, salt)
	return passSource{KDF: p, Salt: salt, Wrapped: seal(a, wrapAD(vaultID, p, salt), k.data[:], nil)}
}

// unwrap derives the KEK from pass and opens the wrapped data key. A wrong
// passphrase and a tampered wrap are indistinguishable: both fail the AEAD.
func (s passSource) unwrap(vaultID string, pass []byte) ([]byte, error) {
	if err := s.KDF.validate(); err != nil {
		return nil, corruptHeader(err.Error())
	}
	if len(s.Salt) < 8 {
		return nil, corruptHeader("passphrase salt too short")
	}
	a := passKEK(pass, s.KDF, s.Salt)
	data, err := unseal(a, wrapAD(vaultID, s.KDF, s.Salt), s.Wrapped)
	switch {
	case errors.Is(err, errSealedNewer):
		return nil, fmt.Errorf("passphrase source: %w; update cxtokens", ErrNewerVersion)
	case err != nil:
		return nil, ErrWrongPassphrase
	}
	return data, nil
}

func newDataKey() []byte {
	k := make([]byte, keySize)
	rand.Read(k)
	return k
}

func sameKey(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }
