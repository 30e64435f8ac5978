// Command hello is the reference for the desktop rows of `make bench`: the
// smallest Fyne program that opens a window (a label in a window, nothing
// else), built with the same flags as bin/cxtokens, so the table can say how
// much start time and memory cxtokens adds on top of Fyne itself.
//
// It is a separate main package on purpose: it must not import any cxtokens
// package, or it would stop being a bare Fyne window.
package main

import (
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

// title is what the benchmark waits for on the X display; keep it equal to
// benchtable's -hello-title default.
const title = "Fyne Hello (cxtokens bench reference)"

func main() {
	// An app ID like cxtokens' own, so both load preferences the same way and
	// Fyne prints no warning about a missing ID.
	a := app.NewWithID("example.cxtokens.benchhello")
	w := a.NewWindow(title)
	w.SetContent(widget.NewLabel("Hello Fyne!"))
	w.ShowAndRun()
}
