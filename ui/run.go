package ui

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"

	"cxtokens/vault"
)

// Deadlines for background work. A network job may include a test request
// and a verifying one, each with the API client's own timeout and 429
// retries, so it gets more room than a vault or keyring job.
const (
	vaultTimeout   = 15 * time.Second
	networkTimeout = 60 * time.Second
)

// trigger is what started a job: a button, or a tray entry.
type trigger interface {
	Disable()
	Enable()
}

// job describes one piece of background work for do.
type job struct {
	label   string        // status line while it runs ("Testing “prod”…"); "" shows no progress
	trigger trigger       // disabled while it runs; may be nil
	timeout time.Duration // 0 means vaultTimeout
	quiet   bool          // on failure, a status line instead of a dialog (background reloads)
	action  string        // what failed, for the log ("test token")
}

// do is the one way the UI runs work that may block on the vault file, the
// keyring or the network: it disables the trigger and shows progress, runs
// work off the UI goroutine with a deadline, then in one fyne.Do re-enables
// the trigger and either applies the result or shows the error.
//
// It must be called on the UI goroutine. work must not touch widgets; the
// func it returns runs on the UI goroutine and may.
func (u *UI) do(j job, work func(ctx context.Context) (apply func(), err error)) {
	if j.trigger != nil {
		j.trigger.Disable()
	}
	if j.timeout == 0 {
		j.timeout = vaultTimeout
	}
	u.busyStart(j.label)
	u.run(func() {
		ctx, cancel := context.WithTimeout(u.ctx, j.timeout)
		apply, err := work(ctx)
		cancel()
		fyne.Do(func() {
			u.busyEnd(j.label)
			if j.trigger != nil {
				j.trigger.Enable()
			}
			if err != nil {
				u.failed(j, err)
				return
			}
			if apply != nil {
				apply()
			}
		})
	})
}

// failed reacts to a job's error: a locked vault shows the unlock screen, a
// vanished token reloads the list, and the rest become a dialog (or a
// notification while the window is hidden) in the words errorMessage picks.
func (u *UI) failed(j job, err error) {
	if u.ctx.Err() != nil {
		return // quitting: nobody is looking
	}
	logUnknown(j.action, err)
	title, sentence, _ := errorMessage(err)
	switch {
	case errors.Is(err, vault.ErrLocked):
		u.lockable = true // only a passphrase can have locked it
		u.setLocked(true)
		if j.quiet {
			return
		}
	case errors.Is(err, vault.ErrNotFound):
		u.reload()
	}
	if j.quiet {
		u.setStatus(title + ": " + sentence)
		return
	}
	u.showError(title, sentence)
}

func (u *UI) busyStart(label string) {
	if label == "" {
		return
	}
	u.busy++
	u.setStatus(label)
	if u.activity.Hidden {
		u.activity.Show()
		u.activity.Start()
		u.statusBar.Refresh() // lay the text out beside the spinner
	}
}

func (u *UI) busyEnd(label string) {
	if label == "" {
		return
	}
	u.busy--
	if u.busy == 0 {
		u.activity.Stop()
		u.activity.Hide()
		u.statusBar.Refresh()
		if u.status.Text == label {
			u.setStatus("")
		}
	}
}
