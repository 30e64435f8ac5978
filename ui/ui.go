// Package ui owns everything Fyne: the window, dialogs, tray menu, clipboard
// hygiene and the handoff of background work through fyne.Do. It is also the
// only place that turns errors into sentences for the window.
//
// It reaches the workflows through small interfaces it declares itself
// (Store, Editor, Remote, Locker), which *tokens.Service satisfies, so tests
// can put fakes or the real service behind them.
//
// It must not import fyne.io/fyne/v2/app (only main does, so ui tests build
// without GL headers) or cli.
package ui
