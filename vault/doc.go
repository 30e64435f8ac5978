// Package vault owns the encrypted token store: one bbolt file, the sealed
// record format, the data key and the key sources that wrap it (the OS keyring
// and a passphrase), and token-name validation.
//
// It must not import Fyne, net/http, or any other cxtokens package.
//
// A [Vault] holds the data key in memory but not the file: every method
// opens the file with a lock timeout ([Options.LockTimeout], 2 s by default),
// runs one bbolt transaction, copies what it read out of it, and closes the
// file. So the desktop app and the command line share one vault; a lock not
// had in time is [ErrBusy], never a hang; and [Vault.Generation] moves on
// every write by any process, which is how the window notices the CLI.
//
// # Errors
//
// Every error wraps one of the sentinels (errors.Is) where one applies.
// [*CorruptError] says which part of the file is damaged and which records;
// [*LockedError] carries the reason no key source worked and a hint for the
// user. A damaged file is never rewritten: reads open it read-only, writes
// stop before putting anything, and bbolt panics or memory faults on a
// damaged file are recovered into a CorruptError.
//
// A damaged record does not hide the others. [Vault.Get] of that record
// fails with a CorruptError naming it; [Vault.List] returns every readable
// record together with one CorruptError that names all damaged ids;
// [Vault.Delete] by id removes even a damaged record.
//
// # Security
//
// What the file reveals: that it is a cxtokens vault, its random id, which
// key sources it has with their KDF parameters, a change counter, and how
// many records it holds. Names, tokens, notes and every other field are
// inside sealed values; record keys are random ids.
//
// Records are sealed with XChaCha20-Poly1305 under a key derived (HKDF-SHA256)
// from a random 32-byte data key, with a fresh random 24-byte nonce on every
// write. The associated data is the bucket name and record id, so a value
// copied, swapped or moved to another id fails authentication.
//
// The data key is never stored in clear in the file. Key sources:
//
//   - keyring: the data key (base64) is the secret of the OS keyring entry
//     with service "cxtokens" and user = the vault id, through the small
//     [KeyStore] interface ([NewSystemKeyring] wraps go-keyring with a
//     timeout on every call).
//   - passphrase: the data key sealed (XChaCha20-Poly1305) under a key from
//     Argon2id(passphrase, random salt); the parameters are stored in the
//     header and bound to the sealed key as associated data. The default
//     cost is [DefaultKDF]; [Options.KDF] lowers it for tests.
//
// A vault may have both. Adding, removing or changing a source rewraps the
// data key only; records are never re-encrypted. The last source cannot be
// removed ([ErrNoKeySource]), and the passphrase cannot be removed unless the
// keyring is proven, right then, to hold the key. A key check value (an
// empty plaintext sealed under the record key, bound to the vault id) tells
// a wrong key from a damaged record.
//
// Open tries the keyring source first, then the passphrase. A missing or
// unreachable keyring entry is never answered by making a new key (that
// would orphan every record) and there is no plaintext fallback: Open fails
// with a [*LockedError] that wraps the cause ([ErrKeyNotFound],
// [ErrKeyringUnavailable]) and says how to recover. A wrong passphrase is
// [ErrWrongPassphrase].
//
// Names are unique ignoring case. Rather than decrypt every record to check
// (tens of milliseconds at 10,000 records), the file keeps a name index:
// HMAC-SHA256, under its own HKDF subkey of the data key, of the name's
// case-folded form, mapping to the record id. The index reveals only which
// records share a name, which uniqueness rules out anyway; Get by name
// reads one record and checks that its decrypted name matches, so a
// tampered index is reported, not believed.
//
// Lock and Close zero the data key and its subkeys. Go gives no control over
// copies the runtime or the AEAD implementation make, so this is best effort.
// The directory is made 0700 and the file 0600 with explicit chmods, whatever
// the umask.
//
// # File format
//
// A bbolt database with three buckets:
//
//	meta      format      uint32 big-endian, 1. A larger value is
//	                      ErrNewerVersion ("update cxtokens").
//	          id          vault id, 32 lower-case hex characters
//	          sources     JSON: {"keyring":true,
//	                             "passphrase":{"kdf":{"Time":3,"Memory":131072,"Threads":2},
//	                                           "salt":base64, "wrapped":base64 sealed value}}
//	          check       sealed value of the empty string
//	          generation  uint64 big-endian, +1 in every write transaction
//	records   record id → sealed value of the record payload
//	names     HMAC-SHA256(index key, fold(name)) → record id
//
// A sealed value is
//
//	version (1 byte, 1) | nonce (24 bytes) | XChaCha20-Poly1305 ciphertext and tag
//
// with associated data "cxtokens\x00" + bucket + "\x00" + record id for
// records, "cxtokens key check\x00" + vault id for the check, and
// "cxtokens passphrase wrap\x00" + vault id + "\x00" + time, memory (uint32
// big-endian), threads (byte) + salt for the wrapped data key. A version
// byte above 1 is ErrNewerVersion.
//
// Keys: the record key and the index key are HKDF-SHA256(data key, no salt,
// info "cxtokens record key v1" / "cxtokens name index key v1").
//
// A record payload is a version byte (1) followed by fields, each
// tag (1 byte) | length (uvarint) | value, in any order, empty fields left
// out: 1 name, 2 secret, 3 refresh token, 4 base URL, 5 token sid,
// 6 partner sid, 7 scope (repeated, in order), 8 created, 9 access expires,
// 10 refresh expires, 11 last used, 12 last used IP, 13 details at, 14 note,
// 15 added at, 16 last test (nested fields: 1 at, 2 outcome, 3 status and
// 4 latency in nanoseconds as zig-zag varints, 5 detail). Strings are UTF-8;
// times are time.Time.MarshalBinary. An unknown tag means a newer writer
// added a field and is ErrNewerVersion: rewriting the record would lose it.
package vault
