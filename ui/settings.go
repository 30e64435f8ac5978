package ui

import (
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"cxtokens/api"
)

// Preference keys. Fyne keeps preferences in a plain JSON file, so nothing
// secret ever goes here.
const (
	prefClipboardSeconds = "clipboardClearSeconds"
	prefAutoLockMinutes  = "autoLockMinutes"
	prefDefaultBaseURL   = "defaultBaseURL"
	prefStartHidden      = "startHidden"
)

const (
	defaultClipboardSeconds = 30
	defaultAutoLockMinutes  = 10
)

// settings reads the user's choices with their defaults.
type settings struct {
	p    fyne.Preferences
	base string // default base URL when the user set none
}

func (s settings) clipboardClear() time.Duration {
	return time.Duration(s.p.IntWithFallback(prefClipboardSeconds, defaultClipboardSeconds)) * time.Second
}

// autoLock is the idle time before a passphrase vault locks; 0 never.
func (s settings) autoLock() time.Duration {
	return time.Duration(s.p.IntWithFallback(prefAutoLockMinutes, defaultAutoLockMinutes)) * time.Minute
}

func (s settings) defaultBaseURL() string {
	return s.p.StringWithFallback(prefDefaultBaseURL, s.fallbackBaseURL())
}

// fallbackBaseURL is the base URL offered when the user chose none: the
// app's (the demo's emulator, which moves with every run) or production.
func (s settings) fallbackBaseURL() string {
	if s.base == "" {
		return api.DefaultBaseURL
	}
	return s.base
}

func (s settings) startHidden() bool {
	return s.p.Bool(prefStartHidden)
}

// settingsDialog edits the settings.
type settingsDialog struct {
	dlg       *dialog.FormDialog
	clipboard *widget.Entry
	autoLock  *widget.Entry
	baseURL   *widget.Entry
	hidden    *widget.Check
}

func (u *UI) onSettings() {
	u.touch()
	u.showSettings()
}

func (u *UI) showSettings() *settingsDialog {
	s := &settingsDialog{
		clipboard: widget.NewEntry(),
		autoLock:  widget.NewEntry(),
		baseURL:   widget.NewEntry(),
		hidden:    widget.NewCheck("Start hidden in the tray", nil),
	}
	s.clipboard.SetText(strconv.Itoa(int(u.prefs.clipboardClear().Seconds())))
	s.clipboard.Validator = intBetween(5, 3600, "Enter a number of seconds from 5 to 3600.")
	s.autoLock.SetText(strconv.Itoa(int(u.prefs.autoLock().Minutes())))
	s.autoLock.Validator = intBetween(0, 1440, "Enter minutes from 0 (never) to 1440.")
	s.baseURL.SetText(u.prefs.defaultBaseURL())
	s.baseURL.Validator = baseURLValid
	s.hidden.SetChecked(u.prefs.startHidden())
	items := []*widget.FormItem{
		{Text: "Clear clipboard after (s)", Widget: s.clipboard, HintText: "A copied token is wiped then, unless you copied something else since."},
		{Text: "Lock after idle (min)", Widget: s.autoLock, HintText: "For vaults with a passphrase; 0 never locks."},
		{Text: "Default base URL", Widget: s.baseURL, HintText: "Offered when you add or create a token."},
		{Text: "", Widget: s.hidden, HintText: "Only when a tray icon can bring the window back."},
	}
	s.dlg = dialog.NewForm("Settings", "Save", "Cancel", items, func(ok bool) {
		if ok {
			u.saveSettings(s)
		}
	}, u.win)
	s.dlg.Resize(fyne.NewSize(560, s.dlg.MinSize().Height))
	s.dlg.Show()
	return s
}

func (u *UI) saveSettings(s *settingsDialog) {
	p := u.prefs.p
	if n, err := strconv.Atoi(strings.TrimSpace(s.clipboard.Text)); err == nil {
		p.SetInt(prefClipboardSeconds, n)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(s.autoLock.Text)); err == nil {
		p.SetInt(prefAutoLockMinutes, n)
	}
	// A base URL left at the fallback is not a choice: storing it would pin
	// the demo to this run's emulator port, dead the next time.
	if base := strings.TrimSpace(s.baseURL.Text); base == u.prefs.fallbackBaseURL() {
		p.RemoveValue(prefDefaultBaseURL)
	} else {
		p.SetString(prefDefaultBaseURL, base)
	}
	p.SetBool(prefStartHidden, s.hidden.Checked)
	u.setStatus("Settings saved.")
}

func intBetween(lo, hi int, msg string) fyne.StringValidator {
	return func(s string) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < lo || n > hi {
			return hintError(msg)
		}
		return nil
	}
}

// baseURLValid accepts what the API client accepts: https, or http to a
// loopback host. Building a client does no I/O.
func baseURLValid(s string) error {
	if _, err := api.New(api.Options{BaseURL: strings.TrimSpace(s)}); err != nil {
		return hintError("Enter an https:// URL (http:// only for 127.0.0.1 or localhost).")
	}
	return nil
}

// hintError is a validation message shown under an entry: a sentence for a
// person, so it is capitalised and punctuated unlike Go error strings.
type hintError string

func (e hintError) Error() string { return string(e) }
