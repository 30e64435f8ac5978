package vault

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// rawBucket copies every key (in hex, which for records is the id) and
// value of a bucket straight from the file.
func rawBucket(t testing.TB, path, bucket string) map[string][]byte {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string][]byte{}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucket)).ForEach(func(k, v []byte) error {
			out[hex.EncodeToString(k)] = bytes.Clone(v)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rawRecord is one record's slot as stored: its key and id | sealed value.
type rawRecord struct{ key, val []byte }

// rawRecords maps record ids to their slots, read straight from the file.
func rawRecords(t testing.TB, path string) map[string]rawRecord {
	t.Helper()
	out := map[string]rawRecord{}
	for k, v := range rawBucket(t, path, bucketRecords) {
		key, _ := hex.DecodeString(k)
		out[hex.EncodeToString(v[:recordIDSize])] = rawRecord{key, v}
	}
	return out
}

// rawPut writes one value straight into the file, as an attacker or a bug
// elsewhere could.
func rawPut(t testing.TB, path, bucket string, key, val []byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucket)).Put(key, val) })
	if err != nil {
		t.Fatal(err)
	}
}

func wantCorrupt(t testing.TB, what string, err error, part CorruptPart, ids ...string) {
	t.Helper()
	var ce *CorruptError
	if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
		t.Errorf("%s: %v, want a CorruptError", what, err)
		return
	}
	if ce.Part != part {
		t.Errorf("%s: part %q, want %q (%v)", what, ce.Part, part, err)
	}
	if ids != nil {
		got, want := slices.Sorted(slices.Values(ce.IDs)), slices.Sorted(slices.Values(ids))
		if !slices.Equal(got, want) {
			t.Errorf("%s: damaged ids %v, want %v", what, got, want)
		}
	}
}

func TestVault_FlippedByte_OneRecord(t *testing.T) {
	t.Parallel()
	opts := testOpts(t)
	v := mustCreate(t, opts, CreateSources{Keyring: true})
	a := mustAdd(t, v, sampleRecord("alpha"))
	b := mustAdd(t, v, sampleRecord("bravo"))
	c := mustAdd(t, v, sampleRecord("charlie"))

	// Flip one ciphertext byte of b, found by its sealed bytes in the file.
	// Pages freed by earlier commits may hold stale copies; flip the byte
	// in each so the live one is surely hit.
	sealed := rawRecords(t, opts.Path)[b.ID].val
	file := mustRead(t, opts.Path)
	found := 0
	for off := 0; ; {
		at := bytes.Index(file[off:], sealed)
		if at < 0 {
			break
		}
		file[off+at+recordIDSize+1+nonceSize+10] ^= 0x01
		off += at + len(sealed)
		found++
	}
	if found == 0 {
		t.Fatal("sealed record not found in the file")
	}
	if err := os.WriteFile(opts.Path, file, 0o600); err != nil {
		t.Fatal(err)
	}

	for _, r := range []Record{a, c} {
		got, err := v.Get(r.Name)
		if err != nil {
			t.Errorf("Get %q beside a damaged record: %v", r.Name, err)
		}
		sameRecord(t, got, r)
	}
	_, err := v.Get("bravo")
	wantCorrupt(t, "Get damaged by name", err, PartRecord, b.ID)
	_, err = v.Get(b.ID)
	wantCorrupt(t, "Get damaged by id", err, PartRecord, b.ID)
	if err != nil && strings.Contains(err.Error(), b.Secret) {
		t.Error("error text contains the secret")
	}
	list, err := v.List()
	wantCorrupt(t, "List", err, PartRecord, b.ID)
	if len(list) != 2 || list[0].Name != "alpha" || list[1].Name != "charlie" {
		t.Errorf("List returned %d records beside the error, want alpha and charlie", len(list))
	}
	if err := v.Update(Record{ID: b.ID, Name: "bravo"}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Update of damaged record: %v, want ErrCorrupt", err)
	}
	if !bytes.Equal(mustRead(t, opts.Path), file) {
		t.Fatal("reading a damaged record changed the file")
	}

	// Other records stay writable, and the damaged one can be dropped by
	// id, which frees its name.
	mustAdd(t, v, Record{Name: "delta"})
	if err := v.Delete(b.ID); err != nil {
		t.Fatalf("Delete damaged by id: %v", err)
	}
	mustAdd(t, v, Record{Name: "Bravo"})
	if list, err := v.List(); err != nil || len(list) != 4 {
		t.Errorf("List after clean-up: %d records, %v", len(list), err)
	}
}

func TestVault_SwappedRecords(t *testing.T) {
	t.Parallel()
	opts := testOpts(t)
	v := mustCreate(t, opts, CreateSources{Keyring: true})
	a := mustAdd(t, v, sampleRecord("alpha"))
	b := mustAdd(t, v, sampleRecord("bravo"))
	c := mustAdd(t, v, sampleRecord("charlie"))
	d := mustAdd(t, v, sampleRecord("delta"))
	raw := rawRecords(t, opts.Path)

	// a's and b's values swapped between their slots.
	rawPut(t, opts.Path, bucketRecords, raw[a.ID].key, raw[b.ID].val)
	rawPut(t, opts.Path, bucketRecords, raw[b.ID].key, raw[a.ID].val)
	_, err := v.Get("alpha")
	wantCorrupt(t, "Get alpha holding bravo's value", err, PartRecord, b.ID)
	_, err = v.Get(a.ID)
	wantCorrupt(t, "Get a by id, now in bravo's slot", err, PartRecord, a.ID)

	// c's sealed value relabelled with d's id: the id is authenticated too.
	relabelled := append(idBytes(d.ID), raw[c.ID].val[recordIDSize:]...)
	rawPut(t, opts.Path, bucketRecords, raw[c.ID].key, relabelled)
	_, err = v.Get("charlie")
	wantCorrupt(t, "Get charlie with d's id", err, PartRecord, d.ID)

	// d's value copied to a new slot: the copy fails, the original reads.
	rawPut(t, opts.Path, bucketRecords, []byte("8bytekey"), raw[d.ID].val)
	if got, err := v.Get("delta"); err != nil || got.ID != d.ID {
		t.Errorf("Get delta beside a copy of it: %v", err)
	}

	list, err := v.List()
	wantCorrupt(t, "List", err, PartRecord, a.ID, b.ID, d.ID, d.ID)
	if len(list) != 1 || list[0].Name != "delta" {
		t.Errorf("List returned %d good records, want only delta", len(list))
	}
}

func TestVault_NewerVersion(t *testing.T) {
	t.Parallel()
	t.Run("header", func(t *testing.T) {
		t.Parallel()
		opts := testOpts(t)
		v := mustCreate(t, opts, CreateSources{Keyring: true})
		mustAdd(t, v, Record{Name: "a"})
		rawPut(t, opts.Path, bucketMeta, []byte(keyFormat), binary.BigEndian.AppendUint32(nil, formatVersion+1))
		before := mustRead(t, opts.Path)
		_, err := Open(opts)
		if !errors.Is(err, ErrNewerVersion) || !strings.Contains(err.Error(), "update cxtokens") {
			t.Errorf("Open newer header: %v, want ErrNewerVersion saying update cxtokens", err)
		}
		if _, err := v.Get("a"); !errors.Is(err, ErrNewerVersion) {
			t.Errorf("Get on a vault upgraded underneath: %v, want ErrNewerVersion", err)
		}
		if _, err := v.Add(Record{Name: "b"}); !errors.Is(err, ErrNewerVersion) {
			t.Errorf("Add on a vault upgraded underneath: %v, want ErrNewerVersion", err)
		}
		if _, err := v.Status(); !errors.Is(err, ErrNewerVersion) {
			t.Errorf("Status: %v, want ErrNewerVersion", err)
		}
		if !bytes.Equal(before, mustRead(t, opts.Path)) {
			t.Error("newer file changed")
		}
	})
	t.Run("record", func(t *testing.T) {
		t.Parallel()
		opts := testOpts(t)
		v := mustCreate(t, opts, CreateSources{Keyring: true})
		a := mustAdd(t, v, Record{Name: "a"})
		mustAdd(t, v, Record{Name: "b"})
		raw := rawRecords(t, opts.Path)[a.ID]
		raw.val[recordIDSize] = sealVersion + 1
		rawPut(t, opts.Path, bucketRecords, raw.key, raw.val)
		_, err := v.Get("a")
		if !errors.Is(err, ErrNewerVersion) || !strings.Contains(err.Error(), "update cxtokens") {
			t.Errorf("Get newer record: %v, want ErrNewerVersion", err)
		}
		list, err := v.List()
		if !errors.Is(err, ErrNewerVersion) || len(list) != 1 {
			t.Errorf("List with a newer record: %d records, %v", len(list), err)
		}
	})
	t.Run("payload", func(t *testing.T) {
		t.Parallel()
		// A newer payload inside a valid seal: an unknown field.
		opts := testOpts(t)
		v := mustCreate(t, opts, CreateSources{Keyring: true})
		r := Record{ID: newID(), Name: "future"}
		pt := appendString(encodeRecord(&r), 50, "a field from the future")
		key := v.keys.nameKey(r.Name)
		rawPut(t, opts.Path, bucketRecords, key, seal(v.keys.aead(), recordAD(nil, r.ID, key), pt, idBytes(r.ID)))
		if _, err := v.Get("future"); !errors.Is(err, ErrNewerVersion) {
			t.Errorf("Get record with unknown field: %v, want ErrNewerVersion", err)
		}
		if err := v.Rename("future", "past"); !errors.Is(err, ErrNewerVersion) {
			t.Errorf("Rename of a newer record: %v, want ErrNewerVersion (rewriting would drop the field)", err)
		}
	})
}

// TestVault_DamagedFile damages the whole file in several ways. Open, and
// every method of a Vault opened before the damage, must fail with
// ErrCorrupt (never panic or hang) and leave the file byte for byte as it
// was.
func TestVault_DamagedFile(t *testing.T) {
	t.Parallel()
	page := os.Getpagesize()
	tests := []struct {
		name string
		// damage gets the file and the length of its used part (bbolt
		// grows files ahead of need; cutting only unused space is no harm).
		damage func(b []byte, used int) []byte
	}{
		{"empty", func(b []byte, used int) []byte { return nil }},
		{"tiny", func(b []byte, used int) []byte { return b[:100] }},
		{"truncated to 3 pages", func(b []byte, used int) []byte { return b[:3*page] }},
		{"truncated by half", func(b []byte, used int) []byte { return b[:used/2] }},
		{"truncated mid-page", func(b []byte, used int) []byte { return b[:used-page-123] }},
		{"zeroed", func(b []byte, used int) []byte { return make([]byte, len(b)) }},
		{"garbage", func(b []byte, used int) []byte { rand.Read(b); return b }},
		{"garbage after the meta pages", func(b []byte, used int) []byte { rand.Read(b[2*page:]); return b }},
		{"zeroed after the meta pages", func(b []byte, used int) []byte { clear(b[2*page:]); return b }},
		{"text", func(b []byte, used int) []byte { return []byte(strings.Repeat("not a vault\n", 1000)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := testOpts(t)
			v := mustCreate(t, opts, CreateSources{Keyring: true})
			for i := range 200 {
				mustAdd(t, v, Record{Name: "token " + string(rune('a'+i%26)) + strings.Repeat("x", i%40) + string(rune('0'+i/26)), Secret: strings.Repeat("s", 300)})
			}
			damaged := tt.damage(mustRead(t, opts.Path), usedSize(t, opts.Path))
			if err := os.WriteFile(opts.Path, damaged, 0o600); err != nil {
				t.Fatal(err)
			}

			if _, err := Open(opts); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Open: %v, want ErrCorrupt", err)
			}
			checks := map[string]func() error{
				"Get":        func() error { _, err := v.Get("token a0"); return err },
				"List":       func() error { _, err := v.List(); return err },
				"Add":        func() error { _, err := v.Add(Record{Name: "new"}); return err },
				"Delete":     func() error { return v.Delete("token b0") },
				"Rename":     func() error { return v.Rename("token c0", "renamed") },
				"Generation": func() error { _, err := v.Generation(); return err },
				"Status":     func() error { _, err := v.Status(); return err },
				"AddKeyring": v.AddKeyring,
			}
			for name, f := range checks {
				if err := f(); !errors.Is(err, ErrCorrupt) {
					t.Errorf("%s: %v, want ErrCorrupt", name, err)
				}
				if !bytes.Equal(mustRead(t, opts.Path), damaged) {
					t.Fatalf("%s changed the damaged file", name)
				}
			}
		})
	}
}

// usedSize is the part of a bbolt file its meta page accounts for.
func usedSize(t testing.TB, path string) int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	db.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return int(n)
}

func TestOpen_NotAVault(t *testing.T) {
	t.Parallel()
	// A valid bbolt file that is not a vault.
	opts := testOpts(t)
	db, err := bolt.Open(opts.Path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err })
	db.Close()
	_, err = Open(opts)
	wantCorrupt(t, "Open foreign bbolt file", err, PartHeader)
}
