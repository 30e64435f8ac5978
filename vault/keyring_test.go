package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// realKeyring returns the OS keyring, or skips when there is no D-Bus
// session to reach one (run the tests through scripts/session.sh, which
// starts a throw-away gnome-keyring).
func realKeyring(t *testing.T) KeyStore {
	t.Helper()
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Skip("no DBUS_SESSION_BUS_ADDRESS: run under scripts/session.sh for the real keyring")
	}
	return NewSystemKeyring(10 * time.Second)
}

func TestSystemKeyring_RoundTrip(t *testing.T) {
	ks := realKeyring(t)
	user := "cxtokens-test-" + newID()
	t.Cleanup(func() { ks.Delete(KeyringService, user) })

	if _, err := ks.Get(KeyringService, user); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("Get missing: %v, want ErrKeyNotFound", err)
	}
	if err := ks.Set(KeyringService, user, "first"); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if err := ks.Set(KeyringService, user, "second"); err != nil {
		t.Fatalf("Set again: %v", err)
	}
	if got, err := ks.Get(KeyringService, user); err != nil || got != "second" {
		t.Fatalf("Get: err %v, value matches: %v", err, got == "second")
	}
	if err := ks.Delete(KeyringService, user); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := ks.Delete(KeyringService, user); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("Delete missing: %v, want ErrKeyNotFound", err)
	}
}

// TestVault_RealKeyring_EntryDeleted uses gnome-keyring: a vault opens with
// its keyring entry; once the entry is deleted, Open fails with ErrLocked
// and a recovery hint, writes no new key anywhere and leaves the file alone;
// the passphrase still opens it, and AddKeyring mends the entry.
func TestVault_RealKeyring_EntryDeleted(t *testing.T) {
	ks := realKeyring(t)
	for _, withPass := range []bool{false, true} {
		name := "keyring only"
		if withPass {
			name = "keyring and passphrase"
		}
		t.Run(name, func(t *testing.T) {
			opts := testOpts(t)
			opts.Keyring = ks
			src := CreateSources{Keyring: true}
			if withPass {
				src.Passphrase = []byte("recovery words")
			}
			v := mustCreate(t, opts, src)
			id := v.id
			t.Cleanup(func() { ks.Delete(KeyringService, id) })
			want := mustAdd(t, v, sampleRecord("prod"))
			v.Close()

			stored, err := ks.Get(KeyringService, id)
			if err != nil {
				t.Fatalf("keyring entry after Create: %v", err)
			}
			if bytes.Contains(mustRead(t, opts.Path), []byte(stored)) {
				t.Error("the data key stored in the keyring is also in the file")
			}
			got, err := mustOpen(t, opts).Get("prod")
			if err != nil {
				t.Fatalf("Get after reopen with the keyring: %v", err)
			}
			sameRecord(t, got, want)

			if err := ks.Delete(KeyringService, id); err != nil {
				t.Fatal(err)
			}
			before := mustRead(t, opts.Path)
			_, err = Open(opts)
			var le *LockedError
			if !errors.As(err, &le) || !errors.Is(err, ErrLocked) || !errors.Is(err, ErrKeyNotFound) {
				t.Fatalf("Open without the keyring entry: %v, want LockedError wrapping ErrKeyNotFound", err)
			}
			if le.HasPassphrase != withPass {
				t.Errorf("LockedError.HasPassphrase = %v, want %v", le.HasPassphrase, withPass)
			}
			wantHint := "export"
			if withPass {
				wantHint = "CXTOKENS_PASSPHRASE"
			}
			if !strings.Contains(le.Hint, wantHint) || !strings.Contains(err.Error(), le.Hint) {
				t.Errorf("hint %q: want it to mention %s and appear in the message", le.Hint, wantHint)
			}
			if _, err := ks.Get(KeyringService, id); !errors.Is(err, ErrKeyNotFound) {
				t.Errorf("keyring entry after the failed Open: %v, want still missing", err)
			}
			if !bytes.Equal(before, mustRead(t, opts.Path)) {
				t.Error("the failed Open changed the file")
			}
			if !withPass {
				return
			}

			opts.Passphrase = []byte("recovery words")
			w := mustOpen(t, opts)
			if got, err := w.Get("prod"); err != nil || got.ID != want.ID {
				t.Fatalf("Get after opening with the passphrase: %v", err)
			}
			if _, err := ks.Get(KeyringService, id); !errors.Is(err, ErrKeyNotFound) {
				t.Errorf("opening with the passphrase re-created the keyring entry (%v)", err)
			}
			if err := w.AddKeyring(); err != nil {
				t.Fatalf("AddKeyring to mend the entry: %v", err)
			}
			opts.Passphrase = nil
			if _, err := mustOpen(t, opts).Get("prod"); err != nil {
				t.Errorf("keyring open after AddKeyring: %v", err)
			}
		})
	}
}

// TestSystemKeyring_Unreachable runs a child process whose D-Bus session
// address is a socket that accepts and never answers, or that does not
// exist. The keyring must report ErrKeyringUnavailable within its timeout,
// and opening a keyring vault must fail with ErrLocked, not hang.
func TestSystemKeyring_Unreachable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sock := filepath.Join(dir, "bus")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// Hold the connection open and say nothing.
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()

	// The vault's key lives in a fake keyring the child cannot see; the
	// child only ever reaches the silent or missing bus.
	opts := testOpts(t)
	mustCreate(t, opts, CreateSources{Keyring: true}).Close()

	const timeout = 500 * time.Millisecond
	for name, addr := range map[string]string{
		"silent socket":  "unix:path=" + sock,
		"missing socket": "unix:path=" + filepath.Join(dir, "nobody-home"),
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			rep := runKeyringChild(t, "DBUS_SESSION_BUS_ADDRESS="+addr, "CXT_TIMEOUT="+timeout.String(), "CXT_PATH="+opts.Path)
			if !rep.GetUnavailable {
				t.Errorf("keyring Get: %s, want ErrKeyringUnavailable", rep.GetErr)
			}
			if !rep.OpenLocked || !rep.OpenUnavailable {
				t.Errorf("Open: %s, want ErrLocked wrapping ErrKeyringUnavailable", rep.OpenErr)
			}
			// Bounds that separate "gave up at the timeout" from "hung".
			if rep.GetTook > timeout+2*time.Second || rep.OpenTook > timeout+2*time.Second {
				t.Errorf("took %s (Get) and %s (Open), keyring timeout %s", rep.GetTook, rep.OpenTook, timeout)
			}
			t.Logf("Get: %s after %s; Open after %s; child ran %s", rep.GetErr, rep.GetTook, rep.OpenTook, time.Since(start))
		})
	}

	// No bus address at all (an SSH session): unavailable at once, and no
	// dbus-launch, which would leave a bus and a keyring daemon behind.
	t.Run("no bus", func(t *testing.T) {
		if _, err := os.Stat("/run/user/" + strconv.Itoa(os.Getuid()) + "/bus"); err == nil {
			t.Skip("this user has a session bus at /run/user/UID/bus")
		}
		bin := t.TempDir()
		marker := filepath.Join(bin, "launched")
		script := "#!/bin/sh\ntouch " + marker + "\nexit 1\n"
		if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		rep := runKeyringChild(t, "DBUS_SESSION_BUS_ADDRESS=", "PATH="+bin+":"+os.Getenv("PATH"),
			"CXT_TIMEOUT="+timeout.String(), "CXT_PATH="+opts.Path)
		if !rep.GetUnavailable || !rep.OpenLocked || !rep.OpenUnavailable {
			t.Errorf("Get: %s; Open: %s; want both to say the keyring is unavailable", rep.GetErr, rep.OpenErr)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Error("the keyring call ran dbus-launch, which leaves daemons behind")
		}
	})
}

// runKeyringChild runs the "keyring" child job with env and reads its report.
func runKeyringChild(t *testing.T, env ...string) childKeyringReport {
	t.Helper()
	cmd := child(t, "keyring", env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	var rep childKeyringReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("child report %q: %v", out, err)
	}
	return rep
}
