//go:build unix

package vault

import (
	"os"
	"syscall"
)

// unlockFile drops bbolt's flock on f after a panic left bbolt unusable.
func unlockFile(f *os.File) { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
