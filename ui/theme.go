package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// appTheme is Fyne's default theme, light or dark as the system says, with
// one change: in the light variant the warning colour (expiry warnings, the
// demo banner) is a darker orange, because Fyne's is about 2.2:1 against
// white and such text should reach 4.5:1.
type appTheme struct {
	fyne.Theme
}

// lightWarning is #a85400: 4.9:1 against white.
var lightWarning = color.NRGBA{R: 0xa8, G: 0x54, B: 0x00, A: 0xff}

// Theme is the app's theme; main sets it on the app (tests keep Fyne's test
// theme, so their markup does not change with the default theme).
func Theme() fyne.Theme { return appTheme{theme.DefaultTheme()} }

func (t appTheme) Color(name fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if name == theme.ColorNameWarning && v == theme.VariantLight {
		return lightWarning
	}
	return t.Theme.Color(name, v)
}
