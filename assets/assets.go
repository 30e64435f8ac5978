// Package assets holds the app's embedded icon, as the same files
// FyneApp.toml names, so `fyne package` and the running app agree.
//
// It imports only fyne.io/fyne/v2 (for the resource type) and must not import
// any other cxtokens package.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

//go:embed icon.svg
var iconSVG []byte

// Icon is the app icon (PNG, 256×256).
var Icon = fyne.NewStaticResource("icon.png", iconPNG)

// IconSVG is the app icon as drawn, for places that scale it.
var IconSVG = fyne.NewStaticResource("icon.svg", iconSVG)
