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

// Status dots, coloured by the theme so they follow light and dark mode.
var (
	dotWorks   = theme.NewColoredResource(theme.MediaRecordIcon(), theme.ColorNameSuccess)
	dotFailed  = theme.NewColoredResource(theme.MediaRecordIcon(), theme.ColorNameError)
	dotWarn    = theme.NewColoredResource(theme.MediaRecordIcon(), theme.ColorNameWarning)
	dotUntried = theme.NewColoredResource(theme.MediaRecordIcon(), theme.ColorNameDisabled)
)

// dot is the status dot for a token's last test.
func dot(t *vault.TestResult) fyne.Resource {
	if t == nil {
		return dotUntried
	}
	switch tokens.Outcome(t.Outcome) {
	case tokens.OutcomeWorks:
		return dotWorks
	case tokens.OutcomeInvalid:
		return dotFailed
	default:
		return dotWarn
	}
}

// listRow is one line of the token list; widget.List recycles it.
type listRow struct {
	widget.BaseWidget
	dot    *widget.Icon
	name   *widget.Label
	sub    *widget.Label
	expiry *widget.Label
}

func newListRow() fyne.CanvasObject {
	r := &listRow{
		dot:    widget.NewIcon(dotUntried),
		name:   widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		sub:    widget.NewLabel(""),
		expiry: widget.NewLabel(""),
	}
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.sub.Truncation = fyne.TextTruncateEllipsis
	r.sub.SizeName = theme.SizeNameCaptionText
	r.sub.Importance = widget.LowImportance
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
	r.dot.SetResource(dot(rec.LastTest))
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
