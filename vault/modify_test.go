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

func TestVault_ModifyEach(t *testing.T) {
	opts := testOpts(t)
	v := mustCreate(t, opts, CreateSources{Passphrase: []byte("pw")})
	a := mustAdd(t, v, sampleRecord("alpha"))
	b := mustAdd(t, v, sampleRecord("beta"))
	mustAdd(t, v, sampleRecord("gamma"))
	gen0, err := v.Generation()
	if err != nil {
		t.Fatal(err)
	}

	boom := errors.New("boom")
	keys := []string{a.ID, "missing", "gamma", "BETA", "delta"}
	errs, err := v.ModifyEach(keys, func(i int, r *Record) error {
		switch keys[i] {
		case "gamma":
			r.Note = "lost"
			return boom
		case "delta":
			t.Error("fn called for a record that does not exist")
			return nil
		}
		r.Note = "batch " + keys[i]
		return nil
	})
	if err != nil {
		t.Fatalf("ModifyEach: %v", err)
	}
	if len(errs) != len(keys) {
		t.Fatalf("%d errors for %d keys", len(errs), len(keys))
	}
	for i, want := range []error{nil, ErrNotFound, boom, nil, ErrNotFound} {
		if want == nil && errs[i] != nil || want != nil && !errors.Is(errs[i], want) {
			t.Errorf("errs[%d] (%s) = %v, want %v", i, keys[i], errs[i], want)
		}
	}
	for name, note := range map[string]string{"alpha": "batch " + a.ID, "beta": "batch BETA", "gamma": sampleRecord("gamma").Note} {
		r, err := v.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		if r.Note != note {
			t.Errorf("%s: note %q, want %q", name, r.Note, note)
		}
	}
	if r, _ := v.Get(b.ID); r.Name != "beta" {
		t.Errorf("beta was renamed to %q", r.Name)
	}
	if gen, _ := v.Generation(); gen != gen0+1 {
		t.Errorf("generation moved from %d to %d: want one write for the batch", gen0, gen)
	}

	t.Run("ErrExists for one, the others written", func(t *testing.T) {
		errs, err := v.ModifyEach([]string{"alpha", "beta"}, func(i int, r *Record) error {
			if i == 0 {
				r.Name = "Gamma"
			} else {
				r.Note = "second batch"
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(errs[0], ErrExists) || errs[1] != nil {
			t.Errorf("errs = %v, want [ErrExists nil]", errs)
		}
		if r, _ := v.Get("beta"); r.Note != "second batch" {
			t.Errorf("beta's note %q", r.Note)
		}
	})

	t.Run("locked writes nothing", func(t *testing.T) {
		before := mustRead(t, opts.Path)
		v.Lock()
		defer func() {
			if err := v.Unlock([]byte("pw")); err != nil {
				t.Fatal(err)
			}
		}()
		if _, err := v.ModifyEach([]string{"alpha"}, func(int, *Record) error { return nil }); !errors.Is(err, ErrLocked) {
			t.Errorf("ModifyEach on a locked vault: %v, want ErrLocked", err)
		}
		if string(before) != string(mustRead(t, opts.Path)) {
			t.Error("the file changed")
		}
	})
}

// TestVault_InvalidRecord: what the decoder would refuse is never written,
// so no write can leave a record that the next List fails to read.
func TestVault_InvalidRecord(t *testing.T) {
	opts := testOpts(t)
	v := mustCreate(t, opts, CreateSources{Passphrase: []byte("pw")})
	mustAdd(t, v, sampleRecord("alpha"))
	before := mustRead(t, opts.Path)
	for _, status := range []int{-1, MaxTestStatus + 1} {
		r := sampleRecord("beta")
		r.LastTest = &TestResult{At: time.Now(), Outcome: "works", Status: status}
		if _, err := v.Add(r); !errors.Is(err, ErrInvalidRecord) {
			t.Errorf("Add with test status %d: %v, want ErrInvalidRecord", status, err)
		}
		if _, err := v.Modify("alpha", func(r *Record) error { r.LastTest.Status = status; return nil }); !errors.Is(err, ErrInvalidRecord) {
			t.Errorf("Modify to test status %d: %v, want ErrInvalidRecord", status, err)
		}
	}
	if string(before) != string(mustRead(t, opts.Path)) {
		t.Error("a refused record changed the file")
	}
	if _, err := v.List(); err != nil {
		t.Errorf("List: %v", err)
	}
}
