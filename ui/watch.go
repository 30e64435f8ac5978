package ui

import (
	"context"
	"os"
	"time"

	"fyne.io/fyne/v2"
)

// watchInterval is how often the vault file is looked at. Another process
// (the CLI) changing the vault shows up within this time; an idle check is
// one stat call, so the app costs next to nothing while it sits in the tray.
const watchInterval = 1500 * time.Millisecond

// timesInterval is how often relative times ("in 3 h", "5 min ago") are
// redrawn while the window is visible.
const timesInterval = 30 * time.Second

// fileStamp is what a stat call tells cheaply about the vault file.
type fileStamp struct {
	mod  time.Time
	size int64
	ok   bool
}

func statVault(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{mod: fi.ModTime(), size: fi.Size(), ok: true}
}

// watch runs until ctx ends: every interval it stats the vault file and, on
// a change, lets the UI goroutine compare the vault's generation and reload.
// It also drives auto-lock and the redraw of relative times.
func (u *UI) watch(ctx context.Context, path string, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	last := statVault(path)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st := statVault(path)
		changed := st != last
		last = st
		fyne.Do(func() { u.tick(changed) })
	}
}

// tick is the watcher's work on the UI goroutine.
func (u *UI) tick(fileChanged bool) {
	if u.quitting {
		return
	}
	now := u.clock.Now()
	if d := u.prefs.autoLock(); u.lockable && !u.locked && d > 0 && now.Sub(u.lastActive) >= d {
		u.lock()
		u.setStatus("Vault locked after " + span(d) + " without use.")
		return
	}
	if fileChanged {
		u.vaultChanged()
	}
	if u.visible && now.Sub(u.lastTimes) >= timesInterval {
		u.lastTimes = now
		u.refreshTimes()
	}
	if now.Sub(u.lastExpiryCheck) >= time.Hour {
		u.notifyExpiring()
	}
}

// vaultChanged reloads the list if the vault's generation moved: our own
// writes already reloaded it, so only other processes' writes get here.
func (u *UI) vaultChanged() {
	if u.locked || !u.loaded {
		return
	}
	seen := u.gen
	u.do(job{quiet: true, action: "reload vault"}, func(ctx context.Context) (func(), error) {
		gen, err := u.store.Generation()
		if err != nil || gen == seen {
			return nil, err
		}
		return u.reloadWork(ctx)
	})
}
