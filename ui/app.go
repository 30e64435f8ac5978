package ui

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"cxtokens/api"
	"cxtokens/assets"
	"cxtokens/vault"
)

// Options are the UI's dependencies. Store, Editor, Remote and Locker are
// usually one *tokens.Service.
type Options struct {
	Store  Store
	Editor Editor
	Remote Remote
	Locker Locker

	// VaultPath is watched for changes other processes (the CLI) make; ""
	// turns the watch off.
	VaultPath string
	// Title is the window title; "" means "CarrierX Tokens".
	Title string
	// Banner, when set, is shown above the list (the demo explains itself there).
	Banner string
	// DefaultBaseURL is offered by the add and create dialogs until the user
	// picks another in Settings; "" means api.DefaultBaseURL.
	DefaultBaseURL string

	Tray     Tray         // nil: the app itself when it is a desktop.App, else no tray
	TrayHost func() bool  // reports whether a tray host shows our icon; nil: ask the session bus
	Notifier func() bool  // reports whether notifications can be shown; nil: ask the session bus
	Clock    Clock        // nil: the system clock
	Run      func(func()) // runs background work; nil: a new goroutine. Tests pass a synchronous one.
}

// UI is the desktop front-end: one window, its dialogs and the tray menu.
// Its methods and fields are used on the Fyne UI goroutine only.
type UI struct {
	app      fyne.App
	win      fyne.Window
	store    Store
	edit     Editor
	remote   Remote
	locker   Locker
	tray     Tray
	trayHost func() bool
	notifier func() bool
	clock    Clock
	run      func(func())
	path     string
	prefs    settings

	ctx    context.Context
	cancel context.CancelFunc

	// State.
	all             []item // secrets cleared; sorted as the store sorts
	shown           []int  // indexes into all that match the search
	selected        string // record ID, "" for none
	gen             uint64 // vault generation the list reflects
	loaded          bool
	locked          bool
	lockable        bool // a passphrase vault, so Lock and auto-lock apply
	lastActive      time.Time
	busy            int
	dialogs         map[*actionDialog]bool // the action dialogs showing now
	trayBusy        map[string]bool        // token names with a tray test running
	trayAllBusy     bool                   // the tray's Test every token is running
	visible         bool
	quitting        bool
	trayOn          bool       // a tray host was found and the tray installed
	menu            *fyne.Menu // the tray menu last installed
	clip            *clipGuard
	notified        map[string]string // record ID → local date of its last expiry notification
	lastTimes       time.Time         // when relative times were last redrawn
	lastExpiryCheck time.Time
	copyLine        string // the status line of the last copy, until the clipboard is cleared
	canNotify       bool   // the session has a notification service
	notifyKnown     bool   // canNotify has been asked
	trim            func() // returns free memory to the system; nil in tests

	// Widgets.
	search     *widget.Entry
	list       *widget.List
	noMatch    *widget.Label
	count      *widget.Label
	testAllBtn *widget.Button
	detail     *detailPane
	firstRun   *firstRunScreen
	lockView   *lockScreen
	loading    fyne.CanvasObject
	split      *container.Split
	body       *fyne.Container
	status     *widget.Label
	statusBar  *fyne.Container
	activity   *widget.Activity
	addBtn     *widget.Button
	createBtn  *widget.Button
	lockBtn    *widget.Button
	setBtn     *widget.Button
}

// item is one token as the list holds it.
type item struct {
	rec  vault.Record
	mask string // the token as api.Mask shows it
	hay  string // lower-case text the search matches
}

// New builds the window and its widgets; Start shows it.
func New(a fyne.App, o Options) *UI {
	u := &UI{
		app:      a,
		store:    o.Store,
		edit:     o.Editor,
		remote:   o.Remote,
		locker:   o.Locker,
		tray:     o.Tray,
		trayHost: o.TrayHost,
		notifier: o.Notifier,
		clock:    o.Clock,
		run:      o.Run,
		path:     o.VaultPath,
		prefs:    settings{p: a.Preferences(), base: o.DefaultBaseURL},
		trayBusy: map[string]bool{},
		dialogs:  map[*actionDialog]bool{},
		notified: map[string]string{},
	}
	if u.tray == nil {
		if d, ok := a.(desktop.App); ok {
			u.tray = d
		}
	}
	if u.trayHost == nil {
		u.trayHost = sessionHasTrayHost
	}
	if u.notifier == nil {
		u.notifier = sessionHasNotifier
	}
	if u.clock == nil {
		u.clock = systemClock{}
	}
	if u.run == nil {
		u.run = func(f func()) { go f() }
	}
	u.ctx, u.cancel = context.WithCancel(context.Background())
	u.lastActive = u.clock.Now()
	u.clip = &clipGuard{cb: a.Clipboard(), clock: u.clock, after: u.prefs.clipboardClear}
	u.clip.onTimedClear = func() {
		// The copy's line promised the clearing; say it happened, unless
		// the status line has moved on to something else.
		if u.status.Text == u.copyLine {
			u.setStatus("The token was cleared from the clipboard.")
		}
	}

	title := o.Title
	if title == "" {
		title = "CarrierX Tokens"
	}
	u.win = a.NewWindow(title)
	u.win.SetIcon(assets.Icon)
	u.win.SetContent(u.build(o.Banner))
	u.setStatus("")
	u.win.Resize(fyne.NewSize(1000, 660))
	u.win.SetCloseIntercept(u.onClose)
	u.addShortcuts()
	// A left click on the tray icon shows the window behind our back;
	// focus is how we learn it is visible again.
	a.Lifecycle().SetOnEnteredForeground(func() { u.visible = true })
	return u
}

// Window is the main window.
func (u *UI) Window() fyne.Window { return u.win }

func (u *UI) build(banner string) fyne.CanvasObject {
	u.addBtn = widget.NewButtonWithIcon("Add token", theme.ContentAddIcon(), u.onAdd)
	u.addBtn.Importance = widget.HighImportance
	u.createBtn = widget.NewButtonWithIcon("Create token", theme.DocumentCreateIcon(), u.onCreate)
	u.lockBtn = widget.NewButtonWithIcon("Lock", theme.LoginIcon(), u.onLock)
	u.lockBtn.Hide()
	u.setBtn = widget.NewButtonWithIcon("", theme.SettingsIcon(), u.onSettings)
	top := container.NewHBox(u.addBtn, u.createBtn, layout.NewSpacer(), u.lockBtn, u.setBtn)

	u.search = widget.NewEntry()
	u.search.SetPlaceHolder("Search name, host, account, note")
	u.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	u.search.OnChanged = func(string) { u.touch(); u.filter() }
	u.count = widget.NewLabel("")
	u.count.SizeName = theme.SizeNameCaptionText
	u.list = widget.NewList(u.listLen, newListRow, u.updateListRow)
	u.list.OnSelected = func(id widget.ListItemID) {
		u.touch()
		if id >= 0 && id < len(u.shown) {
			u.selectID(u.all[u.shown[id]].rec.ID)
		}
	}
	u.noMatch = widget.NewLabel("")
	u.noMatch.Alignment = fyne.TextAlignCenter
	u.noMatch.Wrapping = fyne.TextWrapWord
	u.noMatch.Hide()
	u.testAllBtn = widget.NewButtonWithIcon("Test all", theme.MediaPlayIcon(), func() { u.testAll(u.testAllBtn, false) })
	u.testAllBtn.Importance = widget.LowImportance
	footer := container.NewBorder(nil, nil, nil, u.testAllBtn, u.count)
	left := container.NewBorder(container.NewVBox(u.search), footer, nil, nil,
		container.NewStack(u.list, container.NewVBox(u.noMatch)))

	u.win.Canvas().SetOnTypedKey(u.escapeDialogs)
	u.detail = newDetailPane(u)
	// The list keeps room for names at the narrowest window; its share is
	// what the details leave at the default size, so the divider does not
	// jump when the details pane empties (a search that matches nothing).
	u.split = container.NewHSplit(width(250, left), u.detail.content)
	u.split.Offset = 0.3

	u.firstRun = newFirstRunScreen(u)
	u.lockView = newLockScreen(u)
	loading := widget.NewLabel("Opening the vault…")
	loading.Importance = widget.LowImportance
	u.loading = container.NewCenter(loading)
	u.body = container.NewStack(u.loading)

	u.status = widget.NewLabel("")
	u.status.Truncation = fyne.TextTruncateEllipsis
	u.status.SizeName = theme.SizeNameCaptionText
	u.activity = widget.NewActivity()
	u.activity.Hide()
	u.statusBar = container.NewBorder(nil, nil, u.activity, nil, u.status)

	header := container.NewVBox(top)
	if banner != "" {
		b := widget.NewLabel(banner)
		b.Wrapping = fyne.TextWrapWord
		b.Importance = widget.WarningImportance
		b.SizeName = theme.SizeNameCaptionText
		header.Add(b)
	}
	return container.NewBorder(header, u.statusBar, nil, nil, u.body)
}

// Start installs the tray, shows the window (unless the settings ask to
// start hidden and a tray host can bring it back), loads the vault in the
// background and starts watching the vault file.
func (u *UI) Start() {
	switch {
	case u.tray == nil:
		u.showWindow()
	case u.prefs.startHidden():
		if u.trayHost() {
			u.trayOn = true
			u.installTray()
		} else {
			u.showWindow()
		}
	default:
		// The window first, the bus question after: starting fast matters
		// more than the tray icon's first few milliseconds.
		u.showWindow()
		u.do(job{quiet: true, action: "look for a tray host"}, func(context.Context) (func(), error) {
			if !u.trayHost() {
				return nil, nil
			}
			return func() { u.trayOn = true; u.installTray() }, nil
		})
	}
	// Nothing is notified in the first moments, so the bus is asked about
	// notifications only once the window is up, not while it starts.
	u.clock.AfterFunc(notifierProbeDelay, func() { fyne.Do(u.probeNotifier) })
	u.open()
	if u.path != "" {
		go u.watch(u.ctx, u.path, watchInterval)
	}
}

// Run starts the UI, runs the Fyne event loop until the app quits, then
// stops the background goroutines.
//
// SIGTERM, SIGINT and SIGHUP (a logout, a kill, ^C in the terminal that
// started it) quit the way Quit does, so a token on the clipboard is
// cleared on those paths too.
func (u *UI) Run() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	go func() {
		select {
		case <-sigs:
			fyne.Do(u.quit)
		case <-u.ctx.Done():
		}
	}()
	// Start-up (fonts parsed, the vault read, the first frames) leaves
	// garbage the runtime would hand back to the system only slowly; a
	// tray app sits idle for hours, so give it back once things settle,
	// and again whenever the window goes to the tray.
	u.trim = func() { go debug.FreeOSMemory() }
	settle := time.AfterFunc(trimAfterStart, u.trim)
	defer settle.Stop()
	u.Start()
	u.app.Run()
	u.stop()
}

// notifierProbeDelay is how long after Start the session bus is asked
// whether notifications can be shown.
const notifierProbeDelay = time.Second

// probeNotifier asks whether the session can show notifications, then
// sends the expiry notification that may have waited for the answer.
func (u *UI) probeNotifier() {
	u.do(job{quiet: true, action: "look for a notification service"}, func(context.Context) (func(), error) {
		ok := u.notifier()
		return func() {
			u.canNotify, u.notifyKnown = ok, true
			u.notifyExpiring()
		}, nil
	})
}

// trimAfterStart is when Run returns start-up garbage to the system.
const trimAfterStart = 2 * time.Second

// Raise brings the window forward. It is safe to call from any goroutine;
// a second launch of the app calls it through the Instance socket.
func (u *UI) Raise() { fyne.Do(u.showWindow) }

func (u *UI) showWindow() {
	u.visible = true
	u.win.Show()
	u.win.RequestFocus()
	u.refreshTimes()
}

// onClose hides the window to the tray when a tray host shows the icon that
// brings it back; otherwise closing quits, so the app is never unreachable.
// The host is asked again because a panel can go away while the app runs.
func (u *UI) onClose() {
	if u.trayOn && u.trayHost() {
		u.hideWindow()
		return
	}
	u.quit()
}

func (u *UI) hideWindow() {
	u.visible = false
	u.detail.conceal()
	u.win.Hide()
	if u.trim != nil {
		u.trim()
	}
}

// quit clears a token we put on the clipboard and ends the app.
func (u *UI) quit() {
	if u.quitting {
		return
	}
	u.quitting = true
	u.clip.clearIfOurs()
	u.stop()
	u.app.Quit()
}

func (u *UI) stop() {
	u.cancel()
	u.clip.stop()
}

// open learns whether the vault is a passphrase vault and loads the list.
func (u *UI) open() {
	u.do(job{label: "Opening the vault…", action: "open vault"}, func(context.Context) (func(), error) {
		st, err := u.locker.Status()
		switch {
		case needsPassphrase(err):
			// A passphrase vault, or a keyring that cannot give the key:
			// either way the passphrase (if the vault has one) opens it.
			_, sentence, _ := errorMessage(err)
			return func() {
				u.lockable = true
				u.setLocked(true)
				if !errors.Is(err, vault.ErrLocked) {
					u.lockView.explain(sentence)
				}
			}, nil
		case err != nil && !errors.Is(err, vault.ErrNoVault):
			return nil, err
		}
		lockable := err == nil && st.Passphrase && !st.Keyring
		recs, gen, err := u.loadRecords()
		if err != nil {
			return nil, err
		}
		return func() { u.lockable = lockable; u.setRecords(recs, gen) }, nil
	})
}

// loadRecords reads the list and its generation off the UI goroutine. A
// missing vault is an empty list: the first Add creates it.
func (u *UI) loadRecords() ([]vault.Record, uint64, error) {
	gen, err := u.store.Generation()
	if errors.Is(err, vault.ErrNoVault) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	recs, err := u.store.List()
	if errors.Is(err, vault.ErrNoVault) {
		return nil, 0, nil
	}
	return recs, gen, err
}

// reload reads the list again in the background.
func (u *UI) reload() {
	if u.locked {
		return
	}
	u.do(job{quiet: true, action: "reload vault"}, u.reloadWork)
}

func (u *UI) reloadWork(context.Context) (func(), error) {
	recs, gen, err := u.loadRecords()
	if err != nil {
		return nil, err
	}
	return func() { u.setRecords(recs, gen) }, nil
}

// setRecords replaces the list, keeping the selection and the search.
func (u *UI) setRecords(recs []vault.Record, gen uint64) {
	u.loaded = true
	u.gen = gen
	u.all = u.all[:0]
	for _, r := range recs {
		mask := api.Mask(r.Secret)
		r.Secret, r.RefreshToken = "", ""
		r.Scopes = slices.Clone(r.Scopes)
		hay := strings.ToLower(r.Name + "\x00" + r.BaseURL + "\x00" + r.PartnerSID + "\x00" + r.TokenSID + "\x00" + r.Note)
		u.all = append(u.all, item{rec: r, mask: mask, hay: hay})
	}
	if u.selected != "" && u.find(u.selected) < 0 {
		u.selected = ""
		u.detail.conceal()
	}
	u.filter()
	u.showBody()
	u.installTray()
	u.notifyExpiring()
}

// find is the index in all of the record with that ID, or -1.
func (u *UI) find(id string) int {
	for i := range u.all {
		if u.all[i].rec.ID == id {
			return i
		}
	}
	return -1
}

// record is the selected record.
func (u *UI) record() (vault.Record, bool) {
	if i := u.find(u.selected); i >= 0 {
		return u.all[i].rec, true
	}
	return vault.Record{}, false
}

// byName is the record with that name.
func (u *UI) byName(name string) (vault.Record, bool) {
	for _, it := range u.all {
		if it.rec.Name == name {
			return it.rec, true
		}
	}
	return vault.Record{}, false
}

// filter applies the search to the list.
func (u *UI) filter() {
	q := strings.ToLower(strings.TrimSpace(u.search.Text))
	u.shown = u.shown[:0]
	sel := -1
	for i := range u.all {
		if q == "" || strings.Contains(u.all[i].hay, q) {
			if u.all[i].rec.ID == u.selected {
				sel = len(u.shown)
			}
			u.shown = append(u.shown, i)
		}
	}
	switch {
	case len(u.all) == 1:
		u.count.SetText("1 token")
	case len(u.shown) == len(u.all):
		u.count.SetText(strconv.Itoa(len(u.all)) + " tokens")
	default:
		u.count.SetText(strconv.Itoa(len(u.shown)) + " of " + strconv.Itoa(len(u.all)) + " tokens")
	}
	if len(u.shown) == 0 && len(u.all) > 0 {
		u.noMatch.SetText("No token matches “" + strings.TrimSpace(u.search.Text) + "”.")
		u.noMatch.Show()
	} else {
		u.noMatch.Hide()
	}
	u.list.Refresh()
	// The list widget remembers a row index, not a record: clear it first so
	// Select always reports the record now at that row.
	u.list.UnselectAll()
	switch {
	case sel >= 0:
		u.list.Select(sel)
	case len(u.shown) > 0:
		u.list.Select(0) // the best match, rather than an empty pane
	default:
		u.selectID("")
	}
}

func (u *UI) selectID(id string) {
	if id != u.selected {
		u.detail.conceal()
	}
	u.selected = id
	u.detail.show()
}

// selectName selects a record by name, clearing a search that hides it.
func (u *UI) selectName(name string) {
	r, ok := u.byName(name)
	if !ok {
		return
	}
	u.selected = r.ID
	u.detail.conceal()
	if !strings.Contains(u.all[u.find(r.ID)].hay, strings.ToLower(strings.TrimSpace(u.search.Text))) {
		u.search.SetText("") // OnChanged refilters
	}
	u.filter()
}

// showBody picks what the window shows: the unlock screen, the first-run
// screen for an empty vault, or the list and details.
func (u *UI) showBody() {
	var obj fyne.CanvasObject
	switch {
	case u.locked:
		obj = u.lockView.content
	case !u.loaded:
		obj = u.loading
	case len(u.all) == 0:
		obj = u.firstRun.content
	default:
		obj = u.split
	}
	if len(u.body.Objects) != 1 || u.body.Objects[0] != obj {
		u.body.Objects = []fyne.CanvasObject{obj}
		u.body.Refresh()
	}
	if u.lockable && !u.locked {
		u.lockBtn.Show()
	} else {
		u.lockBtn.Hide()
	}
	if u.locked {
		u.addBtn.Disable()
		u.createBtn.Disable()
	} else {
		u.addBtn.Enable()
		u.createBtn.Enable()
	}
}

// setLocked switches between the unlock screen and the list.
func (u *UI) setLocked(locked bool) {
	u.locked = locked
	if locked {
		u.clip.clearIfOurs()
		u.closeDialogs()
		u.detail.conceal()
		u.all, u.shown, u.loaded = nil, nil, false
		u.list.Refresh()
		u.lockView.reset()
	}
	u.showBody()
	if locked && u.visible {
		u.win.Canvas().Focus(u.lockView.pass)
	}
	u.installTray()
}

func (u *UI) onLock() {
	u.lock()
}

// lock forgets the data key; only passphrase vaults offer it.
func (u *UI) lock() {
	if !u.lockable || u.locked {
		return
	}
	u.locker.Lock()
	u.setLocked(true)
	u.setStatus("Vault locked.")
}

// touch records user activity for auto-lock.
func (u *UI) touch() { u.lastActive = u.clock.Now() }

// setStatus shows a line in the status bar; "" shows where the vault is.
func (u *UI) setStatus(s string) {
	if s == "" && u.path != "" {
		s = "Vault: " + tildeHome(u.path)
	}
	u.status.SetText(s)
}

// tildeHome shortens a path under the home directory to ~/….
func tildeHome(p string) string {
	if home, err := os.UserHomeDir(); err == nil && home != "/" && strings.HasPrefix(p, home+string(os.PathSeparator)) {
		return "~" + p[len(home):]
	}
	return p
}

// refreshTimes redraws what shows relative times: countdowns and "ago".
func (u *UI) refreshTimes() {
	if !u.loaded {
		return
	}
	u.list.Refresh()
	u.detail.show()
}

// needsPassphrase reports an error that the unlock screen can answer.
func needsPassphrase(err error) bool {
	return errors.Is(err, vault.ErrLocked) || errors.Is(err, vault.ErrKeyringUnavailable) || errors.Is(err, vault.ErrKeyNotFound)
}

// addShortcuts binds the keyboard: Ctrl+F search, Ctrl+N add, Ctrl+W close
// the window (to the tray when there is one), Ctrl+Q quit.
func (u *UI) addShortcuts() {
	bind := func(k fyne.KeyName, f func()) {
		u.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { f() })
	}
	bind(fyne.KeyF, func() { u.win.Canvas().Focus(u.search) })
	bind(fyne.KeyN, u.onAdd)
	bind(fyne.KeyW, u.onClose)
	bind(fyne.KeyQ, u.quit)
}
