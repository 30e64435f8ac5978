package vault

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
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
		// One transaction for the set-up: 10,000 separate commits would
		// each fsync. The records are as full as real ones get.
		rs := make([]Record, benchRecords)
		for i := range rs {
			rs[i] = sampleRecord(fmt.Sprintf("token-%05d", i))
		}
		t.err = v.addBatch(rs)
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
		if _, err := v.Add(sampleRecord(fmt.Sprintf("added-%d", i))); err != nil {
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
