package uifilter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"cxtokens/tokens"
	"cxtokens/ui"
	"cxtokens/vault"
)

const listSize = 10_000

// store serves a fixed list of records in memory: the benchmark is about
// the window's filter, and the vault's own List has its row in the table.
type store struct{ recs []vault.Record }

var errNotHere = errors.New("not part of the filter benchmark")

func newStore(n int) *store {
	s := &store{}
	now := time.Now()
	for i := range n {
		s.recs = append(s.recs, vault.Record{
			ID:            fmt.Sprintf("id%05d", i),
			Name:          fmt.Sprintf("token-%05d", i),
			Secret:        fmt.Sprintf("5ebc03d6-8b2b-44ad-bf65-72d4f14%05d", i),
			BaseURL:       fmt.Sprintf("https://api%d.example/core/v2", i%7),
			TokenSID:      fmt.Sprintf("tsid-%05d", i),
			PartnerSID:    fmt.Sprintf("psid-%03d", i%50),
			Scopes:        []string{"storage.read", "sms.manage"},
			Created:       now.Add(-time.Duration(i) * time.Hour),
			AccessExpires: now.Add(time.Duration(i%400) * 24 * time.Hour),
			Note:          "seeded for the filter benchmark",
			AddedAt:       now,
		})
	}
	return s
}

func (s *store) List() ([]vault.Record, error) { return s.recs, nil }
func (s *store) Get(name string) (vault.Record, error) {
	for _, r := range s.recs {
		if strings.EqualFold(r.Name, name) {
			return r, nil
		}
	}
	return vault.Record{}, vault.ErrNotFound
}
func (s *store) Generation() (uint64, error) { return 1, nil }
func (s *store) Add(context.Context, tokens.AddInput) (vault.Record, []string, error) {
	return vault.Record{}, nil, errNotHere
}
func (s *store) Rename(context.Context, string, string) (tokens.RenameReport, error) {
	return tokens.RenameReport{}, errNotHere
}
func (s *store) Forget(string) error { return errNotHere }
func (s *store) Test(context.Context, string) (tokens.TestReport, error) {
	return tokens.TestReport{}, errNotHere
}
func (s *store) TestMany(context.Context, []string, int) []tokens.TestReport {
	return []tokens.TestReport{{Err: errNotHere}}
}
func (s *store) Details(context.Context, string) (tokens.DetailsReport, error) {
	return tokens.DetailsReport{}, errNotHere
}
func (s *store) Create(context.Context, tokens.CreateInput) (vault.Record, error) {
	return vault.Record{}, errNotHere
}
func (s *store) Revoke(context.Context, string, string) (tokens.RevokeReport, error) {
	return tokens.RevokeReport{}, errNotHere
}
func (s *store) Status() (vault.Status, error) {
	return vault.Status{Count: len(s.recs), Keyring: true, FormatVersion: 1}, nil
}
func (s *store) Lock()               {}
func (s *store) Unlock([]byte) error { return nil }
func (s *store) Locked() bool        { return false }

// searchEntry is the window's search field, found by its placeholder.
func searchEntry(w fyne.Window) *widget.Entry {
	for _, o := range test.LaidOutObjects(w.Canvas().Content()) {
		if e, ok := o.(*widget.Entry); ok && strings.HasPrefix(e.PlaceHolder, "Search") {
			return e
		}
	}
	return nil
}

// countText is what the label under the list says ("10 of 10000 tokens").
func countText(w fyne.Window) string {
	for _, o := range test.LaidOutObjects(w.Canvas().Content()) {
		if l, ok := o.(*widget.Label); ok && strings.HasSuffix(l.Text, " tokens") {
			return l.Text
		}
	}
	return ""
}

// newWindow starts the real UI on the test driver over n records.
func newWindow(tb testing.TB, n int) (fyne.Window, *widget.Entry) {
	tb.Helper()
	a := test.NewTempApp(tb)
	s := newStore(n)
	u := ui.New(a, ui.Options{
		Store: s, Editor: s, Remote: s, Locker: s,
		TrayHost: func() bool { return false },
		Notifier: func() bool { return false },
		Run:      func(f func()) { f() },
	})
	u.Start()
	w := u.Window()
	tb.Cleanup(w.Close)
	e := searchEntry(w)
	if e == nil {
		tb.Fatal("no search field (an Entry with a \"Search…\" placeholder) in the window")
	}
	return w, e
}

// query is typed one keystroke at a time; it narrows 10,000 names to 10.
const query = "token-0123"

// TestFilter_Narrows proves the benchmark measures real filtering: typing
// the query leaves the ten matching tokens, clearing it shows all again.
func TestFilter_Narrows(t *testing.T) {
	w, e := newWindow(t, listSize)
	if got, want := countText(w), fmt.Sprintf("%d tokens", listSize); got != want {
		t.Fatalf("before typing the list says %q, want %q", got, want)
	}
	test.Type(e, query)
	if got, want := countText(w), fmt.Sprintf("10 of %d tokens", listSize); got != want {
		t.Errorf("after typing %q the list says %q, want %q", query, got, want)
	}
	e.SetText("")
	if got, want := countText(w), fmt.Sprintf("%d tokens", listSize); got != want {
		t.Errorf("after clearing the list says %q, want %q", got, want)
	}
}

// BenchmarkDesktopFilter is one keystroke in the search field of a window
// holding 10,000 tokens: the entry's change handler filters the list and
// refreshes it. The query is typed character by character; clearing it
// between rounds is not timed.
func BenchmarkDesktopFilter(b *testing.B) {
	_, e := newWindow(b, listSize)
	i := 0
	for b.Loop() {
		if i == len(query) {
			b.StopTimer()
			e.SetText("")
			i = 0
			b.StartTimer()
		}
		test.Type(e, query[i:i+1])
		i++
	}
}
