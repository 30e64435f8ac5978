package vault

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// encodings returns the forms a value could take if it leaked: raw, hex
// in either case, and standard or URL base64 at each of the three byte
// alignments it could start at inside a longer encoded run (the stable
// middle of each, so padding and neighbours do not matter).
func encodings(s string) map[string]string {
	out := map[string]string{
		"raw":       s,
		"hex":       hex.EncodeToString([]byte(s)),
		"HEX":       strings.ToUpper(hex.EncodeToString([]byte(s))),
		"lowercase": strings.ToLower(s),
	}
	if u, ok := packUUID(s); ok {
		out["uuid-bytes"] = string(u[:])
	}
	for _, enc := range []struct {
		name string
		e    *base64.Encoding
	}{{"base64", base64.StdEncoding}, {"base64url", base64.URLEncoding}} {
		for shift := range 3 {
			b := enc.e.EncodeToString(append(make([]byte, shift), s...))
			// Characters fully determined by s: skip those mixing in the
			// prefix, and the last group, which mixes in padding.
			start := (shift*8 + 5) / 6
			end := len(b) - 4
			if end > start+8 {
				out[enc.name+string(rune('0'+shift))] = b[start:end]
			}
		}
	}
	return out
}

func TestVault_FileHoldsNoPlaintext(t *testing.T) {
	t.Parallel()
	opts := testOpts(t)
	v := mustCreate(t, opts, CreateSources{Keyring: true, Passphrase: []byte("pass phrase for the leak test")})
	var secrets []string
	for i, name := range []string{"production-eu-account", "Sandbox Billing Robot"} {
		r := sampleRecord(name)
		if i == 1 {
			// Tokens are UUIDs, which the payload packs to 16 bytes.
			r.Secret = "8bfd6c6d-6291-488a-bed1-8784c195ce87"
			r.RefreshToken = "ed07dcd6-dfc5-4d7b-b7b4-891441371b3e"
		}
		r = mustAdd(t, v, r)
		secrets = append(secrets, r.Name, r.Secret, r.RefreshToken, r.Note, r.TokenSID, r.PartnerSID, r.BaseURL, r.LastUsedIP, r.Scopes[0])
		// Old names and notes must not linger after rewrites either.
		r.Note = "replacement note that is long enough to find"
		secrets = append(secrets, r.Note)
		if err := v.Update(r); err != nil {
			t.Fatal(err)
		}
		if err := v.Rename(r.Name, r.Name+" renamed"); err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, r.Name+" renamed")
	}
	secrets = append(secrets, "pass phrase for the leak test")
	if err := v.SetPassphrase([]byte("second pass phrase value")); err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, "second pass phrase value")
	dataKey := string(v.keys.data[:])
	v.Close()

	file := mustRead(t, opts.Path)
	for _, s := range secrets {
		for form, enc := range encodings(s) {
			if bytes.Contains(file, []byte(enc)) {
				// Say which field, never the value.
				t.Errorf("the file holds a %s form of a secret field (%d bytes long)", form, len(s))
			}
		}
	}
	for form, enc := range encodings(dataKey) {
		if form != "lowercase" && bytes.Contains(file, []byte(enc)) {
			t.Errorf("the file holds the data key (%s)", form)
		}
	}
	// Nothing else was written beside the vault.
	entries, err := os.ReadDir(filepath.Dir(opts.Path))
	if err != nil || len(entries) != 1 {
		t.Errorf("vault dir has %d entries, want 1 (%v)", len(entries), err)
	}
}

// TestEncodings checks the helper finds what it is meant to find, so the
// test above cannot pass by looking for the wrong bytes.
func TestEncodings(t *testing.T) {
	t.Parallel()
	secret := "5ebc0a8e-1f0b-4c2a-9d3e-7b6a5c4d1dda"
	for shift := range 3 {
		prefix := strings.Repeat("x", shift+1)
		blobs := map[string]string{
			"hex":       hex.EncodeToString([]byte(prefix + secret + "tail")),
			"base64":    base64.StdEncoding.EncodeToString([]byte(prefix + secret + "tail")),
			"base64url": base64.URLEncoding.EncodeToString([]byte(prefix + secret + "!")),
		}
		for name, blob := range blobs {
			found := false
			for _, enc := range encodings(secret) {
				found = found || strings.Contains(blob, enc)
			}
			if !found {
				t.Errorf("%s with a %d-byte prefix not detected", name, len(prefix))
			}
		}
	}
}
