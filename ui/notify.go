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
			fmt.Sprintf("HTTP %d in %d ms.", rep.Status, rep.Latency.Milliseconds())))
		return
	}
	msg := rep.Detail
	if msg == "" {
		msg = "The test request failed."
	}
	u.app.SendNotification(fyne.NewNotification("“"+rep.Name+"” failed its test: "+rep.Outcome.Words(), msg))
}

// notifyExpiring sends one notification about tokens that expire within
// expiryWarning, mentioning each token at most once per day.
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
	if len(due) > 0 {
		u.saveNotified(today)
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

// prefExpiryNotified remembers, across restarts, which tokens were already
// mentioned today: "recordID=YYYY-MM-DD" entries (random IDs, not names).
const prefExpiryNotified = "expiryNotified"

func (u *UI) loadNotified() {
	for _, e := range u.prefs.p.StringList(prefExpiryNotified) {
		if id, day, ok := strings.Cut(e, "="); ok {
			u.notified[id] = day
		}
	}
}

// saveNotified keeps only today's entries, so the list never grows.
func (u *UI) saveNotified(today string) {
	var keep []string
	for id, day := range u.notified {
		if day == today {
			keep = append(keep, id+"="+day)
		} else {
			delete(u.notified, id)
		}
	}
	u.prefs.p.SetStringList(prefExpiryNotified, keep)
}
