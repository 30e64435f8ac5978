package ui

import (
	"crypto/sha256"
	"time"

	"fyne.io/fyne/v2"
)

// clipGuard clears a token it put on the clipboard after a while, but only
// if the clipboard still holds it: whatever the user copied since is theirs.
// It remembers a hash of what it copied, not the value. Used on the UI
// goroutine; its timer hops back there through fyne.Do.
type clipGuard struct {
	cb    fyne.Clipboard
	clock Clock
	after func() time.Duration

	armed bool
	sum   [sha256.Size]byte
	seq   int // which copy a pending timer belongs to
	timer Timer

	onTimedClear func() // after the timer cleared the clipboard; may be nil
}

// copySecret puts text on the clipboard and schedules its clearing.
func (g *clipGuard) copySecret(text string) {
	g.cb.SetContent(text)
	g.sum = sha256.Sum256([]byte(text))
	g.armed = true
	g.seq++
	seq := g.seq
	if g.timer != nil {
		g.timer.Stop()
	}
	g.timer = g.clock.AfterFunc(g.after(), func() {
		fyne.Do(func() {
			if g.seq == seq && g.clearIfOurs() && g.onTimedClear != nil {
				g.onTimedClear()
			}
		})
	})
}

// clearIfOurs empties the clipboard if it still holds what we copied, and
// reports whether it did.
func (g *clipGuard) clearIfOurs() bool {
	if !g.armed {
		return false
	}
	g.armed = false
	g.stop()
	if sha256.Sum256([]byte(g.cb.Content())) != g.sum {
		return false
	}
	g.cb.SetContent("")
	return true
}

func (g *clipGuard) stop() {
	if g.timer != nil {
		g.timer.Stop()
		g.timer = nil
	}
}
