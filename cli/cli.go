// Package cli owns the command line: parsing, help, output formats and exit
// codes. It calls tokens and prints; it holds no workflow logic.
//
// It must not import Fyne or ui.
//
// CONTRACT STUB: Main's signature is what main.go calls.
package cli

import "io"

// DesktopOptions is what the command line passes to the desktop app.
type DesktopOptions struct {
	VaultPath string // "" : tokens.VaultPath("")
	Demo      bool   // cxtokens demo: in-process emulator, throw-away vault, seeded tokens
}

// Desktop starts the desktop app and returns when it quits. main.go provides it,
// because only main may import fyne.io/fyne/v2/app.
type Desktop func(o DesktopOptions) error

// Main runs the command line and returns the exit code: 0 ok, 1 failure, 2 usage.
// With no subcommand (only global flags) it calls desktop.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer, desktop Desktop) int {
	if len(args) == 0 {
		if err := desktop(DesktopOptions{}); err != nil {
			io.WriteString(stderr, "cxtokens: "+err.Error()+"\n")
			return 1
		}
		return 0
	}
	io.WriteString(stderr, "cxtokens: commands are not implemented yet\n")
	return 2
}
