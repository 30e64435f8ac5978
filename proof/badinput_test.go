package proof

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"cxtokens/api/emulator"
	"cxtokens/tokens"
	"cxtokens/vault"
)

// boltPage is one live page of a bbolt file.
type boltPage struct {
	id   int
	kind string // "meta", "freelist", "branch" or "leaf" (free pages are left out)
}

// boltLayout reports the page size, the high-water mark (pages in use) and
// the live pages of an undamaged bbolt file, as bbolt itself sees them (a
// freed page still carries its old header, and damaging it harms nothing).
func boltLayout(t *testing.T, orig []byte) (pageSize, hwm int, pages []boltPage) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "layout.db")
	if err := os.WriteFile(path, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin(true) // Page is only safe in a writable transaction
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	pageSize = db.Info().PageSize
	for id := 0; ; id++ {
		p, err := tx.Page(id)
		if err != nil {
			t.Fatal(err)
		}
		if p == nil {
			return pageSize, id, pages
		}
		if p.Type != "free" {
			pages = append(pages, boltPage{id: id, kind: p.Type})
		}
		id += p.OverflowCount
	}
}

// damage is one way a vault file can be broken.
type damage struct {
	name string
	make func(t *testing.T, orig []byte, path string) // writes the damaged file at path
}

// damages returns the file-level damages for a vault file: truncation at
// several offsets below the data's end, zeroed and randomised pages of each
// kind, random bytes, and a header from a newer cxtokens.
func damages(t *testing.T, orig []byte, pass string) []damage {
	pageSize, hwm, pages := boltLayout(t, orig)
	end := hwm * pageSize
	write := func(path string, b []byte) {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var ds []damage
	for _, n := range []int{0, 1, 100, pageSize - 1, pageSize, 2*pageSize + 17, end / 2, end - pageSize, end - 1} {
		ds = append(ds, damage{fmt.Sprintf("truncated to %d bytes", n), func(t *testing.T, orig []byte, path string) {
			write(path, orig[:n])
		}})
	}
	pageOf := func(kind string) []int {
		var ids []int
		for _, p := range pages {
			if p.kind == kind {
				ids = append(ids, p.id)
			}
		}
		return ids
	}
	fill := func(what string, ids []int, random bool) {
		if len(ids) == 0 {
			t.Fatalf("the test vault has no %s page", what)
		}
		how := "zeroed"
		if random {
			how = "random bytes in"
		}
		ds = append(ds, damage{fmt.Sprintf("%s %s", how, what), func(t *testing.T, orig []byte, path string) {
			b := append([]byte(nil), orig...)
			rng := rand.New(rand.NewPCG(uint64(len(ids)), 9))
			for _, id := range ids {
				p := b[id*pageSize : (id+1)*pageSize]
				for i := range p {
					p[i] = 0
					if random {
						p[i] = byte(rng.Uint32())
					}
				}
			}
			write(path, b)
		}})
	}
	leaves, branches := pageOf("leaf"), pageOf("branch")
	fill("both meta pages", []int{0, 1}, false)
	fill("the freelist page", pageOf("freelist"), false)
	fill("the first leaf page", leaves[:1], false)
	fill("the last leaf page", leaves[len(leaves)-1:], false)
	fill("every leaf page", leaves, false)
	fill("a branch page", branches[:1], false)
	fill("both meta pages", []int{0, 1}, true)
	fill("the first leaf page", leaves[:1], true)
	fill("a branch page", branches[:1], true)
	// Which leaf holds records and which the header depends on the
	// vault's random keys; this one is found by trying, so that a healthy
	// record and the header survive and a write could succeed.
	fill("one records leaf page, header intact", []int{recordLeaf(t, orig, pass, pageSize, leaves)}, false)
	ds = append(ds,
		damage{"random bytes, same size", func(t *testing.T, orig []byte, path string) {
			b := make([]byte, len(orig))
			rng := rand.New(rand.NewPCG(1, 2))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			write(path, b)
		}},
		damage{"16 KiB of random bytes", func(t *testing.T, orig []byte, path string) {
			b := make([]byte, 16<<10)
			rng := rand.New(rand.NewPCG(3, 4))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			write(path, b)
		}},
		damage{"a header from a newer cxtokens", func(t *testing.T, orig []byte, path string) {
			write(path, orig)
			setMeta(t, path, "format", binary.BigEndian.AppendUint32(nil, 2))
		}},
		damage{"another program's bbolt file", func(t *testing.T, orig []byte, path string) {
			db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Update(func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket([]byte("settings"))
				if err != nil {
					return err
				}
				return b.Put([]byte("theme"), []byte("dark"))
			}); err != nil {
				t.Fatal(err)
			}
		}},
	)
	return ds
}

// recordLeaf returns the first leaf page whose zeroing leaves the vault
// header readable (it opens) and some record intact while List fails:
// damage confined to records.
func recordLeaf(t *testing.T, orig []byte, pass string, pageSize int, leaves []int) int {
	t.Helper()
	path := filepath.Join(t.TempDir(), "probe.db")
	for _, id := range leaves {
		b := append([]byte(nil), orig...)
		clear(b[id*pageSize : (id+1)*pageSize])
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		v, err := vault.Open(vault.Options{Path: path, Passphrase: []byte(pass), LockTimeout: 5 * time.Second})
		if err != nil {
			continue // the header's page
		}
		_, lerr := v.List()
		v.Close()
		if lerr != nil && healthyName(t, path, pass, 120) != "" {
			return id
		}
	}
	t.Fatal("no leaf page holds only records")
	return 0
}

// setMeta overwrites one key of the vault header with bbolt directly.
func setMeta(t *testing.T, path, key string, val []byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("meta"))
		if b == nil {
			return fmt.Errorf("no meta bucket")
		}
		return b.Put([]byte(key), val)
	}); err != nil {
		t.Fatal(err)
	}
}

// seedVault makes a passphrase vault holding n tokens pinned to a closed
// loopback port (so that nothing here can reach a network even if a damaged
// vault opened), and returns its path.
func seedVault(t *testing.T, dir, pass string, n int) string {
	t.Helper()
	path := newPassVault(t, dir, pass)
	v := openPassVault(t, path, pass)
	for i := range n {
		name := fmt.Sprintf("t-%03d", i)
		_, err := v.Add(vault.Record{Name: name, Secret: secretFor(name), BaseURL: "http://127.0.0.1:9/core/v2",
			Note: strings.Repeat("n", 100), Scopes: []string{"storage.read"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	v.Close()
	return path
}

// healthyName returns a token of the damaged vault at path that still
// reads back right (partial damage leaves the records on other pages
// alone), or "" when none does. Writes aimed at it test that a damaged
// file is not written to even where the write itself could succeed.
func healthyName(t *testing.T, path, pass string, n int) string {
	t.Helper()
	v, err := vault.Open(vault.Options{Path: path, Passphrase: []byte(pass), LockTimeout: 5 * time.Second})
	if err != nil {
		return ""
	}
	defer v.Close()
	for i := range n {
		name := fmt.Sprintf("t-%03d", i)
		if r, err := v.Get(name); err == nil && r.Secret == secretFor(name) {
			return name
		}
	}
	return ""
}

// TestBadInput_DamagedVault_CLI opens damaged vault files with the built
// binary and runs every kind of command on them. No command may change the
// file by a single byte or create another vault. A write (add, rename,
// forget) must be refused with exit 1 and a message saying what is wrong
// (damaged, or made by a newer cxtokens), even when the damage is on pages
// it would not touch: writing to a damaged file can only make it worse. A
// read may succeed only with exactly the right data (damage to the freelist
// leaves every record readable); otherwise it fails the same way.
func TestBadInput_DamagedVault_CLI(t *testing.T) {
	t.Parallel()
	const pass = "damaged vault passphrase"
	const n = 120
	dir := t.TempDir()
	pristine, err := os.ReadFile(seedVault(t, dir, pass, n))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range damages(t, pristine, pass) {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			path := filepath.Join(w.root, "vault.db")
			d.make(t, pristine, path)
			sum := fileSum(t, path)
			env := []string{"CXTOKENS_VAULT=" + path, "CXTOKENS_PASSPHRASE=" + pass, "CXTOKENS_EXPORT_PASSPHRASE=export"}
			want := "damaged"
			if strings.Contains(d.name, "newer") {
				want = "newer version"
			}
			healthy := healthyName(t, path, pass, n)
			if healthy == "" {
				healthy = "t-000"
			}
			runs := []struct {
				stdin string
				args  []string
				write bool
				right func(stdout string) bool // what a successful read must print
			}{
				{args: []string{"list"}, right: func(out string) bool { return strings.Count(out, "\nt-") == n }},
				{args: []string{"list", "--json"}, right: func(out string) bool { return strings.Count(out, `"name": "t-`) == n }},
				{args: []string{"get", healthy}, right: func(out string) bool { return out == secretFor(healthy)+"\n" }},
				{args: []string{"vault", "status"}, right: func(out string) bool { return strings.Contains(out, fmt.Sprintf("tokens:   %d\n", n)) }},
				{args: []string{"export", "out.age"}, right: func(string) bool { return true }},
				{stdin: secretFor("new"), args: []string{"add", "new"}, write: true},
				// A rename writes under the new name's key, which may or may
				// not fall on a damaged page: several names, so that one
				// whose page is sound is tried too.
				{args: []string{"rename", healthy, "renamed-1"}, write: true},
				{args: []string{"rename", healthy, "renamed-2"}, write: true},
				{args: []string{"rename", healthy, "renamed-3"}, write: true},
				{args: []string{"rename", healthy, "renamed-4"}, write: true},
				{args: []string{"forget", healthy, "--yes"}, write: true},
			}
			exported := false
			for _, run := range runs {
				r := w.cliWith(runOpts{stdin: run.stdin, env: env}, run.args...)
				switch {
				case r.code == 0 && !run.write && run.right(r.stdout):
					exported = exported || run.args[0] == "export"
				case r.code == 0 && run.write:
					t.Errorf("a write to a damaged vault was not refused:\n%s", r)
				case r.code == 0:
					t.Errorf("a read of a damaged vault succeeded with the wrong data:\n%s", r)
				case r.code != 1 || !strings.Contains(r.stderr, want):
					t.Errorf("want exit 1 saying %q:\n%s", want, r)
				}
				if got := fileSum(t, path); got != sum {
					t.Fatalf("cxtokens %s changed the damaged file", strings.Join(run.args, " "))
				}
			}
			entries, err := os.ReadDir(w.root)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				switch e.Name() {
				case "vault.db", "home", "config", "cache", "data", "tmp":
				default:
					t.Errorf("%s appeared beside the damaged vault", e.Name())
				}
			}
			files, _ := os.ReadDir(w.dir("HOME"))
			for _, f := range files {
				if f.Name() != "out.age" || !exported {
					t.Errorf("%s appeared in the working dir", f.Name())
				}
			}
		})
	}
}

// TestBadInput_DamagedRecord_CLI damages one record (a flipped ciphertext
// byte, and separately a record version byte from a newer cxtokens). The
// other tokens must still be readable, the damaged one must be named as
// damaged (or newer), reading must change nothing, and `forget` must be
// able to remove a damaged record (vault.Delete's promise: "it also removes
// one that is damaged, once the user has its token from elsewhere").
func TestBadInput_DamagedRecord_CLI(t *testing.T) {
	t.Parallel()
	const pass = "damaged record passphrase"
	for _, tc := range []struct {
		name string
		edit func(val []byte) // val is id (8 bytes) | sealed value
		want string
		// removable: the person may forget the record. A record from a
		// newer cxtokens is not damaged: the answer is to update.
		removable bool
	}{
		{"flipped ciphertext byte", func(val []byte) { val[len(val)-20] ^= 0x40 }, "damaged", true},
		{"record from a newer cxtokens", func(val []byte) { val[8] = 2 }, "newer version", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			path := seedVault(t, w.root, pass, 3)
			env := []string{"CXTOKENS_VAULT=" + path, "CXTOKENS_PASSPHRASE=" + pass}
			// Which record is which is secret (the keys are HMACs of the
			// names), so damage one and find out by asking.
			db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			var id string
			err = db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte("records"))
				k, v := b.Cursor().First()
				val := append([]byte(nil), v...)
				tc.edit(val)
				id = fmt.Sprintf("%x", val[:8])
				return b.Put(append([]byte(nil), k...), val)
			})
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			sum := fileSum(t, path)

			var damaged string
			readable := 0
			for i := range 3 {
				name := fmt.Sprintf("t-%03d", i)
				r := w.cliWith(runOpts{env: env}, "get", name)
				switch {
				case r.code == 0 && strings.TrimSpace(r.stdout) == secretFor(name):
					readable++
				case r.code == 1 && strings.Contains(r.stderr, tc.want):
					damaged = name
				default:
					t.Errorf("get %s: want the token or exit 1 saying %q:\n%s", name, tc.want, r)
				}
			}
			if readable != 2 || damaged == "" {
				t.Fatalf("%d tokens readable and damaged %q; want 2 and one", readable, damaged)
			}
			r := w.cliWith(runOpts{env: env}, "list")
			if r.code != 1 || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, id) {
				t.Errorf("list: want exit 1 saying %q and naming record %s:\n%s", tc.want, id, r)
			}
			if fileSum(t, path) != sum {
				t.Fatal("reading a vault with a damaged record changed the file")
			}
			if !tc.removable {
				return
			}
			byName := w.cliWith(runOpts{env: env}, "forget", damaged, "--yes")
			if byName.code != 0 {
				byID := w.cliWith(runOpts{env: env}, "forget", id, "--yes")
				if byID.code != 0 {
					t.Fatalf("the damaged record cannot be removed, by name or by id:\n%s\n%s", byName, byID)
				}
			}
			r = w.must(w.cliWith(runOpts{env: env}, "list", "--json"), 0)
			if n := strings.Count(r.stdout, `"name"`); n != 2 {
				t.Errorf("after forgetting the damaged record, list shows %d tokens, want 2", n)
			}
		})
	}
}

// TestBadInput_WrongPassphrase_CLI gives a passphrase vault wrong
// passphrases (and none): every command fails with exit 1 and a message
// saying what to do, and the file stays as it was.
func TestBadInput_WrongPassphrase_CLI(t *testing.T) {
	t.Parallel()
	const pass = "the right passphrase"
	w := newWorld(t)
	path := seedVault(t, w.root, pass, 2)
	sum := fileSum(t, path)
	wrongs := []string{"the wrong passphrase", "the right passphrase ", "The right passphrase", "thé right passphrase", strings.Repeat("x", 10000)}
	cmds := [][]string{{"list"}, {"get", "t-000"}, {"add", "new"}, {"vault", "status"}, {"vault", "passphrase"}, {"export", "out.age"}, {"forget", "t-001", "--yes"}}
	for _, wrong := range wrongs {
		for _, args := range cmds {
			env := []string{"CXTOKENS_VAULT=" + path, "CXTOKENS_PASSPHRASE=" + wrong, "CXTOKENS_NEW_PASSPHRASE=new one", "CXTOKENS_EXPORT_PASSPHRASE=export"}
			r := w.cliWith(runOpts{stdin: secretFor("new"), env: env}, args...)
			if strings.Join(args, " ") == "vault status" && r.code == 0 {
				continue // status needs no key: it shows the header
			}
			if r.code != 1 || !strings.Contains(r.stderr, "wrong passphrase") {
				t.Errorf("passphrase of %d bytes: want exit 1 saying \"wrong passphrase\":\n%s", len(wrong), r)
			}
			if strings.Contains(r.stderr, wrong) && len(wrong) > 3 {
				t.Errorf("the error repeats the passphrase that was tried")
			}
		}
	}
	// No passphrase and no terminal to ask on.
	env := []string{"CXTOKENS_VAULT=" + path}
	r := w.cliWith(runOpts{env: env}, "list")
	if r.code != 1 || !strings.Contains(r.stderr, "CXTOKENS_PASSPHRASE") {
		t.Errorf("no passphrase: want exit 1 naming CXTOKENS_PASSPHRASE:\n%s", r)
	}
	if fileSum(t, path) != sum {
		t.Error("wrong passphrases changed the vault file")
	}
	if _, err := os.Stat(filepath.Join(w.dir("HOME"), "out.age")); err == nil {
		t.Error("export with a wrong passphrase left a file")
	}

	// The desktop app's unlock: a wrong passphrase is a typed error, and
	// the right one still works afterwards.
	svc := tokens.New(tokens.Options{VaultPath: path})
	t.Cleanup(func() { svc.Close() })
	for _, wrong := range wrongs {
		if err := svc.Unlock([]byte(wrong)); !errors.Is(err, vault.ErrWrongPassphrase) {
			t.Errorf("Unlock with a wrong passphrase: %v, want vault.ErrWrongPassphrase", err)
		}
	}
	if err := svc.Unlock([]byte(pass)); err != nil {
		t.Fatalf("Unlock with the right passphrase after wrong ones: %v", err)
	}
	if recs, err := svc.List(); err != nil || len(recs) != 2 {
		t.Errorf("List after unlock: %d records, %v", len(recs), err)
	}
}

// shQuoteEval runs the shell on `printf %s WORD` and returns what the shell
// made of WORD, to check that a suggested command names the right token.
func shQuoteEval(t *testing.T, word string) string {
	t.Helper()
	out, err := exec.Command("sh", "-c", "printf %s "+word).Output()
	if err != nil {
		t.Fatalf("sh: %v", err)
	}
	return string(out)
}

// oddNames are names a person may give: every one is valid and must round
// trip exactly through the command line (add, list, get, rename, forget),
// with the shell-quoted suggestions the binary prints naming it exactly.
var oddNames = []string{
	"ünïcödé", "名前", "עברית-prod", "prod-עברית", "ключ", "emoji 🔑 key",
	`it's "quoted"`, "$(touch pwned)", "`id`", "a;b|c&d>e<f", "*?[x]~", `back\slash`,
	"%s%n%x%%", "{{.Secret}}", "inner  spaces", "'", `"`, "é" + "\u0301", // a combining mark
	strings.Repeat("a", 64), strings.Repeat("🔑", 64), strings.Repeat("é", 64),
}

// badNames are refused: each is a clear "invalid token name" with exit 1,
// the vault unchanged, and no raw control character echoed to a terminal.
var badNames = []string{
	strings.Repeat("a", 65), strings.Repeat("🔑", 65), " lead", "trail ", "new\nline", "carriage\rreturn",
	"tab\there", "rtl\u200fmark", "bidi\u202eoverride", "zero\u200bwidth", "bell\a", "esc\x1b[31mred",
	"\xff\xfeinvalid utf-8", "family 👨\u200d👩\u200d👧", "nbsp\u00a0inside", "private\ue000use",
}

// TestBadInput_OddNames_CLI gives the built binary names with unicode, RTL
// text, emoji, quotes, shell metacharacters, 64 characters and more.
func TestBadInput_OddNames_CLI(t *testing.T) {
	t.Parallel()
	const pass = "odd names passphrase"
	for _, name := range oddNames {
		t.Run(fmt.Sprintf("%q", name), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			path := newPassVault(t, w.root, pass)
			env := []string{"CXTOKENS_VAULT=" + path, "CXTOKENS_PASSPHRASE=" + pass}
			run := func(stdin string, args ...string) result { return w.cliWith(runOpts{stdin: stdin, env: env}, args...) }
			tok := secretFor(name)

			r := w.must(run(tok+"\n", "add", name), 0)
			// The suggestion "try it with `cxtokens test NAME`" must name
			// this token when pasted into a shell.
			if _, after, ok := strings.Cut(r.stderr, "`cxtokens test "); ok {
				word := after[:strings.LastIndex(after, "`")]
				if got := shQuoteEval(t, word); got != name {
					t.Errorf("the suggested command names %q in a shell, want %q", got, name)
				}
			} else {
				t.Errorf("add printed no suggestion:\n%s", r)
			}
			r = w.must(run("", "list", "--json"), 0)
			var list []struct {
				Name string `json:"name"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 1 || list[0].Name != name {
				t.Errorf("list --json: %v, %+v; want one token named %q", err, list, name)
			}
			if r = w.must(run("", "get", name), 0); r.stdout != tok+"\n" {
				t.Errorf("get printed another token")
			}
			if up := strings.ToUpper(name); up != name {
				if r = run("", "get", up); r.code != 0 || r.stdout != tok+"\n" {
					t.Errorf("get %q (other case): want the same token:\n%s", up, r)
				}
			}
			renamed := "x" + string([]rune(name)[:min(len([]rune(name)), 63)])
			w.must(run("", "rename", name, renamed), 0)
			if r = run("", "get", renamed); r.code != 0 || r.stdout != tok+"\n" {
				t.Errorf("get after rename:\n%s", r)
			}
			if r = run("", "get", name); r.code != 1 || !strings.Contains(r.stderr, "no token named") {
				t.Errorf("get the old name after rename: want exit 1 \"no token named\":\n%s", r)
			}
			w.must(run("", "forget", renamed, "--yes"), 0)
			if r = w.must(run("", "list", "--json"), 0); strings.TrimSpace(r.stdout) != "[]" {
				t.Errorf("list after forget: %s", r.stdout)
			}
		})
	}
}

// TestBadInput_BadNames_CLI gives the binary names it must refuse, to add
// and as the new name of a rename.
func TestBadInput_BadNames_CLI(t *testing.T) {
	t.Parallel()
	const pass = "bad names passphrase"
	w := newWorld(t)
	path := newPassVault(t, w.root, pass)
	env := []string{"CXTOKENS_VAULT=" + path, "CXTOKENS_PASSPHRASE=" + pass}
	w.must(w.cliWith(runOpts{stdin: secretFor("good"), env: env}, "add", "good"), 0)
	sum := fileSum(t, path)
	for _, name := range badNames {
		for _, args := range [][]string{{"add", name}, {"rename", "good", name}} {
			r := w.cliWith(runOpts{stdin: secretFor("bad"), env: env}, args...)
			if r.code != 1 || !strings.Contains(r.stderr, "invalid token name") {
				t.Errorf("%s %q: want exit 1 saying \"invalid token name\":\n%s", args[0], name, r)
			}
			for _, c := range []string{"\x1b", "\r", "\a", "\u202e", "\u200f", "\u200b", "\xff"} {
				if strings.Contains(name, c) && strings.Contains(r.stderr, c) {
					t.Errorf("%s %q: the message echoes the raw character %q to the terminal", args[0], name, c)
				}
			}
			if fileSum(t, path) != sum {
				t.Fatalf("%s %q changed the vault", args[0], name)
			}
		}
	}
	// NUL cannot travel in argv; the desktop app's path takes it.
	svc := tokens.New(tokens.Options{VaultPath: path, Passphrase: func() ([]byte, error) { return []byte(pass), nil }})
	t.Cleanup(func() { svc.Close() })
	for _, name := range append([]string{"nul\x00inside", "\x00", ""}, badNames...) {
		if _, _, err := svc.Add(t.Context(), tokens.AddInput{Name: name, Token: secretFor("bad")}); !errors.Is(err, vault.ErrInvalidName) {
			t.Errorf("Service.Add(%q): %v, want vault.ErrInvalidName", name, err)
		}
	}
	if fileSum(t, path) != sum {
		t.Error("refused names changed the vault")
	}
}

// TestBadInput_OddTokens_CLI pipes odd token values to `cxtokens add`.
// Surrounding whitespace, line breaks and a byte-order mark are trimmed;
// anything else odd inside is refused with exit 1, without echoing the
// value and without touching the vault. A token that is stored although it
// can never be sent (non-ASCII) must not later be reported as a network
// problem.
func TestBadInput_OddTokens_CLI(t *testing.T) {
	t.Parallel()
	const pass = "odd tokens passphrase"
	w := newWorld(t)
	e := newEmu(t, emulator.Options{}, nil)
	tok, _ := e.IssueToken("odd", []string{"storage.read"}, 0)
	w.secret(tok, e.boot)
	path := newPassVault(t, w.root, pass)
	env := []string{"CXTOKENS_VAULT=" + path, "CXTOKENS_PASSPHRASE=" + pass}
	run := func(stdin string, args ...string) result { return w.cliWith(runOpts{stdin: stdin, env: env}, args...) }

	for i, in := range []string{tok + "\n", tok + "\r\n", "\ufeff" + tok, " \t" + tok + " \n\n", "\n" + tok} {
		name := fmt.Sprintf("trimmed-%d", i)
		w.must(run(in, "add", name, "--base-url", e.base), 0)
		if r := w.must(run("", "get", name), 0); r.stdout != tok+"\n" {
			t.Errorf("input %d: the stored token is not the pasted one, trimmed", i)
		}
		w.must(run("", "test", name), 0)
	}
	sum := fileSum(t, path)
	for _, in := range []string{
		"", "   \n\t", tok + " " + tok, tok + "\x00x", "x\ty", tok + "\n" + tok, "Bearer " + tok, "Authorization: Bearer " + tok,
		strings.Repeat("a", tokens.MaxTokenLen+1), "\xff\xfe" + tok, tok + "\u200f", tok[:8] + "\u202e" + tok[8:], "a\x1b[31mb",
	} {
		r := run(in, "add", "refused")
		if r.code != 1 || !strings.Contains(r.stderr, "token") {
			t.Errorf("token input of %d bytes: want exit 1 about the token:\n%s", len(in), w.mask(r.String()))
		}
		if strings.Contains(r.stdout+r.stderr, tok) {
			t.Errorf("token input of %d bytes: the message repeats the token", len(in))
		}
		if strings.Contains(r.stderr, "\x1b") || strings.Contains(r.stderr, "\u202e") {
			t.Errorf("token input of %d bytes: the message echoes a raw control character", len(in))
		}
		if fileSum(t, path) != sum {
			t.Fatalf("a refused token (%d bytes) changed the vault", len(in))
		}
	}

	// Odd but printable: stored with a warning.
	for i, in := range []string{"tøken-ünïcode-ключ", "🔑🔑🔑🔑🔑🔑🔑🔑", "token'with\"quotes$(x)"} {
		name := fmt.Sprintf("odd-%d", i)
		w.secret(in)
		r := run(in, "add", name, "--base-url", e.base)
		if r.code == 1 && strings.Contains(r.stderr, "token") {
			continue // refused outright: also fine
		}
		if r.code != 0 || !strings.Contains(r.stderr, "does not look like a CarrierX token") {
			t.Errorf("odd token %d: want exit 0 with a warning, or a refusal:\n%s", i, w.mask(r.String()))
			continue
		}
		if r = w.must(run("", "get", name), 0); r.stdout != in+"\n" {
			t.Errorf("odd token %d: get printed something else", i)
		}
		// The server would refuse such a token; the person must not be
		// sent to check their network.
		r = run("", "test", name)
		if r.code != 1 || strings.Contains(r.stdout, tokens.OutcomeNetwork.Words()) || strings.Contains(r.stdout, tokens.OutcomeWorks.Words()+" ") {
			t.Errorf("test of odd token %d (non-ASCII: %v): want exit 1 and an outcome about the token, not the network:\n%s", i, strings.ContainsFunc(in, func(c rune) bool { return c > 0x7e }), w.mask(r.String()))
		}
	}
}

// TestBadInput_Locale_CLIStderrClean runs commands under the locales a
// person's shell, a container or a CI runner has. stderr must carry
// cxtokens' own messages only: a toolkit's log lines in front of an error
// bury it, and in scripts they read as failures.
func TestBadInput_Locale_CLIStderrClean(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"C.UTF-8", "C", "POSIX", "en_US.UTF-8", "de_DE.UTF-8", "", "unset"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			env := []string{"CXTOKENS_VAULT=" + filepath.Join(w.root, "none.db")}
			var kept []string
			for _, kv := range w.env {
				if !strings.HasPrefix(kv, "LANG=") && !strings.HasPrefix(kv, "LC_ALL=") {
					kept = append(kept, kv)
				}
			}
			w.env = kept
			if lang != "unset" {
				env = append(env, "LANG="+lang)
			}
			r := w.cliWith(runOpts{env: env}, "list")
			if want := "no tokens yet — add one with `cxtokens add NAME`\n"; r.code != 0 || r.stderr != want {
				t.Errorf("LANG=%s: want exit 0 and only %q on stderr:\n%s", lang, want, r)
			}
			r = w.cliWith(runOpts{env: env}, "get", "nothing")
			if r.code != 1 || !strings.HasPrefix(r.stderr, "cxtokens: ") || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("LANG=%s: want exit 1 and one line starting \"cxtokens: \" on stderr:\n%s", lang, r)
			}
		})
	}
}
