package ui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"cxtokens/api"
	"cxtokens/tokens"
	"cxtokens/vault"
)

// detailPane shows the selected token and its actions.
type detailPane struct {
	u        *UI
	content  fyne.CanvasObject
	body     *fyne.Container // the details, or the placeholder
	details  fyne.CanvasObject
	empty    fyne.CanvasObject
	revealed bool
	scroll   *container.Scroll // the fields under the token
	shownID  string            // the record shown last, to tell a new selection

	name      *widget.Label
	dot       *widget.Icon
	summary   *widget.Label
	token     *widget.Label
	revealBtn *widget.Button
	copyBtn   *widget.Button
	copyAsBtn *dropButton

	baseURL  *widget.Label
	account  *widget.Label
	sid      *widget.Label
	scopes   *fyne.Container // tags, or a label when unknown
	created  *widget.Label
	expires  *widget.Label
	lastUsed *widget.Label
	lastTest *widget.Label
	note     *widget.Label
	noteKey  *widget.RichText
	added    *widget.Label

	notFetched *widget.RichText

	testBtn    *widget.Button
	refreshBtn *widget.Button
	renameBtn  *widget.Button
	forgetBtn  *widget.Button
	revokeBtn  *widget.Button
}

func newDetailPane(u *UI) *detailPane {
	d := &detailPane{u: u}
	d.name = widget.NewLabel("")
	d.name.SizeName = theme.SizeNameSubHeadingText
	d.name.TextStyle.Bold = true
	d.name.Truncation = fyne.TextTruncateEllipsis
	d.dot = widget.NewIcon(dotIcon(theme.ColorNameDisabled))
	d.summary = widget.NewLabel("")
	d.summary.Truncation = fyne.TextTruncateEllipsis

	// The regular face, not monospace: Fyne parses a whole set of font
	// faces (theme, emoji, system) per text style and keeps them, about
	// 5 MB for a style only this label would use.
	d.token = widget.NewLabel("")
	d.token.Truncation = fyne.TextTruncateEllipsis
	d.revealBtn = widget.NewButtonWithIcon("Reveal", theme.VisibilityIcon(), d.onReveal)
	d.copyBtn = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() { d.onCopy(tokens.FormatRaw) })
	d.copyBtn.Importance = widget.HighImportance
	d.copyAsBtn = newDropButton("Copy as", u.win.Canvas(), d.copyAsMenu)

	value := func() *widget.Label {
		l := widget.NewLabel("")
		l.Wrapping = fyne.TextWrapWord
		l.Selectable = true
		return l
	}
	d.baseURL, d.account, d.sid = value(), value(), value()
	d.scopes = container.New(layout.NewRowWrapLayout())
	d.created, d.expires, d.lastUsed, d.lastTest = value(), value(), value(), value()
	d.note, d.added = value(), value()
	key := keyText
	d.noteKey = key("Note")
	grid := container.New(layout.NewFormLayout(),
		key("Base URL"), d.baseURL,
		key("Account"), d.account,
		key("Token SID"), d.sid,
		key("Scopes"), d.scopes,
		key("Created"), d.created,
		key("Expires"), d.expires,
		key("Last used"), d.lastUsed,
		key("Last test"), d.lastTest,
		d.noteKey, d.note,
		key("In vault"), d.added,
	)

	tokenCard := widget.NewCard("", "", container.NewBorder(nil, nil, nil,
		container.NewHBox(d.revealBtn, d.copyBtn, d.copyAsBtn), d.token))

	header := container.NewBorder(nil, nil, container.NewCenter(d.dot), nil,
		container.New(layout.NewCustomPaddedVBoxLayout(0), d.name, d.summary))

	d.testBtn = widget.NewButtonWithIcon("Test", theme.MediaPlayIcon(), d.onTest)
	d.refreshBtn = widget.NewButtonWithIcon("Refresh details", theme.ViewRefreshIcon(), d.onRefresh)
	d.renameBtn = widget.NewButtonWithIcon("Rename…", theme.DocumentCreateIcon(), d.onRename)
	d.forgetBtn = widget.NewButtonWithIcon("Forget (local only)…", theme.ContentRemoveIcon(), d.onForget)
	d.forgetBtn.Importance = widget.LowImportance
	d.revokeBtn = widget.NewButtonWithIcon("Revoke on server…", theme.DeleteIcon(), d.onRevoke)
	d.revokeBtn.Importance = widget.DangerImportance
	actions := container.NewHBox(d.testBtn, d.refreshBtn, d.renameBtn, layout.NewSpacer(), d.forgetBtn, d.revokeBtn)

	d.notFetched = hint("The server has not been asked about this token yet: Refresh details fills in its account, scopes, expiry and last use.")
	d.scroll = container.NewVScroll(grid)
	d.details = container.NewBorder(
		container.NewVBox(header, tokenCard, d.notFetched),
		container.NewVBox(widget.NewSeparator(), actions),
		nil, nil,
		d.scroll,
	)
	hint := widget.NewLabel("Select a token to see its details.")
	hint.Importance = widget.LowImportance
	d.empty = container.NewCenter(hint)
	d.body = container.NewStack(d.empty)
	d.content = container.NewPadded(d.body)
	return d
}

// show fills the pane from the selected record (or shows the placeholder).
func (d *detailPane) show() {
	r, ok := d.u.record()
	if !ok {
		d.setBody(d.empty)
		return
	}
	d.setBody(d.details)
	if r.ID != d.shownID {
		d.shownID = r.ID
		d.scroll.ScrollToTop() // another token opens at its top
	}
	now := d.u.clock.Now()
	if r.DetailsAt.IsZero() && !tokens.Rejected(r) { // a rejected token cannot ask
		d.notFetched.Show()
	} else {
		d.notFetched.Hide()
	}
	d.name.SetText(r.Name)
	d.dot.SetResource(dotIcon(dot(r.LastTest)))
	d.summary.SetText(summary(r, now))
	if !d.revealed {
		d.token.SetText(d.u.all[d.u.find(r.ID)].mask)
	}
	base := r.BaseURL
	if base == "" {
		base = api.DefaultBaseURL
	}
	d.baseURL.SetText(base)
	d.account.SetText(orUnknown(r.PartnerSID))
	d.sid.SetText(orUnknown(r.TokenSID))
	d.showScopes(r)
	if r.Created.IsZero() {
		d.created.SetText(orUnknown(""))
	} else {
		d.created.SetText(stamp(r.Created))
	}
	d.expires.SetText(expiryLong(r, now))
	switch expiryOf(r, now) {
	case expired:
		d.expires.Importance = widget.DangerImportance
	case expirySoon:
		d.expires.Importance = widget.WarningImportance
	default:
		d.expires.Importance = widget.MediumImportance
	}
	d.expires.Refresh()
	d.lastUsed.SetText(lastUse(r))
	d.lastTest.SetText(testDetail(r.LastTest, now))
	if r.Note == "" {
		d.noteKey.Hide()
		d.note.Hide()
	} else {
		d.note.SetText(r.Note)
		d.noteKey.Show()
		d.note.Show()
	}
	added := "added " + stamp(r.AddedAt)
	if !r.DetailsAt.IsZero() {
		added += " · details from the server " + ago(r.DetailsAt, now)
	}
	d.added.SetText(added)
}

func (d *detailPane) setBody(o fyne.CanvasObject) {
	if d.body.Objects[0] != o {
		d.body.Objects[0] = o
		d.body.Refresh()
	}
}

// conceal hides a revealed token again.
func (d *detailPane) conceal() {
	if !d.revealed {
		return
	}
	d.revealed = false
	d.revealBtn.SetText("Reveal")
	d.revealBtn.SetIcon(theme.VisibilityIcon())
	if i := d.u.find(d.u.selected); i >= 0 {
		d.token.SetText(d.u.all[i].mask)
	} else {
		d.token.SetText("")
	}
}

func orUnknown(s string) string {
	if s == "" {
		return unknown
	}
	return s
}

// summary is the line under the name: the state of the token at a glance.
func summary(r vault.Record, now time.Time) string {
	s := "not tested yet"
	if r.LastTest != nil {
		s = outcomeWords(r.LastTest.Outcome) + " (tested " + ago(r.LastTest.At, now) + ")"
	}
	if e := expiryShort(r, now); e != "" {
		s += " · " + e
	}
	return s + " · " + host(r.BaseURL)
}

// testDetail is the last test in full.
func testDetail(t *vault.TestResult, now time.Time) string {
	s := testLine(t, now)
	if t != nil && t.Detail != "" {
		s += "\n" + t.Detail
	}
	return s
}

func (d *detailPane) onReveal() {
	d.u.touch()
	if d.revealed {
		d.conceal()
		return
	}
	r, ok := d.u.record()
	if !ok {
		return
	}
	d.u.do(job{label: "Reading “" + r.Name + "” from the vault…", trigger: d.revealBtn, action: "reveal token"},
		func(context.Context) (func(), error) {
			full, err := d.u.store.Get(r.Name)
			if err != nil {
				return nil, err
			}
			return func() {
				if cur, ok := d.u.record(); !ok || cur.ID != full.ID {
					return // the selection moved on meanwhile
				}
				d.revealed = true
				d.token.SetText(full.Secret)
				d.revealBtn.SetText("Hide")
				d.revealBtn.SetIcon(theme.VisibilityOffIcon())
			}, nil
		})
}

func (d *detailPane) onCopy(f tokens.Format) {
	if r, ok := d.u.record(); ok {
		d.u.copyToken(r.Name, f, d.copyBtn)
	}
}

// copyFormats are the Copy as choices.
var copyFormats = []struct {
	label  string // menu entry
	as     string // "Copied “x” as …"
	format tokens.Format
}{
	{"Authorization header", "an Authorization header", tokens.FormatHeader},
	{"curl command", "a curl command", tokens.FormatCurl},
	{"Shell export line", "a shell export line", tokens.FormatEnv},
}

func (d *detailPane) copyAsMenu() *fyne.Menu {
	d.u.touch()
	items := make([]*fyne.MenuItem, len(copyFormats))
	for i, c := range copyFormats {
		items[i] = fyne.NewMenuItem(c.label, func() { d.onCopy(c.format) })
	}
	return fyne.NewMenu("", items...)
}

func (d *detailPane) onTest() {
	if r, ok := d.u.record(); ok {
		d.u.testToken(r.Name, d.testBtn, false)
	}
}

func (d *detailPane) onRefresh() {
	d.u.touch()
	r, ok := d.u.record()
	if !ok {
		return
	}
	d.u.do(job{label: "Asking the server about “" + r.Name + "”…", trigger: d.refreshBtn, timeout: networkTimeout, action: "refresh details"},
		func(ctx context.Context) (func(), error) {
			rep, err := d.u.remote.Details(ctx, r.Name)
			if err != nil {
				return nil, err
			}
			recs, gen, err := d.u.loadRecords()
			if err != nil {
				return nil, err
			}
			return func() {
				d.u.setRecords(recs, gen)
				msg := "Details of “" + r.Name + "” refreshed"
				if rep.Via != "" {
					msg += " (read with “" + rep.Via + "”, so the lookup is not a use of this token)"
				}
				d.u.setStatus(msg + ".")
			}, nil
		})
}

func (d *detailPane) onRename() { d.u.touch(); d.u.showRename() }
func (d *detailPane) onForget() { d.u.touch(); d.u.confirmForget() }
func (d *detailPane) onRevoke() { d.u.touch(); d.u.confirmRevoke() }

// copyToken reads a token from the vault and puts it on the clipboard in
// the given format; the clipboard guard clears it later.
func (u *UI) copyToken(name string, f tokens.Format, t trigger) {
	u.touch()
	u.do(job{label: "Reading “" + name + "” from the vault…", trigger: t, action: "copy token"},
		func(context.Context) (func(), error) {
			r, err := u.store.Get(name)
			if err != nil {
				return nil, err
			}
			text, err := tokens.Render(r, f)
			if err != nil {
				return nil, err
			}
			return func() {
				u.clip.copySecret(text)
				what := "Copied “" + name + "”"
				if f != tokens.FormatRaw {
					what += " as " + formatLabel(f)
				}
				u.copyLine = fmt.Sprintf("%s. The clipboard clears in %d s unless you copy something else.", what, int(u.prefs.clipboardClear().Seconds()))
				u.setStatus(u.copyLine)
			}, nil
		})
}

func formatLabel(f tokens.Format) string {
	for _, c := range copyFormats {
		if c.format == f {
			return c.as
		}
	}
	return string(f)
}

// testToken runs the test request. From the tray (fromTray) the result is a
// notification, since the window may be hidden.
func (u *UI) testToken(name string, t trigger, fromTray bool) {
	u.touch()
	u.do(job{label: "Testing “" + name + "”…", trigger: t, timeout: networkTimeout, action: "test token"},
		func(ctx context.Context) (func(), error) {
			rep, err := u.remote.Test(ctx, name)
			if err != nil {
				return nil, err
			}
			recs, gen, err := u.loadRecords()
			if err != nil {
				return nil, err
			}
			return func() {
				u.setRecords(recs, gen)
				u.setStatus(testStatus(rep))
				if fromTray {
					u.notifyTest(rep)
				}
			}, nil
		})
}

// testStatus is a test's result for the status line.
func testStatus(rep tokens.TestReport) string {
	line := "“" + rep.Name + "”: " + rep.Outcome.Words()
	if rep.Status != 0 {
		line += fmt.Sprintf(" (HTTP %d in %s)", rep.Status, millis(rep.Latency))
	}
	return line + "."
}

// showScopes lists the scopes as tags in plain words, or says they are not
// known yet.
func (d *detailPane) showScopes(r vault.Record) {
	var objs []fyne.CanvasObject
	if len(r.Scopes) == 0 {
		objs = append(objs, widget.NewLabel(scopesUnknown(r)))
	}
	for _, s := range r.Scopes {
		objs = append(objs, newTag(tokens.DescribeScope(s)))
	}
	d.scopes.Objects = objs
	d.scopes.Refresh()
}
