package ui

import (
	"context"
	"fmt"
	"image/color"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"cxtokens/api"
	"cxtokens/tokens"
)

// width gives wrapped text in a dialog a sensible line length.
func width(w float32, o fyne.CanvasObject) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(w, 1))
	return container.NewStack(r, o)
}

func para(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// hint is secondary text: smaller and quieter than a paragraph, but still
// easy to read in both themes.
func hint(text string) *widget.RichText {
	return hintAligned(text, fyne.TextAlignLeading)
}

func hintAligned(text string, align fyne.TextAlign) *widget.RichText {
	r := widget.NewRichText(&widget.TextSegment{Text: text, Style: widget.RichTextStyle{
		Alignment: align, ColorName: theme.ColorNamePlaceHolder, SizeName: theme.SizeNameCaptionText,
	}})
	r.Wrapping = fyne.TextWrapWord
	return r
}

// showError shows a title and a sentence from errorMessage: a dialog over the
// window, or a notification while the window is hidden in the tray.
func (u *UI) showError(title, sentence string) {
	if !u.visible {
		if u.notify(title, sentence) {
			return
		}
		u.showWindow() // nowhere else to say it
	}
	d := dialog.NewCustomWithoutButtons(title, width(420, para(sentence)), u.win)
	ok := newOKButton(d.Hide)
	d.SetButtons([]fyne.CanvasObject{ok})
	d.SetIcon(theme.ErrorIcon())
	// Enter dismisses it, and the field that was being edited gets the
	// keyboard back, so a typo costs one key press.
	prev := u.win.Canvas().Focused()
	d.SetOnClosed(func() {
		if prev != nil {
			u.win.Canvas().Focus(prev)
		}
	})
	d.Show()
	u.win.Canvas().Focus(ok)
}

// actionDialog is a dialog whose confirm button runs background work: the
// button is the job's trigger, the dialog stays open (and keeps what was
// typed) until the work succeeds.
type actionDialog struct {
	dlg     *dialog.CustomDialog
	confirm *dialogButton
	cancel  *dialogButton
	secrets []*dialogEntry // emptied when the dialog is dismissed by a lock
}

// escapeKey gives Escape to the open dialog. Fyne sends keys to the widget
// with the focus, and a focused field, box, choice or button would keep
// Escape to itself: the dialogs' widgets embed this to hand it on (with
// nothing focused, escapeDialogs takes it).
type escapeKey struct{ escape func() }

func (e *escapeKey) setEscape(f func()) { e.escape = f }

// escaped runs the escape for Escape and reports whether it did.
func (e *escapeKey) escaped(ev *fyne.KeyEvent) bool {
	if ev.Name == fyne.KeyEscape && e.escape != nil {
		e.escape()
		return true
	}
	return false
}

// escaper is a dialog widget that hands Escape on.
type escaper interface{ setEscape(func()) }

// dialogEntry is a text field in a dialog.
type dialogEntry struct {
	widget.Entry
	escapeKey
}

// dialogCheck is a check box in a dialog.
type dialogCheck struct {
	widget.Check
	escapeKey
}

func newDialogCheck(label string, changed func(bool)) *dialogCheck {
	c := &dialogCheck{}
	c.Text, c.OnChanged = label, changed
	c.ExtendBaseWidget(c)
	return c
}

func (c *dialogCheck) TypedKey(ev *fyne.KeyEvent) {
	if !c.escaped(ev) {
		c.Check.TypedKey(ev)
	}
}

// dialogSelect is a drop-down choice in a dialog.
type dialogSelect struct {
	widget.Select
	escapeKey
}

func newDialogSelect(options []string, placeholder string) *dialogSelect {
	s := &dialogSelect{}
	s.Options, s.PlaceHolder = options, placeholder
	s.ExtendBaseWidget(s)
	return s
}

func (s *dialogSelect) TypedKey(ev *fyne.KeyEvent) {
	if !s.escaped(ev) {
		s.Select.TypedKey(ev)
	}
}

// dialogButton is a button of a dialog.
type dialogButton struct {
	widget.Button
	escapeKey
}

func newDialogButton(label string, tapped func()) *dialogButton {
	b := &dialogButton{}
	b.Text, b.OnTapped = label, tapped
	b.ExtendBaseWidget(b)
	return b
}

func (b *dialogButton) TypedKey(ev *fyne.KeyEvent) {
	if !b.escaped(ev) {
		b.Button.TypedKey(ev)
	}
}

// newDialogEntry is widget.NewEntry, or with password widget.NewPasswordEntry
// with a button of our own to show and hide what was typed.
func newDialogEntry(password bool) *dialogEntry {
	e := &dialogEntry{}
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	e.Password = password
	e.ExtendBaseWidget(e)
	if password {
		var eye *widget.Button
		eye = widget.NewButtonWithIcon("", theme.VisibilityOffIcon(), func() {
			e.Password = !e.Password
			if e.Password {
				eye.SetIcon(theme.VisibilityOffIcon())
			} else {
				eye.SetIcon(theme.VisibilityIcon())
			}
			e.Refresh()
		})
		eye.Importance = widget.LowImportance
		e.ActionItem = eye
	}
	return e
}

func (e *dialogEntry) TypedKey(ev *fyne.KeyEvent) {
	if !e.escaped(ev) {
		e.Entry.TypedKey(ev)
	}
}

// cancelOnEscape makes Escape in the widgets cancel a (its own buttons do
// from the start).
func (a *actionDialog) cancelOnEscape(ws ...escaper) {
	for _, w := range ws {
		w.setEscape(a.dlg.Hide)
	}
}

// escapeDialogs is the window's key handler while nothing has the focus:
// Escape cancels the open action dialogs.
func (u *UI) escapeDialogs(ev *fyne.KeyEvent) {
	if ev.Name != fyne.KeyEscape {
		return
	}
	for a := range u.dialogs {
		a.dlg.Hide()
	}
}

// newActionDialog builds the dialog and keeps it among the open ones while
// it shows, so that locking the vault can close it (see closeDialogs).
// Typing in any of typing counts as activity for auto-lock.
func (u *UI) newActionDialog(title, confirm string, content fyne.CanvasObject, onConfirm func(a *actionDialog)) *actionDialog {
	a := &actionDialog{}
	a.dlg = dialog.NewCustomWithoutButtons(title, content, u.win)
	a.cancel = newDialogButton("Cancel", a.dlg.Hide)
	a.confirm = newDialogButton(confirm, func() { u.touch(); onConfirm(a) })
	a.cancelOnEscape(a.cancel, a.confirm)
	a.confirm.Importance = widget.HighImportance
	a.dlg.SetButtons([]fyne.CanvasObject{a.cancel, a.confirm})
	u.dialogs[a] = true
	a.dlg.SetOnClosed(func() { delete(u.dialogs, a) })
	return a
}

// touchOnTyping makes typing in the entries count as activity, so auto-lock
// never pulls a form away from someone filling it in.
func (u *UI) touchOnTyping(entries ...*dialogEntry) {
	for _, e := range entries {
		prev := e.OnChanged
		e.OnChanged = func(s string) {
			u.touch()
			if prev != nil {
				prev(s)
			}
		}
	}
}

// closeDialogs closes every open action dialog, first emptying the fields
// that hold a pasted token or a password: after a lock nothing typed
// before it stays on screen or behind a reveal icon.
func (u *UI) closeDialogs() {
	for a := range u.dialogs {
		for _, e := range a.secrets {
			e.SetText("")
		}
		a.dlg.Hide()
	}
}

// addDialog asks for a token to store.
type addDialog struct {
	*actionDialog
	name    *dialogEntry
	token   *dialogEntry
	baseURL *dialogEntry
	test    *dialogCheck
}

func (u *UI) onAdd() {
	u.touch()
	if u.locked {
		return
	}
	u.showAdd()
}

func (u *UI) showAdd() *addDialog {
	a := &addDialog{
		name:    newDialogEntry(false),
		token:   newDialogEntry(true),
		baseURL: newDialogEntry(false),
		test:    newDialogCheck("Test the token after adding it", nil),
	}
	a.name.SetPlaceHolder("e.g. production or ci-sandbox")
	a.token.SetPlaceHolder("Paste the token here")
	a.baseURL.SetText(u.prefs.defaultBaseURL())
	a.test.SetChecked(true)
	form := widget.NewForm(
		widget.NewFormItem("Name", a.name),
		widget.NewFormItem("Token", a.token),
		widget.NewFormItem("Base URL", a.baseURL),
	)
	form.Items[1].HintText = "From the portal: Account → Security Tokens, reveal the token, copy it."
	form.Items[2].HintText = "Where the token works; it is only ever sent there."
	content := width(460, container.NewVBox(form, a.test))
	a.actionDialog = u.newActionDialog("Add a token", "Add token", content, func(*actionDialog) { u.submitAdd(a) })
	enable := func(string) {
		if strings.TrimSpace(a.name.Text) != "" && strings.TrimSpace(a.token.Text) != "" {
			a.confirm.Enable()
		} else {
			a.confirm.Disable()
		}
	}
	a.name.OnChanged, a.token.OnChanged = enable, enable
	u.touchOnTyping(a.name, a.token, a.baseURL)
	a.secrets = []*dialogEntry{a.token}
	a.cancelOnEscape(a.name, a.token, a.baseURL, a.test)
	submit := func(string) {
		if !a.confirm.Disabled() {
			u.submitAdd(a)
		}
	}
	a.name.OnSubmitted, a.token.OnSubmitted, a.baseURL.OnSubmitted = submit, submit, submit
	enable("")
	a.dlg.Show()
	u.win.Canvas().Focus(a.name)
	return a
}

// submitAdd stores the token and, unless the user unticked it, tests it and
// reads its details, in one job: the status line then tells the whole story
// (a warning from the add is not overwritten by the test's result), and a
// token the server rejects is offered to be forgotten again at once.
func (u *UI) submitAdd(a *addDialog) {
	in := tokens.AddInput{Name: strings.TrimSpace(a.name.Text), Token: a.token.Text, BaseURL: strings.TrimSpace(a.baseURL.Text)}
	testAfter := a.test.Checked
	j := job{label: "Adding “" + in.Name + "”…", trigger: a.confirm, action: "add token"}
	if testAfter {
		j.label, j.timeout = "Adding and testing “"+in.Name+"”…", networkTimeout
	}
	u.do(j, func(ctx context.Context) (func(), error) {
		_, warnings, err := u.edit.Add(ctx, in)
		if err != nil {
			return nil, err
		}
		var (
			rep     tokens.TestReport
			tested  bool
			testErr error
		)
		if testAfter {
			rep, testErr = u.remote.Test(ctx, in.Name)
			tested = testErr == nil
			if tested && rep.Outcome == tokens.OutcomeWorks {
				// Best effort: the pane says when details are missing, and
				// Refresh details reports why.
				_, _ = u.remote.Details(ctx, in.Name)
			}
		}
		recs, gen, err := u.loadRecords()
		if err != nil {
			return nil, err
		}
		return func() {
			a.token.SetText("") // the field has done its job; don't keep the value on screen
			a.dlg.Hide()
			u.setRecords(recs, gen)
			u.selectName(in.Name)
			msg := "Added “" + in.Name + "”."
			switch {
			case tested:
				msg += " " + testStatus(rep)
			case testErr != nil:
				_, sentence, _ := errorMessage(testErr)
				msg += " It could not be tested: " + sentence
			}
			if len(warnings) > 0 {
				msg += " Note: " + strings.Join(warnings, "; ") + "."
			}
			u.setStatus(msg)
			if tested && rep.Outcome == tokens.OutcomeInvalid {
				u.offerForgetRejected(in.Name, rep)
			}
		}, nil
	})
}

// offerForgetRejected tells, right after an add, that the server rejects the
// token, and offers to take it out of the vault again.
func (u *UI) offerForgetRejected(name string, rep tokens.TestReport) {
	msg := "The server does not accept “" + name + "”" + fmt.Sprintf(" (HTTP %d)", rep.Status) +
		": it is invalid, expired or revoked, or belongs to another base URL. It was added anyway. Forget it again?"
	d := &forgetDialog{name: name, rejected: true}
	d.actionDialog = u.newActionDialog("Token rejected", "Forget it", width(440, para(msg)), func(*actionDialog) { u.submitForget(d) })
	d.cancel.SetText("Keep it")
	d.dlg.Show()
}

// knownScopes are the scopes the create dialog offers: the set every
// CarrierX token sample carries (carrierx-core-api.md §3).
var knownScopes = []string{
	"accesscontrol.manage", "endpoints.manage", "oauth.manage", "partners.manage",
	"phonenumber.manage", "push.manage", "shortener.manage", "sms.manage",
	"storage.manage", "trunk_groups.manage", "trunk_groups.trunks.manage",
}

// lifetimes are the create dialog's choices; 0 leaves it to the server.
var lifetimes = []struct {
	label string
	d     time.Duration
}{
	{"1 day", 24 * time.Hour},
	{"7 days", 7 * 24 * time.Hour},
	{"30 days", 30 * 24 * time.Hour},
	{"90 days", 90 * 24 * time.Hour},
	{"1 year", 365 * 24 * time.Hour},
	{"No expiry (the server's default, about 100 years)", 0},
}

const (
	authStored = "A stored token"
	authLogin  = "The account's login and password"
)

// createDialog asks the server for a new token.
type createDialog struct {
	*actionDialog
	name     *dialogEntry
	auth     *widget.RadioGroup
	using    *dialogSelect
	login    *dialogEntry
	password *dialogEntry
	baseURL  *dialogEntry
	allScope *dialogCheck
	scopes   []*dialogCheck
	lifetime *dialogSelect
	byLogin  *fyne.Container
}

func (u *UI) onCreate() {
	u.touch()
	if u.locked {
		return
	}
	u.showCreate()
}

func (u *UI) showCreate() *createDialog {
	c := &createDialog{
		name:     newDialogEntry(false),
		login:    newDialogEntry(false),
		password: newDialogEntry(true),
		baseURL:  newDialogEntry(false),
	}
	c.name.SetPlaceHolder("Name for the new token")
	// Offer the tokens that may create tokens (those known to, and those
	// whose scopes were never fetched), not those known to be unable.
	var names []string
	best := ""
	for _, it := range u.all {
		if !tokens.MayDo(it.rec, tokens.ScopesCreate) {
			continue
		}
		names = append(names, it.rec.Name)
		if best == "" && tokens.Holds(it.rec, tokens.ScopesCreate) {
			best = it.rec.Name
		}
	}
	c.using = newDialogSelect(names, "Choose a token that can manage tokens")
	if best != "" {
		c.using.SetSelected(best)
	}
	c.baseURL.SetText(u.prefs.defaultBaseURL())
	// Login and password share a row, so the dialog fits the window in
	// either mode.
	c.login.SetPlaceHolder("Login")
	c.password.SetPlaceHolder("Password")
	c.byLogin = container.NewVBox(
		container.NewGridWithColumns(2, c.login, c.password),
		container.NewBorder(nil, nil, widget.NewLabel("Base URL"), nil, c.baseURL),
	)
	c.auth = widget.NewRadioGroup([]string{authStored, authLogin}, func(s string) {
		if s == authLogin {
			c.using.Hide()
			c.byLogin.Show()
		} else {
			c.byLogin.Hide()
			c.using.Show()
		}
	})
	c.auth.Required = true
	c.auth.Horizontal = true
	if len(names) > 0 {
		c.auth.SetSelected(authStored)
	} else {
		c.auth.SetSelected(authLogin)
	}

	grid := container.NewGridWithColumns(2)
	for _, s := range knownScopes {
		ch := newDialogCheck(tokens.DescribeScope(s), nil)
		c.scopes = append(c.scopes, ch)
		grid.Add(ch)
	}
	// No scope is ticked at first: the least a token may do is a choice
	// to make, and the API would take "none" as "every scope".
	c.allScope = newDialogCheck("Every scope the account has", func(all bool) {
		for _, ch := range c.scopes {
			if all {
				ch.Disable()
			} else {
				ch.Enable()
			}
		}
		c.enable()
	})
	for _, ch := range c.scopes {
		ch.OnChanged = func(bool) { c.enable() }
	}
	labels := make([]string, len(lifetimes))
	for i, l := range lifetimes {
		labels[i] = l.label
	}
	c.lifetime = newDialogSelect(labels, "Choose a lifetime")
	c.lifetime.SetSelected(lifetimes[3].label)

	form := widget.NewForm(
		widget.NewFormItem("Name", c.name),
		widget.NewFormItem("Authorize with", container.NewVBox(c.auth, c.using, c.byLogin)),
		widget.NewFormItem("Scopes", container.NewVBox(c.allScope, grid)),
		widget.NewFormItem("Lifetime", c.lifetime),
	)
	content := width(680, container.NewVBox(form,
		hint("The new token goes straight into the vault. Tick only the scopes it needs: a leaked token can do only what its scopes allow.")))
	c.actionDialog = u.newActionDialog("Create a token on the server", "Create token", content, func(*actionDialog) { u.submitCreate(c) })
	c.name.OnChanged = func(string) { c.enable() }
	c.enable()
	u.touchOnTyping(c.name, c.login, c.password, c.baseURL)
	c.secrets = []*dialogEntry{c.password}
	c.cancelOnEscape(c.name, c.login, c.password, c.baseURL, c.using, c.allScope, c.lifetime)
	for _, ch := range c.scopes {
		c.cancelOnEscape(ch)
	}
	c.dlg.Show()
	u.win.Canvas().Focus(c.name)
	return c
}

// enable allows Create once the token has a name and at least one scope.
func (c *createDialog) enable() {
	if c.confirm == nil {
		return // still being built
	}
	scoped := c.allScope.Checked
	for _, ch := range c.scopes {
		scoped = scoped || ch.Checked
	}
	if strings.TrimSpace(c.name.Text) != "" && scoped {
		c.confirm.Enable()
	} else {
		c.confirm.Disable()
	}
}

func (c *createDialog) input() tokens.CreateInput {
	in := tokens.CreateInput{Name: strings.TrimSpace(c.name.Text)}
	if c.auth.Selected == authLogin {
		in.Login = strings.TrimSpace(c.login.Text)
		in.Password = c.password.Text
		in.BaseURL = strings.TrimSpace(c.baseURL.Text)
	} else {
		in.Using = c.using.Selected
	}
	if !c.allScope.Checked {
		for i, ch := range c.scopes {
			if ch.Checked {
				in.Scopes = append(in.Scopes, knownScopes[i])
			}
		}
	}
	for _, l := range lifetimes {
		if l.label == c.lifetime.Selected {
			in.ExpiresIn = l.d
		}
	}
	return in
}

func (u *UI) submitCreate(c *createDialog) {
	in := c.input()
	switch {
	case in.Using == "" && in.Login == "":
		u.showError("Who may create it?", "Choose a stored token that can manage tokens, or give the account's login and password.")
		return
	case !c.allScope.Checked && len(in.Scopes) == 0:
		u.showError("No scopes chosen", "Tick the scopes the new token needs, or tick “Every scope the account has”.")
		return
	}
	u.do(job{label: "Creating “" + in.Name + "” on the server…", trigger: c.confirm, timeout: networkTimeout, action: "create token"},
		func(ctx context.Context) (func(), error) {
			rec, err := u.remote.Create(ctx, in)
			if err != nil {
				return nil, err
			}
			recs, gen, err := u.loadRecords()
			if err != nil {
				return nil, err
			}
			return func() {
				c.password.SetText("")
				c.dlg.Hide()
				u.setRecords(recs, gen)
				u.selectName(rec.Name)
				u.setStatus("Created “" + rec.Name + "” on the server and stored it in the vault.")
			}, nil
		})
}

// renameDialog asks for a new name.
type renameDialog struct {
	*actionDialog
	entry *dialogEntry
	old   string
}

func (u *UI) showRename() *renameDialog {
	r, ok := u.record()
	if !ok {
		return nil
	}
	d := &renameDialog{entry: newDialogEntry(false), old: r.Name}
	d.entry.SetText(r.Name)
	note := "The token keeps working; only its name changes, here and on the server."
	if r.TokenSID == "" {
		note = "The token keeps working. Its server-side name stays as it is until you refresh details (the token's sid is not known yet)."
	}
	content := width(420, container.NewVBox(d.entry, hint(note)))
	d.actionDialog = u.newActionDialog("Rename “"+r.Name+"”", "Rename", content, func(*actionDialog) { u.submitRename(d) })
	d.entry.OnSubmitted = func(string) { u.submitRename(d) }
	d.cancelOnEscape(d.entry)
	u.touchOnTyping(d.entry)
	d.dlg.Show()
	u.win.Canvas().Focus(d.entry)
	return d
}

func (u *UI) submitRename(d *renameDialog) {
	newName := strings.TrimSpace(d.entry.Text)
	if newName == d.old {
		d.dlg.Hide()
		return
	}
	u.do(job{label: "Renaming “" + d.old + "”…", trigger: d.confirm, timeout: networkTimeout, action: "rename token"},
		func(ctx context.Context) (func(), error) {
			rep, err := u.edit.Rename(ctx, d.old, newName)
			if err != nil {
				return nil, err
			}
			recs, gen, err := u.loadRecords()
			if err != nil {
				return nil, err
			}
			return func() {
				d.dlg.Hide()
				u.setRecords(recs, gen)
				u.selectName(newName)
				switch {
				case rep.RemoteErr != nil:
					title, sentence, _ := errorMessage(rep.RemoteErr)
					logUnknown("rename token on the server", rep.RemoteErr)
					u.showError("Renamed here only", "“"+newName+"” is renamed in the vault, but the server kept the old name. "+title+": "+sentence)
				case rep.Remote:
					u.setStatus("Renamed “" + d.old + "” to “" + newName + "”, here and on the server.")
				default:
					u.setStatus("Renamed “" + d.old + "” to “" + newName + "” in the vault.")
				}
			}, nil
		})
}

// revokeDialog confirms a server-side revoke.
type revokeDialog struct {
	*actionDialog
	using *dialogSelect
	name  string
}

const revokeItself = "The token itself"

func (u *UI) confirmRevoke() *revokeDialog {
	r, ok := u.record()
	if !ok {
		return nil
	}
	d := &revokeDialog{name: r.Name}
	// Other tokens of the account that may revoke; when this one is known
	// to lack the scope, the first known to hold it is chosen for it.
	opts, pick := []string{revokeItself}, revokeItself
	for _, it := range u.all {
		if it.rec.ID == r.ID || it.rec.BaseURL != r.BaseURL || !tokens.MayDo(it.rec, tokens.ScopesRevoke) {
			continue
		}
		opts = append(opts, it.rec.Name)
		if pick == revokeItself && len(r.Scopes) > 0 && !tokens.Holds(r, tokens.ScopesRevoke) && tokens.Holds(it.rec, tokens.ScopesRevoke) {
			pick = it.rec.Name
		}
	}
	d.using = newDialogSelect(opts, "")
	d.using.SetSelected(pick)
	base := r.BaseURL
	if base == "" {
		base = api.DefaultBaseURL
	}
	msg := "This revokes “" + r.Name + "” on the CarrierX server (" + host(base) + "). Anything that uses it stops working at once, and this cannot be undone. " +
		"cxtokens then checks that the server rejects it and removes it from this vault."
	content := width(460, container.NewVBox(para(msg),
		widget.NewForm(widget.NewFormItem("Revoke with", d.using)),
		hint("Another stored token of the same account can revoke this one, for example when this one lacks the permission.")))
	d.actionDialog = u.newActionDialog("Revoke on the server?", "Revoke on server", content, func(*actionDialog) { u.submitRevoke(d) })
	d.cancelOnEscape(d.using)
	d.confirm.Importance = widget.DangerImportance
	d.dlg.Show()
	return d
}

func (u *UI) submitRevoke(d *revokeDialog) {
	using := d.using.Selected
	if using == revokeItself {
		using = ""
	}
	u.do(job{label: "Revoking “" + d.name + "” on the server…", trigger: d.confirm, timeout: networkTimeout, action: "revoke token"},
		func(ctx context.Context) (func(), error) {
			rep, err := u.remote.Revoke(ctx, d.name, using)
			if err != nil {
				return nil, err
			}
			recs, gen, err := u.loadRecords()
			if err != nil {
				return nil, err
			}
			return func() {
				d.dlg.Hide()
				u.setRecords(recs, gen)
				msg := "Revoked “" + d.name + "” on the server"
				if rep.Fallback {
					msg += " with “" + rep.Using + "”, since it may not revoke tokens itself,"
				}
				if rep.VerifyStatus != 0 {
					msg += " (it now gets HTTP " + strconv.Itoa(rep.VerifyStatus) + ")"
				}
				u.setStatus(msg + " and removed it from the vault.")
			}, nil
		})
}

// forgetDialog confirms removing a token locally.
type forgetDialog struct {
	*actionDialog
	name     string
	rejected bool // the server no longer accepts it, as far as we know
}

func (u *UI) confirmForget() *forgetDialog {
	r, ok := u.record()
	if !ok {
		return nil
	}
	d := &forgetDialog{name: r.Name, rejected: tokens.Rejected(r)}
	msg := "This removes “" + r.Name + "” from this computer only. It is NOT revoked: it keeps working on the server for anyone who has a copy. To disable it, use Revoke on server instead."
	if d.rejected {
		msg = "This removes “" + r.Name + "” from this computer only. Its last test found it invalid, expired or revoked on the server, so nothing that works is lost."
	}
	d.actionDialog = u.newActionDialog("Forget locally?", "Forget (local only)", width(440, para(msg)), func(*actionDialog) { u.submitForget(d) })
	d.confirm.Importance = widget.WarningImportance
	d.dlg.Show()
	return d
}

func (u *UI) submitForget(d *forgetDialog) {
	u.do(job{label: "Forgetting “" + d.name + "”…", trigger: d.confirm, action: "forget token"},
		func(context.Context) (func(), error) {
			if err := u.edit.Forget(d.name); err != nil {
				return nil, err
			}
			recs, gen, err := u.loadRecords()
			if err != nil {
				return nil, err
			}
			return func() {
				d.dlg.Hide()
				u.setRecords(recs, gen)
				if d.rejected {
					u.setStatus("Forgot “" + d.name + "” on this computer.")
				} else {
					u.setStatus("Forgot “" + d.name + "” on this computer. It still works on the server.")
				}
			}, nil
		})
}

// okButton is a dialog's only button: Enter and Escape press it as well as
// Space, since there is nothing else they could mean.
type okButton struct {
	widget.Button
}

func newOKButton(tapped func()) *okButton {
	b := &okButton{}
	b.Text, b.OnTapped, b.Importance = "OK", tapped, widget.HighImportance
	b.ExtendBaseWidget(b)
	return b
}

func (b *okButton) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter, fyne.KeyEscape:
		b.Tapped(nil)
	default:
		b.Button.TypedKey(ev)
	}
}
