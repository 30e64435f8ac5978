package proof

import (
	"bufio"
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"filippo.io/age"

	"cxtokens/cli"
	"cxtokens/tokens"
	"cxtokens/vault"
)

// fuzzService is a Service on a fresh vault (in-memory keyring, so the
// fuzzer needs no D-Bus session) holding one token, "kept".
func fuzzService(t *testing.T) (*tokens.Service, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vault.db")
	svc := tokens.New(tokens.Options{VaultPath: path, Keyring: newMemKeyring(), DefaultBaseURL: "http://127.0.0.1:9/core/v2"})
	t.Cleanup(func() { svc.Close() })
	if _, _, err := svc.Add(t.Context(), tokens.AddInput{Name: "kept", Token: secretFor("kept")}); err != nil {
		t.Fatal(err)
	}
	return svc, path
}

// expensiveScrypt reports an age header whose scrypt stanza asks for a
// work factor above 12. age accepts up to 22 (4 GiB and seconds per try):
// the fuzzer must not spend its time there (see the report of issue 6).
func expensiveScrypt(file []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(file[:min(len(file), 4096)]))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 4 && f[0] == "->" && f[1] == "scrypt" {
			if n, err := strconv.Atoi(f[3]); err == nil && n > 12 {
				return true
			}
		}
	}
	return false
}

// checkImport checks what must hold after any import into fuzzService's
// vault: an error adds nothing; "kept" is never touched; every reason for a
// refused entry is free of the token values in the file.
func checkImport(t *testing.T, svc *tokens.Service, rep tokens.ImportReport, err error, gen0 uint64, plain []byte) {
	t.Helper()
	gen, gerr := svc.Generation()
	if gerr != nil {
		t.Fatalf("generation after import: %v", gerr)
	}
	if err != nil && gen != gen0 {
		t.Errorf("a failed import (%v) wrote to the vault", err)
	}
	r, gerr := svc.Get("kept")
	if gerr != nil || r.Secret != secretFor("kept") {
		t.Errorf("the stored token was changed by an import: %v", gerr)
	}
	// Whatever the file held, the vault still reads back whole.
	if _, lerr := svc.List(); lerr != nil {
		t.Errorf("after the import the vault does not list: %v", lerr)
	}
	var doc struct {
		Tokens []struct {
			Token        string `json:"token"`
			RefreshToken string `json:"refresh_token"`
		} `json:"tokens"`
	}
	if json.Unmarshal(plain, &doc) == nil {
		all := strings.Join(append(append(rep.Invalid, rep.Conflicts...), rep.Skipped...), "\n")
		if err != nil {
			all += "\n" + err.Error()
		}
		for _, e := range doc.Tokens {
			for _, v := range []string{strings.TrimSpace(e.Token), strings.TrimSpace(e.RefreshToken)} {
				if len(v) >= 8 && !strings.Contains(strings.Join(rep.Added, "\n"), v) && strings.Contains(all, v) {
					t.Errorf("the import report or error repeats a token value")
				}
			}
		}
		if err == nil {
			n := len(rep.Added) + len(rep.Skipped) + len(rep.Conflicts) + len(rep.Invalid)
			if n != len(doc.Tokens) {
				t.Errorf("the report accounts for %d entries, the file has %d", n, len(doc.Tokens))
			}
		}
	}
	for _, name := range rep.Added {
		rec, err := svc.Get(name)
		if err != nil {
			t.Errorf("added %q but cannot get it: %v", name, err)
			continue
		}
		if vault.ValidateName(rec.Name) != nil {
			t.Errorf("an invalid name was added: %q", rec.Name)
		}
		if clean, err := tokens.CleanToken(rec.Secret); err != nil || clean != rec.Secret {
			t.Errorf("%q: a token that Add would refuse or change was stored: %v", name, err)
		}
	}
}

// FuzzImportFile feeds whole files to tokens.Service.Import, the import
// behind `cxtokens import` and the desktop app: never a panic, an error
// changes nothing, the stored token is never touched.
func FuzzImportFile(f *testing.F) {
	base := "http://127.0.0.1:9/core/v2"
	valid := exportJSON(f, 1, exportEntry{"new", secretFor("new"), base, nil}, exportEntry{"kept", secretFor("other"), base, nil})
	f.Add(ageSeal(f, valid, exportPass))
	f.Add(ageSeal(f, []byte("not json"), exportPass))
	f.Add(ageSeal(f, exportJSON(f, 2), exportPass))
	f.Add(ageSeal(f, valid, "another passphrase"))
	f.Add(valid)
	f.Add([]byte{})
	f.Add([]byte("age-encryption.org/v1\n-> scrypt AAAAAAAAAAAAAAAAAAAAAA 10\n\n--- AAAA\n"))
	f.Add(randomBytes(5, 200))
	f.Fuzz(func(t *testing.T, file []byte) {
		if expensiveScrypt(file) {
			return
		}
		svc, _ := fuzzService(t)
		gen0, err := svc.Generation()
		if err != nil {
			t.Fatal(err)
		}
		rep, err := svc.Import(bytes.NewReader(file), []byte(exportPass))
		var plain []byte
		if id, ierr := age.NewScryptIdentity(exportPass); ierr == nil {
			if r, derr := age.Decrypt(bytes.NewReader(file), id); derr == nil {
				var buf bytes.Buffer
				buf.ReadFrom(r)
				plain = buf.Bytes()
			}
		}
		checkImport(t, svc, rep, err, gen0, plain)
	})
}

// FuzzImportContent fuzzes the JSON inside a correctly encrypted export
// file, where the mutations reach the entries: names, tokens, base URLs,
// versions, types.
func FuzzImportContent(f *testing.F) {
	base := "http://127.0.0.1:9/core/v2"
	f.Add(exportJSON(f, 1, exportEntry{"new", secretFor("new"), base, nil}))
	f.Add(exportJSON(f, 1, exportEntry{"kept", secretFor("kept"), base, nil}, exportEntry{"KEPT", secretFor("x"), base, nil}))
	f.Add(exportJSON(f, 1, exportEntry{"bad\nname", secretFor("a"), base, nil}, exportEntry{"spaced", "a b", base, nil}, exportEntry{"far", secretFor("b"), "http://api.example.invalid/core/v2", nil}))
	f.Add(exportJSON(f, 99))
	f.Add([]byte(`{"format":"cxtokens-export","version":1,"tokens":[{"name":"n","token":"t\u0000t","base_url":""}]}`))
	f.Add([]byte(`{"format":"cxtokens-export","version":1,"tokens":[{"name":"🔑","token":"5ebc03d6-8b2b-44ad-bf65-72d4f1491dda","refresh_token":" r ","base_url":"https://h/core/v2","last_test":{"latency_ns":-1}}]}`))
	f.Add([]byte(`null`))
	// Found by review: a stored test status outside 0–999 made the next
	// List fail for the whole vault.
	f.Add([]byte(`{"format":"cxtokens-export","version":1,"tokens":[{"name":"s","token":"5ebc03d6-8b2b-44ad-bf65-72d4f1491dda","base_url":"http://127.0.0.1:9/core/v2","last_test":{"at":"2024-09-11T13:46:42Z","outcome":"works","status":-1,"latency_ns":1}}]}`))
	f.Fuzz(func(t *testing.T, plain []byte) {
		r, err := age.NewScryptRecipient(exportPass)
		if err != nil {
			t.Fatal(err)
		}
		r.SetWorkFactor(1)
		var file bytes.Buffer
		w, err := age.Encrypt(&file, r)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(plain)
		w.Close()
		svc, _ := fuzzService(t)
		gen0, err := svc.Generation()
		if err != nil {
			t.Fatal(err)
		}
		rep, err := svc.Import(&file, []byte(exportPass))
		checkImport(t, svc, rep, err, gen0, plain)
	})
}

// FuzzCLIName gives names to `cxtokens add NAME` (the command line's Run,
// in process) and checks: a valid name is stored exactly and read back by
// `get`; an invalid one is exit 1 "invalid token name" and stores nothing;
// a name that looks like a flag is a usage error or help; the token is
// never echoed, nor a raw escape character.
func FuzzCLIName(f *testing.F) {
	for _, n := range append(append([]string{"prod", "-x", "--", "-h"}, oddNames...), badNames...) {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, name string) {
		path := filepath.Join(t.TempDir(), "vault.db")
		cfg := cli.Config{
			Keyring: newMemKeyring(),
			Getenv: func(k string) string {
				if k == "CXTOKENS_VAULT" {
					return path
				}
				return ""
			},
		}
		tok := secretFor(name)
		run := func(stdin string, args ...string) (int, string, string) {
			var out, errb bytes.Buffer
			code := cli.Run(cfg, args, strings.NewReader(stdin), &out, &errb)
			return code, out.String(), errb.String()
		}
		code, out, errs := run(tok+"\n", "add", name)
		if strings.Contains(out+errs, tok) {
			t.Errorf("add echoed the token")
		}
		if strings.Contains(errs, "\x1b") {
			t.Errorf("add echoed a raw escape character")
		}
		flagLike := strings.HasPrefix(name, "-") && name != "-" // "-" alone is an argument, not a flag
		valid := vault.ValidateName(name) == nil
		switch {
		case flagLike:
			if code != 2 && code != 0 {
				t.Errorf("add %q: exit %d, want a usage error (2) or help (0)", name, code)
			}
			if vault.Exists(path) {
				t.Errorf("add %q (a flag) created a vault", name)
			}
			return
		case valid && code != 0:
			t.Errorf("add %q: exit %d for a valid name: %s", name, code, errs)
			return
		case !valid && (code != 1 || !strings.Contains(errs, "invalid token name")):
			t.Errorf("add %q: exit %d, want 1 and \"invalid token name\": %s", name, code, errs)
			return
		case !valid:
			if vault.Exists(path) {
				if c, out, _ := run("", "list", "--json"); c != 0 || strings.TrimSpace(out) != "[]" {
					t.Errorf("a refused name left a token behind: %s", out)
				}
			}
			return
		}
		if c, out, errs := run("", "get", name); c != 0 || out != tok+"\n" {
			t.Errorf("get %q: exit %d, another token or none: %s", name, c, errs)
		}
		c, out, _ := run("", "list", "--json")
		var list []struct {
			Name string `json:"name"`
		}
		if c != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].Name != name {
			t.Errorf("list --json after add %q: %s", name, out)
		}
	})
}

// TestFuzz_ScriptRunsEveryTarget runs scripts/fuzz.sh with a `go` on PATH
// that passes `go list` to the real go and records every `go test -fuzz`
// instead of running it, and checks that the script would run every Fuzz
// target in the module: each func FuzzX(*testing.F) in a _test.go file of
// a package `go list ./...` lists, once, in its own package.
func TestFuzz_ScriptRunsEveryTarget(t *testing.T) {
	t.Parallel()
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(realGo, "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	root := strings.TrimSpace(string(out))

	// Every fuzz target in the module, from the source.
	want := map[string]bool{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil // half-written code of another engineer; go list decides
		}
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Fuzz") || len(fn.Type.Params.List) != 1 {
				continue
			}
			if star, ok := fn.Type.Params.List[0].Type.(*ast.StarExpr); !ok || !isTestingF(star.X) {
				continue
			}
			if !strings.HasSuffix(path, "_test.go") {
				t.Errorf("%s: %s is not in a _test.go file, so go test -fuzz cannot run it", path, fn.Name.Name)
				continue
			}
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			want[rel+" "+fn.Name.Name] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !want["proof FuzzImportFile"] || !want["proof FuzzCLIName"] {
		t.Fatalf("the source walk missed this package's own targets: %v", want)
	}

	bin := t.TempDir()
	log := filepath.Join(bin, "calls")
	fake := "#!/bin/sh\nif [ \"$1\" = test ]; then printf '%s\\n' \"$*\" >> \"$FAKE_GO_LOG\"; exit 0; fi\nexec \"$REAL_GO\" \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(root, "scripts", "fuzz.sh"), "1s")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "REAL_GO="+realGo, "FAKE_GO_LOG="+log)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/fuzz.sh: %v\n%s", err, out)
	}
	calls, err := os.ReadFile(log)
	if err != nil {
		t.Fatalf("fuzz.sh ran no go test at all: %v", err)
	}
	modPath := "cxtokens"
	got := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(calls)), "\n") {
		f := strings.Fields(line)
		var target, pkg string
		for i := 0; i < len(f); i++ {
			switch {
			case f[i] == "-fuzz" && i+1 < len(f):
				target = strings.TrimSuffix(strings.TrimPrefix(f[i+1], "^"), "$")
				i++
			case f[i] == "-fuzztime" || f[i] == "-run":
				i++
			case strings.HasPrefix(f[i], modPath):
				pkg = strings.TrimPrefix(strings.TrimPrefix(f[i], modPath), "/")
			}
		}
		if pkg == "" {
			pkg = "."
		}
		got[pkg+" "+target]++
	}
	var missing, extra []string
	for k := range want {
		if got[k] == 0 {
			missing = append(missing, k)
		}
	}
	for k, n := range got {
		if !want[k] {
			extra = append(extra, k)
		}
		if n > 1 {
			t.Errorf("fuzz.sh runs %s %d times", k, n)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("fuzz.sh does not run: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("fuzz.sh runs targets the source does not have: %v", extra)
	}
	t.Logf("fuzz.sh runs all %d fuzz targets of the module", len(want))
}

func isTestingF(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == "testing" && sel.Sel.Name == "F"
}
