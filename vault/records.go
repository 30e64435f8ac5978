package vault

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Records live in one bucket. The key of a record's slot is its name key
// (nameKey: a keyed hash of the case-folded name), so a name lookup is one
// B-tree search and uniqueness is the key's; the value is the record id
// (8 bytes, the stable handle Record.ID spells in hex) followed by the
// sealed record. Looking a record up by id walks the keys and id prefixes
// without decrypting anything.

// recordIDSize is the length of a record id in bytes: random, so a clash
// among 10,000 records has odds near 1 in 10^11, and Add checks anyway.
const recordIDSize = 8

func newID() string {
	return hex.EncodeToString(newDataKey()[:recordIDSize])
}

// idBytes parses a record id, or returns nil when s is not one (only the
// lower-case hex form is, so an id has exactly one spelling).
func idBytes(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != recordIDSize || hex.EncodeToString(b) != s {
		return nil
	}
	return b
}

// slot is a record's place in the bucket, found without decrypting it.
type slot struct {
	key []byte // the name key (copied out of bbolt)
	id  string
	val []byte // id | sealed; valid only inside the transaction
}

func records(tx *bolt.Tx) *bolt.Bucket { return tx.Bucket([]byte(bucketRecords)) }

func slotOf(key, val []byte) slot {
	s := slot{key: bytes.Clone(key), val: val}
	if len(val) >= recordIDSize {
		s.id = hex.EncodeToString(val[:recordIDSize])
	}
	return s
}

// slotByName finds the record named name, ignoring case.
func slotByName(tx *bolt.Tx, k *keys, name string) (slot, bool) {
	key := k.nameKey(name)
	val := records(tx).Get(key)
	if val == nil {
		return slot{}, false
	}
	return slotOf(key, val), true
}

// slotByID walks the bucket for the record with that id.
func slotByID(tx *bolt.Tx, id string) (slot, bool) {
	want := idBytes(id)
	if want == nil {
		return slot{}, false
	}
	c := records(tx).Cursor()
	for key, val := c.First(); key != nil; key, val = c.Next() {
		if len(val) >= recordIDSize && bytes.Equal(val[:recordIDSize], want) {
			return slotOf(key, val), true
		}
	}
	return slot{}, false
}

// findSlot resolves a name (case-insensitive) or, failing that, an id. A
// name wins over an id that happens to be spelled the same.
func findSlot(tx *bolt.Tx, k *keys, nameOrID string) (slot, error) {
	if ValidateName(nameOrID) == nil {
		if s, ok := slotByName(tx, k, nameOrID); ok {
			return s, nil
		}
	}
	if s, ok := slotByID(tx, nameOrID); ok {
		return s, nil
	}
	return slot{}, ErrNotFound
}

// open decrypts and decodes a slot. ad is a scratch buffer.
func (s slot) open(k *keys, ad []byte) (Record, error) {
	if len(s.val) < recordIDSize {
		return Record{}, corruptRecord(hex.EncodeToString(s.key), "value too short to hold a record")
	}
	pt, err := unseal(k.aead(), recordAD(ad, s.id, s.key), s.val[recordIDSize:])
	if err != nil {
		if errors.Is(err, errSealedNewer) {
			return Record{}, fmt.Errorf("record %s: %w; update cxtokens", s.id, ErrNewerVersion)
		}
		return Record{}, corruptRecord(s.id, err.Error())
	}
	defer clear(pt)
	r, err := decodeRecord(pt)
	switch {
	case errors.Is(err, errPayloadNewer):
		return Record{}, fmt.Errorf("record %s: %w; update cxtokens", s.id, ErrNewerVersion)
	case err != nil:
		return Record{}, corruptRecord(s.id, err.Error())
	}
	// The name key is in the associated data, so a mismatch here means a
	// 64-bit hash collision, not tampering; either way, not this record.
	if !bytes.Equal(k.nameKey(r.Name), s.key) {
		return Record{}, corruptRecord(s.id, "record stored under another name's key")
	}
	r.ID = s.id
	return r, nil
}

// getRecord finds and opens a record by name or id.
func getRecord(tx *bolt.Tx, k *keys, nameOrID string) (Record, slot, error) {
	s, err := findSlot(tx, k, nameOrID)
	if err != nil {
		return Record{}, s, err
	}
	r, err := s.open(k, nil)
	return r, s, err
}

// putRecord seals r into the slot for its name. The caller has checked the
// name is free (or is r's own).
func putRecord(tx *bolt.Tx, k *keys, r *Record) error {
	b := records(tx)
	b.FillPercent = fillPercent
	key := k.nameKey(r.Name)
	pt := encodeRecord(r)
	defer clear(pt)
	id := idBytes(r.ID)
	val := seal(k.aead(), recordAD(nil, r.ID, key), pt, id)
	return b.Put(key, val)
}

// freshID returns an id no record has. A clash is so unlikely that one
// pass over the ids after drawing is cheaper than building a set, except
// for a batch, which passes the set of ids in use.
func freshID(tx *bolt.Tx, used map[string]bool) string {
	for {
		id := newID()
		if used != nil {
			if !used[id] {
				used[id] = true
				return id
			}
		} else if _, taken := slotByID(tx, id); !taken {
			return id
		}
	}
}

// insert adds r under a new id, failing with ErrExists when its name (ignoring
// case) is taken.
func insert(tx *bolt.Tx, k *keys, r *Record, used map[string]bool) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if records(tx).Get(k.nameKey(r.Name)) != nil {
		return ErrExists
	}
	r.ID = freshID(tx, used)
	if r.AddedAt.IsZero() {
		r.AddedAt = time.Now().Round(0)
	}
	return putRecord(tx, k, r)
}

// replace writes r over the record in old (same id), moving it to the slot
// for r's name when the name changed.
func replace(tx *bolt.Tx, k *keys, old slot, oldRec, r Record) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if r.AddedAt.IsZero() {
		r.AddedAt = oldRec.AddedAt
	}
	r.ID = old.id
	if newKey := k.nameKey(r.Name); !bytes.Equal(newKey, old.key) {
		if records(tx).Get(newKey) != nil {
			return ErrExists
		}
		if err := records(tx).Delete(old.key); err != nil {
			return fmt.Errorf("%w: %w", errTxFailed, err)
		}
	}
	if err := putRecord(tx, k, &r); err != nil {
		return fmt.Errorf("%w: %w", errTxFailed, err)
	}
	return nil
}

// List returns every record, sorted by name ignoring case.
//
// A record that fails authentication or decoding does not hide the others:
// List returns all records it could read together with a *CorruptError
// naming every damaged record id (or an error wrapping ErrNewerVersion for
// records a newer cxtokens wrote). Callers that only want a clean list treat
// any error as failure; the window shows the readable records and the error.
func (v *Vault) List() ([]Record, error) {
	var out []Record
	err := v.use("list", func(k *keys) error {
		var bad, unreadable []string // failed authentication; opened but not decodable
		var newer error
		out = nil
		err := v.view(func(tx *bolt.Tx) error {
			b := records(tx)
			out = make([]Record, 0, b.Stats().KeyN)
			a := k.aead()
			var ad, pt []byte
			defer func() { clear(pt) }()
			return b.ForEach(func(key, val []byte) error {
				s := slot{key: key, val: val}
				if len(val) < recordIDSize {
					bad = append(bad, hex.EncodeToString(key))
					return nil
				}
				s.id = hex.EncodeToString(val[:recordIDSize])
				ad = recordAD(ad, s.id, key)
				var err error
				pt, err = unsealTo(pt[:0], a, ad, val[recordIDSize:])
				var r Record
				opened := err == nil
				if opened {
					r, err = decodeRecord(pt)
				}
				switch {
				case errors.Is(err, errSealedNewer), errors.Is(err, errPayloadNewer):
					newer = fmt.Errorf("record %s: %w; update cxtokens", s.id, ErrNewerVersion)
				case err != nil && opened:
					unreadable = append(unreadable, s.id)
				case err != nil:
					bad = append(bad, s.id)
				default:
					r.ID = s.id
					out = append(out, r)
				}
				return nil
			})
		})
		if err != nil {
			out = nil
			return err
		}
		sortRecords(out)
		var errs []error
		if len(bad) > 0 {
			errs = append(errs, &CorruptError{Part: PartRecord, IDs: bad, Detail: "authentication failed"})
		}
		if len(unreadable) > 0 {
			errs = append(errs, &CorruptError{Part: PartRecord, IDs: unreadable, Detail: "decrypted, but its contents are malformed"})
		}
		if newer != nil {
			errs = append(errs, newer)
		}
		return errors.Join(errs...)
	})
	return out, err
}

// sortRecords sorts by name ignoring case (ties by exact name). It sorts
// small (folded name, index) pairs and then moves each record once, in
// place: records are a few hundred bytes, and swapping them through the
// sort, or copying them to a second slice, cost more than decrypting them.
func sortRecords(rs []Record) {
	type entry struct {
		fold string
		i    int
	}
	es := make([]entry, len(rs))
	for i := range rs {
		es[i] = entry{foldName(rs[i].Name), i}
	}
	slices.SortFunc(es, func(a, b entry) int {
		if c := strings.Compare(a.fold, b.fold); c != 0 {
			return c
		}
		return strings.Compare(rs[a.i].Name, rs[b.i].Name)
	})
	// Apply the permutation cycle by cycle: position j takes the record
	// that was at es[j].i.
	for start := range es {
		if es[start].i < 0 {
			continue
		}
		tmp := rs[start]
		j := start
		for {
			from := es[j].i
			es[j].i = -1
			if from == start {
				rs[j] = tmp
				break
			}
			rs[j] = rs[from]
			j = from
		}
	}
}

// Get returns the record with that name (ignoring case) or, failing that,
// that id. By name it reads one record whatever the size of the vault; by
// id it walks the ids without decrypting (about a millisecond per 20,000
// records).
func (v *Vault) Get(nameOrID string) (Record, error) {
	var r Record
	err := v.use(fmt.Sprintf("get %q", nameOrID), func(k *keys) error {
		return v.view(func(tx *bolt.Tx) error {
			var err error
			r, _, err = getRecord(tx, k, nameOrID)
			return err
		})
	})
	return r, err
}

// Add stores a new record under a fresh random id and returns it with ID
// set, and AddedAt set to now when it was zero (an import keeps its own).
// The name must be valid and not in use, ignoring case.
func (v *Vault) Add(r Record) (Record, error) {
	if err := ValidateName(r.Name); err != nil {
		return Record{}, fmt.Errorf("add: %w", err)
	}
	err := v.use(fmt.Sprintf("add %q", r.Name), func(k *keys) error {
		return v.update(func(tx *bolt.Tx) error {
			return insert(tx, k, &r, nil)
		})
	})
	if err != nil {
		return Record{}, err
	}
	return r, nil
}

// addBatch adds many records in one transaction (benchmark set-up; an
// import of thousands of tokens would want it too).
func (v *Vault) addBatch(rs []Record) error {
	return v.use("add", func(k *keys) error {
		return v.update(func(tx *bolt.Tx) error {
			used := map[string]bool{}
			records(tx).ForEach(func(_, val []byte) error {
				if len(val) >= recordIDSize {
					used[hex.EncodeToString(val[:recordIDSize])] = true
				}
				return nil
			})
			for i := range rs {
				if err := insert(tx, k, &rs[i], used); err != nil {
					return fmt.Errorf("%q: %w", rs[i].Name, err)
				}
			}
			return nil
		})
	})
}

// Update replaces the record with r.ID by r. The name may change (it must
// stay valid and unique); an AddedAt left zero keeps the stored one.
func (v *Vault) Update(r Record) error {
	if err := ValidateName(r.Name); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	return v.use(fmt.Sprintf("update %q", r.Name), func(k *keys) error {
		return v.update(func(tx *bolt.Tx) error {
			old, ok := slotByID(tx, r.ID)
			if !ok {
				return ErrNotFound
			}
			oldRec, err := old.open(k, nil)
			if err != nil {
				return err
			}
			return replace(tx, k, old, oldRec, r)
		})
	})
}

// Modify reads the record with that name or id, lets fn change it and
// writes it back, all in one transaction, so a change another process makes
// in between (a rename by the command line while the window stores a test
// result) is never overwritten by a stale copy. fn may change every field
// but the id; a name change must stay valid and unique. An error from fn
// aborts without writing. Modify returns the record as stored.
func (v *Vault) Modify(nameOrID string, fn func(r *Record) error) (Record, error) {
	var out Record
	err := v.use(fmt.Sprintf("modify %q", nameOrID), func(k *keys) error {
		return v.update(func(tx *bolt.Tx) error {
			var err error
			out, err = modifyIn(tx, k, nameOrID, fn)
			return err
		})
	})
	return out, err
}

// ModifyEach is Modify for several records in one transaction: one file
// open and one commit however many records change (a batch of test
// results). fn gets the index into nameOrIDs and that record. A record that
// is missing or unreadable, or that fn or the name rules refuse, is left as
// it was and its error is at its index in errs; the others are written. err
// is for the transaction as a whole (busy, locked, a damaged file), and then
// nothing was written.
func (v *Vault) ModifyEach(nameOrIDs []string, fn func(i int, r *Record) error) (errs []error, err error) {
	err = v.use(fmt.Sprintf("modify %d records", len(nameOrIDs)), func(k *keys) error {
		return v.update(func(tx *bolt.Tx) error {
			errs = make([]error, len(nameOrIDs))
			for i, key := range nameOrIDs {
				_, errs[i] = modifyIn(tx, k, key, func(r *Record) error { return fn(i, r) })
				if errors.Is(errs[i], errTxFailed) {
					return errs[i]
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

// errTxFailed marks a modifyIn error that broke the transaction (bbolt
// could not write), as opposed to one about the record alone.
var errTxFailed = errors.New("write failed")

// modifyIn is one Modify inside tx. Errors about the record itself (not
// found, damaged, refused by fn or the name rules, a name taken) leave tx
// as it was; a failed write wraps errTxFailed.
func modifyIn(tx *bolt.Tx, k *keys, nameOrID string, fn func(r *Record) error) (Record, error) {
	old, s, err := getRecord(tx, k, nameOrID)
	if err != nil {
		return Record{}, err
	}
	r := old
	r.Scopes = append([]string(nil), old.Scopes...)
	if old.LastTest != nil {
		lt := *old.LastTest
		r.LastTest = &lt
	}
	if err := fn(&r); err != nil {
		return Record{}, err
	}
	if err := replace(tx, k, s, old, r); err != nil {
		return Record{}, err
	}
	out := r
	out.ID = s.id
	if out.AddedAt.IsZero() {
		out.AddedAt = old.AddedAt
	}
	return out, nil
}

// Rename gives the record named oldName the name newName. Changing only the
// case of a name is a rename too.
func (v *Vault) Rename(oldName, newName string) error {
	if err := ValidateName(newName); err != nil {
		return fmt.Errorf("rename %q: %w", oldName, err)
	}
	return v.use(fmt.Sprintf("rename %q", oldName), func(k *keys) error {
		return v.update(func(tx *bolt.Tx) error {
			old, s, err := getRecord(tx, k, oldName)
			if err != nil {
				return err
			}
			r := old
			r.Name = newName
			return replace(tx, k, s, old, r)
		})
	})
}

// Delete removes the record with that name or id. It does not need to
// decrypt the record, so it also removes one that is damaged, once the
// user has its token from elsewhere.
func (v *Vault) Delete(nameOrID string) error {
	return v.use(fmt.Sprintf("delete %q", nameOrID), func(k *keys) error {
		return v.update(func(tx *bolt.Tx) error {
			s, err := findSlot(tx, k, nameOrID)
			if err != nil {
				return err
			}
			return records(tx).Delete(s.key)
		})
	})
}
