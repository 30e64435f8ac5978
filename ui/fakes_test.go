package ui

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"cxtokens/tokens"
	"cxtokens/vault"
)

// The production service satisfies every interface the UI declares.
var (
	_ Store  = (*tokens.Service)(nil)
	_ Editor = (*tokens.Service)(nil)
	_ Remote = (*tokens.Service)(nil)
	_ Locker = (*tokens.Service)(nil)
)

// fakeService is an in-memory stand-in for tokens.Service. It records the
// calls the UI makes.
type fakeService struct {
	mu         sync.Mutex
	recs       []vault.Record
	gen        uint64
	outcomes   map[string]tokens.Outcome // Test answers; missing means works
	passphrase string                    // non-empty: a passphrase-only vault
	locked     bool
	calls      []string
	nextID     int
	now        func() time.Time
}

func newFakeService(now func() time.Time, names ...string) *fakeService {
	f := &fakeService{outcomes: map[string]tokens.Outcome{}, now: now}
	for _, n := range names {
		f.put(vault.Record{Name: n, Secret: secretFor(n), BaseURL: "https://api.carrierx.com/core/v2"})
	}
	return f
}

// secretFor is a UUID-shaped, per-name fake token.
func secretFor(name string) string {
	h := fmt.Sprintf("%08x", len(name)*2654435761%4294967296)
	return h + "-aaaa-4bbb-8ccc-" + fmt.Sprintf("%012x", len(name)*97+int(name[0]))
}

func (f *fakeService) put(r vault.Record) vault.Record {
	f.nextID++
	r.ID = fmt.Sprintf("id%d", f.nextID)
	r.AddedAt = f.now()
	f.recs = append(f.recs, r)
	slices.SortFunc(f.recs, func(a, b vault.Record) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	f.gen++
	return r
}

func (f *fakeService) record(call string) {
	f.calls = append(f.calls, call)
}

func (f *fakeService) called(call string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.calls, call)
}

func (f *fakeService) index(name string) int {
	for i, r := range f.recs {
		if strings.EqualFold(r.Name, name) {
			return i
		}
	}
	return -1
}

func (f *fakeService) List() ([]vault.Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.locked {
		return nil, vault.ErrLocked
	}
	return slices.Clone(f.recs), nil
}

func (f *fakeService) Get(name string) (vault.Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("get " + name)
	if f.locked {
		return vault.Record{}, vault.ErrLocked
	}
	if i := f.index(name); i >= 0 {
		return f.recs[i], nil
	}
	return vault.Record{}, &tokens.UnknownNameError{Name: name}
}

func (f *fakeService) Generation() (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gen, nil
}

func (f *fakeService) Add(_ context.Context, in tokens.AddInput) (vault.Record, []string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("add " + in.Name)
	if f.index(in.Name) >= 0 {
		return vault.Record{}, nil, fmt.Errorf("add token %q: %w", in.Name, vault.ErrExists)
	}
	tok, err := tokens.CleanToken(in.Token)
	if err != nil {
		return vault.Record{}, nil, fmt.Errorf("add token %q: %w", in.Name, err)
	}
	var warnings []string
	for _, r := range f.recs {
		if r.Secret == tok {
			warnings = append(warnings, "the same token is already stored as "+strconv.Quote(r.Name))
		}
	}
	return f.put(vault.Record{Name: in.Name, Secret: tok, BaseURL: in.BaseURL}), warnings, nil
}

func (f *fakeService) Rename(_ context.Context, oldName, newName string) (tokens.RenameReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("rename " + oldName + " " + newName)
	i := f.index(oldName)
	if i < 0 {
		return tokens.RenameReport{}, &tokens.UnknownNameError{Name: oldName}
	}
	f.recs[i].Name = newName
	f.gen++
	return tokens.RenameReport{}, nil
}

func (f *fakeService) Forget(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("forget " + name)
	i := f.index(name)
	if i < 0 {
		return &tokens.UnknownNameError{Name: name}
	}
	f.recs = slices.Delete(f.recs, i, i+1)
	f.gen++
	return nil
}

func (f *fakeService) Test(_ context.Context, name string) (tokens.TestReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("test " + name)
	i := f.index(name)
	if i < 0 {
		return tokens.TestReport{}, &tokens.UnknownNameError{Name: name}
	}
	out, ok := f.outcomes[name]
	if !ok {
		out = tokens.OutcomeWorks
	}
	rep := tokens.TestReport{Name: name, Outcome: out, Status: 200, Latency: 42 * time.Millisecond, At: f.now()}
	if out == tokens.OutcomeInvalid {
		rep.Status, rep.Detail = 401, "the server rejected the token"
	}
	f.recs[i].LastTest = &vault.TestResult{At: rep.At, Outcome: string(out), Status: rep.Status, Latency: rep.Latency, Detail: rep.Detail}
	f.gen++
	return rep, nil
}

func (f *fakeService) TestMany(ctx context.Context, names []string, _ int) []tokens.TestReport {
	if names == nil {
		f.mu.Lock()
		for _, r := range f.recs {
			names = append(names, r.Name)
		}
		f.mu.Unlock()
	}
	var out []tokens.TestReport
	for _, n := range names {
		rep, err := f.Test(ctx, n)
		rep.Err = err
		out = append(out, rep)
	}
	return out
}

func (f *fakeService) Details(_ context.Context, name string) (tokens.DetailsReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("details " + name)
	i := f.index(name)
	if i < 0 {
		return tokens.DetailsReport{}, &tokens.UnknownNameError{Name: name}
	}
	r := &f.recs[i]
	r.TokenSID, r.PartnerSID, r.Scopes = "sid-"+name, "partner-1", []string{"storage.manage", "sms.manage"}
	r.Created, r.AccessExpires, r.DetailsAt = f.now().Add(-time.Hour), f.now().AddDate(100, 0, 0), f.now()
	f.gen++
	return tokens.DetailsReport{Record: *r}, nil
}

func (f *fakeService) Create(_ context.Context, in tokens.CreateInput) (vault.Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("create " + in.Name)
	return f.put(vault.Record{Name: in.Name, Secret: secretFor(in.Name), Scopes: in.Scopes}), nil
}

func (f *fakeService) Revoke(_ context.Context, name, using string) (tokens.RevokeReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("revoke " + name)
	i := f.index(name)
	if i < 0 {
		return tokens.RevokeReport{}, &tokens.UnknownNameError{Name: name}
	}
	f.recs = slices.Delete(f.recs, i, i+1)
	f.gen++
	return tokens.RevokeReport{Using: using, VerifyStatus: 401}, nil
}

func (f *fakeService) Status() (vault.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.locked {
		return vault.Status{}, fmt.Errorf("open vault: %w", vault.ErrLocked)
	}
	return vault.Status{Count: len(f.recs), Passphrase: f.passphrase != "", Keyring: f.passphrase == ""}, nil
}

func (f *fakeService) Lock() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.locked = true
}

func (f *fakeService) Unlock(pass []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if string(pass) != f.passphrase {
		return fmt.Errorf("unlock vault: %w", vault.ErrWrongPassphrase)
	}
	f.locked = false
	return nil
}

func (f *fakeService) Locked() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.locked
}

// fakeClock is a Clock the test moves by hand; due timers fire inside Advance.
type fakeClock struct {
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at   time.Time
	f    func()
	done bool
}

func (t *fakeTimer) Stop() bool {
	was := !t.done
	t.done = true
	return was
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	t := &fakeTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.now = c.now.Add(d)
	for _, t := range slices.Clone(c.timers) {
		if !t.done && !t.at.After(c.now) {
			t.done = true
			t.f()
		}
	}
}

// fakeTray records the menus the UI installs.
type fakeTray struct {
	menus []*fyne.Menu
	icon  fyne.Resource
}

func (t *fakeTray) SetSystemTrayMenu(m *fyne.Menu)    { t.menus = append(t.menus, m) }
func (t *fakeTray) SetSystemTrayIcon(r fyne.Resource) { t.icon = r }

func (t *fakeTray) last() *fyne.Menu {
	if len(t.menus) == 0 {
		return nil
	}
	return t.menus[len(t.menus)-1]
}

// tokenEntries are the labels of the per-token entries of a tray menu.
func tokenEntries(m *fyne.Menu) []string {
	var out []string
	for _, it := range m.Items {
		if it.ChildMenu != nil {
			out = append(out, it.Label)
		}
	}
	return out
}

// harness is a UI on Fyne's test driver with synchronous background work.
type harness struct {
	u     *UI
	app   fyne.App
	clock *fakeClock
	tray  *fakeTray
	host  bool // what the tray-host check answers
}

type deps interface {
	Store
	Editor
	Remote
	Locker
}

func newHarness(t *testing.T, svc deps) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	h := &harness{app: a, clock: &fakeClock{now: time.Now()}, tray: &fakeTray{}, host: true}
	h.u = New(a, Options{
		Store: svc, Editor: svc, Remote: svc, Locker: svc,
		Tray:     h.tray,
		TrayHost: func() bool { return h.host },
		Notifier: func() bool { return true },
		Clock:    h.clock,
		Run:      func(f func()) { f() },
	})
	t.Cleanup(h.u.stop)
	h.u.Start()
	h.clock.Advance(notifierProbeDelay) // the bus is asked about notifications
	return h
}

// names are the names the list shows, in order.
func (h *harness) names() []string {
	var out []string
	for _, i := range h.u.shown {
		out = append(out, h.u.all[i].rec.Name)
	}
	return out
}

// dialogButtonByLabel finds a button by its label in the window's open dialogs.
func dialogButtonByLabel(t *testing.T, w fyne.Window, label string) *widget.Button {
	t.Helper()
	for _, o := range w.Canvas().Overlays().List() {
		for _, obj := range test.LaidOutObjects(o) {
			if b, ok := obj.(*widget.Button); ok && b.Text == label && b.Visible() {
				return b
			}
			if b, ok := obj.(*dialogButton); ok && b.Text == label && b.Visible() {
				return &b.Button
			}
		}
	}
	t.Fatalf("no button %q in an open dialog", label)
	return nil
}

// dialogText reports whether an open dialog shows text containing s.
func dialogText(w fyne.Window, s string) bool {
	for _, o := range w.Canvas().Overlays().List() {
		for _, obj := range test.LaidOutObjects(o) {
			if l, ok := obj.(*widget.Label); ok && strings.Contains(l.Text, s) {
				return true
			}
		}
	}
	return false
}
