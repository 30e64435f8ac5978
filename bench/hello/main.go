// Command hello is the reference for the desktop rows of `make bench`: the
// smallest Fyne program that opens a window (a label in a window, nothing
// else), built with the same flags as bin/cxtokens, so the table can say how
// much start time and memory cxtokens adds on top of Fyne itself.
//
// With -size WxH the window is resized to that many pixels before it is
// shown. Under a software GL renderer (Xvfb) the window's buffers live in
// the process, so memory grows with window size; the table's size-matched
// row uses this to tell the window's size from cxtokens' own weight.
//
// It is a separate main package on purpose: it must not import any cxtokens
// package, or it would stop being a bare Fyne window.
package main

import (
	"flag"
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

// title is what the benchmark waits for on the X display; keep it equal to
// benchtable's -hello-title default.
const title = "Fyne Hello (cxtokens bench reference)"

func main() {
	size := flag.String("size", "", "resize the window to WxH pixels (default: Fyne's size for the label)")
	flag.Parse()
	var w, h int
	if *size != "" {
		if _, err := fmt.Sscanf(*size, "%dx%d", &w, &h); err != nil || w <= 0 || h <= 0 {
			fmt.Fprintf(os.Stderr, "hello: -size wants WxH in pixels, got %q\n", *size)
			os.Exit(2)
		}
	}
	// An app ID like cxtokens' own, so both load preferences the same way and
	// Fyne prints no warning about a missing ID.
	a := app.NewWithID("example.cxtokens.benchhello")
	win := a.NewWindow(title)
	win.SetContent(widget.NewLabel("Hello Fyne!"))
	if w > 0 {
		// Fyne sizes are in device-independent units; divide by the scale so
		// the window gets the same pixels as the one it is matched with.
		s := win.Canvas().Scale()
		win.Resize(fyne.NewSize(float32(w)/s, float32(h)/s))
	}
	win.ShowAndRun()
}
