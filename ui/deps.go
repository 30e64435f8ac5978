package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"

	"cxtokens/tokens"
	"cxtokens/vault"
)

// Store reads the vault.
type Store interface {
	List() ([]vault.Record, error)
	Get(name string) (vault.Record, error)
	Generation() (uint64, error)
}

// Editor changes the vault without asking the server for anything but a rename.
type Editor interface {
	Add(ctx context.Context, in tokens.AddInput) (vault.Record, []string, error)
	Rename(ctx context.Context, oldName, newName string) (tokens.RenameReport, error)
	Forget(name string) error
}

// Remote runs the workflows that talk to the Core API.
type Remote interface {
	Test(ctx context.Context, name string) (tokens.TestReport, error)
	TestMany(ctx context.Context, names []string, concurrency int) []tokens.TestReport
	Details(ctx context.Context, name string) (tokens.DetailsReport, error)
	Create(ctx context.Context, in tokens.CreateInput) (vault.Record, error)
	Revoke(ctx context.Context, name, using string) (tokens.RevokeReport, error)
}

// Locker opens and closes a passphrase vault.
type Locker interface {
	Status() (vault.Status, error)
	Lock()
	Unlock(pass []byte) error
	Locked() bool
}

// Tray is the part of desktop.App the UI drives.
type Tray interface {
	SetSystemTrayMenu(menu *fyne.Menu)
	SetSystemTrayIcon(icon fyne.Resource)
}

// Clock is the time source for countdowns, clipboard clearing and auto-lock,
// injectable so tests control time.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc call.
type Timer interface {
	Stop() bool
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
