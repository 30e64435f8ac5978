// Command cxtokens keeps CarrierX Core API tokens encrypted on this machine:
// a desktop tray app, and a command line in the same binary.
//
// main only wires: it is the one package that imports fyne.io/fyne/v2/app.
package main

import (
	"errors"
	"os"

	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"

	"cxtokens/cli"
)

// appID is the reverse-DNS ID from FyneApp.toml. It sits under the reserved
// .example top-level domain, so it claims no domain anyone owns.
const appID = "example.cxtokens.app"

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, runDesktop))
}

func runDesktop(o cli.DesktopOptions) error {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no display: the desktop app needs an X11 or Wayland session (set DISPLAY); the subcommands work without one, see cxtokens --help")
	}
	a := app.NewWithID(appID)
	w := a.NewWindow("CarrierX Tokens")
	w.SetContent(widget.NewLabel("CarrierX Tokens"))
	w.ShowAndRun()
	return nil
}
