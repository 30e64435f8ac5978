package vault

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// DefaultKeyringTimeout bounds one keyring call when NewSystemKeyring is
// given 0.
const DefaultKeyringTimeout = 3 * time.Second

// NewSystemKeyring returns a KeyStore backed by go-keyring where every call
// gives up after timeout (0 means 3s) with an error wrapping ErrKeyringUnavailable.
//
// A call that times out is abandoned, not cancelled: go-keyring has no way
// to stop a D-Bus call, so its goroutine finishes (or not) on its own.
// On Linux the D-Bus connection is shared per process, so once the Secret
// Service stops answering, later calls time out too rather than pile up work.
func NewSystemKeyring(timeout time.Duration) KeyStore {
	if timeout <= 0 {
		timeout = DefaultKeyringTimeout
	}
	return systemKeyring{timeout: timeout}
}

type systemKeyring struct{ timeout time.Duration }

func (k systemKeyring) Get(service, user string) (string, error) {
	return k.call("get", func() (string, error) { return keyring.Get(service, user) })
}

func (k systemKeyring) Set(service, user, secret string) error {
	_, err := k.call("set", func() (string, error) { return "", keyring.Set(service, user, secret) })
	return err
}

func (k systemKeyring) Delete(service, user string) error {
	_, err := k.call("delete", func() (string, error) { return "", keyring.Delete(service, user) })
	return err
}

// call runs f on its own goroutine and waits at most k.timeout for it.
func (k systemKeyring) call(op string, f func() (string, error)) (string, error) {
	if !sessionBusKnown() {
		return "", fmt.Errorf("keyring %s: %w: no D-Bus session bus to reach it through (DBUS_SESSION_BUS_ADDRESS names none)", op, ErrKeyringUnavailable)
	}
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1) // buffered: an abandoned call must not block forever
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("keyring library panicked: %v", r)}
			}
		}()
		s, err := f()
		done <- result{s, err}
	}()
	timer := time.NewTimer(k.timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err == nil {
			return r.s, nil
		}
		return "", keyringError(op, r.err)
	case <-timer.C:
		return "", fmt.Errorf("keyring %s: %w: no answer within %s", op, ErrKeyringUnavailable, k.timeout)
	}
}

// keyringError sorts go-keyring's errors into ours. Anything it does not
// name (D-Bus refused, no Secret Service, a locked collection whose prompt
// failed) means the keyring cannot be used right now.
func keyringError(op string, err error) error {
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return fmt.Errorf("keyring %s: %w", op, ErrKeyNotFound)
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return fmt.Errorf("keyring %s: %w", op, err)
	default:
		return fmt.Errorf("keyring %s: %w: %w", op, ErrKeyringUnavailable, err)
	}
}

// NewMemoryKeyStore returns a KeyStore that keeps entries in memory only,
// for throw-away vaults (the demo) and tests: a key stored there dies with
// the process, and so does every vault that only it unlocks.
func NewMemoryKeyStore() KeyStore { return &memoryKeyStore{m: map[string]string{}} }

type memoryKeyStore struct {
	mu sync.Mutex
	m  map[string]string
}

func (k *memoryKeyStore) Get(service, user string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.m[service+"\x00"+user]
	if !ok {
		return "", fmt.Errorf("memory key store: %w", ErrKeyNotFound)
	}
	return v, nil
}

func (k *memoryKeyStore) Set(service, user, secret string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.m[service+"\x00"+user] = secret
	return nil
}

func (k *memoryKeyStore) Delete(service, user string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, service+"\x00"+user)
	return nil
}
