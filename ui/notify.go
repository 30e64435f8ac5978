package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"

	"cxtokens/tokens"
)

// notifyTest reports a test started from the tray, where no window shows the
// result.
func (u *UI) notifyTest(rep tokens.TestReport) {
	if rep.Outcome == tokens.OutcomeWorks {
		u.app.SendNotification(fyne.NewNotification("“"+rep.Name+"” works",
			fmt.Sprintf("HTTP %d in %s.", rep.Status, millis(rep.Latency))))
		return
	}
	msg := rep.Detail
	if msg == "" {
		msg = "The test request failed."
	}
	u.app.SendNotification(fyne.NewNotification("“"+rep.Name+"” failed its test: "+rep.Outcome.Words(), msg))
}

// notifyExpiring sends one notification about tokens that expire within
// expiryWarning, mentioning each token at most once per day. What was
// mentioned is kept in memory, not in preferences: Fyne's preferences file
// is rewritten and reloaded on every change, and the app runs all day.
func (u *UI) notifyExpiring() {
	if !u.loaded || u.locked {
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
		u.app.SendNotification(fyne.NewNotification("A token expires soon",
			due[0]+". Create a replacement before it stops working."))
	default:
		u.app.SendNotification(fyne.NewNotification(fmt.Sprintf("%d tokens expire soon", len(due)),
			strings.Join(due, ", ")+". Create replacements before they stop working."))
	}
}
