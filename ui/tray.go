package ui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"

	"cxtokens/assets"
	"cxtokens/tokens"
)

// installTray derives the tray menu from the current state and installs it.
// It is called on every change (load, add, rename, delete, lock) rather than
// patching items, so the menu can never drift from the vault.
//
// Without a tray host at start there is no tray at all: the icon would show
// nowhere, and the tray library only complains about it.
func (u *UI) installTray() {
	if !u.trayOn {
		return
	}
	if u.menu == nil {
		u.tray.SetSystemTrayIcon(assets.Icon)
		if d, ok := u.tray.(desktop.App); ok {
			d.SetSystemTrayWindow(u.win)
			u.win.SetCloseIntercept(u.onClose) // SetSystemTrayWindow installed its own
		}
	}
	u.menu = u.trayMenu()
	u.tray.SetSystemTrayMenu(u.menu)
}

// trayMenu builds the tray menu: one submenu per token (Copy, Copy header,
// Test), then Show window, Lock for passphrase vaults, and Quit.
func (u *UI) trayMenu() *fyne.Menu {
	var items []*fyne.MenuItem
	switch {
	case u.locked:
		items = append(items, fyne.NewMenuItem("Unlock…", u.showWindow))
	case !u.loaded:
		it := fyne.NewMenuItem("Opening the vault…", nil)
		it.Disabled = true
		items = append(items, it)
	case len(u.all) == 0:
		items = append(items, fyne.NewMenuItem("Add a token…", func() { u.showWindow(); u.showAdd() }))
	default:
		now := u.clock.Now()
		for i, it := range u.all {
			if i == trayTokens {
				more := fyne.NewMenuItem(strconv.Itoa(len(u.all)-i)+" more in the window…", u.showWindow)
				items = append(items, more)
				break
			}
			name := it.rec.Name
			label := name
			if e := expiryShort(it.rec, now); e != "" {
				label += " (" + e + ")"
			} else if t := it.rec.LastTest; t != nil && tokens.Outcome(t.Outcome) != tokens.OutcomeWorks {
				label += " (" + outcomeWords(t.Outcome) + ")"
			}
			test := fyne.NewMenuItem("Test", nil)
			test.Icon = theme.MediaPlayIcon()
			if u.trayBusy[name] {
				test.Label, test.Disabled = "Testing…", true
			}
			test.Action = func() { u.testToken(name, trayTrigger{u, name}, true) }
			sub := fyne.NewMenu(name,
				fyne.NewMenuItem("Copy token", func() { u.copyToken(name, tokens.FormatRaw, nil) }),
				fyne.NewMenuItem("Copy Authorization header", func() { u.copyToken(name, tokens.FormatHeader, nil) }),
				test,
			)
			entry := fyne.NewMenuItem(label, nil)
			entry.ChildMenu = sub
			items = append(items, entry)
		}
	}
	if u.loaded && !u.locked && len(u.all) > 0 {
		all := fyne.NewMenuItem("Test every token", func() { u.testAll(trayAllTrigger{u}, true) })
		all.Icon = theme.MediaPlayIcon()
		if u.trayAllBusy {
			all.Label, all.Disabled = "Testing every token…", true
		}
		items = append(items, fyne.NewMenuItemSeparator(), all)
	}
	items = append(items, fyne.NewMenuItemSeparator(), fyne.NewMenuItem("Show window", u.showWindow))
	if u.lockable && !u.locked {
		items = append(items, fyne.NewMenuItem("Lock", u.lock))
	}
	quit := fyne.NewMenuItem("Quit", u.quit)
	quit.IsQuit = true
	items = append(items, fyne.NewMenuItemSeparator(), quit)
	return fyne.NewMenu("CarrierX Tokens", items...)
}

// trayTokens is how many tokens the tray lists; a menu longer than the
// screen helps nobody, and the window's search finds the rest.
const trayTokens = 40

// trayTrigger marks a token's tray Test entry busy while its test runs.
type trayTrigger struct {
	u    *UI
	name string
}

func (t trayTrigger) Disable() { t.u.trayBusy[t.name] = true; t.u.installTray() }
func (t trayTrigger) Enable()  { delete(t.u.trayBusy, t.name); t.u.installTray() }

// trayAllTrigger marks the tray's Test every token entry busy while it runs.
type trayAllTrigger struct{ u *UI }

func (t trayAllTrigger) Disable() { t.u.trayAllBusy = true; t.u.installTray() }
func (t trayAllTrigger) Enable()  { t.u.trayAllBusy = false; t.u.installTray() }
