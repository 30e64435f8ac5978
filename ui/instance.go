package ui

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrRunning means another copy of the app already runs for this vault; it
// was asked to show its window.
var ErrRunning = errors.New("the desktop app is already running for this vault")

// Instance makes the app single-instance per vault: the first process holds
// an advisory lock and listens on a Unix socket beside it; a second one finds
// the lock taken, sends "show" over the socket and exits, so a person never
// gets two windows or two tray icons on one vault.
type Instance struct {
	lock *os.File
	ln   net.Listener
	sock string
	once sync.Once
}

// instanceDir is where the lock and socket live: $XDG_RUNTIME_DIR (private
// to the user, cleared at logout), else the vault's own 0700 directory.
func instanceDir(vaultPath string) string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return d
	}
	return filepath.Dir(vaultPath)
}

// canonicalPath names a file the same way whichever link it is reached
// through: absolute, with the symbolic links of its directory (and of the
// file, when it exists) resolved.
func canonicalPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if real, err := filepath.EvalSymlinks(p); err == nil {
		return real
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
		return filepath.Join(dir, filepath.Base(p))
	}
	return p
}

// ClaimInstance claims the app for key (the vault's path, or "demo"). If
// another process holds it, ClaimInstance asks that one to show its window
// and returns ErrRunning. dir "" means instanceDir(key).
func ClaimInstance(key, dir string) (*Instance, error) {
	if dir == "" {
		dir = instanceDir(key)
	}
	if key != "demo" {
		key = canonicalPath(key)
	}
	sum := sha256.Sum256([]byte(key))
	base := filepath.Join(dir, "cxtokens-"+hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("single-instance lock: %w", err)
	}
	f, err := os.OpenFile(base+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("single-instance lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("single-instance lock: %w", err)
		}
		if err := askToShow(base + ".sock"); err != nil {
			return nil, fmt.Errorf("another copy of the app holds this vault but did not answer: %w", err)
		}
		return nil, ErrRunning
	}
	// We hold the lock, so any socket file is a leftover of a crash.
	os.Remove(base + ".sock")
	ln, err := net.Listen("unix", base+".sock")
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("single-instance socket: %w", err)
	}
	return &Instance{lock: f, ln: ln, sock: base + ".sock"}, nil
}

// askToShow sends "show" to the running instance. It retries briefly: the
// lock holder may still be starting and not listening yet.
func askToShow(sock string) error {
	var err error
	for range 20 {
		var c net.Conn
		c, err = net.DialTimeout("unix", sock, time.Second)
		if err == nil {
			defer c.Close()
			c.SetDeadline(time.Now().Add(3 * time.Second))
			if _, err = c.Write([]byte("show\n")); err != nil {
				return err
			}
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil {
				return err
			}
			if strings.TrimSpace(line) != "ok" {
				return fmt.Errorf("unexpected answer %q", strings.TrimSpace(line))
			}
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// Serve answers second launches until Close: each "show" calls show (which
// must hop to the UI goroutine itself).
func (in *Instance) Serve(show func()) {
	for {
		c, err := in.ln.Accept()
		if err != nil {
			return // closed
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(3 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil || strings.TrimSpace(line) != "show" {
				return
			}
			show()
			c.Write([]byte("ok\n"))
		}()
	}
}

// Close stops serving and releases the claim.
func (in *Instance) Close() error {
	in.once.Do(func() {
		in.ln.Close()
		os.Remove(in.sock)
		in.lock.Close()
	})
	return nil
}
