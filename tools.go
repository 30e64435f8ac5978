//go:build tools

// This file pins modules the project uses before code imports them.
package main

import (
	_ "filippo.io/age"
	_ "github.com/rogpeppe/go-internal/testscript"
	_ "github.com/zalando/go-keyring"
	_ "go.etcd.io/bbolt"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/crypto/chacha20poly1305"
	_ "golang.org/x/term"
)
