package tokens

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"cxtokens/api"
	"cxtokens/api/emulator"
	"cxtokens/vault"
)

func TestCleanToken(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr error
	}{
		{"plain", "5ebc03d6-8b2b-44ad-bf65-72d4f1491dda", "5ebc03d6-8b2b-44ad-bf65-72d4f1491dda", nil},
		{"trailing newline", "5ebc03d6-8b2b-44ad-bf65-72d4f1491dda\n", "5ebc03d6-8b2b-44ad-bf65-72d4f1491dda", nil},
		{"crlf and spaces", "  \t5ebc03d6-8b2b-44ad-bf65-72d4f1491dda\r\n\r\n", "5ebc03d6-8b2b-44ad-bf65-72d4f1491dda", nil},
		{"bom", "\ufeffabc-token-value", "abc-token-value", nil},
		{"not uuid is fine here", "opaque.jwt-like_value", "opaque.jwt-like_value", nil},
		{"empty", "", "", ErrEmptyToken},
		{"only space", " \n\t ", "", ErrEmptyToken},
		{"inner space", "5ebc03d6 8b2b", "", ErrInvalidToken},
		{"inner newline", "5ebc03d6\n8b2b", "", ErrInvalidToken},
		{"inner tab", "5ebc\t8b2b", "", ErrInvalidToken},
		{"control char", "5ebc\x008b2b", "", ErrInvalidToken},
		{"escape char", "5ebc\x1b[31m", "", ErrInvalidToken},
		{"zero width space", "5ebc\u200b8b2b", "", ErrInvalidToken},
		{"bearer prefix", "Bearer 5ebc03d6-8b2b-44ad-bf65-72d4f1491dda", "", ErrInvalidToken},
		{"header", "Authorization: Bearer x", "", ErrInvalidToken},
		{"bad utf8", "ab\xffcd", "", ErrInvalidToken},
		{"too long", strings.Repeat("a", MaxTokenLen+1), "", ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CleanToken(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("CleanToken err = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("CleanToken = %q, want %q", api.Mask(got), api.Mask(tt.want))
			}
			if in := strings.TrimSpace(tt.in); err != nil && len(in) > 3 && strings.Contains(err.Error(), in) {
				t.Errorf("error repeats the input")
			}
		})
	}
}

func FuzzCleanToken(f *testing.F) {
	for _, s := range []string{"5ebc03d6-8b2b-44ad-bf65-72d4f1491dda\n", " a b ", "\ufeffx", "Bearer x", "ab\xffcd", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := CleanToken(in)
		if err != nil {
			if got != "" {
				t.Fatal("value returned with an error")
			}
			return
		}
		if got == "" || strings.ContainsFunc(got, func(r rune) bool { return r == ' ' || r == '\n' || r < 0x20 }) {
			t.Fatalf("accepted a bad token %q", got)
		}
		again, err := CleanToken(got)
		if err != nil || again != got {
			t.Fatalf("not idempotent")
		}
	})
}

func TestService_Add(t *testing.T) {
	e := mustEnv(t, nil)
	ctx := t.Context()

	r, warns, err := e.svc.Add(ctx, AddInput{Name: "prod", Token: "  " + e.boot + "\r\n", Note: " ci "})
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings for a UUID token: %q", warns)
	}
	if r.Secret != e.boot {
		t.Errorf("stored token mismatch: got %s", api.Mask(r.Secret))
	}
	if r.BaseURL != e.base || r.Note != "ci" || r.ID == "" || r.AddedAt.IsZero() {
		t.Errorf("record = base %q note %q id %q added %v", r.BaseURL, r.Note, r.ID, r.AddedAt)
	}

	t.Run("ErrExists", func(t *testing.T) {
		_, _, err := e.svc.Add(ctx, AddInput{Name: "PROD", Token: randomUUID(t)})
		if !errors.Is(err, vault.ErrExists) {
			t.Fatalf("duplicate name: err = %v, want ErrExists", err)
		}
	})
	t.Run("NotUUIDWarns", func(t *testing.T) {
		_, warns, err := e.svc.Add(ctx, AddInput{Name: "odd", Token: "not-a-uuid-but-fine"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(warns, WarnNotUUID) {
			t.Errorf("warnings = %q, want the not-UUID warning", warns)
		}
	})
	t.Run("SameSecretWarns", func(t *testing.T) {
		_, warns, err := e.svc.Add(ctx, AddInput{Name: "prod-again", Token: e.boot})
		if err != nil {
			t.Fatal(err)
		}
		if len(warns) != 1 || !strings.Contains(warns[0], `"prod"`) {
			t.Errorf("warnings = %q, want one naming prod", warns)
		}
	})
	t.Run("Refused", func(t *testing.T) {
		for _, in := range []AddInput{
			{Name: "a", Token: "in ner"},
			{Name: "b", Token: "\n"},
			{Name: "c", Token: randomUUID(t), BaseURL: "http://example.com/core/v2"},
			{Name: "d", Token: randomUUID(t), BaseURL: "ftp://127.0.0.1/x"},
			{Name: "", Token: randomUUID(t)},
		} {
			if _, _, err := e.svc.Add(ctx, in); err == nil {
				t.Errorf("Add(%q, base %q) succeeded, want an error", in.Name, in.BaseURL)
			}
		}
		recs, err := e.svc.List()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 3 {
			t.Errorf("refused adds changed the vault: %d records, want 3", len(recs))
		}
	})
	t.Run("DefaultBaseURL", func(t *testing.T) {
		svc := New(Options{VaultPath: e.path, Keyring: e.keyring, KDF: cheapKDF})
		defer svc.Close()
		r, _, err := svc.Add(ctx, AddInput{Name: "prod-default", Token: randomUUID(t)})
		if err != nil {
			t.Fatal(err)
		}
		if r.BaseURL != api.DefaultBaseURL {
			t.Errorf("base = %q, want the production default", r.BaseURL)
		}
	})
}

func TestService_VaultLifecycle(t *testing.T) {
	t.Run("PrivateDirectoriesWhateverTheUmask", func(t *testing.T) {
		old := syscall.Umask(0o277)
		defer syscall.Umask(old)
		for _, init := range []bool{false, true} {
			e := mustEnv(t, nil)
			e.path = filepath.Join(filepath.Dir(e.path), "deeper", "vault.db")
			e.svc = e.newService(nil)
			if init {
				if err := e.svc.Init(false, []byte("pass")); err != nil {
					t.Fatalf("Init: %v", err)
				}
			} else {
				e.mustAdd("one", randomUUID(t))
			}
			for _, dir := range []string{filepath.Dir(e.path), filepath.Dir(filepath.Dir(e.path))} {
				if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
					t.Errorf("init %v: %s is %v (%v), want 0700", init, dir, st.Mode().Perm(), err)
				}
			}
		}
	})
	t.Run("ReadsOnMissingVault", func(t *testing.T) {
		e := mustEnv(t, nil)
		recs, err := e.svc.List()
		if err != nil || len(recs) != 0 {
			t.Fatalf("List on no vault = %d, %v; want none, nil", len(recs), err)
		}
		if _, err := e.svc.Get("x"); !errors.Is(err, vault.ErrNotFound) {
			t.Errorf("Get on no vault: %v, want not found", err)
		}
		if _, err := os.Stat(e.path); !os.IsNotExist(err) {
			t.Errorf("a read created the vault file")
		}
	})
	t.Run("FirstWriteCreatesWithKeyring", func(t *testing.T) {
		e := mustEnv(t, nil)
		asked := 0
		svc := e.newService(func() ([]byte, error) { asked++; return nil, errors.New("no") })
		e.svc = svc
		e.mustAdd("one", randomUUID(t))
		st, err := svc.Status()
		if err != nil {
			t.Fatal(err)
		}
		if !st.Keyring || st.Passphrase || st.Count != 1 {
			t.Errorf("status = %+v, want keyring only with 1 token", st)
		}
		if e.keyring.sets == 0 {
			t.Errorf("the data key never reached the keyring")
		}
		// A second Service (another process) opens it through the keyring.
		other := e.newService(func() ([]byte, error) { asked++; return nil, errors.New("no") })
		if _, err := other.Get("one"); err != nil {
			t.Fatal(err)
		}
		if asked != 0 {
			t.Errorf("passphrase asked %d times for a keyring vault", asked)
		}
	})
	t.Run("KeyringUnreachable", func(t *testing.T) {
		e := mustEnv(t, nil)
		e.keyring.setDown(true)
		_, _, err := e.svc.Add(t.Context(), AddInput{Name: "one", Token: randomUUID(t)})
		if !errors.Is(err, vault.ErrKeyringUnavailable) {
			t.Fatalf("err = %v, want ErrKeyringUnavailable", err)
		}
		if !strings.Contains(err.Error(), "cxtokens vault init --passphrase") {
			t.Errorf("error %q does not say to run vault init --passphrase", err)
		}
		if vault.Exists(e.path) {
			t.Errorf("a vault file was left behind")
		}
	})
	t.Run("PassphraseOnly", func(t *testing.T) {
		e := mustEnv(t, nil)
		e.keyring.setDown(true)
		kr, err := e.svc.InitPreferKeyring([]byte("correct horse"))
		if err != nil || kr {
			t.Fatalf("InitPreferKeyring = %v, %v; want passphrase only", kr, err)
		}
		e.mustAdd("one", randomUUID(t))
		asked := 0
		svc := e.newService(func() ([]byte, error) { asked++; return []byte("correct horse"), nil })
		if _, err := svc.Get("one"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.List(); err != nil {
			t.Fatal(err)
		}
		if asked != 1 {
			t.Errorf("passphrase asked %d times, want once", asked)
		}
		wrong := e.newService(func() ([]byte, error) { return []byte("wrong"), nil })
		if _, err := wrong.List(); !errors.Is(err, vault.ErrWrongPassphrase) {
			t.Errorf("wrong passphrase: err = %v", err)
		}
		none := e.newService(nil)
		_, err = none.List()
		if err == nil || !errors.Is(err, ErrNoPassphrase) {
			t.Errorf("no passphrase: err = %v, want ErrNoPassphrase", err)
		}
	})
	t.Run("LockAndUnlockByCallback", func(t *testing.T) {
		e := mustEnv(t, nil)
		if err := e.svc.Init(true, []byte("pw")); err != nil {
			t.Fatal(err)
		}
		asked := 0
		svc := e.newService(func() ([]byte, error) { asked++; return []byte("pw"), nil })
		e.svc = svc
		e.mustAdd("one", randomUUID(t))
		svc.Lock()
		if !svc.Locked() {
			t.Fatal("not locked after Lock")
		}
		if _, err := svc.Get("one"); err != nil {
			t.Fatalf("Get after Lock: %v", err)
		}
		if asked != 1 || svc.Locked() {
			t.Errorf("asked %d, locked %v; want one ask and unlocked", asked, svc.Locked())
		}
	})
	t.Run("Generation", func(t *testing.T) {
		e := mustEnv(t, nil)
		g0, err := e.svc.Generation()
		if err != nil || g0 != 0 {
			t.Fatalf("Generation on no vault = %d, %v", g0, err)
		}
		e.mustAdd("one", randomUUID(t))
		g1, _ := e.svc.Generation()
		other := e.newService(nil)
		if _, _, err := other.Add(t.Context(), AddInput{Name: "two", Token: randomUUID(t)}); err != nil {
			t.Fatal(err)
		}
		g2, err := e.svc.Generation()
		if err != nil || g2 == g1 {
			t.Errorf("generation did not change after another process wrote: %d → %d (%v)", g1, g2, err)
		}
	})
}

func TestService_Test(t *testing.T) {
	e := mustEnv(t, nil)
	ctx := t.Context()
	e.mustAdd("good", e.boot)
	dead, _ := e.mustIssue("dead")
	e.mustAdd("dead", dead)
	// Revoke "dead" on the server behind the vault's back.
	c, _ := api.New(api.Options{BaseURL: e.base})
	if err := c.Revoke(ctx, dead, ""); err != nil {
		t.Fatal(err)
	}
	noStorage, _ := e.mustIssue("sms-only", "sms.manage")
	e.mustAdd("sms-only", noStorage)
	e.mustAdd("unknown", randomUUID(t))

	tests := []struct {
		name   string
		faults emulator.Faults
		want   Outcome
		status int
	}{
		{"good", emulator.Faults{}, OutcomeWorks, 200},
		{"dead", emulator.Faults{}, OutcomeInvalid, 401},
		{"unknown", emulator.Faults{}, OutcomeInvalid, 401},
		{"sms-only", emulator.Faults{}, OutcomeMissingScope, 403},
		{"good", emulator.Faults{RateLimit: 1, RetryAfter: time.Second}, OutcomeRateLimited, 429},
		{"good", emulator.Faults{ServerError: 1}, OutcomeServerError, 500},
		{"good", emulator.Faults{ServerError: 1, ServerStatus: 503}, OutcomeServerError, 503},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+string(tt.want), func(t *testing.T) {
			e.emu.SetFaults(tt.faults)
			defer e.emu.SetFaults(emulator.Faults{})
			rep, err := e.svc.Test(ctx, tt.name)
			if err != nil {
				t.Fatalf("Test: %v", err)
			}
			if rep.Outcome != tt.want || rep.Status != tt.status {
				t.Fatalf("outcome %s (%d), want %s (%d): %s", rep.Outcome, rep.Status, tt.want, tt.status, rep.Detail)
			}
			if rep.Latency <= 0 || rep.At.IsZero() || rep.Detail == "" {
				t.Errorf("report lacks latency/time/detail: %+v", rep)
			}
			if tt.want == OutcomeWorks && rep.Containers < 1 {
				t.Errorf("containers = %d, want the seeded one", rep.Containers)
			}
			if tt.want == OutcomeMissingScope && !strings.Contains(rep.Detail, "storage.read") {
				t.Errorf("missing-scope detail %q does not name the scope", rep.Detail)
			}
			r, err := e.svc.Get(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if r.LastTest == nil || r.LastTest.Outcome != string(tt.want) || r.LastTest.Status != tt.status || !r.LastTest.At.Equal(rep.At) {
				t.Errorf("stored last test = %+v, want %s/%d", r.LastTest, tt.want, tt.status)
			}
		})
	}

	t.Run("Network", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := "http://" + ln.Addr().String() + "/core/v2"
		ln.Close()
		if _, _, err := e.svc.Add(ctx, AddInput{Name: "nowhere", Token: randomUUID(t), BaseURL: closed}); err != nil {
			t.Fatal(err)
		}
		rep, err := e.svc.Test(ctx, "nowhere")
		if err != nil || rep.Outcome != OutcomeNetwork || rep.Status != 0 {
			t.Errorf("closed port: %s (%d), %v; want network error", rep.Outcome, rep.Status, err)
		}
	})
	t.Run("TLS", func(t *testing.T) {
		tlsSrv := httptest.NewUnstartedServer(e.emu)
		tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake is expected
		tlsSrv.StartTLS()                                   // with a certificate nobody trusts
		defer tlsSrv.Close()
		if _, _, err := e.svc.Add(ctx, AddInput{Name: "selfsigned", Token: e.boot, BaseURL: tlsSrv.URL + "/core/v2"}); err != nil {
			t.Fatal(err)
		}
		rep, err := e.svc.Test(ctx, "selfsigned")
		if err != nil || rep.Outcome != OutcomeNetwork || !strings.Contains(rep.Detail, "tls") {
			t.Errorf("self-signed TLS: %s, %q, %v; want a TLS network error", rep.Outcome, rep.Detail, err)
		}
		// The server's CA given as the extra bundle ($CXTOKENS_CA_FILE), with
		// the Service's own client: now the token works.
		ca := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
		trusting := New(Options{VaultPath: e.path, Keyring: e.keyring, KDF: cheapKDF, CAFile: ca})
		defer trusting.Close()
		rep, err = trusting.Test(ctx, "selfsigned")
		if err != nil || rep.Outcome != OutcomeWorks {
			t.Errorf("with the CA bundle: %s, %q, %v; want works", rep.Outcome, rep.Detail, err)
		}
		broken := New(Options{VaultPath: e.path, Keyring: e.keyring, KDF: cheapKDF, CAFile: filepath.Join(t.TempDir(), "missing.pem")})
		defer broken.Close()
		rep, err = broken.Test(ctx, "selfsigned")
		if err != nil || rep.Outcome != OutcomeNetwork || !strings.Contains(rep.Detail, "ca file") {
			t.Errorf("with a missing CA bundle: %s, %q, %v; want a network error naming the CA file", rep.Outcome, rep.Detail, err)
		}
	})
	t.Run("UnknownName", func(t *testing.T) {
		_, err := e.svc.Test(ctx, "nope")
		var un *UnknownNameError
		if !errors.As(err, &un) || un.Name != "nope" {
			t.Errorf("err = %v, want UnknownNameError", err)
		}
	})
}

func TestService_TestMany(t *testing.T) {
	var inflight, peak atomic.Int32
	e := mustEnv(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := inflight.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(20 * time.Millisecond)
			h.ServeHTTP(w, r)
			inflight.Add(-1)
		})
	})
	var names []string
	for i := range 6 {
		n := "t" + string(rune('a'+i))
		e.mustAdd(n, e.boot)
		names = append(names, n)
	}
	names = append(names, "missing")
	reps := e.svc.TestMany(t.Context(), names, 2)
	if len(reps) != len(names) {
		t.Fatalf("%d reports for %d names", len(reps), len(names))
	}
	for i, rep := range reps[:6] {
		if rep.Name != names[i] || rep.Outcome != OutcomeWorks || rep.Err != nil {
			t.Errorf("report %d = %s %s %v", i, rep.Name, rep.Outcome, rep.Err)
		}
	}
	if !errors.Is(reps[6].Err, vault.ErrNotFound) {
		t.Errorf("missing name: err = %v", reps[6].Err)
	}
	if p := peak.Load(); p > 2 {
		t.Errorf("peak concurrency %d, want at most 2", p)
	}
	for _, rep := range reps[:6] {
		r, err := e.svc.Get(rep.Name)
		if err != nil {
			t.Fatal(err)
		}
		if r.LastTest == nil || r.LastTest.Outcome != string(OutcomeWorks) || !r.LastTest.At.Equal(rep.At) {
			t.Errorf("%s: stored test %+v, want the report's", rep.Name, r.LastTest)
		}
	}
	all := e.svc.TestMany(t.Context(), nil, 0)
	if len(all) != 6 {
		t.Errorf("TestMany(nil) tested %d tokens, want 6", len(all))
	}
}

func TestService_Details(t *testing.T) {
	e := mustEnv(t, nil)
	ctx := t.Context()
	e.mustAdd("admin", e.boot)

	rep, err := e.svc.Details(ctx, "admin")
	if err != nil {
		t.Fatalf("Details: %v", err)
	}
	r := rep.Record
	if rep.Via != "" || !r.LastUseLookup {
		t.Errorf("Via = %q, last use is the lookup %v; want itself, and the last use flagged as this lookup", rep.Via, r.LastUseLookup)
	}
	if r.TokenSID == "" || r.PartnerSID != e.emu.Seed().PartnerSID || len(r.Scopes) == 0 {
		t.Errorf("details sid %q partner %q scopes %v", r.TokenSID, r.PartnerSID, r.Scopes)
	}
	if r.Created.IsZero() || !NeverExpires(r.AccessExpires, time.Now()) || r.RefreshExpires.IsZero() {
		t.Errorf("dates created %v expires %v refresh %v", r.Created, r.AccessExpires, r.RefreshExpires)
	}
	if r.LastUsedIP != "127.0.0.1" || r.LastUsed.IsZero() || r.DetailsAt.IsZero() {
		t.Errorf("last used %v from %q, details at %v; want 127.0.0.1", r.LastUsed, r.LastUsedIP, r.DetailsAt)
	}
	stored, _ := e.svc.Get("admin")
	if stored.TokenSID != r.TokenSID || stored.LastUsedIP != "127.0.0.1" || stored.Name != "admin" {
		t.Errorf("details not stored: %+v", stored)
	}
	// The second call goes by sid.
	if _, err := e.svc.Details(ctx, "admin"); err != nil {
		t.Fatalf("Details by sid: %v", err)
	}

	t.Run("Via", func(t *testing.T) {
		tok, sid := e.mustIssue("storage-only", "storage.read")
		e.mustAdd("reader", tok)
		rep, err := e.svc.Details(ctx, "reader")
		if err != nil {
			t.Fatalf("Details: %v", err)
		}
		if rep.Via != "admin" || rep.Record.TokenSID != sid || !slices.Equal(rep.Record.Scopes, []string{"storage.read"}) {
			t.Errorf("via %q sid ok %v scopes %v", rep.Via, rep.Record.TokenSID == sid, rep.Record.Scopes)
		}
	})
	t.Run("KnownHelperLeavesLastUse", func(t *testing.T) {
		// admin's scopes are known now, so it reads the record and the
		// token's own last use (its test) is what the server reports.
		tok, _ := e.mustIssue("self-reader", "storage.read", "oauth.read")
		e.mustAdd("self-reader", tok)
		if _, err := e.svc.Test(ctx, "self-reader"); err != nil {
			t.Fatal(err)
		}
		afterTest := time.Now()
		time.Sleep(20 * time.Millisecond)
		rep, err := e.svc.Details(ctx, "self-reader")
		if err != nil {
			t.Fatalf("Details: %v", err)
		}
		r := rep.Record
		if rep.Via != "admin" || r.LastUseLookup {
			t.Errorf("via %q, last use is the lookup %v; want admin, and a real last use", rep.Via, r.LastUseLookup)
		}
		if r.LastUsed.IsZero() || r.LastUsed.After(afterTest) {
			t.Errorf("last used %v, want the test before %v, not the lookup", r.LastUsed, afterTest)
		}
	})
	t.Run("NoHelper", func(t *testing.T) {
		e2 := mustEnv(t, nil)
		tok, _ := e2.mustIssue("storage-only", "storage.read")
		e2.mustAdd("reader", tok)
		_, err := e2.svc.Details(ctx, "reader")
		var se *ScopeError
		if !errors.As(err, &se) || !errors.Is(err, api.ErrForbidden) || !slices.Contains(se.Need, "oauth.read") {
			t.Errorf("err = %v, want a ScopeError naming oauth.read", err)
		}
	})
	t.Run("Revoked", func(t *testing.T) {
		tok, _ := e.mustIssue("gone")
		e.mustAdd("gone", tok)
		c, _ := api.New(api.Options{BaseURL: e.base})
		if err := c.Revoke(ctx, tok, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Details(ctx, "gone"); !errors.Is(err, api.ErrUnauthorized) {
			t.Errorf("err = %v, want unauthorized", err)
		}
	})
}

func TestService_Create(t *testing.T) {
	e := mustEnv(t, nil)
	ctx := t.Context()
	e.mustAdd("admin", e.boot)

	t.Run("Using", func(t *testing.T) {
		r, err := e.svc.Create(ctx, CreateInput{Name: "ci", Using: "admin", Scopes: []string{"sms.manage", " storage.read "}, ExpiresIn: 90 * 24 * time.Hour})
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		if r.Secret == "" || r.RefreshToken == "" || r.TokenSID == "" || r.BaseURL != e.base {
			t.Errorf("record lacks secret/refresh/sid/base: sid %q base %q", r.TokenSID, r.BaseURL)
		}
		if !slices.Equal(r.Scopes, []string{"sms.manage", "storage.read"}) {
			t.Errorf("scopes = %v", r.Scopes)
		}
		if d := time.Until(r.AccessExpires); d < 89*24*time.Hour || d > 91*24*time.Hour {
			t.Errorf("expires in %v, want ~90 days", d)
		}
		srv, err := e.serverToken(r.TokenSID)
		if err != nil || srv.Name != "ci" || srv.AccessToken != r.Secret {
			t.Errorf("server record name %q err %v (or token mismatch)", srv.Name, err)
		}
		if rep, _ := e.svc.Test(ctx, "ci"); rep.Outcome != OutcomeWorks {
			t.Errorf("new token test: %s", rep.Outcome)
		}
	})
	t.Run("Login", func(t *testing.T) {
		seed := e.emu.Seed()
		r, err := e.svc.Create(ctx, CreateInput{Name: "by-login", Login: seed.Login, Password: seed.Password})
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		if r.BaseURL != e.base || !NeverExpires(r.AccessExpires, time.Now()) {
			t.Errorf("base %q expires %v", r.BaseURL, r.AccessExpires)
		}
	})
	t.Run("WrongPassword", func(t *testing.T) {
		_, err := e.svc.Create(ctx, CreateInput{Name: "nope", Login: e.emu.Seed().Login, Password: "wrong"})
		if !errors.Is(err, api.ErrUnauthorized) || !errors.Is(err, ErrLoginRejected) {
			t.Errorf("err = %v, want unauthorized and login rejected", err)
		}
		if _, err := e.svc.Get("nope"); err == nil {
			t.Errorf("a failed create stored something")
		}
	})
	t.Run("NameTakenBeforeServer", func(t *testing.T) {
		before, _ := api.New(api.Options{BaseURL: e.base})
		list0, err := before.ListTokens(ctx, e.boot)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Create(ctx, CreateInput{Name: "CI", Using: "admin"})
		if !errors.Is(err, vault.ErrExists) {
			t.Fatalf("err = %v, want ErrExists", err)
		}
		list1, _ := before.ListTokens(ctx, e.boot)
		if len(list1) != len(list0) {
			t.Errorf("the server made a token (%d → %d) for a name the vault refuses", len(list0), len(list1))
		}
	})
	t.Run("ManagementTokenLacksScope", func(t *testing.T) {
		tok, _ := e.mustIssue("reader", "storage.read")
		e.mustAdd("reader", tok)
		_, err := e.svc.Create(ctx, CreateInput{Name: "x", Using: "reader"})
		var se *ScopeError
		if !errors.As(err, &se) || se.Name != "reader" || !slices.Contains(se.Need, "oauth.create") {
			t.Errorf("err = %v, want a ScopeError for reader", err)
		}
	})
	t.Run("BadInput", func(t *testing.T) {
		for _, in := range []CreateInput{
			{Name: "x"},
			{Name: "x", Using: "admin", Login: "l"},
			{Name: "x", Using: "missing"},
			{Name: "x", Using: "admin", ExpiresIn: -time.Second},
			{Name: "x", Using: "admin", BaseURL: "https://elsewhere.example/core/v2"},
		} {
			if _, err := e.svc.Create(ctx, in); err == nil {
				t.Errorf("Create(%+v) succeeded", in)
			}
		}
	})
}

func TestService_Rename(t *testing.T) {
	e := mustEnv(t, nil)
	ctx := t.Context()
	e.mustAdd("admin", e.boot)
	r, err := e.svc.Create(ctx, CreateInput{Name: "ci", Using: "admin"})
	if err != nil {
		t.Fatal(err)
	}

	rep, err := e.svc.Rename(ctx, "ci", "ci-2024")
	if err != nil || !rep.Remote || rep.RemoteErr != nil {
		t.Fatalf("Rename = %+v, %v", rep, err)
	}
	if _, err := e.svc.Get("ci"); err == nil {
		t.Errorf("old name still there")
	}
	if got, err := e.svc.Get("ci-2024"); err != nil || got.ID != r.ID {
		t.Errorf("new name: %v", err)
	}
	if srv, err := e.serverToken(r.TokenSID); err != nil || srv.Name != "ci-2024" {
		t.Errorf("server name %q (%v), want ci-2024", srv.Name, err)
	}

	t.Run("LocalOnlyWithoutSID", func(t *testing.T) {
		e.mustAdd("pasted", randomUUID(t))
		rep, err := e.svc.Rename(ctx, "pasted", "pasted-2")
		if err != nil || rep.Remote {
			t.Errorf("Rename = %+v, %v; want local only", rep, err)
		}
	})
	t.Run("ServerRefusesLocalStands", func(t *testing.T) {
		// A token that may not update tokens, and no helper for its base URL.
		e2 := mustEnv(t, nil)
		tok, sid := e2.mustIssue("narrow", "storage.read")
		e2.mustAdd("narrow", tok)
		_, err := e2.svc.update(mustGet(t, e2.svc, "narrow").ID, func(r *vault.Record) { r.TokenSID = sid })
		if err != nil {
			t.Fatal(err)
		}
		rep, err := e2.svc.Rename(ctx, "narrow", "narrow-2")
		if err != nil || !rep.Remote || rep.RemoteErr == nil {
			t.Fatalf("Rename = %+v, %v; want a remote error", rep, err)
		}
		var se *ScopeError
		if !errors.As(rep.RemoteErr, &se) {
			t.Errorf("remote err %v, want ScopeError", rep.RemoteErr)
		}
		if _, err := e2.svc.Get("narrow-2"); err != nil {
			t.Errorf("local rename lost: %v", err)
		}
	})
	t.Run("HelperWhoseScopesAreUnknown", func(t *testing.T) {
		// boot's scopes were never fetched; it may still rename for r3.
		e2 := mustEnv(t, nil)
		e2.mustAdd("boot", e2.boot)
		if _, err := e2.svc.Create(ctx, CreateInput{Name: "r3", Using: "boot", Scopes: []string{"storage.read"}}); err != nil {
			t.Fatal(err)
		}
		if b := mustGet(t, e2.svc, "boot"); len(b.Scopes) != 0 {
			t.Fatalf("boot's scopes are known (%v); the test needs them unknown", b.Scopes)
		}
		rep, err := e2.svc.Rename(ctx, "r3", "r4")
		if err != nil || rep.RemoteErr != nil || rep.Via != "boot" {
			t.Errorf("Rename = %+v, %v; want it renamed on the server through boot", rep, err)
		}
	})
	t.Run("Refused", func(t *testing.T) {
		if _, err := e.svc.Rename(ctx, "ci-2024", "admin"); !errors.Is(err, vault.ErrExists) {
			t.Errorf("rename onto a taken name: %v", err)
		}
		if _, err := e.svc.Rename(ctx, "nope", "x"); !errors.Is(err, vault.ErrNotFound) {
			t.Errorf("rename unknown: %v", err)
		}
		if _, err := e.svc.Rename(ctx, "nope", "nope"); !errors.Is(err, vault.ErrNotFound) {
			t.Errorf("rename unknown to itself: %v", err)
		}
		g0, _ := e.svc.Generation()
		if rep, err := e.svc.Rename(ctx, "ci-2024", "ci-2024"); err != nil || !rep.Unchanged || rep.Remote {
			t.Errorf("rename to the same name = %+v, %v; want unchanged, nothing asked", rep, err)
		}
		if g1, _ := e.svc.Generation(); g1 != g0 {
			t.Errorf("a rename to the same name wrote the vault")
		}
		if _, err := e.svc.Rename(ctx, "ci-2024", ""); !errors.Is(err, vault.ErrInvalidName) {
			t.Errorf("rename to empty: %v", err)
		}
	})
}

func mustGet(t *testing.T, s *Service, name string) vault.Record {
	t.Helper()
	r, err := s.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestService_Revoke(t *testing.T) {
	ctx := t.Context()
	t.Run("Self", func(t *testing.T) {
		e := mustEnv(t, nil)
		tok, _ := e.mustIssue("victim")
		e.mustAdd("victim", tok)
		rep, err := e.svc.Revoke(ctx, "victim", "")
		if err != nil || rep.VerifyStatus != 401 || rep.Using != "" {
			t.Fatalf("Revoke = %+v, %v", rep, err)
		}
		if _, err := e.svc.Get("victim"); !errors.Is(err, vault.ErrNotFound) {
			t.Errorf("still in the vault: %v", err)
		}
		if s := e.testStatus(tok); s != 401 {
			t.Errorf("server answers %d for the revoked token, want 401", s)
		}
	})
	t.Run("Using", func(t *testing.T) {
		e := mustEnv(t, nil)
		e.mustAdd("admin", e.boot)
		tok, _ := e.mustIssue("victim", "storage.read") // cannot revoke itself
		e.mustAdd("victim", tok)
		rep, err := e.svc.Revoke(ctx, "victim", "ADMIN")
		if err != nil || rep.Using != "admin" || rep.VerifyStatus != 401 {
			t.Fatalf("Revoke = %+v, %v", rep, err)
		}
		if e.testStatus(tok) != 401 || e.testStatus(e.boot) != 200 {
			t.Errorf("wrong token revoked")
		}
	})
	t.Run("FallsBackToAStoredManagementToken", func(t *testing.T) {
		// victim may not revoke itself; admin (scopes never fetched) may.
		e := mustEnv(t, nil)
		e.mustAdd("admin", e.boot)
		tok, _ := e.mustIssue("victim", "storage.read")
		e.mustAdd("victim", tok)
		rep, err := e.svc.Revoke(ctx, "victim", "")
		if err != nil || rep.Using != "admin" || !rep.Fallback || rep.VerifyStatus != 401 {
			t.Fatalf("Revoke = %+v, %v; want it revoked through admin", rep, err)
		}
		if e.testStatus(tok) != 401 || e.testStatus(e.boot) != 200 {
			t.Errorf("wrong token revoked")
		}
	})
	t.Run("ServerRefusesNothingRemoved", func(t *testing.T) {
		e := mustEnv(t, nil)
		tok, _ := e.mustIssue("victim", "storage.read")
		e.mustAdd("victim", tok)
		_, err := e.svc.Revoke(ctx, "victim", "")
		var se *ScopeError
		if !errors.As(err, &se) || !slices.Contains(se.Need, "oauth.manage") {
			t.Fatalf("err = %v, want a ScopeError", err)
		}
		if _, err := e.svc.Get("victim"); err != nil {
			t.Errorf("removed although the revoke failed: %v", err)
		}
		if e.testStatus(tok) != 200 {
			t.Errorf("token no longer works")
		}
	})
	t.Run("UnverifiedNothingRemoved", func(t *testing.T) {
		// A server that says 204 to the revoke but does nothing.
		e := mustEnv(t, func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/oauth/revoke") {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				h.ServeHTTP(w, r)
			})
		})
		tok, _ := e.mustIssue("victim")
		e.mustAdd("victim", tok)
		rep, err := e.svc.Revoke(ctx, "victim", "")
		if !errors.Is(err, ErrRevokeUnverified) || rep.VerifyStatus != 200 {
			t.Fatalf("Revoke = %+v, %v; want ErrRevokeUnverified after a 200", rep, err)
		}
		if _, err := e.svc.Get("victim"); err != nil {
			t.Errorf("removed although unverified: %v", err)
		}
	})
	t.Run("AlreadyRevoked", func(t *testing.T) {
		e := mustEnv(t, nil)
		tok, _ := e.mustIssue("victim")
		e.mustAdd("victim", tok)
		c, _ := api.New(api.Options{BaseURL: e.base})
		if err := c.Revoke(ctx, tok, ""); err != nil {
			t.Fatal(err)
		}
		rep, err := e.svc.Revoke(ctx, "victim", "")
		if err != nil || !rep.AlreadyInvalid || rep.VerifyStatus != 401 {
			t.Fatalf("Revoke = %+v, %v", rep, err)
		}
		if _, err := e.svc.Get("victim"); err == nil {
			t.Errorf("dead token kept")
		}
	})
	t.Run("UsingOtherBaseURL", func(t *testing.T) {
		e := mustEnv(t, nil)
		e.mustAdd("victim", randomUUID(t))
		if _, _, err := e.svc.Add(ctx, AddInput{Name: "prodadmin", Token: randomUUID(t), BaseURL: api.DefaultBaseURL}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Revoke(ctx, "victim", "prodadmin"); !errors.Is(err, ErrBaseURLMismatch) {
			t.Errorf("err = %v, want ErrBaseURLMismatch", err)
		}
	})
}

func TestService_Forget(t *testing.T) {
	e := mustEnv(t, nil)
	tok, _ := e.mustIssue("kept")
	e.mustAdd("kept", tok)
	if err := e.svc.Forget("kept"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Get("kept"); err == nil {
		t.Errorf("still stored")
	}
	if e.testStatus(tok) != 200 {
		t.Errorf("forget touched the server")
	}
	if err := e.svc.Forget("kept"); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("second forget: %v", err)
	}
}

func TestService_ExportImport(t *testing.T) {
	ctx := t.Context()
	a := mustEnv(t, nil)
	a.mustAdd("admin", a.boot)
	if _, err := a.svc.Create(ctx, CreateInput{Name: "ci", Using: "admin", Scopes: []string{"sms.manage"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.Test(ctx, "admin"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := a.svc.Export(&buf, []byte("backup pass"))
	if err != nil || n != 2 {
		t.Fatalf("Export = %d, %v", n, err)
	}
	if bytes.Contains(buf.Bytes(), []byte(a.boot)) || !bytes.HasPrefix(buf.Bytes(), []byte("age-encryption.org/v1")) {
		t.Fatalf("export is not an age file, or holds the token in clear")
	}
	file := buf.Bytes()

	b := mustEnv(t, nil)
	rep, err := b.svc.Import(bytes.NewReader(file), []byte("backup pass"))
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if !slices.Equal(rep.Added, []string{"admin", "ci"}) || len(rep.Skipped)+len(rep.Conflicts)+len(rep.Invalid) != 0 {
		t.Errorf("first import = %+v", rep)
	}
	orig, _ := a.svc.Get("ci")
	got, _ := b.svc.Get("ci")
	if got.Secret != orig.Secret || got.RefreshToken != orig.RefreshToken || got.TokenSID != orig.TokenSID ||
		!slices.Equal(got.Scopes, orig.Scopes) || !got.AccessExpires.Equal(orig.AccessExpires) {
		t.Errorf("imported record differs (sid %q vs %q)", got.TokenSID, orig.TokenSID)
	}
	if lt := mustGet(t, b.svc, "admin").LastTest; lt == nil || lt.Outcome != string(OutcomeWorks) {
		t.Errorf("last test not carried over: %+v", lt)
	}

	// Change "ci" in b so the next import conflicts on it and skips admin.
	if err := b.svc.Forget("ci"); err != nil {
		t.Fatal(err)
	}
	b.mustAdd("ci", randomUUID(t))
	b.mustAdd("local-only", randomUUID(t))
	rep, err = b.svc.Import(bytes.NewReader(file), []byte("backup pass"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Added) != 0 || !slices.Equal(rep.Skipped, []string{"admin"}) || !slices.Equal(rep.Conflicts, []string{"ci"}) {
		t.Errorf("second import = %+v", rep)
	}
	if mustGet(t, b.svc, "ci").Secret == orig.Secret {
		t.Errorf("a conflict overwrote the stored token")
	}

	t.Run("WrongPassphrase", func(t *testing.T) {
		_, err := b.svc.Import(bytes.NewReader(file), []byte("nope"))
		if !errors.Is(err, ErrWrongExportPass) {
			t.Errorf("err = %v, want ErrWrongExportPass", err)
		}
	})
	t.Run("NotAnExport", func(t *testing.T) {
		for _, in := range [][]byte{nil, []byte("hello"), file[:len(file)/2]} {
			if _, err := b.svc.Import(bytes.NewReader(in), []byte("backup pass")); err == nil {
				t.Errorf("import of %d junk bytes succeeded", len(in))
			}
		}
	})
	t.Run("EmptyPassphrase", func(t *testing.T) {
		if _, err := a.svc.Export(&bytes.Buffer{}, nil); !errors.Is(err, ErrEmptyPassphrase) {
			t.Errorf("err = %v", err)
		}
	})
}

func FuzzParseExport(f *testing.F) {
	f.Add([]byte(`{"format":"cxtokens-export","version":1,"tokens":[{"name":"a","token":"x","base_url":"https://h/core/v2"}]}`))
	f.Add([]byte(`{"format":"cxtokens-export","version":2}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"format":"cxtokens-export","version":1,"tokens":[{"name":"","token":" a b "}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		toks, err := parseExport(data)
		if err != nil {
			if !errors.Is(err, ErrNotExport) {
				t.Fatalf("error does not wrap ErrNotExport: %v", err)
			}
			return
		}
		for _, tok := range toks {
			r, reason := fromExport(tok)
			if reason == "" && (r.Secret == "" || r.Name == "" || r.BaseURL == "") {
				t.Fatalf("accepted an incomplete entry")
			}
		}
	})
}

func TestRender(t *testing.T) {
	r := vault.Record{Secret: "5ebc03d6-8b2b-44ad-bf65-72d4f1491dda", BaseURL: "https://api.carrierx.com/core/v2"}
	tests := []struct {
		f    Format
		want string
	}{
		{FormatRaw, "5ebc03d6-8b2b-44ad-bf65-72d4f1491dda"},
		{FormatHeader, "Authorization: Bearer 5ebc03d6-8b2b-44ad-bf65-72d4f1491dda"},
		{FormatCurl, `printf 'Authorization: Bearer %s\n' '5ebc03d6-8b2b-44ad-bf65-72d4f1491dda' | curl -sS -H @- 'https://api.carrierx.com/core/v2/storage/containers'`},
		{FormatEnv, "export CARRIERX_TOKEN='5ebc03d6-8b2b-44ad-bf65-72d4f1491dda'\nexport CARRIERX_BASE_URL='https://api.carrierx.com/core/v2'"},
	}
	for _, tt := range tests {
		got, err := Render(r, tt.f)
		if err != nil || got != tt.want {
			t.Errorf("Render(%s) = %q, %v\nwant %q", tt.f, got, err, tt.want)
		}
	}
	if _, err := Render(r, "yaml"); err == nil {
		t.Errorf("unknown format accepted")
	}
	if env := Env(r); !slices.Equal(env, []string{"CARRIERX_TOKEN=" + r.Secret, "CARRIERX_BASE_URL=" + r.BaseURL}) {
		t.Errorf("Env = %q", env)
	}
}

// TestRender_ShellSafe runs the env format through a real shell with a
// token full of characters a shell would otherwise interpret.
func TestRender_ShellSafe(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	r := vault.Record{Secret: `a'b"c$HOME` + "`id`;|&*?\\", BaseURL: "http://127.0.0.1:1/core/v2?x='y'"}
	line, err := Render(r, FormatEnv)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sh, "-c", line+`; printf '%s\n%s' "$CARRIERX_TOKEN" "$CARRIERX_BASE_URL"`).Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != r.Secret+"\n"+r.BaseURL {
		t.Errorf("the shell did not get the exact values back")
	}
	// A stand-in curl prints its arguments, then what came on its stdin:
	// the header, and only there.
	curl, _ := Render(r, FormatCurl)
	out, err = exec.Command(sh, "-c", `curl() { printf '%s\n' "$@"; cat; }; `+curl).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := "-sS\n-H\n@-\n" + r.BaseURL + "/storage/containers\nAuthorization: Bearer " + r.Secret + "\n"
	if string(out) != want {
		t.Errorf("curl arguments or its stdin were not preserved by the shell")
	}
	if _, args, ok := strings.Cut(curl, " | curl "); !ok || strings.Contains(args, r.Secret) {
		t.Errorf("the token is among curl's arguments")
	}
}

func TestDescribeScope(t *testing.T) {
	tests := []struct{ scope, want string }{
		{"sms.manage", "send and manage SMS"},
		{"phonenumber.manage", "manage phone numbers"},
		{"oauth.manage", "create, read and revoke tokens"},
		{"storage.read", "read storage containers and files"},
		{"trunk_groups.trunks.manage", "manage the trunks of trunk groups"},
		{"sms.read", "read SMS"},
		{"phonenumber.read_descendant", "read the phone numbers of sub-partners"},
		{"calls.manage", "manage calls"},
		{"lookup_data.do_thing", "do thing lookup data"},
		{"weird", "weird"},
		{".x", ".x"},
	}
	for _, tt := range tests {
		if got := DescribeScope(tt.scope); got != tt.want {
			t.Errorf("DescribeScope(%q) = %q, want %q", tt.scope, got, tt.want)
		}
	}
	// Every scope in the API reference has its own words, not the fallback.
	for s := range scopeWords {
		if DescribeScope(s) == "" {
			t.Errorf("no words for %q", s)
		}
	}
}

func TestNeverExpires(t *testing.T) {
	now := time.Date(2024, 9, 11, 13, 46, 42, 0, time.UTC)
	tests := []struct {
		exp  time.Time
		want bool
	}{
		{time.Date(2124, 8, 18, 13, 46, 42, 0, time.UTC), true},
		{now.AddDate(51, 0, 0), true},
		{now.AddDate(49, 0, 0), false},
		{now.Add(24 * time.Hour), false},
		{now.Add(-time.Hour), false},
		{time.Time{}, false},
	}
	for _, tt := range tests {
		if got := NeverExpires(tt.exp, now); got != tt.want {
			t.Errorf("NeverExpires(%v) = %v, want %v", tt.exp, got, tt.want)
		}
	}
}

func TestOutcome_Words(t *testing.T) {
	for o, want := range map[Outcome]string{
		OutcomeWorks: "works", OutcomeInvalid: "invalid or revoked", OutcomeMissingScope: "missing scope",
		OutcomeRateLimited: "rate limited", OutcomeServerError: "server error", OutcomeNetwork: "network or TLS error",
	} {
		if got := o.Words(); got != want {
			t.Errorf("%s.Words() = %q, want %q", o, got, want)
		}
	}
}

func TestVaultPath(t *testing.T) {
	t.Setenv("CXTOKENS_VAULT", "/env/vault.db")
	if p, _ := VaultPath("/flag.db"); p != "/flag.db" {
		t.Errorf("flag: %q", p)
	}
	if p, _ := VaultPath(""); p != "/env/vault.db" {
		t.Errorf("env: %q", p)
	}
	t.Setenv("CXTOKENS_VAULT", "")
	t.Setenv("XDG_CONFIG_HOME", "/cfg")
	if p, _ := VaultPath(""); p != "/cfg/cxtokens/vault.db" {
		t.Errorf("default: %q", p)
	}
}

func TestInputs_FormatHidesSecrets(t *testing.T) {
	add := AddInput{Name: "prod", Token: "5ebc03d6-8b2b-44ad-bf65-72d4f1491dda", BaseURL: "https://h/core/v2"}
	create := CreateInput{Name: "ci", Login: "partner", Password: "hunter2-correct-horse"}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x"} {
		for _, v := range []any{add, &add, create, &create, struct{ A AddInput }{add}} {
			out := fmt.Sprintf(f, v)
			if strings.Contains(out, add.Token) || strings.Contains(out, "03d6-8b2b") || strings.Contains(out, create.Password) || strings.Contains(out, "hunter2") {
				t.Errorf("%s of %T shows a secret: %s", f, v, out)
			}
		}
	}
}

func TestMayDo(t *testing.T) {
	invalid := &vault.TestResult{Outcome: string(OutcomeInvalid), Status: 401}
	works := &vault.TestResult{Outcome: string(OutcomeWorks), Status: 200}
	tests := []struct {
		name       string
		r          vault.Record
		may, holds bool
	}{
		{"scopes unknown", vault.Record{}, true, false},
		{"scopes unknown, tested invalid", vault.Record{LastTest: invalid}, false, false},
		{"holds one", vault.Record{Scopes: []string{"sms.manage", "oauth.manage"}, LastTest: works}, true, true},
		{"holds one, tested invalid", vault.Record{Scopes: []string{"oauth.manage"}, LastTest: invalid}, false, true},
		{"holds none", vault.Record{Scopes: []string{"storage.read"}}, false, false},
	}
	for _, tt := range tests {
		if got := MayDo(tt.r, ScopesRevoke); got != tt.may {
			t.Errorf("%s: MayDo = %v, want %v", tt.name, got, tt.may)
		}
		if got := Holds(tt.r, ScopesRevoke); got != tt.holds {
			t.Errorf("%s: Holds = %v, want %v", tt.name, got, tt.holds)
		}
	}
}
