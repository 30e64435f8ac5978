package vault

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

const benchRecords = 10_000

// benchTemplate is a 10,000-token vault built once per test binary run and
// copied for every benchmark, so Add does not grow what List measures.
var benchTemplate struct {
	once sync.Once
	dir  string
	opts Options
	err  error
}

func benchVault(b *testing.B) Options {
	b.Helper()
	t := &benchTemplate
	t.once.Do(func() {
		t.dir, t.err = os.MkdirTemp("", "cxtokens-bench-")
		if t.err != nil {
			return
		}
		t.opts = Options{Path: filepath.Join(t.dir, "template.db"), Keyring: newMemKeyring(), KDF: testKDF}
		v, err := Create(t.opts, CreateSources{Keyring: true})
		if err != nil {
			t.err = err
			return
		}
		defer v.Close()
		// 10,000 separate commits would each fsync, so the set-up adds 50
		// per transaction: with random ids that still splits pages the way
		// one-at-a-time adds do, so the file size is the one a user gets.
		for start := 0; start < benchRecords && t.err == nil; start += 50 {
			rs := make([]Record, 50)
			for i := range rs {
				rs[i] = benchRecord(start + i)
			}
			t.err = v.addBatch(rs)
		}
	})
	if t.err != nil {
		b.Fatal(t.err)
	}
	opts := t.opts
	opts.Path = filepath.Join(b.TempDir(), "vault.db")
	if err := copyFile(t.opts.Path, opts.Path); err != nil {
		b.Fatal(err)
	}
	return opts
}

// benchRecord is a token as the API describes one (carrierx-core-api.md
// §4's canonical sample: UUID values, the default 11 scopes, millisecond
// times) after a details refresh and a test, with a note on one in ten.
func benchRecord(i int) Record {
	uuid := func() string {
		b := newDataKey()[:16]
		return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	}
	created := time.Date(2024, 9, 11, 13, 46, 42, 211e6, time.UTC).Add(time.Duration(i) * time.Minute)
	r := Record{
		Name:           fmt.Sprintf("token-%05d", i),
		Secret:         uuid(),
		RefreshToken:   uuid(),
		BaseURL:        "https://api.carrierx.com/core/v2",
		TokenSID:       uuid(),
		PartnerSID:     uuid(),
		Scopes:         []string{"accesscontrol.manage", "endpoints.manage", "oauth.manage", "partners.manage", "phonenumber.manage", "push.manage", "shortener.manage", "sms.manage", "storage.manage", "trunk_groups.manage", "trunk_groups.trunks.manage"},
		Created:        created,
		AccessExpires:  created.Add(36500 * 24 * time.Hour),
		RefreshExpires: created.Add(36500 * 24 * time.Hour),
		LastUsed:       created.Add(48 * time.Hour),
		LastUsedIP:     "203.0.113.77",
		DetailsAt:      time.Now(),
		AddedAt:        time.Now(),
		LastTest:       &TestResult{At: time.Now(), Outcome: "works", Status: 200, Latency: 87 * time.Millisecond, Detail: "12 containers"},
	}
	if i%10 == 0 {
		r.Note = "CI deploy token for the EU sandbox; rotate quarterly"
	}
	return r
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

func reportSize(b *testing.B, path string) {
	b.Helper()
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Size())/1e6, "file-MB")
}

// BenchmarkOpenGet is what one CLI command pays: open the vault (header
// read, keyring key check) and get one token by name from 10,000.
func BenchmarkOpenGet(b *testing.B) {
	opts := benchVault(b)
	for b.Loop() {
		v, err := Open(opts)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.Get(fmt.Sprintf("TOKEN-%05d", rand.IntN(benchRecords))); err != nil {
			b.Fatal(err)
		}
		v.Close()
	}
	reportSize(b, opts.Path)
}

// BenchmarkGet is one Get on an open Vault (the desktop app's case); it
// still opens and closes the file.
func BenchmarkGet(b *testing.B) {
	opts := benchVault(b)
	v, err := Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	for b.Loop() {
		if _, err := v.Get(fmt.Sprintf("token-%05d", rand.IntN(benchRecords))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetByID gets one token by id: ids are not keys, so this walks
// the ids (without decrypting) to find it.
func BenchmarkGetByID(b *testing.B) {
	opts := benchVault(b)
	v, err := Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	list, err := v.List()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := v.Get(list[rand.IntN(len(list))].ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkList decrypts and sorts all 10,000 records.
func BenchmarkList(b *testing.B) {
	opts := benchVault(b)
	v, err := Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	for b.Loop() {
		list, err := v.List()
		if err != nil || len(list) != benchRecords {
			b.Fatalf("List: %d records, %v", len(list), err)
		}
	}
	reportSize(b, opts.Path)
}

// BenchmarkAdd adds one token to a 10,000-token vault: name check through
// the index, seal, commit with fsync.
func BenchmarkAdd(b *testing.B) {
	opts := benchVault(b)
	v, err := Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	i := 0
	for b.Loop() {
		r := benchRecord(i)
		r.Name = fmt.Sprintf("added-%d", i)
		if _, err := v.Add(r); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportSize(b, opts.Path)
}

// BenchmarkDefaultKDF measures the default passphrase cost (target ~0.5 s
// on the reference machine).
func BenchmarkDefaultKDF(b *testing.B) {
	salt := make([]byte, saltSize)
	for b.Loop() {
		passKEK([]byte("a passphrase"), DefaultKDF, salt)
	}
}
