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
// Reads take bbolt's shared lock on a read-only file, writes the exclusive
// one.
//
// # Errors
//
// Every error wraps one of the sentinels (errors.Is) where one applies.
// [*CorruptError] says which part of the file is damaged and which records;
// [*LockedError] carries the reason no key source worked and a hint for the
// user. A damaged file is never rewritten or "repaired": reads open it
// read-only, writes check it first and stop before putting anything, and
// bbolt panics or memory faults on a damaged file are recovered into a
// CorruptError. (After such a panic the file's memory mapping stays until
// the process exits; do not retry a damaged vault in a loop.)
//
// A damaged record does not hide the others. [Vault.Get] of that record
// fails with a CorruptError naming it; [Vault.List] returns every readable
// record together with one CorruptError that names all damaged ids;
// [Vault.Delete] removes a damaged record by name or id, as it needs no
// decryption.
//
// # Security
//
// What the file reveals: that it is a cxtokens vault, its random id, which
// key sources it has with their KDF parameters, a change counter, how many
// records it holds and roughly how long each is. Names, tokens, notes and
// every other field are inside sealed values; bucket keys are keyed hashes.
//
// Records are sealed with AES-256-GCM under a key derived (HKDF-SHA256)
// from a random 32-byte data key, with a fresh random nonce on every write.
// The associated data is the bucket, the record id and the bucket key, so
// a value copied, swapped or moved to another slot, or relabelled with
// another id, fails authentication.
//
// The data key is never stored in clear in the file. Key sources:
//
//   - keyring: the data key (base64) is the secret of the OS keyring entry
//     with service "cxtokens" and user = the vault id, through the small
//     [KeyStore] interface ([NewSystemKeyring] wraps go-keyring with a
//     timeout on every call).
//   - passphrase: the data key sealed (AES-256-GCM) under a key from
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
// Names are unique ignoring case (Unicode simple folding, as
// strings.EqualFold). Rather than decrypt every record to check or to find
// one (tens of milliseconds at 10,000 records), each record is stored under
// its name key: HMAC-SHA256, under its own HKDF subkey of the data key, of
// the folded name, cut to 8 bytes. Uniqueness is then the bucket's, and Get
// by name reads one record. This reveals no more than random keys would
// (names are unique, so no two keys are equal) and needs no separate index
// that could disagree with the records; Get checks the decrypted name
// against the key all the same. The price is that an id is not a key: Get,
// Update and Delete by id walk the ids, stored in clear before each sealed
// value, without decrypting (under a millisecond at 10,000 records).
//
// Lock and Close zero the data key and its subkeys. Go gives no control over
// copies the runtime or the AEAD implementation make, so this is best effort.
// Create makes missing directories 0700 and the file 0600 with explicit
// chmods, whatever the umask; directories that already exist are left alone.
//
// # File format
//
// A bbolt database with two buckets:
//
//	meta      format      uint32 big-endian, 1. A larger value is
//	                      ErrNewerVersion ("update cxtokens").
//	          id          vault id, 32 lower-case hex characters
//	          sources     JSON: {"keyring":true,
//	                             "passphrase":{"kdf":{"Time":3,"Memory":131072,"Threads":2},
//	                                           "salt":base64, "wrapped":base64 sealed value}}
//	          check       sealed value of the empty string
//	          generation  uint64 big-endian, +1 in every write transaction
//	records   name key (8 bytes) → record id (8 bytes) | sealed value of the record payload
//
// A sealed value is
//
//	version (1 byte, 1) | nonce (12 bytes) | AES-256-GCM ciphertext and tag (16 bytes)
//
// with associated data "cxtokens\x00records\x00" + record id (hex) + "\x00"
// + name key for records, "cxtokens key check\x00" + vault id for the
// check, and "cxtokens passphrase wrap\x00" + vault id + "\x00" + time,
// memory (uint32 big-endian), threads (byte) + salt for the wrapped data
// key. A version byte above 1 is ErrNewerVersion.
//
// Keys: the record key and the name-key key are HKDF-SHA256(data key, no
// salt, info "cxtokens record key v1" / "cxtokens name index key v1"); a
// name key is the first 8 bytes of HMAC-SHA256(name-key key, folded name).
//
// A record payload is a version byte (1) followed by fields, each
// tag (1 byte) | length (uvarint) | value, empty fields left out. The low 6
// bits of the tag are the field: 1 name, 2 secret, 3 refresh token,
// 4 base URL, 5 token sid, 6 partner sid, 7 scope (text, repeated),
// 8 created, 9 access expires, 10 refresh expires, 11 last used,
// 12 last used IP, 13 details at, 14 note, 15 added at, 16 last test
// (nested: 1 at, 2 outcome, 3 status and 4 latency in nanoseconds as
// zig-zag varints, 5 detail), 17 scopes (repeated: a run of 1-byte codes
// into a fixed table of CarrierX scope names). Scope fields keep the
// scopes' order. The top bits mark a packed string: 0x80 a canonical
// lower-case UUID as 16 bytes, 0x40 a 1-byte code into a fixed table (the
// default base URL, the test outcome words). A time is zone (0 UTC,
// 1 local, 2 fixed offset followed by the offset in seconds as a zig-zag
// varint) | Unix seconds (zig-zag varint) | fraction (uvarint:
// milliseconds<<1|1, or nanoseconds<<1). An unknown tag, table code or zone
// means a newer writer and is ErrNewerVersion: rewriting the record would
// lose what it added.
package vault
