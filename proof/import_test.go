package proof

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// exportPass is the passphrase of the export files these tests write.
const exportPass = "export file passphrase"

// ageSeal encrypts plain to a passphrase, cheaply (the work factor is in
// the file, so importing it is cheap too).
func ageSeal(t testing.TB, plain []byte, pass string) []byte {
	t.Helper()
	r, err := age.NewScryptRecipient(pass)
	if err != nil {
		t.Fatal(err)
	}
	r.SetWorkFactor(10)
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(plain); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// exportEntry is one token of an export file, in its documented shape.
type exportEntry struct {
	Name     string         `json:"name"`
	Token    string         `json:"token"`
	BaseURL  string         `json:"base_url"`
	LastTest map[string]any `json:"last_test,omitempty"`
}

// exportJSON is the plaintext of an export file holding entries.
func exportJSON(t testing.TB, version int, entries ...exportEntry) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"format": "cxtokens-export", "version": version,
		"exported_at": time.Date(2024, 9, 11, 13, 46, 42, 0, time.UTC), "tokens": entries,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func randomBytes(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, 77))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// badImport is one malformed import file and what the message must say.
type badImport struct {
	name string
	make func(t *testing.T, path string)
	want string
}

func badImports(t *testing.T) []badImport {
	write := func(b []byte) func(*testing.T, string) {
		return func(t *testing.T, path string) {
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	good := ageSeal(t, exportJSON(t, 1, exportEntry{"imported", secretFor("imported"), "http://127.0.0.1:9/core/v2", nil}), exportPass)
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-30] ^= 1
	x25519, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	var toKey bytes.Buffer
	kw, err := age.Encrypt(&toKey, x25519.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	kw.Write(exportJSON(t, 1))
	kw.Close()
	const notExport = "not a cxtokens export file"
	return []badImport{
		{"empty file", write(nil), notExport},
		{"random bytes", write(randomBytes(1, 1024)), notExport},
		{"an age header and garbage", write(append([]byte("age-encryption.org/v1\n-> scrypt "), randomBytes(2, 300)...)), notExport},
		{"plain JSON, not encrypted", write(exportJSON(t, 1, exportEntry{"imported", secretFor("imported"), "http://127.0.0.1:9/core/v2", nil})), notExport},
		{"age file with random bytes inside", write(ageSeal(t, randomBytes(3, 500), exportPass)), notExport},
		{"age file with nothing inside", write(ageSeal(t, nil, exportPass)), notExport},
		{"age file with other JSON inside", write(ageSeal(t, []byte(`{"hello":"world"}`), exportPass)), notExport},
		{"age file with a token list of the wrong type", write(ageSeal(t, []byte(`{"format":"cxtokens-export","version":1,"tokens":"all of them"}`), exportPass)), notExport},
		{"export from a newer cxtokens", write(ageSeal(t, exportJSON(t, 99), exportPass)), "newer version"},
		{"export truncated", write(good[:len(good)-40]), notExport},
		{"export with a flipped byte", write(flipped), notExport},
		{"export under another passphrase", write(ageSeal(t, exportJSON(t, 1), "another passphrase")), "wrong passphrase"},
		{"age file to a key, not a passphrase", write(toKey.Bytes()), "encrypted to a key"},
		{"a directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}, "import"},
		{"a missing file", func(*testing.T, string) {}, "no such file"},
	}
}

// TestImport_MalformedFiles_CLI imports malformed files with the built
// binary, into a vault with tokens and into no vault at all: each is exit
// 1 with a clear message, the vault stays byte for byte as it was, and no
// vault is created where there was none.
func TestImport_MalformedFiles_CLI(t *testing.T) {
	t.Parallel()
	const pass = "import test passphrase"
	for _, bi := range badImports(t) {
		t.Run(bi.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			path := seedVault(t, w.root, pass, 3)
			sum := fileSum(t, path)
			file := filepath.Join(w.root, "backup.age")
			bi.make(t, file)
			env := []string{"CXTOKENS_VAULT=" + path, "CXTOKENS_PASSPHRASE=" + pass, "CXTOKENS_EXPORT_PASSPHRASE=" + exportPass}
			r := w.cliWith(runOpts{env: env}, "import", file)
			if r.code != 1 || !strings.Contains(r.stderr, "cxtokens: import") || !strings.Contains(r.stderr, bi.want) {
				t.Errorf("into a vault: want exit 1 and \"cxtokens: import…%s\":\n%s", bi.want, r)
			}
			if r.stdout != "" {
				t.Errorf("a failed import printed %q", r.stdout)
			}
			if fileSum(t, path) != sum {
				t.Error("a failed import changed the vault")
			}

			none := filepath.Join(w.root, "none", "vault.db")
			env[0] = "CXTOKENS_VAULT=" + none
			r = w.cliWith(runOpts{env: env}, "import", file)
			if r.code != 1 || !strings.Contains(r.stderr, bi.want) {
				t.Errorf("into no vault: want exit 1 saying %q:\n%s", bi.want, r)
			}
			if _, err := os.Stat(filepath.Dir(none)); err == nil {
				t.Error("a failed import created a vault (or its directory)")
			}
		})
	}
}

// TestImport_MixedEntries_CLI imports a well-formed file whose entries are
// partly bad: the good ones are added, the rest reported by name with a
// reason, stored tokens are left alone, and no secret is echoed.
func TestImport_MixedEntries_CLI(t *testing.T) {
	t.Parallel()
	const pass = "mixed import passphrase"
	w := newWorld(t)
	path := seedVault(t, w.root, pass, 2)
	base := "http://127.0.0.1:9/core/v2"
	spaced := secretFor("spaced")
	w.secret(spaced)
	file := filepath.Join(w.root, "mixed.age")
	plain := exportJSON(t, 1,
		exportEntry{"fresh", secretFor("fresh"), base, nil},
		exportEntry{"t-000", secretFor("t-000"), base, nil},     // same name, same token: skipped
		exportEntry{"t-001", secretFor("other"), base, nil},     // same name, another token: conflict
		exportEntry{"bad\nname", secretFor("bad"), base, nil},   // refused
		exportEntry{"spaced", spaced + " " + spaced, base, nil}, // refused, never echoed
		exportEntry{"remote-http", secretFor("remote"), "http://api.example.invalid/core/v2", nil},
		exportEntry{"FRESH", secretFor("FRESH"), base, nil}, // same name as "fresh" ignoring case
		exportEntry{"", secretFor("empty"), base, nil},
		// A test status no HTTP answer has: refused, so the vault never
		// holds a record its next list could not read back.
		exportEntry{"odd-status", secretFor("odd-status"), base, map[string]any{"at": "2024-09-11T13:46:42Z", "outcome": "works", "status": -1, "latency_ns": 1}},
		exportEntry{"big-status", secretFor("big-status"), base, map[string]any{"at": "2024-09-11T13:46:42Z", "outcome": "works", "status": 1000, "latency_ns": 1}},
	)
	if err := os.WriteFile(file, ageSeal(t, plain, exportPass), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"CXTOKENS_VAULT=" + path, "CXTOKENS_PASSPHRASE=" + pass, "CXTOKENS_EXPORT_PASSPHRASE=" + exportPass}
	r := w.must(w.cliWith(runOpts{env: env}, "import", file), 0)
	for _, want := range []string{`added: "fresh"`, `skipped (already here, same token): "t-000"`, `"t-001"`, `"bad\nname"`, `"spaced"`, `"remote-http"`,
		`"odd-status": invalid token record: test status -1`, `"big-status": invalid token record: test status 1000`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the report lacks %q:\n%s", want, w.mask(r.String()))
		}
	}
	if strings.Contains(r.stdout+r.stderr, spaced) {
		t.Error("the import report repeats a token")
	}
	// The vault stays whole: it lists, and takes new tokens.
	w.must(w.cliWith(runOpts{env: env}, "list"), 0)
	w.must(w.cliWith(runOpts{env: env, stdin: secretFor("after")}, "add", "after", "--base-url", base), 0)
	w.must(w.cliWith(runOpts{env: env}, "forget", "after", "--yes"), 0)
	v := openPassVault(t, path, pass)
	recs, err := v.List()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, rec := range recs {
		got[rec.Name] = rec.Secret
	}
	want := map[string]string{"t-000": secretFor("t-000"), "t-001": secretFor("t-001"), "fresh": secretFor("fresh")}
	if d := diffState(want, got); d != "" {
		t.Errorf("after the import:%s", d)
	}
}

// TestImport_HostileWorkFactor_CLI imports a 200-byte file whose scrypt
// stanza asks for work factor 19 (2^19 rounds, 512 MiB). cxtokens' own
// exports use age's default, 18; age accepts up to 22 unless told
// otherwise, which is 4 GiB of memory and tens of seconds for a file anyone
// can hand over (measured: 4.2 GB resident, 25 s on the reference
// machine). Such a file must be refused for its cost before any key is
// derived, not answered with "wrong passphrase" after the work.
func TestImport_HostileWorkFactor_CLI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	file := ageSeal(t, exportJSON(t, 1), exportPass)
	hostile := bytes.Replace(file, []byte(" 10\n"), []byte(" 19\n"), 1)
	if bytes.Equal(hostile, file) {
		t.Fatal("no work factor found in the age header")
	}
	path := filepath.Join(w.root, "hostile.age")
	if err := os.WriteFile(path, hostile, 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"CXTOKENS_VAULT=" + filepath.Join(w.root, "vault.db"), "CXTOKENS_EXPORT_PASSPHRASE=" + exportPass}
	r := w.cliWith(runOpts{env: env}, "import", path)
	if r.code != 1 || strings.Contains(r.stderr, "wrong passphrase") {
		t.Errorf("want exit 1 refusing the file's scrypt cost, not a verdict on the passphrase after paying it:\n%s", r)
	}
}
