// Package ui owns everything Fyne: the window, dialogs, tray menu, clipboard
// hygiene and the handoff of background work through fyne.Do.
//
// It must not import fyne.io/fyne/v2/app (only main does, so ui tests build
// without GL headers) or cli.
package ui
