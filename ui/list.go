package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"cxtokens/tokens"
	"cxtokens/vault"
)

// dot is the colour of the status dot for a token's last test: a theme
// colour, so it follows light and dark mode.
func dot(t *vault.TestResult) fyne.ThemeColorName {
	if t == nil {
		return theme.ColorNameDisabled
	}
	switch tokens.Outcome(t.Outcome) {
	case tokens.OutcomeWorks:
		return theme.ColorNameSuccess
	case tokens.OutcomeInvalid:
		return theme.ColorNameError
	default:
		return theme.ColorNameWarning
	}
}

// dotIcon draws a status dot. It is built on use, not at package init,
// because theme icons need a running app.
func dotIcon(c fyne.ThemeColorName) fyne.Resource {
	return theme.NewColoredResource(theme.MediaRecordIcon(), c)
}

// listRow is one line of the token list; widget.List recycles it.
type listRow struct {
	widget.BaseWidget
	dot    *widget.Icon
	name   *widget.Label
	sub    *widget.Label
	expiry *widget.Label
	color  fyne.ThemeColorName // of the dot, to skip redrawing it
}

func newListRow() fyne.CanvasObject {
	r := &listRow{
		dot:    widget.NewIcon(dotIcon(theme.ColorNameDisabled)),
		name:   widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		sub:    widget.NewLabel(""),
		expiry: widget.NewLabel(""),
	}
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.sub.Truncation = fyne.TextTruncateEllipsis
	r.sub.SizeName = theme.SizeNameCaptionText
	r.expiry.SizeName = theme.SizeNameCaptionText
	r.ExtendBaseWidget(r)
	return r
}

func (r *listRow) CreateRenderer() fyne.WidgetRenderer {
	text := container.New(layout.NewCustomPaddedVBoxLayout(-2*theme.Padding()), r.name, r.sub)
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, container.NewCenter(r.dot), container.NewCenter(r.expiry), text))
}

func (u *UI) listLen() int { return len(u.shown) }

func (u *UI) updateListRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id < 0 || id >= len(u.shown) {
		return
	}
	rec := u.all[u.shown[id]].rec
	r := o.(*listRow)
	if c := dot(rec.LastTest); c != r.color {
		r.color = c
		r.dot.SetResource(dotIcon(c))
	}
	r.name.SetText(rec.Name)
	r.sub.SetText(account(rec))
	now := u.clock.Now()
	switch expiryOf(rec, now) {
	case expired:
		r.expiry.Importance = widget.DangerImportance
	default:
		r.expiry.Importance = widget.WarningImportance
	}
	r.expiry.SetText(expiryShort(rec, now))
}
