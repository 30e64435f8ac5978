package vault

import (
	"errors"
	"testing"
	"time"
)

func TestVault_Modify(t *testing.T) {
	opts := testOpts(t)
	v := mustCreate(t, opts, CreateSources{Passphrase: []byte("pw")})
	a := mustAdd(t, v, sampleRecord("alpha"))
	mustAdd(t, v, sampleRecord("beta"))

	t.Run("OK", func(t *testing.T) {
		at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		got, err := v.Modify("ALPHA", func(r *Record) error {
			r.LastTest = &TestResult{At: at, Outcome: "works", Status: 200}
			r.Note = "tested"
			return nil
		})
		if err != nil {
			t.Fatalf("Modify: %v", err)
		}
		if got.ID != a.ID || got.Note != "tested" || got.LastTest == nil || !got.LastTest.At.Equal(at) {
			t.Errorf("Modify returned %v", got)
		}
		stored, err := v.Get(a.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameRecord(t, stored, got)
	})

	t.Run("fn error writes nothing", func(t *testing.T) {
		before := mustRead(t, opts.Path)
		boom := errors.New("boom")
		if _, err := v.Modify("alpha", func(r *Record) error { r.Note = "lost"; return boom }); !errors.Is(err, boom) {
			t.Fatalf("Modify: %v, want boom", err)
		}
		if r, _ := v.Get("alpha"); r.Note == "lost" {
			t.Error("a failed Modify changed the record")
		}
		if string(before) != string(mustRead(t, opts.Path)) {
			t.Error("a failed Modify changed the file")
		}
	})

	t.Run("ErrExists", func(t *testing.T) {
		if _, err := v.Modify("alpha", func(r *Record) error { r.Name = "Beta"; return nil }); !errors.Is(err, ErrExists) {
			t.Fatalf("Modify to a taken name: %v, want ErrExists", err)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		if _, err := v.Modify("gamma", func(*Record) error { return nil }); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Modify of a missing record: %v, want ErrNotFound", err)
		}
	})

	t.Run("keeps a rename made by another Vault", func(t *testing.T) {
		// The race the window and the CLI had with Get-then-Update: a stale
		// copy written back would undo the rename.
		other := mustOpen(t, Options{Path: opts.Path, Passphrase: []byte("pw"), KDF: opts.KDF})
		if err := other.Rename("alpha", "alpha-renamed"); err != nil {
			t.Fatal(err)
		}
		got, err := v.Modify(a.ID, func(r *Record) error { r.Note = "after rename"; return nil })
		if err != nil {
			t.Fatalf("Modify by id after a rename elsewhere: %v", err)
		}
		if got.Name != "alpha-renamed" {
			t.Errorf("Modify wrote name %q, want the rename kept", got.Name)
		}
		if _, err := v.Get("alpha"); !errors.Is(err, ErrNotFound) {
			t.Errorf("old name after Modify: %v, want ErrNotFound", err)
		}
	})
}
