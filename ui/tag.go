package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// tag is a small rounded label, used for scopes. Its colours come from the
// theme on every refresh, so it follows light and dark mode.
type tag struct {
	widget.BaseWidget
	text string
}

func newTag(text string) *tag {
	t := &tag{text: text}
	t.ExtendBaseWidget(t)
	return t
}

func (t *tag) CreateRenderer() fyne.WidgetRenderer {
	r := &tagRenderer{t: t, bg: canvas.NewRectangle(nil), txt: canvas.NewText(t.text, nil)}
	r.Refresh()
	return r
}

type tagRenderer struct {
	t   *tag
	bg  *canvas.Rectangle
	txt *canvas.Text
}

func (r *tagRenderer) pad() fyne.Size {
	p := theme.SizeForWidget(theme.SizeNameInnerPadding, r.t)
	return fyne.NewSize(p, p/2)
}

func (r *tagRenderer) Layout(s fyne.Size) {
	r.bg.Resize(s)
	p := r.pad()
	r.txt.Move(fyne.NewPos(p.Width, p.Height))
	r.txt.Resize(s.Subtract(fyne.NewSize(2*p.Width, 2*p.Height)))
}

func (r *tagRenderer) MinSize() fyne.Size {
	p := r.pad()
	return r.txt.MinSize().Add(fyne.NewSize(2*p.Width, 2*p.Height))
}

func (r *tagRenderer) Refresh() {
	r.bg.FillColor = theme.ColorForWidget(theme.ColorNameInputBackground, r.t)
	r.bg.StrokeColor = theme.ColorForWidget(theme.ColorNameInputBorder, r.t)
	r.bg.StrokeWidth = 1
	r.bg.CornerRadius = theme.SizeForWidget(theme.SizeNameInputRadius, r.t) * 2
	r.txt.Text = r.t.text
	r.txt.Color = theme.ColorForWidget(theme.ColorNameForeground, r.t)
	r.txt.TextSize = theme.SizeForWidget(theme.SizeNameCaptionText, r.t)
	r.bg.Refresh()
	r.txt.Refresh()
}

func (r *tagRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.bg, r.txt} }

func (r *tagRenderer) Destroy() {}

// keyText is a field name in the details grid: quieter than the values, but
// not as faint as disabled text.
func keyText(s string) *widget.RichText {
	return widget.NewRichText(&widget.TextSegment{Text: s, Style: widget.RichTextStyle{ColorName: theme.ColorNamePlaceHolder}})
}

// dropButton is a button that opens a menu just below itself. A tap places
// the menu from the tap's own coordinates: Fyne's lookup of where a widget
// sits forgets widgets that have not been redrawn for a minute, and then
// drops the menu in the window's corner.
type dropButton struct {
	widget.Button
	menu   func() *fyne.Menu
	canvas fyne.Canvas
}

func newDropButton(label string, c fyne.Canvas, menu func() *fyne.Menu) *dropButton {
	b := &dropButton{menu: menu, canvas: c}
	b.Text, b.Icon, b.IconPlacement = label, theme.MenuDropDownIcon(), widget.ButtonIconTrailingText
	b.ExtendBaseWidget(b)
	return b
}

// Tapped opens the menu. A tap by the pointer knows where the button is;
// the keyboard (Space on the focused button) taps with no event, and the
// button has just been redrawn for its focus, so Fyne's lookup holds it.
func (b *dropButton) Tapped(e *fyne.PointEvent) {
	if b.Disabled() {
		return
	}
	b.Button.Tapped(e)
	below := fyne.NewPos(0, b.Size().Height)
	if e == nil {
		widget.ShowPopUpMenuAtRelativePosition(b.menu(), b.canvas, below, b)
		return
	}
	widget.ShowPopUpMenuAtPosition(b.menu(), b.canvas, e.AbsolutePosition.Subtract(e.Position).Add(below))
}
