// Command cxtokens keeps CarrierX Core API tokens encrypted on this machine:
// a desktop tray app, and a command line in the same binary.
//
// main only wires: it is the one package that imports fyne.io/fyne/v2/app.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"fyne.io/fyne/v2/app"

	"cxtokens/api"
	"cxtokens/cli"
	"cxtokens/internal/posixlocale"
	"cxtokens/tokens"
	"cxtokens/ui"
	"cxtokens/ui/demo"
)

// appID is the reverse-DNS ID from FyneApp.toml. It sits under the reserved
// .example top-level domain, so it claims no domain anyone owns.
const appID = "example.cxtokens.app"

// version is FyneApp.toml's Version: `cxtokens --version` and the API
// client's User-Agent show it.
const version = "0.1.0"

func main() {
	posixlocale.Restore() // Fyne has initialised; exec's children get the real locale
	cli.Version, api.Version = version, version
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, runDesktop))
}

// runDesktop starts the desktop app and returns when it quits; the deferred
// calls release the vault, the instance claim and the demo on every path.
func runDesktop(o cli.DesktopOptions) error {
	if err := ui.CheckSession(os.Getenv, os.Getuid()); err != nil {
		return err
	}
	id, key, path := appID, "demo", ""
	if o.Demo {
		id += ".demo" // its own preferences, so trying the demo changes no real setting
	} else {
		p, err := tokens.VaultPath(o.VaultPath)
		if err != nil {
			return err
		}
		key, path = p, p
	}
	inst, err := ui.ClaimInstance(key, "")
	if errors.Is(err, ui.ErrRunning) {
		fmt.Fprintln(os.Stderr, "cxtokens: the desktop app is already running; its window was brought forward")
		return nil
	}
	if err != nil {
		return err
	}
	defer inst.Close()

	opts := ui.Options{VaultPath: path}
	var svc *tokens.Service
	if o.Demo {
		env, err := demo.Start(context.Background())
		if err != nil {
			return err
		}
		defer env.Close()
		svc, opts.VaultPath = env.Service, env.VaultPath
		opts.Title, opts.Banner, opts.DefaultBaseURL = "CarrierX Tokens (demo)", env.Banner(), env.BaseURL
	} else {
		svc = tokens.New(tokens.Options{VaultPath: path, CAFile: os.Getenv(tokens.CAFileEnv)})
		defer svc.Close()
	}
	opts.Store, opts.Editor, opts.Remote, opts.Locker = svc, svc, svc, svc

	a := app.NewWithID(id)
	a.Settings().SetTheme(ui.Theme())
	u := ui.New(a, opts)
	go inst.Serve(u.Raise)
	u.Run()
	return nil
}
