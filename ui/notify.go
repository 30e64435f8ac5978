package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"

	"cxtokens/tokens"
)

// notify shows a desktop notification if the session can, and reports
// whether it did.
func (u *UI) notify(title, body string) bool {
	if !u.canNotify {
		return false
	}
	u.app.SendNotification(fyne.NewNotification(title, body))
	return true
}

// notifyTest reports a test started from the tray, where no window shows the
// result.
func (u *UI) notifyTest(rep tokens.TestReport) {
	if rep.Outcome == tokens.OutcomeWorks {
		u.notify("“"+rep.Name+"” works", fmt.Sprintf("HTTP %d in %s.", rep.Status, millis(rep.Latency)))
		return
	}
	msg := rep.Detail
	if msg == "" {
		msg = "The test request failed."
	}
	u.notify("“"+rep.Name+"” failed its test: "+rep.Outcome.Words(), msg)
}

// notifyExpiring sends one notification about tokens that expire within
// expiryWarning, mentioning each token at most once per day. What was
// mentioned is kept in memory, not in preferences: Fyne's preferences file
// is rewritten and reloaded on every change, and the app runs all day.
func (u *UI) notifyExpiring() {
	if !u.loaded || u.locked || !u.notifyKnown {
		return
	}
	if !u.canNotify {
		u.lastExpiryCheck = u.clock.Now() // the list's warnings must do
		return
	}
	now := u.clock.Now()
	u.lastExpiryCheck = now
	today := now.Local().Format("2006-01-02")
	var due []string
	for _, it := range u.all {
		r := it.rec
		if expiryOf(r, now) != expirySoon || u.notified[r.ID] == today {
			continue
		}
		u.notified[r.ID] = today
		due = append(due, "“"+r.Name+"” in "+span(r.AccessExpires.Sub(now)))
	}
	switch len(due) {
	case 0:
		return
	case 1:
		u.notify("A token expires soon", due[0]+". Create a replacement before it stops working.")
	default:
		u.notify(fmt.Sprintf("%d tokens expire soon", len(due)),
			strings.Join(due, ", ")+". Create replacements before they stop working.")
	}
}
