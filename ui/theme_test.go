package ui

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// contrast is the WCAG contrast ratio of two opaque colours.
func contrast(a, b color.Color) float64 {
	lum := func(c color.Color) float64 {
		r, g, b, _ := c.RGBA()
		ch := func(v uint32) float64 {
			s := float64(v) / 0xffff
			if s <= 0.03928 {
				return s / 12.92
			}
			return math.Pow((s+0.055)/1.055, 2.4)
		}
		return 0.2126*ch(r) + 0.7152*ch(g) + 0.0722*ch(b)
	}
	la, lb := lum(a), lum(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func TestAppTheme_WarningReadable(t *testing.T) {
	th := Theme()
	for _, v := range []struct {
		name    string
		variant fyne.ThemeVariant
	}{{"light", theme.VariantLight}, {"dark", theme.VariantDark}} {
		bg := th.Color(theme.ColorNameBackground, v.variant)
		if c := contrast(th.Color(theme.ColorNameWarning, v.variant), bg); c < 4.5 {
			t.Errorf("%s: warning text has contrast %.1f:1 against the background, want at least 4.5:1", v.name, c)
		}
	}
	if th.Color(theme.ColorNamePrimary, theme.VariantLight) != theme.DefaultTheme().Color(theme.ColorNamePrimary, theme.VariantLight) {
		t.Error("the theme changed more than the light warning colour")
	}
}
