package proof

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"cxtokens/api"
)

// needle is one encoding of one secret to look for.
type needle struct {
	secret string // for the report, masked
	form   string // "raw", "base64", "hex", …
	b      []byte
}

// needlesFor lists the forms a secret could leak in: raw, standard and URL
// base64 (padded or not, and at each of the three byte alignments it can
// have inside a longer encoded blob), hex in lower and upper case, and URL
// encoding (query and path).
func needlesFor(secret string) []needle {
	var out []needle
	add := func(form, s string) {
		for _, n := range out {
			if string(n.b) == s {
				return
			}
		}
		out = append(out, needle{secret: secret, form: form, b: []byte(s)})
	}
	add("raw", secret)
	n := len(secret)
	for _, enc := range []struct {
		name string
		e    *base64.Encoding
	}{{"base64", base64.StdEncoding}, {"base64url", base64.URLEncoding}} {
		for k := range 3 {
			// With k bytes before it, the secret's bits fill the encoded
			// characters from ceil(8k/6) to floor(8(k+n)/6): those are the
			// same whatever surrounds it.
			s := enc.e.EncodeToString(append(make([]byte, k), secret...))
			from, to := (8*k+5)/6, 8*(k+n)/6
			add(fmt.Sprintf("%s at offset %d", enc.name, k), s[from:to])
		}
	}
	add("hex", hex.EncodeToString([]byte(secret)))
	add("HEX", strings.ToUpper(hex.EncodeToString([]byte(secret))))
	add("url-encoded", url.QueryEscape(secret))
	add("url-path-encoded", url.PathEscape(secret))
	return out
}

// leak is one secret found where it must not be.
type leak struct {
	where string
	form  string
	mask  string
}

func (l leak) String() string { return fmt.Sprintf("%s: %s (%s)", l.where, l.mask, l.form) }

// scanner looks for many secrets in many places.
type scanner struct {
	needles []needle
}

func newScanner(secrets []string) *scanner {
	s := &scanner{}
	seen := map[string]bool{}
	for _, sec := range secrets {
		if sec == "" || seen[sec] {
			continue
		}
		seen[sec] = true
		s.needles = append(s.needles, needlesFor(sec)...)
	}
	return s
}

// scan reports every needle in data, except secrets in allow.
func (s *scanner) scan(where string, data []byte, allow ...string) []leak {
	var out []leak
	for _, n := range s.needles {
		allowed := false
		for _, a := range allow {
			allowed = allowed || a == n.secret
		}
		if !allowed && bytes.Contains(data, n.b) {
			out = append(out, leak{where: where, form: n.form, mask: api.Mask(n.secret)})
		}
	}
	return out
}

// scanTree scans every regular file under root (symlinks are not followed).
func (s *scanner) scanTree(t *testing.T, root string) (leaks []leak, files int) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(root, path)
		leaks = append(leaks, s.scan("file "+rel, b)...)
		return nil
	})
	if err != nil {
		t.Fatalf("scan %s: %v", root, err)
	}
	return leaks, files
}

func leakReport(leaks []leak) string {
	lines := make([]string, len(leaks))
	for i, l := range leaks {
		lines[i] = "  " + l.String()
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestHygiene_Scanner_FindsPlanted proves the scanner the hygiene test
// relies on: secrets planted in every form, alone or inside longer encoded
// data at every alignment, are found where they are and nowhere else, and a
// masked form is not mistaken for a leak.
func TestHygiene_Scanner_FindsPlanted(t *testing.T) {
	t.Parallel()
	tok := "5ebc03d6-8b2b-44ad-bf65-72d4f1491dda"
	odd := "a b/c+d?e=f&g%h"
	other := "0f7a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
	s := newScanner([]string{tok, odd, other})
	planted := map[string]string{
		"raw":            "token=" + tok + "\n",
		"base64 std":     base64.StdEncoding.EncodeToString([]byte(tok)),
		"base64 url raw": base64.RawURLEncoding.EncodeToString([]byte(tok)),
		"hex":            hex.EncodeToString([]byte(tok)),
		"HEX":            strings.ToUpper(hex.EncodeToString([]byte(tok))),
		"url-encoded":    "q=" + url.QueryEscape(odd),
		"path-encoded":   "/x/" + url.PathEscape(odd),
	}
	for k := range 3 {
		blob := append([]byte(strings.Repeat("p", k)), []byte("Authorization: Bearer "+tok+"\r\n")...)
		planted[fmt.Sprintf("inside base64 at %d", k)] = base64.StdEncoding.EncodeToString(blob)
		planted[fmt.Sprintf("inside base64url at %d", k)] = base64.URLEncoding.EncodeToString(append([]byte{0xfb, 0xff}, blob...))
	}
	dir := t.TempDir()
	for name, content := range planted {
		if err := os.WriteFile(filepath.Join(dir, strings.ReplaceAll(name, " ", "_")), []byte("prefix "+content+" suffix"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "clean"), []byte("masked "+api.Mask(tok)+" and "+api.Mask(other)), 0o600); err != nil {
		t.Fatal(err)
	}
	leaks, files := s.scanTree(t, dir)
	if files != len(planted)+1 {
		t.Errorf("scanned %d files, want %d", files, len(planted)+1)
	}
	found := map[string]bool{}
	for _, l := range leaks {
		found[strings.TrimPrefix(l.where, "file ")] = true
		if l.mask == api.Mask(other) {
			t.Errorf("found a secret that was not planted: %s", l)
		}
	}
	for name := range planted {
		if !found[strings.ReplaceAll(name, " ", "_")] {
			t.Errorf("the %s plant was not found", name)
		}
	}
	if found["clean"] {
		t.Error("a masked token was taken for a leak")
	}
	if got := s.scan("stdout", []byte(tok), tok); len(got) != 0 {
		t.Errorf("an allowed secret was reported: %v", got)
	}
	if got := s.scan("stdout", []byte(tok+other), tok); len(got) != 1 {
		t.Errorf("another secret beside an allowed one: %v, want one leak", got)
	}
}
