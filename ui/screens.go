package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"cxtokens/assets"
)

// firstRunScreen greets an empty vault: how to get a token, and the two ways
// to put one here.
type firstRunScreen struct {
	content   fyne.CanvasObject
	addBtn    *widget.Button
	createBtn *widget.Button
}

func newFirstRunScreen(u *UI) *firstRunScreen {
	s := &firstRunScreen{}
	icon := canvas.NewImageFromResource(assets.Icon)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(72, 72))
	title := widget.NewLabelWithStyle("Keep your CarrierX tokens here", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	intro := para("Tokens are stored encrypted on this computer. Copy one into curl, Postman or CI in one click, test that it still works, and revoke it when you are done.")
	intro.Alignment = fyne.TextAlignCenter
	steps := widget.NewRichTextFromMarkdown(`**To get a token from the CarrierX portal:**

1. Sign in to the portal and open **Account → Security Tokens**.
2. Click **Add New Token** and give it a name.
3. Reveal the new token and copy it.
4. Click **Add token** below and paste it.`)
	steps.Wrapping = fyne.TextWrapWord
	s.addBtn = widget.NewButtonWithIcon("Add token", theme.ContentAddIcon(), u.onAdd)
	s.addBtn.Importance = widget.HighImportance
	s.createBtn = widget.NewButtonWithIcon("Create token", theme.DocumentCreateIcon(), u.onCreate)
	createHint := hintAligned("Create token asks the server for a new one with your account login and password, or with a token that can manage tokens.", fyne.TextAlignCenter)
	box := container.NewVBox(
		container.NewCenter(icon), title, intro,
		widget.NewCard("", "", steps),
		container.NewCenter(container.NewHBox(s.addBtn, s.createBtn)),
		createHint,
	)
	s.content = container.NewCenter(width(520, box))
	return s
}

// lockScreen asks for the passphrase of a locked vault.
type lockScreen struct {
	content fyne.CanvasObject
	pass    *widget.Entry
	unlock  *widget.Button
	why     *widget.Label
}

func newLockScreen(u *UI) *lockScreen {
	s := &lockScreen{pass: widget.NewPasswordEntry()}
	s.pass.SetPlaceHolder("Passphrase")
	s.unlock = widget.NewButtonWithIcon("Unlock", theme.LoginIcon(), func() { u.onUnlock() })
	s.unlock.Importance = widget.HighImportance
	s.pass.OnSubmitted = func(string) { u.onUnlock() }
	icon := widget.NewIcon(theme.AccountIcon())
	title := widget.NewLabelWithStyle("The vault is locked", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	s.why = para("")
	s.why.Importance = widget.WarningImportance
	s.why.Alignment = fyne.TextAlignCenter
	s.why.Hide()
	note := hintAligned("Enter the vault's passphrase. The vault locks again after the idle time set in Settings, and copied tokens are cleared from the clipboard when it locks.", fyne.TextAlignCenter)
	s.content = container.NewCenter(width(380, container.NewVBox(
		container.NewCenter(icon), title, s.why, s.pass, s.unlock, note)))
	return s
}

func (s *lockScreen) reset() {
	s.pass.SetText("")
	s.why.Hide()
}

// explain says why the vault needs its passphrase when the reason is not
// simply that it was locked (the keyring did not give the key).
func (s *lockScreen) explain(sentence string) {
	s.why.SetText(sentence)
	s.why.Show()
}

// onUnlock derives the key from the passphrase off the UI goroutine (it is
// deliberately slow) and loads the list.
func (u *UI) onUnlock() {
	u.touch()
	pass := []byte(u.lockView.pass.Text)
	if len(pass) == 0 {
		return
	}
	// Empty at once: a wrong one is then typed afresh, not appended to.
	u.lockView.pass.SetText("")
	u.do(job{label: "Unlocking…", trigger: u.lockView.unlock, action: "unlock vault"},
		func(context.Context) (func(), error) {
			err := u.locker.Unlock(pass)
			clear(pass)
			if err != nil {
				return nil, err
			}
			recs, gen, err := u.loadRecords()
			if err != nil {
				return nil, err
			}
			return func() {
				u.lockView.reset()
				u.locked = false
				u.touch()
				u.setRecords(recs, gen)
				u.setStatus("Vault unlocked.")
			}, nil
		})
}
