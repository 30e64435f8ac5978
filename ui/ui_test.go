package ui

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/godbus/dbus/v5"

	"cxtokens/api"
	"cxtokens/tokens"
	"cxtokens/vault"
)

func TestUI_Start_FirstRunWhenEmpty(t *testing.T) {
	h := newHarness(t, newFakeService(time.Now))
	if got := h.u.body.Objects[0]; got != h.u.firstRun.content {
		t.Fatal("an empty vault does not show the first-run screen")
	}
	test.Tap(h.u.firstRun.addBtn)
	if !dialogText(h.u.win, "Add a token") {
		t.Error("Add on the first-run screen did not open the add dialog")
	}
}

func TestUI_Add_Listed(t *testing.T) {
	svc := newFakeService(time.Now, "alpha")
	h := newHarness(t, svc)
	d := h.u.showAdd()
	if !d.confirm.Disabled() {
		t.Error("Add token is enabled before a name and token are given")
	}
	test.Type(d.name, "beta")
	test.Type(d.token, "  "+secretFor("beta")+"\n")
	test.Tap(d.confirm)
	if got, want := h.names(), []string{"alpha", "beta"}; !slices.Equal(got, want) {
		t.Fatalf("list = %v, want %v", got, want)
	}
	if r, _ := h.u.record(); r.Name != "beta" {
		t.Errorf("selected %q after adding, want the new token", r.Name)
	}
	if !svc.called("test beta") {
		t.Error("the new token was not tested although “Test after adding” was ticked")
	}
	if d.token.Text != "" {
		t.Error("the token entry still holds the value after adding")
	}
}

// TestUI_Add_TestedAndDetailed adds a token that works: the same job tests it
// and reads its details, and the status line keeps the add's warning.
func TestUI_Add_TestedAndDetailed(t *testing.T) {
	svc := newFakeService(time.Now, "alpha")
	h := newHarness(t, svc)
	d := h.u.showAdd()
	test.Type(d.name, "beta")
	test.Type(d.token, secretFor("alpha")) // the same value as alpha
	test.Tap(d.confirm)
	if !svc.called("details beta") {
		t.Error("the details of a token that works were not read after adding it")
	}
	if got := h.u.detail.sid.Text; got != "sid-beta" {
		t.Errorf("the pane shows sid %q after adding, want the server's", got)
	}
	st := h.u.status.Text
	if !strings.Contains(st, "“beta”: works") || !strings.Contains(st, "already stored as \"alpha\"") {
		t.Errorf("status %q does not give both the test result and the add's warning", st)
	}
}

// TestUI_Add_RejectedOffersForget adds a token the server rejects: the app
// says so in a dialog and forgets it again when asked.
func TestUI_Add_RejectedOffersForget(t *testing.T) {
	svc := newFakeService(time.Now, "alpha")
	svc.outcomes["dead"] = tokens.OutcomeInvalid
	h := newHarness(t, svc)
	d := h.u.showAdd()
	test.Type(d.name, "dead")
	test.Type(d.token, secretFor("dead"))
	test.Tap(d.confirm)
	if svc.called("details dead") {
		t.Error("details were asked for with a rejected token")
	}
	if !dialogText(h.u.win, "does not accept “dead” (HTTP 401)") {
		t.Fatal("a rejected token was added without a dialog saying so")
	}
	test.Tap(dialogButtonByLabel(t, h.u.win, "Forget it"))
	if got, want := h.names(), []string{"alpha"}; !slices.Equal(got, want) {
		t.Errorf("list = %v after Forget it, want %v", got, want)
	}
}

func TestUI_Add_DuplicateKeepsInput(t *testing.T) {
	h := newHarness(t, newFakeService(time.Now, "alpha"))
	d := h.u.showAdd()
	test.Type(d.name, "ALPHA")
	test.Type(d.token, secretFor("x"))
	test.Tap(d.confirm)
	if !dialogText(h.u.win, "Another token already has that name") {
		t.Error("a duplicate name did not explain itself")
	}
	if d.name.Text != "ALPHA" || d.token.Text == "" || d.confirm.Disabled() {
		t.Error("the add dialog lost its input or stayed disabled after a refused add")
	}
}

func TestUI_Test_ShowsResult(t *testing.T) {
	svc := newFakeService(time.Now, "good", "dead")
	svc.outcomes["dead"] = tokens.OutcomeInvalid
	h := newHarness(t, svc)
	h.u.selectName("dead")
	test.Tap(h.u.detail.testBtn)
	if got := h.u.detail.lastTest.Text; !strings.Contains(got, "invalid or revoked") || !strings.Contains(got, "HTTP 401") {
		t.Errorf("last test shows %q", got)
	}
	if r, _ := h.u.record(); dot(r.LastTest) != theme.ColorNameError {
		t.Error("a failed test does not turn the dot red")
	}
	if h.u.detail.testBtn.Disabled() {
		t.Error("the Test button stays disabled after the test")
	}
}

func TestUI_Do_DisablesTriggerWhileRunning(t *testing.T) {
	h := newHarness(t, newFakeService(time.Now, "a"))
	var pending func()
	h.u.run = func(f func()) { pending = f }
	h.u.selectName("a")
	test.Tap(h.u.detail.testBtn)
	if !h.u.detail.testBtn.Disabled() || h.u.activity.Hidden == true || !strings.Contains(h.u.status.Text, "Testing") {
		t.Error("while a test runs the button is enabled or no progress shows")
	}
	pending()
	if h.u.detail.testBtn.Disabled() || !h.u.activity.Hidden {
		t.Error("after the test the button is disabled or progress still shows")
	}
}

func TestUI_RevealAndCopy(t *testing.T) {
	svc := newFakeService(time.Now, "prod")
	h := newHarness(t, svc)
	secret := secretFor("prod")
	if strings.Contains(h.u.detail.token.Text, secret) {
		t.Fatal("the token shows unmasked before Reveal")
	}
	if got, want := h.u.detail.token.Text, api.Mask(secret); got != want {
		t.Errorf("masked token = %q, want %q", got, want)
	}
	test.Tap(h.u.detail.revealBtn)
	if h.u.detail.token.Text != secret {
		t.Error("Reveal did not show the token")
	}
	test.Tap(h.u.detail.revealBtn)
	if h.u.detail.token.Text == secret {
		t.Error("Hide did not mask the token again")
	}

	cb := h.app.Clipboard()
	test.Tap(h.u.detail.copyBtn)
	if cb.Content() != secret {
		t.Fatal("Copy did not put the token on the clipboard")
	}
	h.clock.Advance(29 * time.Second)
	if cb.Content() != secret {
		t.Fatal("the clipboard was cleared before the timeout")
	}
	h.clock.Advance(time.Second)
	if cb.Content() != "" {
		t.Error("the clipboard still holds the token after the timeout")
	}
	if st := h.u.status.Text; !strings.Contains(st, "cleared from the clipboard") {
		t.Errorf("after the clearing the status line still says %q", st)
	}
}

func TestUI_Copy_NotClearedWhenUserCopiedElse(t *testing.T) {
	h := newHarness(t, newFakeService(time.Now, "prod"))
	cb := h.app.Clipboard()
	test.Tap(h.u.detail.copyBtn)
	cb.SetContent("something the user copied")
	h.clock.Advance(time.Minute)
	if cb.Content() != "something the user copied" {
		t.Error("the clipboard guard wiped what the user copied")
	}
	if strings.Contains(h.u.status.Text, "cleared from the clipboard") {
		t.Error("the status line claims a clearing that did not happen")
	}
}

// TestUI_CopyAs_MenuBelowButton taps Copy as and expects its menu just below
// the button, wherever the tap landed on it, and its entries to copy.
func TestUI_CopyAs_MenuBelowButton(t *testing.T) {
	h := newHarness(t, newFakeService(time.Now, "prod"))
	b := h.u.detail.copyAsBtn
	d := fyne.CurrentApp().Driver()
	want := d.AbsolutePositionForObject(b).Add(fyne.NewPos(0, b.Size().Height))
	test.TapAt(b, fyne.NewPos(7, 3))
	menu, ok := h.u.win.Canvas().Focused().(*widget.PopUpMenu)
	if !ok {
		t.Fatalf("Copy as focused %T, want a pop-up menu", h.u.win.Canvas().Focused())
	}
	// Fyne shifts a menu left to keep it in the window, never up or down.
	if got := menu.Position(); got.Y != want.Y || got.X > want.X || got.X+menu.Size().Width < want.X+b.Size().Width/2 {
		t.Errorf("the menu opened at %v (width %v), want just below the button at %v", got, menu.Size().Width, want)
	}
	if len(menu.Items) != len(copyFormats) {
		t.Fatalf("the menu has %d entries, want %d", len(menu.Items), len(copyFormats))
	}
	test.Tap(menu.Items[0].(fyne.Tappable))
	want0, _ := tokens.Render(vault.Record{Secret: secretFor("prod"), BaseURL: "https://api.carrierx.com/core/v2"}, copyFormats[0].format)
	if h.app.Clipboard().Content() != want0 {
		t.Errorf("the menu's first entry put something else on the clipboard")
	}
}

func TestUI_Copy_Formats(t *testing.T) {
	h := newHarness(t, newFakeService(time.Now, "prod"))
	secret := secretFor("prod")
	cb := h.app.Clipboard()
	for _, c := range copyFormats {
		h.u.detail.onCopy(c.format)
		want, _ := tokens.Render(vault.Record{Secret: secret, BaseURL: "https://api.carrierx.com/core/v2"}, c.format)
		if cb.Content() != want {
			t.Errorf("Copy as %s put something else on the clipboard", c.label)
		}
	}
	// A second copy restarts the countdown: the first timer must not clear it.
	h.clock.Advance(20 * time.Second)
	h.u.detail.onCopy(tokens.FormatRaw)
	h.clock.Advance(15 * time.Second)
	if cb.Content() != secret {
		t.Error("an earlier copy's timer cleared a later copy")
	}
}

func TestUI_Lock_ClearsClipboard(t *testing.T) {
	svc := newFakeService(time.Now, "prod")
	svc.passphrase = "pw"
	h := newHarness(t, svc)
	if !h.u.lockable || h.u.lockBtn.Hidden {
		t.Fatal("a passphrase vault offers no Lock")
	}
	test.Tap(h.u.detail.copyBtn)
	test.Tap(h.u.lockBtn)
	if h.app.Clipboard().Content() != "" {
		t.Error("locking left the token on the clipboard")
	}
	if h.u.body.Objects[0] != h.u.lockView.content || len(h.u.all) != 0 {
		t.Fatal("locking did not show the unlock screen or kept the list")
	}
	test.Type(h.u.lockView.pass, "wrong")
	test.Tap(h.u.lockView.unlock)
	if !dialogText(h.u.win, "does not open this vault") {
		t.Error("a wrong passphrase did not say so")
	}
	if h.u.lockView.pass.Text != "" {
		t.Error("the wrong passphrase is still in the field, to be typed onto")
	}
	h.u.lockView.pass.SetText("pw")
	test.Tap(h.u.lockView.unlock)
	if h.u.locked || !slices.Equal(h.names(), []string{"prod"}) {
		t.Error("unlocking did not bring the list back")
	}
}

func TestUI_Quit_ClearsClipboard(t *testing.T) {
	h := newHarness(t, newFakeService(time.Now, "prod"))
	test.Tap(h.u.detail.copyBtn)
	h.u.quit()
	if h.app.Clipboard().Content() != "" {
		t.Error("quitting left the token on the clipboard")
	}
}

func TestUI_AutoLock(t *testing.T) {
	svc := newFakeService(time.Now, "prod")
	svc.passphrase = "pw"
	h := newHarness(t, svc)
	h.clock.Advance(9 * time.Minute)
	h.u.tick(false)
	if h.u.locked {
		t.Fatal("locked before the idle time")
	}
	h.u.search.SetText("p") // activity
	h.clock.Advance(9 * time.Minute)
	h.u.tick(false)
	if h.u.locked {
		t.Fatal("activity did not postpone auto-lock")
	}
	h.clock.Advance(time.Minute)
	h.u.tick(false)
	if !h.u.locked || !svc.Locked() {
		t.Error("not locked after 10 idle minutes")
	}
}

// TestUI_Create_Choices: Create offers the tokens that may create tokens,
// prefers one known to, and waits for at least one scope.
func TestUI_Create_Choices(t *testing.T) {
	svc := newFakeService(time.Now)
	svc.put(vault.Record{Name: "admin", Secret: secretFor("admin"), Scopes: []string{"oauth.manage", "storage.manage"}})
	svc.put(vault.Record{Name: "fresh", Secret: secretFor("fresh")}) // scopes never fetched
	svc.put(vault.Record{Name: "storage-only", Secret: secretFor("storage-only"), Scopes: []string{"storage.read"}})
	svc.put(vault.Record{Name: "dead", Secret: secretFor("dead"), LastTest: &vault.TestResult{Outcome: string(tokens.OutcomeInvalid), Status: 401}})
	h := newHarness(t, svc)
	c := h.u.showCreate()
	if want := []string{"admin", "fresh"}; !slices.Equal(c.using.Options, want) {
		t.Errorf("Create offers %v, want %v (not a token known unable or rejected)", c.using.Options, want)
	}
	if c.using.Selected != "admin" {
		t.Errorf("Create picked %q, want the token known to manage tokens", c.using.Selected)
	}
	test.Type(c.name, "ci")
	if !c.confirm.Disabled() || c.allScope.Checked {
		t.Error("Create is ready before any scope is ticked")
	}
	c.scopes[0].SetChecked(true)
	if c.confirm.Disabled() {
		t.Error("Create stays disabled with a name and a scope")
	}
	c.scopes[0].SetChecked(false)
	c.allScope.SetChecked(true)
	if c.confirm.Disabled() {
		t.Error("Create stays disabled with every scope ticked")
	}
	if in := c.input(); len(in.Scopes) != 0 {
		t.Errorf("every scope sends %v, want none listed (the server's all)", in.Scopes)
	}
}

// TestUI_Revoke_Choices: Revoke with offers the account's tokens that may
// revoke, and picks one known to when this token is known unable.
func TestUI_Revoke_Choices(t *testing.T) {
	svc := newFakeService(time.Now)
	svc.put(vault.Record{Name: "sms", Secret: secretFor("sms"), BaseURL: api.DefaultBaseURL, Scopes: []string{"sms.manage"}})
	svc.put(vault.Record{Name: "admin", Secret: secretFor("admin"), BaseURL: api.DefaultBaseURL, Scopes: []string{"oauth.manage"}})
	svc.put(vault.Record{Name: "dead", Secret: secretFor("dead"), BaseURL: api.DefaultBaseURL, LastTest: &vault.TestResult{Outcome: string(tokens.OutcomeInvalid), Status: 401}})
	svc.put(vault.Record{Name: "other-account", Secret: secretFor("other"), BaseURL: "https://sandbox.example/core/v2", Scopes: []string{"oauth.manage"}})
	h := newHarness(t, svc)
	h.u.selectName("sms")
	d := h.u.confirmRevoke()
	if want := []string{revokeItself, "admin"}; !slices.Equal(d.using.Options, want) {
		t.Errorf("Revoke with offers %v, want %v", d.using.Options, want)
	}
	if d.using.Selected != "admin" {
		t.Errorf("Revoke with picked %q for a token known to lack the scope, want admin", d.using.Selected)
	}
	d.dlg.Hide()
	h.u.selectName("admin")
	if d = h.u.confirmRevoke(); d.using.Selected != revokeItself {
		t.Errorf("Revoke with picked %q for a token that may revoke itself", d.using.Selected)
	}
}

// TestUI_Dialogs_Escape: Escape cancels a dialog from its fields and when
// nothing in it has the focus; Enter in any field of Add submits it.
func TestUI_Dialogs_Escape(t *testing.T) {
	svc := newFakeService(time.Now, "prod")
	h := newHarness(t, svc)
	overlays := func() int { return len(h.u.win.Canvas().Overlays().List()) }

	a := h.u.showAdd()
	test.Type(a.name, "x")
	a.name.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if overlays() != 0 || svc.called("add x") {
		t.Fatal("Escape in the add dialog's name field did not cancel it")
	}

	h.u.selectName("prod")
	h.u.confirmRevoke()
	if h.u.win.Canvas().Focused() != nil {
		t.Fatalf("the revoke dialog focused %T", h.u.win.Canvas().Focused())
	}
	h.u.win.Canvas().(test.WindowlessCanvas).OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if overlays() != 0 || svc.called("revoke prod") {
		t.Fatal("Escape did not cancel the revoke dialog")
	}

	// From a ticked box, a chosen drop-down and a pressed button too.
	escape := &fyne.KeyEvent{Name: fyne.KeyEscape}
	c := h.u.showCreate()
	h.u.win.Canvas().Focus(c.scopes[0])
	h.u.win.Canvas().Focused().TypedKey(escape)
	if overlays() != 0 {
		t.Fatal("Escape on a focused check box did not cancel the create dialog")
	}
	d := h.u.confirmRevoke()
	h.u.win.Canvas().Focus(d.using)
	h.u.win.Canvas().Focused().TypedKey(escape)
	if overlays() != 0 {
		t.Fatal("Escape on a focused drop-down did not cancel the revoke dialog")
	}
	d = h.u.confirmRevoke()
	h.u.win.Canvas().Focus(d.confirm)
	h.u.win.Canvas().Focused().TypedKey(escape)
	if overlays() != 0 || svc.called("revoke prod") {
		t.Fatal("Escape on a focused button did not cancel the revoke dialog")
	}

	a = h.u.showAdd()
	test.Type(a.name, "beta")
	test.Type(a.token, secretFor("beta"))
	a.baseURL.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !svc.called("add beta") {
		t.Error("Enter in the base URL field did not add the token")
	}
}

// TestUI_PasswordEye shows and hides what was typed in a password field.
func TestUI_PasswordEye(t *testing.T) {
	e := newDialogEntry(true)
	eye, ok := e.ActionItem.(*widget.Button)
	if !ok || !e.Password {
		t.Fatal("a password entry has no eye button or shows its text")
	}
	test.Tap(eye)
	if e.Password {
		t.Error("the eye did not show the text")
	}
	test.Tap(eye)
	if !e.Password {
		t.Error("the eye did not hide the text again")
	}
}

func TestUI_Lock_ClosesDialogs(t *testing.T) {
	svc := newFakeService(time.Now, "prod")
	svc.passphrase = "pw"
	h := newHarness(t, svc)

	// Typing in a dialog is activity: auto-lock waits for the person.
	add := h.u.showAdd()
	h.clock.Advance(9 * time.Minute)
	test.Type(add.token, secretFor("pasted"))
	h.clock.Advance(9 * time.Minute)
	h.u.tick(false)
	if h.u.locked {
		t.Fatal("auto-lock came while the add dialog was being filled in")
	}
	create := h.u.showCreate()
	create.auth.SetSelected(authLogin)
	test.Type(create.password, "login-password")

	// Idle long enough: the lock closes both dialogs and empties their
	// secret fields.
	h.clock.Advance(11 * time.Minute)
	h.u.tick(false)
	if !h.u.locked {
		t.Fatal("not locked after the idle time")
	}
	if add.token.Text != "" || create.password.Text != "" {
		t.Error("a pasted token or password survived the lock")
	}
	if n := len(h.u.win.Canvas().Overlays().List()); n != 0 || len(h.u.dialogs) != 0 {
		t.Errorf("%d overlays (%d dialogs) still open after the lock", n, len(h.u.dialogs))
	}
}

func TestUI_AutoLock_NotForKeyringVaults(t *testing.T) {
	h := newHarness(t, newFakeService(time.Now, "prod"))
	h.clock.Advance(time.Hour)
	h.u.tick(false)
	if h.u.locked || !h.u.lockBtn.Hidden {
		t.Error("a keyring vault locked itself or offers Lock")
	}
}

func TestUI_Forget(t *testing.T) {
	svc := newFakeService(time.Now, "a", "b")
	h := newHarness(t, svc)
	h.u.selectName("a")
	test.Tap(h.u.detail.forgetBtn)
	if !dialogText(h.u.win, "NOT revoked") {
		t.Error("the forget confirmation does not say the token stays valid")
	}
	test.Tap(dialogButtonByLabel(t, h.u.win, "Forget (local only)"))
	if got := h.names(); !slices.Equal(got, []string{"b"}) {
		t.Errorf("list after forget = %v", got)
	}
	if svc.called("revoke a") {
		t.Error("forget revoked on the server")
	}
	if !strings.Contains(h.u.status.Text, "still works on the server") {
		t.Errorf("status after forget: %q", h.u.status.Text)
	}

	// A token the server rejected: no claim that it keeps working.
	svc.outcomes["b"] = tokens.OutcomeInvalid
	h.u.selectName("b")
	test.Tap(h.u.detail.testBtn)
	test.Tap(h.u.detail.forgetBtn)
	if dialogText(h.u.win, "keeps working") || !dialogText(h.u.win, "found it invalid") {
		t.Error("the forget confirmation of a rejected token claims it keeps working")
	}
	test.Tap(dialogButtonByLabel(t, h.u.win, "Forget (local only)"))
	if strings.Contains(h.u.status.Text, "still works") {
		t.Errorf("status after forgetting a rejected token: %q", h.u.status.Text)
	}
}

func TestUI_Revoke_Confirm(t *testing.T) {
	svc := newFakeService(time.Now, "a", "b")
	h := newHarness(t, svc)
	h.u.selectName("a")
	test.Tap(h.u.detail.revokeBtn)
	if !dialogText(h.u.win, "on the CarrierX server") {
		t.Error("the revoke confirmation does not say it revokes on the server")
	}
	if svc.called("revoke a") {
		t.Fatal("revoked before confirming")
	}
	test.Tap(dialogButtonByLabel(t, h.u.win, "Revoke on server"))
	if got := h.names(); !slices.Equal(got, []string{"b"}) {
		t.Errorf("list after revoke = %v", got)
	}
	if !strings.Contains(h.u.status.Text, "HTTP 401") {
		t.Errorf("status after revoke = %q", h.u.status.Text)
	}
}

func TestUI_Search_Filters(t *testing.T) {
	svc := newFakeService(time.Now, "prod-eu", "prod-us", "sandbox")
	h := newHarness(t, svc)
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"prod-eu", "prod-us", "sandbox"}},
		{"prod", []string{"prod-eu", "prod-us"}},
		{"PROD-U", []string{"prod-us"}},
		{"carrierx.com", []string{"prod-eu", "prod-us", "sandbox"}},
		{"nothing", nil},
	}
	for _, tt := range tests {
		h.u.search.SetText("")
		test.Type(h.u.search, tt.query)
		if got := h.names(); !slices.Equal(got, tt.want) {
			t.Errorf("search %q shows %v, want %v", tt.query, got, tt.want)
		}
		if tt.want == nil && h.u.noMatch.Hidden {
			t.Errorf("search %q: no “no match” message", tt.query)
		}
		if tt.want != nil {
			if r, ok := h.u.record(); !ok || !slices.Contains(tt.want, r.Name) {
				t.Errorf("search %q: the details show %q, which the list hides", tt.query, r.Name)
			}
		}
	}
}

func TestUI_TrayMenu_Rebuilt(t *testing.T) {
	svc := newFakeService(time.Now, "alpha")
	h := newHarness(t, svc)
	if h.tray.icon == nil {
		t.Error("no tray icon set")
	}
	want := func(step string, names ...string) {
		t.Helper()
		if got := tokenEntries(h.tray.last()); !slices.Equal(got, names) {
			t.Errorf("after %s the tray lists %v, want %v", step, got, names)
		}
	}
	want("start", "alpha")

	d := h.u.showAdd()
	test.Type(d.name, "beta")
	test.Type(d.token, secretFor("beta"))
	test.Tap(d.confirm)
	want("add", "alpha", "beta")

	h.u.selectName("beta")
	r := h.u.showRename()
	r.entry.SetText("gamma")
	test.Tap(r.confirm)
	want("rename", "alpha", "gamma")

	h.u.selectName("alpha")
	h.u.submitForget(h.u.confirmForget())
	want("delete", "gamma")

	// Each token's submenu copies and tests.
	sub := h.tray.last().Items[0].ChildMenu
	var labels []string
	for _, it := range sub.Items {
		labels = append(labels, it.Label)
	}
	if !slices.Equal(labels, []string{"Copy token", "Copy Authorization header", "Test"}) {
		t.Errorf("token submenu = %v", labels)
	}
	sub.Items[1].Action()
	if !strings.HasPrefix(h.app.Clipboard().Content(), "Authorization: Bearer ") {
		t.Error("tray Copy header did not copy a header")
	}
	last := h.tray.last().Items[len(h.tray.last().Items)-1]
	if !last.IsQuit {
		t.Error("the tray menu does not end with Quit")
	}
}

func TestUI_TrayTest_NotifiesFailure(t *testing.T) {
	svc := newFakeService(time.Now, "dead")
	svc.outcomes["dead"] = tokens.OutcomeInvalid
	h := newHarness(t, svc)
	test.AssertNotificationSent(t, &fyne.Notification{
		Title:   "“dead” failed its test: invalid or revoked",
		Content: "the server rejected the token",
	}, func() {
		h.tray.last().Items[0].ChildMenu.Items[2].Action()
	})
	if !svc.called("test dead") {
		t.Error("the tray Test entry did not test")
	}
}

func TestUI_TestAll(t *testing.T) {
	svc := newFakeService(time.Now, "alpha", "beta", "dead")
	svc.outcomes["dead"] = tokens.OutcomeInvalid
	h := newHarness(t, svc)

	test.Tap(h.u.testAllBtn)
	for _, n := range []string{"alpha", "beta", "dead"} {
		if !svc.called("test " + n) {
			t.Errorf("Test all did not test %q", n)
		}
	}
	if got, want := h.u.status.Text, "Tested 3 tokens: 2 work, 1 invalid or revoked."; got != want {
		t.Errorf("status after Test all = %q, want %q", got, want)
	}
	h.u.selectName("dead")
	if r, _ := h.u.record(); dot(r.LastTest) != theme.ColorNameError {
		t.Error("after Test all the failed token's dot is not red")
	}
	if h.u.testAllBtn.Disabled() {
		t.Error("the Test all button stays disabled")
	}

	// From the tray: the outcome comes as a notification naming the failures.
	var entry *fyne.MenuItem
	for _, it := range h.tray.last().Items {
		if it.Label == "Test every token" {
			entry = it
		}
	}
	if entry == nil {
		t.Fatal("the tray has no Test every token entry")
	}
	test.AssertNotificationSent(t, &fyne.Notification{
		Title:   "1 of 3 tokens failed the test",
		Content: "“dead”: invalid or revoked.",
	}, entry.Action)

	svc.outcomes["dead"] = tokens.OutcomeWorks
	test.AssertNotificationSent(t, &fyne.Notification{
		Title:   "Every token works",
		Content: "All 3 tokens answered the test request.",
	}, entry.Action)
}

func TestUI_TestAll_DisablesTriggerWhileRunning(t *testing.T) {
	h := newHarness(t, newFakeService(time.Now, "a", "b"))
	var pending func()
	h.u.run = func(f func()) { pending = f }
	test.Tap(h.u.testAllBtn)
	if !h.u.testAllBtn.Disabled() || !strings.Contains(h.u.status.Text, "Testing every token") {
		t.Error("while Test all runs its button is enabled or no progress shows")
	}
	pending()
	if h.u.testAllBtn.Disabled() {
		t.Error("after Test all its button is still disabled")
	}
}

func TestUI_Close_HidesWithTrayHost(t *testing.T) {
	h := newHarness(t, newFakeService(time.Now, "a"))
	h.host = true
	h.u.onClose()
	if h.u.visible || h.u.quitting {
		t.Error("with a tray host, closing did not just hide the window")
	}
	h.u.showWindow()
	h.host = false
	h.u.onClose()
	if !h.u.quitting {
		t.Error("without a tray host, closing did not quit")
	}
}

func TestUI_ExternalChange_Reloads(t *testing.T) {
	svc := newFakeService(time.Now, "a")
	h := newHarness(t, svc)
	svc.mu.Lock()
	svc.put(vault.Record{Name: "from-cli", Secret: secretFor("from-cli")})
	svc.mu.Unlock()
	h.u.tick(true)
	if got := h.names(); !slices.Equal(got, []string{"a", "from-cli"}) {
		t.Errorf("after a CLI add the list is %v", got)
	}
	if got := tokenEntries(h.tray.last()); !slices.Equal(got, []string{"a", "from-cli"}) {
		t.Errorf("after a CLI add the tray lists %v", got)
	}
}

func TestUI_ExpiryNotification_OncePerDay(t *testing.T) {
	svc := newFakeService(time.Now, "a")
	svc.recs[0].AccessExpires = time.Date(2026, 3, 6, 10, 0, 1, 0, time.Local) // 4 days once the bus was asked, a second in
	svc.recs[0].DetailsAt = time.Date(2026, 3, 1, 0, 0, 0, 0, time.Local)
	a := test.NewTempApp(t)
	clock := &fakeClock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)}
	u := New(a, Options{Store: svc, Editor: svc, Remote: svc, Locker: svc, Tray: &fakeTray{}, TrayHost: func() bool { return false },
		Notifier: func() bool { return true }, Clock: clock, Run: func(f func()) { f() }})
	t.Cleanup(u.stop)
	// The bus is asked about notifications a moment after the start; the
	// expiry notification waits for the answer.
	test.AssertNotificationSent(t, &fyne.Notification{
		Title:   "A token expires soon",
		Content: "“a” in 4 days 0 h. Create a replacement before it stops working.",
	}, func() { u.Start(); clock.Advance(notifierProbeDelay) })
	test.AssertNotificationSent(t, nil, func() {
		clock.Advance(2 * time.Hour)
		u.notifyExpiring()
	})
	test.AssertNotificationSent(t, &fyne.Notification{
		Title:   "A token expires soon",
		Content: "“a” in 2 days 22 h. Create a replacement before it stops working.",
	}, func() {
		clock.Advance(24 * time.Hour)
		u.notifyExpiring()
	})
}

// TestUI_NoNotifier: without a notification service nothing is sent (Fyne
// would print a bus error for each), and an error while the window is in
// the tray brings the window back to say it.
func TestUI_NoNotifier(t *testing.T) {
	svc := newFakeService(time.Now, "a")
	svc.recs[0].AccessExpires = time.Now().Add(72 * time.Hour)
	svc.recs[0].DetailsAt = time.Now()
	a := test.NewTempApp(t)
	clock := &fakeClock{now: time.Now()}
	u := New(a, Options{Store: svc, Editor: svc, Remote: svc, Locker: svc, Tray: &fakeTray{}, TrayHost: func() bool { return true },
		Notifier: func() bool { return false }, Clock: clock, Run: func(f func()) { f() }})
	t.Cleanup(u.stop)
	test.AssertNotificationSent(t, nil, func() {
		u.Start()
		clock.Advance(notifierProbeDelay)
		u.notifyExpiring()
		u.hideWindow()
		u.testToken("a", nil, true)
	})
	u.showError("Vault busy", "Another cxtokens process is using the vault right now.")
	if !u.visible || !dialogText(u.win, "using the vault right now") {
		t.Error("an error while hidden, with no notifications, was not shown in the window")
	}
}

func TestUI_Settings_Saved(t *testing.T) {
	h := newHarness(t, newFakeService(time.Now, "prod"))
	s := h.u.showSettings()
	s.clipboard.SetText("12")
	s.baseURL.SetText("http://127.0.0.1:9999/core/v2")
	s.dlg.Submit()
	if h.u.prefs.clipboardClear() != 12*time.Second || h.u.prefs.defaultBaseURL() != "http://127.0.0.1:9999/core/v2" {
		t.Fatal("settings were not saved")
	}
	test.Tap(h.u.detail.copyBtn)
	h.clock.Advance(12 * time.Second)
	if h.app.Clipboard().Content() != "" {
		t.Error("the clipboard setting was not used")
	}
	if err := s.baseURL.Validator("http://example.org/core/v2"); err == nil {
		t.Error("plain http to a remote host passes the base URL check")
	}
}

// TestUI_Settings_FallbackBaseURLNotStored saves the settings with the base
// URL the app offered (the demo's emulator, on a new port each run): nothing
// is stored, so the next run offers its own emulator, not a dead port.
func TestUI_Settings_FallbackBaseURLNotStored(t *testing.T) {
	h := newHarness(t, newFakeService(time.Now, "prod"))
	h.u.prefs.base = "http://127.0.0.1:41000/core/v2"
	s := h.u.showSettings()
	if s.baseURL.Text != h.u.prefs.base {
		t.Fatalf("settings offer %q, want the app's %q", s.baseURL.Text, h.u.prefs.base)
	}
	s.clipboard.SetText("20")
	s.dlg.Submit()
	if got := h.u.prefs.p.String(prefDefaultBaseURL); got != "" {
		t.Errorf("saving stored the offered base URL %q", got)
	}
	h.u.prefs.base = "http://127.0.0.1:42000/core/v2" // the next run
	if got := h.u.prefs.defaultBaseURL(); got != h.u.prefs.base {
		t.Errorf("the next run offers %q, want its own %q", got, h.u.prefs.base)
	}
	// A base URL the user typed is a choice and is kept; typing the offered
	// one again removes the choice.
	s = h.u.showSettings()
	s.baseURL.SetText("https://sandbox.example/core/v2")
	s.dlg.Submit()
	if got := h.u.prefs.defaultBaseURL(); got != "https://sandbox.example/core/v2" {
		t.Errorf("a chosen base URL was not kept: %q", got)
	}
	s = h.u.showSettings()
	s.baseURL.SetText(h.u.prefs.base)
	s.dlg.Submit()
	if got := h.u.prefs.p.String(prefDefaultBaseURL); got != "" {
		t.Errorf("going back to the offered base URL left %q stored", got)
	}
}

// TestUI_Detail_NewSelectionAtTop scrolls the details of one token down and
// selects another: its details open at the top, not half-way down.
func TestUI_Detail_NewSelectionAtTop(t *testing.T) {
	h := newHarness(t, newFakeService(time.Now, "alpha", "beta"))
	h.u.win.Resize(fyne.NewSize(900, 420)) // short enough for the fields to scroll
	h.u.list.Select(0)
	sc := h.u.detail.scroll
	sc.ScrollToBottom()
	if sc.Offset.Y == 0 {
		t.Fatal("the details did not scroll; the test window is too tall")
	}
	h.u.list.Select(1)
	if sc.Offset.Y != 0 {
		t.Errorf("the new selection opened scrolled to %v", sc.Offset.Y)
	}
	// A refresh of the same token (a test result landing) keeps the place.
	sc.ScrollToBottom()
	y := sc.Offset.Y
	h.u.detail.show()
	if sc.Offset.Y != y {
		t.Errorf("redrawing the same token moved the scroll from %v to %v", y, sc.Offset.Y)
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantTitle string
		wantKnown bool
	}{
		{"vault busy", fmt.Errorf("list: %w", vault.ErrBusy), "Vault busy", true},
		{"unknown name", &tokens.UnknownNameError{Name: "x"}, "Token not found", true},
		{"wrong passphrase", fmt.Errorf("unlock vault: %w", vault.ErrWrongPassphrase), "Wrong passphrase", true},
		{"keyring", fmt.Errorf("open: %w", vault.ErrKeyringUnavailable), "Keyring unavailable", true},
		{"401", &api.Error{Status: 401, Method: "GET", Path: "/storage/containers"}, "Token rejected", true},
		{"scope", &tokens.ScopeError{Name: "ci", Op: "revoke tokens", Need: tokens.ScopesRevoke, Err: &api.Error{Status: 403}}, "Permission missing", true},
		{"timeout", fmt.Errorf("test: %w", api.ErrTimeout), "No answer in time", true},
		{"invalid token", fmt.Errorf("add token %q: %w: it contains a space or line break inside", "x", tokens.ErrInvalidToken), "That is not a token", true},
		{"login rejected", fmt.Errorf("create token %q: %w: %w", "x", tokens.ErrLoginRejected, &api.Error{Status: 401, Method: "POST", Path: "/oauth/token"}), "Login not accepted", true},
		{"invalid base url", fmt.Errorf("add: %w: scheme must be https", api.ErrInvalidURL), "Invalid base URL", true},
		{"unknown", errors.New("disk on fire"), "Something went wrong", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			title, sentence, known := errorMessage(tt.err)
			if title != tt.wantTitle || known != tt.wantKnown {
				t.Errorf("errorMessage = %q, known %v; want %q, %v", title, known, tt.wantTitle, tt.wantKnown)
			}
			if !strings.HasSuffix(sentence, ".") || sentence[0] < 'A' || sentence[0] > 'Z' && !strings.HasPrefix(sentence, "“") {
				t.Errorf("sentence %q is not a sentence", sentence)
			}
		})
	}
	if _, s, _ := errorMessage(fmt.Errorf("add: %w: scheme must be https", api.ErrInvalidURL)); !strings.Contains(s, "scheme must be https") {
		t.Errorf("the base URL sentence lost its reason: %q", s)
	}
	if _, s, _ := errorMessage(fmt.Errorf("add: %w: it contains a space or line break inside", tokens.ErrInvalidToken)); !strings.Contains(s, "space or line break") {
		t.Errorf("the invalid-token sentence lost its reason: %q", s)
	}
}

func TestCheckSession(t *testing.T) {
	up := func(network, addr string) error { return nil }
	down := func(network, addr string) error { return errors.New("connect: connection refused") }
	tests := []struct {
		name    string
		env     map[string]string
		dial    func(network, addr string) error
		wantErr string
	}{
		{"x11 and bus", map[string]string{"DISPLAY": ":0", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, up, ""},
		{"xwayland and bus", map[string]string{"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, up, ""},
		{"wayland without xwayland", map[string]string{"WAYLAND_DISPLAY": "wayland-0", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, up, "needs XWayland"},
		{"no display", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, up, "no display"},
		{"display not running", map[string]string{"DISPLAY": ":77", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, down, `cannot reach the X display ":77" (connect: connection refused)`},
		{"display unparsable", map[string]string{"DISPLAY": "odd", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}, down, ""},
		{"no bus", map[string]string{"DISPLAY": ":0"}, up, "no D-Bus session bus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// uid -1 has no /run/user socket, so only the variable counts.
			err := checkSession(func(k string) string { return tt.env[k] }, -1, tt.dial)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("CheckSession = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestXAddrs(t *testing.T) {
	tests := []struct {
		display string
		want    [][2]string
	}{
		{":0", [][2]string{{"unix", "@/tmp/.X11-unix/X0"}, {"unix", "/tmp/.X11-unix/X0"}}},
		{":1.0", [][2]string{{"unix", "@/tmp/.X11-unix/X1"}, {"unix", "/tmp/.X11-unix/X1"}}},
		{"unix:2", [][2]string{{"unix", "@/tmp/.X11-unix/X2"}, {"unix", "/tmp/.X11-unix/X2"}}},
		{"localhost:10.0", [][2]string{{"tcp", "localhost:6010"}}},
		{"[::1]:3", [][2]string{{"tcp", "[::1]:6003"}}},
		{"odd", nil},
		{":x", nil},
		{":-1", nil},
	}
	for _, tt := range tests {
		if got := xAddrs(tt.display); !slices.Equal(got, tt.want) {
			t.Errorf("xAddrs(%q) = %q, want %q", tt.display, got, tt.want)
		}
	}
}

// TestReachX dials a real listener the way a remote DISPLAY is reached, and
// a closed port the way a display that is not running is.
func TestReachX(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if port <= 6000 {
		ln.Close()
		t.Skipf("loopback port %d is below X's TCP range", port)
	}
	display := "127.0.0.1:" + strconv.Itoa(port-6000)
	if err := reachX(display, dialX); err != nil {
		t.Errorf("reachX(%q) with a listener: %v", display, err)
	}
	ln.Close()
	if err := reachX(display, dialX); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("reachX(%q) after close = %v, want connection refused", display, err)
	}
}

func TestClaimInstance_SecondShowsFirst(t *testing.T) {
	dir := t.TempDir()
	first, err := ClaimInstance("/some/vault.db", dir)
	if err != nil {
		t.Fatal(err)
	}
	shown := make(chan struct{}, 1)
	go first.Serve(func() { shown <- struct{}{} })
	if _, err := ClaimInstance("/some/vault.db", dir); !errors.Is(err, ErrRunning) {
		t.Fatalf("second claim: %v, want ErrRunning", err)
	}
	select {
	case <-shown:
	case <-time.After(5 * time.Second):
		t.Fatal("the first instance was not asked to show its window")
	}
	other, err := ClaimInstance("/other/vault.db", dir)
	if err != nil {
		t.Fatalf("a different vault may run its own instance: %v", err)
	}
	other.Close()
	first.Close()
	again, err := ClaimInstance("/some/vault.db", dir)
	if err != nil {
		t.Fatalf("claim after the first quit: %v", err)
	}
	again.Close()
}

// TestClaimInstance_ThroughALink: the same vault reached through a linked
// directory is the same vault, with or without the file existing yet.
func TestClaimInstance_ThroughALink(t *testing.T) {
	dir, real := t.TempDir(), t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	for _, exists := range []bool{false, true} {
		if exists {
			if err := os.WriteFile(filepath.Join(real, "vault.db"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		first, err := ClaimInstance(filepath.Join(real, "vault.db"), dir)
		if err != nil {
			t.Fatal(err)
		}
		go first.Serve(func() {})
		if _, err := ClaimInstance(filepath.Join(link, "vault.db"), dir); !errors.Is(err, ErrRunning) {
			t.Errorf("file exists %v: a claim through the link got %v, want ErrRunning", exists, err)
		}
		first.Close()
	}
}

func TestFormat(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"span days", span(4*24*time.Hour + 3*time.Hour), "4 days 3 h"},
		{"span hours", span(5*time.Hour + 12*time.Minute), "5 h 12 min"},
		{"span long", span(97 * 24 * time.Hour), "97 days"},
		{"span long, just under", span(90*24*time.Hour - time.Minute), "90 days"},
		{"span long, half a day past", span(90*24*time.Hour + 11*time.Hour), "90 days"},
		{"ago minutes", ago(now.Add(-5*time.Minute), now), "5 min ago"},
		{"ago yesterday", ago(now.Add(-30*time.Hour), now), "yesterday"},
		{"expiry soon", expiryShort(vault.Record{AccessExpires: now.Add(3*24*time.Hour + time.Hour)}, now), "expires in 3 d"},
		{"expiry soon, just created", expiryShort(vault.Record{AccessExpires: now.Add(7*24*time.Hour - time.Second)}, now), "expires in 7 d"},
		{"expired", expiryShort(vault.Record{AccessExpires: now.Add(-time.Hour)}, now), "expired"},
		{"never", expiryLong(vault.Record{AccessExpires: now.AddDate(100, 0, 0)}, now), "never expires (2126)"},
		{"not fetched", expiryLong(vault.Record{}, now), "—"},
		{"unknown", expiryShort(vault.Record{}, now), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// The first-run screen is the one stable screen worth a golden: it is what
// every new user sees first.
func TestUI_FirstRun_Markup(t *testing.T) {
	h := newHarness(t, newFakeService(time.Now))
	test.AssertRendersToMarkup(t, "first_run.xml", h.u.win.Canvas())
}

func TestSessionHasTrayHost(t *testing.T) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Skip("needs a session bus: run it inside scripts/session.sh (make test does)")
	}
	if sessionHasTrayHost() {
		t.Fatal("a tray host is reported on a bus where none runs")
	}
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if reply, err := conn.RequestName(trayWatcher, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v (%v)", trayWatcher, err, reply)
	}
	if !sessionHasTrayHost() {
		t.Error("the tray host that owns the watcher name is not seen")
	}
}

func TestUI_TrayMenu_Capped(t *testing.T) {
	var names []string
	for i := range trayTokens + 5 {
		names = append(names, fmt.Sprintf("token-%03d", i))
	}
	h := newHarness(t, newFakeService(time.Now, names...))
	m := h.tray.last()
	if got := len(tokenEntries(m)); got != trayTokens {
		t.Errorf("the tray lists %d tokens, want %d", got, trayTokens)
	}
	if got := m.Items[trayTokens].Label; got != "5 more in the window…" {
		t.Errorf("after the listed tokens: %q", got)
	}
}
