package ui

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"cxtokens/api"
	"cxtokens/api/emulator"
	"cxtokens/tokens"
	"cxtokens/vault"
)

// The tests below drive the window against the real stack: a tokens.Service
// on a real vault file, the emulator over HTTP on loopback and, inside
// scripts/session.sh, the real (throw-away) OS keyring.

type stack struct {
	*harness
	emu   *emulator.Server
	base  string
	svc   *tokens.Service
	path  string
	store vault.KeyStore
}

func testKeyring() vault.KeyStore {
	if os.Getenv("CXT_IN_SESSION") != "" {
		return vault.NewSystemKeyring(0)
	}
	return vault.NewMemoryKeyStore() // a plain `go test` never touches the developer's own keyring
}

// newStack starts the emulator and a service on a new vault; setup runs
// before the window opens (to seed or to make a passphrase vault).
func newStack(t *testing.T, setup func(s *stack)) *stack {
	t.Helper()
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	s := &stack{emu: emu, base: srv.URL + emulator.BasePath, path: filepath.Join(t.TempDir(), "vault.db"), store: testKeyring()}
	s.svc = s.service()
	t.Cleanup(func() { s.svc.Close() })
	if setup != nil {
		setup(s)
	}
	s.harness = newHarness(t, s.svc)
	return s
}

// service is another Service on the same vault, as the CLI would have.
func (s *stack) service() *tokens.Service {
	return tokens.New(tokens.Options{
		VaultPath:      s.path,
		Keyring:        s.store,
		DefaultBaseURL: s.base,
		KDF:            vault.KDFParams{Time: 1, Memory: 8 * 1024, Threads: 1},
	})
}

// status is what the server answers the test request made with tok.
func (s *stack) status(t *testing.T, tok string) error {
	t.Helper()
	c, err := api.New(api.Options{BaseURL: s.base})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Test(context.Background(), tok)
	return err
}

func (s *stack) add(t *testing.T, name, tok string) {
	t.Helper()
	d := s.u.showAdd()
	test.Type(d.name, name)
	test.Type(d.token, tok)
	d.baseURL.SetText(s.base)
	test.Tap(d.confirm)
	if d.dlg != nil && dialogText(s.u.win, "Something went wrong") {
		t.Fatalf("adding %q failed", name)
	}
}

func TestE2E_AddTestDetails(t *testing.T) {
	s := newStack(t, nil)
	if s.u.body.Objects[0] != s.u.firstRun.content {
		t.Fatal("a new vault does not show the first-run screen")
	}
	tok, _ := s.emu.IssueToken("laptop", []string{"storage.manage", "oauth.read"}, 10*24*time.Hour)
	s.add(t, "laptop", tok)
	if got := s.names(); !slices.Equal(got, []string{"laptop"}) {
		t.Fatalf("list after add = %v", got)
	}
	// “Test after adding” ran the real test request.
	if got := s.u.detail.lastTest.Text; !strings.HasPrefix(got, "works · HTTP 200") {
		t.Errorf("last test after add = %q", got)
	}
	test.Tap(s.u.detail.refreshBtn)
	r, _ := s.u.record()
	if r.TokenSID == "" || !slices.Contains(r.Scopes, "storage.manage") {
		t.Fatalf("details not filled in: sid %q, scopes %v", r.TokenSID, r.Scopes)
	}
	if got := s.u.detail.expires.Text; !strings.HasPrefix(got, "in 9 days") && !strings.HasPrefix(got, "in 10 days") {
		t.Errorf("expires shows %q for a 10-day token", got)
	}
	if got := s.u.detail.lastUsed.Text; !strings.Contains(got, "from 127.0.0.1") {
		t.Errorf("last used shows %q", got)
	}
	if got := expiryShort(r, time.Now()); got != "expires in 10 d" { // a 10-day token, to the nearest day
		t.Errorf("list warning = %q", got)
	}
}

func TestE2E_TestRevokedToken(t *testing.T) {
	s := newStack(t, nil)
	tok, _ := s.emu.IssueToken("old", nil, 0)
	if err := mustClient(t, s.base).Revoke(context.Background(), tok, ""); err != nil {
		t.Fatal(err)
	}
	s.add(t, "old", tok)
	if got := s.u.detail.lastTest.Text; !strings.HasPrefix(got, "invalid or revoked · HTTP 401") {
		t.Errorf("a revoked token's test shows %q", got)
	}
}

func mustClient(t *testing.T, base string) *api.Client {
	t.Helper()
	c, err := api.New(api.Options{BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestE2E_RevealCopyClear(t *testing.T) {
	s := newStack(t, nil)
	tok, _ := s.emu.IssueToken("prod", nil, 0)
	s.add(t, "prod", tok)
	if s.u.detail.token.Text != api.Mask(tok) {
		t.Error("the token is not shown masked")
	}
	test.Tap(s.u.detail.revealBtn)
	if s.u.detail.token.Text != tok {
		t.Error("Reveal did not show the stored token")
	}
	cb := s.app.Clipboard()
	test.Tap(s.u.detail.copyBtn)
	if cb.Content() != tok {
		t.Fatal("Copy did not put the token on the clipboard")
	}
	s.clock.Advance(defaultClipboardSeconds * time.Second)
	if cb.Content() != "" {
		t.Error("the clipboard still holds the token after the timeout")
	}

	test.Tap(s.u.detail.copyBtn)
	cb.SetContent("notes the user copied")
	s.clock.Advance(defaultClipboardSeconds * time.Second)
	if cb.Content() != "notes the user copied" {
		t.Error("the clipboard guard wiped what the user copied")
	}
}

func TestE2E_RevokeVerified(t *testing.T) {
	s := newStack(t, nil)
	keep, _ := s.emu.IssueToken("keep", nil, 0)
	gone, _ := s.emu.IssueToken("gone", nil, 0)
	s.add(t, "keep", keep)
	s.add(t, "gone", gone)
	s.u.selectName("gone")
	test.Tap(s.u.detail.revokeBtn)
	if !dialogText(s.u.win, "on the CarrierX server") {
		t.Fatal("no confirmation that says it revokes on the server")
	}
	if err := s.status(t, gone); err != nil {
		t.Fatalf("revoked before the confirmation: %v", err)
	}
	test.Tap(dialogButtonByLabel(t, s.u.win, "Revoke on server"))
	if got := s.names(); !slices.Equal(got, []string{"keep"}) {
		t.Errorf("list after revoke = %v", got)
	}
	if err := s.status(t, gone); !errors.Is(err, api.ErrUnauthorized) {
		t.Errorf("the server answers %v for the revoked token, want 401", err)
	}
	if err := s.status(t, keep); err != nil {
		t.Errorf("the other token stopped working: %v", err)
	}
	if !strings.Contains(s.u.status.Text, "HTTP 401") {
		t.Errorf("status after revoke = %q", s.u.status.Text)
	}
}

func TestE2E_ForgetKeepsServerToken(t *testing.T) {
	s := newStack(t, nil)
	tok, _ := s.emu.IssueToken("ci", nil, 0)
	s.add(t, "ci", tok)
	test.Tap(s.u.detail.forgetBtn)
	test.Tap(dialogButtonByLabel(t, s.u.win, "Forget (local only)"))
	if len(s.names()) != 0 || s.u.body.Objects[0] != s.u.firstRun.content {
		t.Error("after forgetting the only token the first-run screen is not back")
	}
	if err := s.status(t, tok); err != nil {
		t.Errorf("forget revoked the token on the server: %v", err)
	}
}

func TestE2E_CreateWithStoredToken(t *testing.T) {
	s := newStack(t, nil)
	admin := s.emu.Seed().Token
	s.add(t, "admin", admin)
	test.Tap(s.u.detail.refreshBtn) // learn its scopes, so Create picks it
	c := s.u.showCreate()
	if c.using.Selected != "admin" {
		t.Errorf("Create offers %q as the authorizing token", c.using.Selected)
	}
	test.Type(c.name, "sms-bot")
	c.allScope.SetChecked(false)
	for i, sc := range knownScopes {
		if sc == "sms.manage" || sc == "storage.manage" {
			c.scopes[i].SetChecked(true)
		}
	}
	test.Tap(c.confirm)
	r, ok := s.u.record()
	if !ok || r.Name != "sms-bot" {
		t.Fatalf("the new token is not selected (got %q)", r.Name)
	}
	if !slices.Equal(slices.Sorted(slices.Values(r.Scopes)), []string{"sms.manage", "storage.manage"}) {
		t.Errorf("new token scopes = %v", r.Scopes)
	}
	full, err := s.svc.Get("sms-bot")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.status(t, full.Secret); err != nil {
		t.Errorf("the created token does not work: %v", err)
	}
}

func TestE2E_RenameAndTray(t *testing.T) {
	s := newStack(t, nil)
	tok, _ := s.emu.IssueToken("a", nil, 0)
	s.add(t, "a", tok)
	test.Tap(s.u.detail.refreshBtn)
	d := s.u.showRename()
	d.entry.SetText("renamed")
	test.Tap(d.confirm)
	if got := tokenEntries(s.tray.last()); !slices.Equal(got, []string{"renamed"}) {
		t.Errorf("tray after rename = %v", got)
	}
	if !strings.Contains(s.u.status.Text, "on the server") {
		t.Errorf("status after rename = %q", s.u.status.Text)
	}
}

func TestE2E_PicksUpCLIChanges(t *testing.T) {
	s := newStack(t, nil)
	tok, _ := s.emu.IssueToken("first", nil, 0)
	s.add(t, "first", tok)

	cli := s.service() // another process's view of the same vault file
	defer cli.Close()
	other, _ := s.emu.IssueToken("from-cli", nil, 0)
	if _, _, err := cli.Add(context.Background(), tokens.AddInput{Name: "from-cli", Token: other, BaseURL: s.base}); err != nil {
		t.Fatal(err)
	}
	s.u.tick(true)
	if got := s.names(); !slices.Equal(got, []string{"first", "from-cli"}) {
		t.Errorf("after a CLI add the list is %v", got)
	}
	if err := cli.Forget("first"); err != nil {
		t.Fatal(err)
	}
	s.u.tick(true)
	if got := tokenEntries(s.tray.last()); !slices.Equal(got, []string{"from-cli"}) {
		t.Errorf("after a CLI forget the tray lists %v", got)
	}
}

func TestE2E_PassphraseVault(t *testing.T) {
	s := newStack(t, func(s *stack) {
		if err := s.svc.Init(false, []byte("correct horse")); err != nil {
			t.Fatal(err)
		}
		tok, _ := s.emu.IssueToken("p", nil, 0)
		if _, _, err := s.svc.Add(context.Background(), tokens.AddInput{Name: "p", Token: tok, BaseURL: s.base}); err != nil {
			t.Fatal(err)
		}
		s.svc.Close() // as a fresh start: the app must ask for the passphrase
	})
	if !s.u.locked || s.u.body.Objects[0] != s.u.lockView.content {
		t.Fatal("a passphrase vault does not open on the unlock screen")
	}
	if got := tokenEntries(s.tray.last()); len(got) != 0 {
		t.Errorf("the locked tray lists tokens: %v", got)
	}
	test.Type(s.u.lockView.pass, "correct horse")
	test.Tap(s.u.lockView.unlock)
	if s.u.locked || !slices.Equal(s.names(), []string{"p"}) {
		t.Fatal("unlocking did not show the list")
	}
	if s.u.lockBtn.Hidden {
		t.Error("an unlocked passphrase vault offers no Lock")
	}
	test.Tap(s.u.detail.copyBtn)
	s.clock.Advance(time.Duration(defaultAutoLockMinutes) * time.Minute)
	s.u.tick(false)
	if !s.u.locked || !s.svc.Locked() {
		t.Error("the vault did not lock after the idle time")
	}
	if s.app.Clipboard().Content() != "" {
		t.Error("auto-lock left the token on the clipboard")
	}
}
