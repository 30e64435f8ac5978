package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestVault_Add_RoundTripAndReopen(t *testing.T) {
	t.Parallel()
	opts := testOpts(t)
	v := mustCreate(t, opts, CreateSources{Keyring: true, Passphrase: []byte("correct horse")})

	want := map[string]Record{}
	for _, name := range []string{"prod", "sandbox", "Sub Partner #2", "ünïcødé 名前"} {
		r := sampleRecord(name)
		got := mustAdd(t, v, r)
		if len(got.ID) != 2*recordIDSize {
			t.Errorf("Add %q: ID %q, want 16 hex characters", name, got.ID)
		}
		r.ID = got.ID
		sameRecord(t, got, r)
		want[name] = r
	}
	minimal := mustAdd(t, v, Record{Name: "bare"})
	if minimal.AddedAt.IsZero() {
		t.Error("Add did not set AddedAt")
	}
	want["bare"] = minimal

	check := func(v *Vault) {
		t.Helper()
		for name, r := range want {
			got, err := v.Get(name)
			if err != nil {
				t.Fatalf("Get %q: %v", name, err)
			}
			sameRecord(t, got, r)
			byID, err := v.Get(r.ID)
			if err != nil {
				t.Fatalf("Get by id %s: %v", r.ID, err)
			}
			sameRecord(t, byID, r)
			upper, err := v.Get(strings.ToUpper(name))
			if err != nil || upper.ID != r.ID {
				t.Errorf("Get %q (upper case): id %q err %v, want %q", strings.ToUpper(name), upper.ID, err, r.ID)
			}
		}
		list, err := v.List()
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		var names []string
		for _, r := range list {
			names = append(names, r.Name)
			sameRecord(t, r, want[r.Name])
		}
		if got, wantNames := strings.Join(names, ","), "bare,prod,sandbox,Sub Partner #2,ünïcødé 名前"; got != wantNames {
			t.Errorf("List order = %s, want %s", got, wantNames)
		}
	}
	check(v)
	v.Close()

	// Reopen with the keyring, then with only the passphrase.
	check(mustOpen(t, opts))
	passOnly := opts
	passOnly.Keyring = nil
	passOnly.Passphrase = []byte("correct horse")
	check(mustOpen(t, passOnly))
}

func TestVault_Get_NotFound(t *testing.T) {
	t.Parallel()
	v := mustCreate(t, testOpts(t), CreateSources{Keyring: true})
	mustAdd(t, v, Record{Name: "prod"})
	for _, q := range []string{"nope", "", "00000000000000000000000000000000", " prod"} {
		if _, err := v.Get(q); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q) err = %v, want ErrNotFound", q, err)
		}
	}
	if err := v.Delete("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete missing: %v, want ErrNotFound", err)
	}
	if err := v.Rename("nope", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Rename missing: %v, want ErrNotFound", err)
	}
	if err := v.Update(Record{ID: "ffffffffffffffffffffffffffffffff", Name: "x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Update missing: %v, want ErrNotFound", err)
	}
}

func TestVault_Add_Duplicate(t *testing.T) {
	t.Parallel()
	v := mustCreate(t, testOpts(t), CreateSources{Keyring: true})
	mustAdd(t, v, Record{Name: "Prod", Secret: "a"})
	for _, name := range []string{"Prod", "prod", "PROD", "pRoD"} {
		if _, err := v.Add(Record{Name: name, Secret: "b"}); !errors.Is(err, ErrExists) {
			t.Errorf("Add %q: %v, want ErrExists", name, err)
		}
	}
	// The Kelvin sign folds to k: "Kube" and "\u212aube" are one name.
	mustAdd(t, v, Record{Name: "Kube"})
	if _, err := v.Add(Record{Name: "\u212aube"}); !errors.Is(err, ErrExists) {
		t.Errorf("Add Kelvin-sign variant: %v, want ErrExists", err)
	}
	// "é" as one character and as e with a combining accent look the
	// same, so they are one name too, found by either spelling.
	mustAdd(t, v, Record{Name: "caf\u00e9"})
	if _, err := v.Add(Record{Name: "cafe\u0301"}); !errors.Is(err, ErrExists) {
		t.Errorf("Add decomposed variant: %v, want ErrExists", err)
	}
	if r, err := v.Get("CAFE\u0301"); err != nil || r.Name != "caf\u00e9" {
		t.Errorf("Get decomposed, upper-case: %q, %v", r.Name, err)
	}
	list, err := v.List()
	if err != nil || len(list) != 3 {
		t.Fatalf("List: %d records, err %v; want 3", len(list), err)
	}
}

func TestVault_Add_InvalidName(t *testing.T) {
	t.Parallel()
	v := mustCreate(t, testOpts(t), CreateSources{Keyring: true})
	for _, name := range []string{"", " lead", "trail ", "tab\there", strings.Repeat("x", 65)} {
		if _, err := v.Add(Record{Name: name}); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Add %q: %v, want ErrInvalidName", name, err)
		}
	}
	if st, _ := v.Status(); st.Count != 0 {
		t.Errorf("Count = %d after rejected adds, want 0", st.Count)
	}
}

func TestVault_UpdateRenameDelete(t *testing.T) {
	t.Parallel()
	v := mustCreate(t, testOpts(t), CreateSources{Keyring: true})
	a := mustAdd(t, v, sampleRecord("alpha"))
	b := mustAdd(t, v, sampleRecord("beta"))

	// Update fields and the name; AddedAt left zero keeps the stored one.
	u := a
	u.Name = "alpha-2"
	u.Note = "changed"
	u.Scopes = nil
	u.LastTest = &TestResult{Outcome: "invalid", Status: 401}
	u.AddedAt = time.Time{}
	if err := v.Update(u); err != nil {
		t.Fatalf("Update: %v", err)
	}
	got, err := v.Get("alpha-2")
	if err != nil {
		t.Fatal(err)
	}
	u.AddedAt = a.AddedAt
	sameRecord(t, got, u)
	if _, err := v.Get("alpha"); !errors.Is(err, ErrNotFound) {
		t.Errorf("old name after Update: %v, want ErrNotFound", err)
	}
	// The old name is free again.
	mustAdd(t, v, Record{Name: "ALPHA"})

	// Update onto another record's name.
	u.Name = "BETA"
	if err := v.Update(u); !errors.Is(err, ErrExists) {
		t.Errorf("Update onto existing name: %v, want ErrExists", err)
	}
	u.Name = "bad\x00name"
	if err := v.Update(u); !errors.Is(err, ErrInvalidName) {
		t.Errorf("Update invalid name: %v, want ErrInvalidName", err)
	}

	// Rename, including a change of case only.
	if err := v.Rename("beta", "Beta"); err != nil {
		t.Fatalf("Rename case only: %v", err)
	}
	if got, _ := v.Get("beta"); got.Name != "Beta" || got.ID != b.ID {
		t.Errorf("after case rename: name %q id %s", got.Name, got.ID)
	}
	if err := v.Rename("Beta", "alpha"); !errors.Is(err, ErrExists) {
		t.Errorf("Rename onto existing: %v, want ErrExists", err)
	}
	if err := v.Rename("beta", " gamma"); !errors.Is(err, ErrInvalidName) {
		t.Errorf("Rename to invalid: %v, want ErrInvalidName", err)
	}
	if err := v.Rename("beta", "gamma"); err != nil {
		t.Fatalf("Rename: %v", err)
	}
	g, err := v.Get("gamma")
	if err != nil || g.ID != b.ID {
		t.Fatalf("Get renamed: id %s err %v", g.ID, err)
	}
	want := b
	want.Name = "gamma"
	sameRecord(t, g, want)

	// Delete by name, then by id.
	if err := v.Delete("GAMMA"); err != nil {
		t.Fatalf("Delete by name: %v", err)
	}
	if _, err := v.Get(b.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get deleted: %v, want ErrNotFound", err)
	}
	if err := v.Delete(a.ID); err != nil {
		t.Fatalf("Delete by id: %v", err)
	}
	list, err := v.List()
	if err != nil || len(list) != 1 || list[0].Name != "ALPHA" {
		t.Fatalf("List after deletes: %v, %v", list, err)
	}
	// Deleted names are free.
	mustAdd(t, v, Record{Name: "gamma"})
	mustAdd(t, v, Record{Name: "alpha-2"})
}

func TestVault_Generation(t *testing.T) {
	t.Parallel()
	opts := testOpts(t)
	v := mustCreate(t, opts, CreateSources{Keyring: true})
	other := mustOpen(t, opts)
	g0, err := v.Generation()
	if err != nil {
		t.Fatal(err)
	}
	a := mustAdd(t, other, Record{Name: "a"})
	g1, _ := v.Generation()
	if g1 != g0+1 {
		t.Errorf("generation after Add by another Vault = %d, want %d", g1, g0+1)
	}
	// A failed write does not count.
	if _, err := other.Add(Record{Name: "A"}); !errors.Is(err, ErrExists) {
		t.Fatal(err)
	}
	if g, _ := v.Generation(); g != g1 {
		t.Errorf("generation after failed Add = %d, want %d", g, g1)
	}
	steps := []func() error{
		func() error { return other.Rename("a", "b") },
		func() error { a.Name = "c"; return other.Update(a) },
		func() error { return other.SetPassphrase([]byte("p")) },
		func() error { return other.Delete("c") },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if g, _ := v.Generation(); g != g1+uint64(i)+1 {
			t.Errorf("generation after step %d = %d, want %d", i, g, g1+uint64(i)+1)
		}
	}
	// Generation and Status work while locked.
	v.Lock()
	if _, err := v.Generation(); err != nil {
		t.Errorf("Generation while locked: %v", err)
	}
	st, err := v.Status()
	if err != nil || st.Generation != g1+4 || st.Count != 0 || !st.Keyring || !st.Passphrase || st.KDF != testKDF || st.FormatVersion != 1 || st.Path != opts.Path {
		t.Errorf("Status while locked = %+v, %v", st, err)
	}
}

func TestCreate_Errors(t *testing.T) {
	t.Parallel()
	opts := testOpts(t)
	if _, err := Create(opts, CreateSources{}); !errors.Is(err, ErrNoKeySource) {
		t.Errorf("Create without sources: %v, want ErrNoKeySource", err)
	}
	noKeyring := opts
	noKeyring.Keyring = nil
	if _, err := Create(noKeyring, CreateSources{Keyring: true}); err == nil {
		t.Error("Create with keyring source but no keyring succeeded")
	}
	if Exists(opts.Path) {
		t.Fatal("failed Create left a file")
	}
	mustCreate(t, opts, CreateSources{Keyring: true})
	before := mustRead(t, opts.Path)
	if _, err := Create(opts, CreateSources{Keyring: true}); !errors.Is(err, ErrVaultExists) {
		t.Errorf("Create over existing: %v, want ErrVaultExists", err)
	}
	if string(mustRead(t, opts.Path)) != string(before) {
		t.Error("Create over existing changed the file")
	}
	if ks := opts.Keyring.(*memKeyring); ks.len() != 1 {
		t.Errorf("keyring holds %d entries after a refused Create, want 1", ks.len())
	}
	entries, _ := os.ReadDir(filepath.Dir(opts.Path))
	if len(entries) != 1 {
		t.Errorf("vault dir holds %d entries, want only the vault (temp file left behind?)", len(entries))
	}
	missing := testOpts(t)
	if _, err := Open(missing); !errors.Is(err, ErrNoVault) {
		t.Errorf("Open missing: %v, want ErrNoVault", err)
	}
	if Exists(missing.Path) {
		t.Error("Open of a missing vault created a file")
	}
}

func TestVault_Create_RacingCreates(t *testing.T) {
	t.Parallel()
	opts := testOpts(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			v, err := Create(opts, CreateSources{Keyring: true})
			if err == nil {
				v.Close()
			}
			errs <- err
		}()
	}
	wins := 0
	for range 4 {
		switch err := <-errs; {
		case err == nil:
			wins++
		case !errors.Is(err, ErrVaultExists):
			t.Errorf("losing Create: %v, want ErrVaultExists", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d Creates won, want 1", wins)
	}
	if n := opts.Keyring.(*memKeyring).len(); n != 1 {
		t.Errorf("keyring holds %d entries after racing Creates, want 1 (losers must clean up)", n)
	}
	mustOpen(t, opts)
}

func TestVault_LockUnlock(t *testing.T) {
	t.Parallel()
	opts := testOpts(t)
	v := mustCreate(t, opts, CreateSources{Keyring: true, Passphrase: []byte("pw")})
	mustAdd(t, v, Record{Name: "a", Secret: "s"})
	if v.Locked() {
		t.Fatal("new vault is locked")
	}
	k := v.keys
	v.Lock()
	if !v.Locked() {
		t.Fatal("Locked() false after Lock")
	}
	for i, b := range append(append(k.data[:], k.rec[:]...), k.index[:]...) {
		if b != 0 {
			t.Fatalf("key byte %d not zeroed by Lock", i)
		}
	}
	if _, err := v.Get("a"); !errors.Is(err, ErrLocked) {
		t.Errorf("Get while locked: %v, want ErrLocked", err)
	}
	if _, err := v.List(); !errors.Is(err, ErrLocked) {
		t.Errorf("List while locked: %v, want ErrLocked", err)
	}
	if _, err := v.Add(Record{Name: "b"}); !errors.Is(err, ErrLocked) {
		t.Errorf("Add while locked: %v, want ErrLocked", err)
	}
	if err := v.Unlock([]byte("wrong")); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("Unlock wrong passphrase: %v, want ErrWrongPassphrase", err)
	}
	if err := v.Unlock([]byte("pw")); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if _, err := v.Get("a"); err != nil {
		t.Errorf("Get after Unlock: %v", err)
	}
	v.Lock()
	if err := v.Unlock(nil); err != nil {
		t.Fatalf("Unlock with keyring: %v", err)
	}
	v.Close()
	if _, err := v.Get("a"); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close: %v, want ErrClosed", err)
	}
	if err := v.Unlock([]byte("pw")); !errors.Is(err, ErrClosed) {
		t.Errorf("Unlock after Close: %v, want ErrClosed", err)
	}
	if err := v.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestOpen_WrongPassphrase(t *testing.T) {
	t.Parallel()
	opts := testOpts(t)
	opts.Keyring = nil
	mustCreate(t, opts, CreateSources{Passphrase: []byte("right")}).Close()
	before := mustRead(t, opts.Path)

	opts.Passphrase = []byte("wrong")
	if _, err := Open(opts); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("Open wrong passphrase: %v, want ErrWrongPassphrase", err)
	}
	opts.Passphrase = nil
	_, err := Open(opts)
	var le *LockedError
	if !errors.As(err, &le) || !strings.Contains(le.Hint, "passphrase") {
		t.Errorf("Open without passphrase: %v, want a LockedError with a passphrase hint", err)
	}
	// A keyring source the header does not have is not consulted.
	opts.Keyring = newMemKeyring()
	if _, err := Open(opts); !errors.Is(err, ErrLocked) {
		t.Errorf("Open with keyring but no passphrase: %v, want ErrLocked", err)
	}
	if string(mustRead(t, opts.Path)) != string(before) {
		t.Error("failed opens changed the file")
	}
}

func TestOpen_KeyringMissingEntry_Fake(t *testing.T) {
	t.Parallel()
	opts := testOpts(t)
	v := mustCreate(t, opts, CreateSources{Keyring: true})
	mustAdd(t, v, Record{Name: "a"})
	id := v.id
	v.Close()
	ks := opts.Keyring.(*memKeyring)
	ks.m = map[string]string{}
	setsBefore := ks.sets
	before := mustRead(t, opts.Path)

	_, err := Open(opts)
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("Open with missing entry: %v, want LockedError wrapping ErrKeyNotFound", err)
	}
	if !strings.Contains(le.Hint, "export") {
		t.Errorf("hint %q does not mention restoring from an export", le.Hint)
	}
	if ks.sets != setsBefore || ks.len() != 0 {
		t.Error("Open wrote a keyring entry")
	}
	if string(mustRead(t, opts.Path)) != string(before) {
		t.Error("Open changed the file")
	}

	// A keyring that fails outright is ErrKeyringUnavailable inside ErrLocked.
	ks.fail = fmt.Errorf("dbus gone: %w", ErrKeyringUnavailable)
	if _, err := Open(opts); !errors.Is(err, ErrLocked) || !errors.Is(err, ErrKeyringUnavailable) {
		t.Errorf("Open with failing keyring: %v", err)
	}
	// An entry holding another vault's key is refused, not used.
	ks.fail = nil
	other := testOpts(t)
	other.Keyring = ks
	w := mustCreate(t, other, CreateSources{Keyring: true})
	ks.m[KeyringService+"\x00"+id] = ks.m[KeyringService+"\x00"+w.id]
	if _, err := Open(opts); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "does not open this vault") {
		t.Errorf("Open with a foreign key: %v, want ErrLocked", err)
	}
}

func TestVault_KeySources_NoReencrypt(t *testing.T) {
	t.Parallel()
	opts := testOpts(t)
	opts.Passphrase = nil
	ks := opts.Keyring.(*memKeyring)
	v := mustCreate(t, opts, CreateSources{Passphrase: []byte("one")})
	for i := range 5 {
		mustAdd(t, v, sampleRecord(fmt.Sprintf("tok%d", i)))
	}
	before := rawBucket(t, opts.Path, bucketRecords)
	if ks.len() != 0 {
		t.Fatal("passphrase-only vault wrote to the keyring")
	}

	open := func(pass string, keyring bool) error {
		o := opts
		o.Passphrase = []byte(pass)
		if pass == "" {
			o.Passphrase = nil
		}
		if !keyring {
			o.Keyring = nil
		}
		w, err := Open(o)
		if err == nil {
			defer w.Close()
			_, err = w.Get("tok3")
		}
		return err
	}

	if err := v.RemovePassphrase(); !errors.Is(err, ErrNoKeySource) {
		t.Errorf("RemovePassphrase as last source: %v, want ErrNoKeySource", err)
	}
	if err := v.SetPassphrase([]byte("two")); err != nil {
		t.Fatal(err)
	}
	if err := open("one", false); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("old passphrase after change: %v", err)
	}
	if err := open("two", false); err != nil {
		t.Errorf("new passphrase: %v", err)
	}
	if err := v.AddKeyring(); err != nil {
		t.Fatal(err)
	}
	if err := open("", true); err != nil {
		t.Errorf("keyring after AddKeyring: %v", err)
	}
	if err := v.RemovePassphrase(); err != nil {
		t.Fatal(err)
	}
	if err := open("two", false); !errors.Is(err, ErrLocked) {
		t.Errorf("passphrase after RemovePassphrase: %v, want ErrLocked", err)
	}
	if err := v.RemoveKeyring(); !errors.Is(err, ErrNoKeySource) {
		t.Errorf("RemoveKeyring as last source: %v, want ErrNoKeySource", err)
	}
	if err := v.SetPassphrase([]byte("three")); err != nil {
		t.Fatal(err)
	}
	if err := v.RemoveKeyring(); err != nil {
		t.Fatal(err)
	}
	if ks.len() != 0 {
		t.Error("RemoveKeyring left the keyring entry")
	}
	// Again: there is no keyring source to remove, and nothing is written.
	file, _ := os.ReadFile(v.Path())
	if err := v.RemoveKeyring(); !errors.Is(err, ErrNotInKeyring) {
		t.Errorf("RemoveKeyring without a keyring source: %v, want ErrNotInKeyring", err)
	}
	if after, _ := os.ReadFile(v.Path()); !bytes.Equal(file, after) {
		t.Error("RemoveKeyring without a keyring source changed the file")
	}
	if err := open("", true); !errors.Is(err, ErrLocked) {
		t.Errorf("keyring after RemoveKeyring: %v, want ErrLocked", err)
	}
	if err := open("three", false); err != nil {
		t.Errorf("passphrase three: %v", err)
	}
	if err := v.SetPassphrase(nil); err == nil {
		t.Error("SetPassphrase(nil) succeeded")
	}

	// Removing the passphrase is refused while the keyring does not
	// actually hold the key.
	if err := v.AddKeyring(); err != nil {
		t.Fatal(err)
	}
	ks.m = map[string]string{}
	if err := v.RemovePassphrase(); !errors.Is(err, ErrNoKeySource) {
		t.Errorf("RemovePassphrase with an empty keyring: %v, want ErrNoKeySource", err)
	}
	if err := open("three", false); err != nil {
		t.Errorf("passphrase after refused removal: %v", err)
	}

	after := rawBucket(t, opts.Path, bucketRecords)
	if len(after) != len(before) {
		t.Fatalf("%d records after source changes, want %d", len(after), len(before))
	}
	for key, val := range before {
		if string(after[key]) != string(val) {
			t.Errorf("record in slot %s: ciphertext changed by key-source changes", key)
		}
	}
}

func TestVault_String_MasksSecrets(t *testing.T) {
	t.Parallel()
	r := sampleRecord("prod")
	r.ID = "0123"
	for _, format := range []string{"%v", "%+v", "%s", "%#v", "%q", "%d", "%x", "%X", "%10.3v"} {
		for _, value := range []any{r, &r, []Record{r}, struct{ R Record }{r}, map[string]Record{"k": r}} {
			out := fmt.Sprintf(format, value)
			if strings.Contains(out, r.Secret) || strings.Contains(out, r.RefreshToken) {
				t.Errorf("%s of %T shows a secret", format, value)
			}
			if strings.Contains(out, "prod") == false {
				t.Errorf("%s of %T lost the name: %s", format, value, out)
			}
		}
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("record", "r", r, "p", &r)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("record", "r", r)
	if strings.Contains(logged.String(), r.Secret) || strings.Contains(logged.String(), r.RefreshToken) || !strings.Contains(logged.String(), "prod") {
		t.Errorf("slog shows a secret or lost the name: %s", logged.String())
	}
	if b, err := json.Marshal(r); err == nil || strings.Contains(string(b), r.Secret) {
		t.Errorf("json.Marshal of a Record = %s, %v; want an error", b, err)
	}
	if b, err := json.Marshal(struct{ R Record }{r}); err == nil || strings.Contains(string(b), r.Secret) {
		t.Errorf("json.Marshal of a struct holding a Record = %s, %v; want an error", b, err)
	}
	out := r.String()
	if !strings.Contains(out, "5ebc…1dda") {
		t.Errorf("String() = %s, want the masked form 5ebc…1dda", out)
	}
	short := Record{Name: "x", Secret: "shortsecret"}
	if strings.Contains(short.String(), "shor") {
		t.Errorf("a short secret shows its start: %s", short.String())
	}
}

func TestCreate_KeyringFails(t *testing.T) {
	t.Parallel()
	opts := testOpts(t)
	ks := opts.Keyring.(*memKeyring)
	ks.fail = fmt.Errorf("no secret service: %w", ErrKeyringUnavailable)
	if _, err := Create(opts, CreateSources{Keyring: true, Passphrase: []byte("p")}); !errors.Is(err, ErrKeyringUnavailable) {
		t.Fatalf("Create with a failing keyring: %v, want ErrKeyringUnavailable", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(opts.Path))
	if len(entries) != 0 {
		t.Errorf("failed Create left %d files", len(entries))
	}
}

func TestVault_FileReplaced(t *testing.T) {
	t.Parallel()
	opts := testOpts(t)
	v := mustCreate(t, opts, CreateSources{Keyring: true})
	mustAdd(t, v, Record{Name: "a"})
	other := testOpts(t)
	other.Keyring = opts.Keyring
	mustCreate(t, other, CreateSources{Keyring: true}).Close()
	if err := os.Rename(other.Path, opts.Path); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Get("a"); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "different vault") {
		t.Errorf("Get after the file was replaced: %v, want a CorruptError saying so", err)
	}
	if _, err := v.Add(Record{Name: "b"}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Add after the file was replaced: %v, want ErrCorrupt", err)
	}
	if _, err := v.Generation(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Generation after the file was replaced: %v, want ErrCorrupt", err)
	}
	// Opening it again gives the new vault.
	if list, err := mustOpen(t, opts).List(); err != nil || len(list) != 0 {
		t.Errorf("reopened replacement: %d records, %v", len(list), err)
	}
}
