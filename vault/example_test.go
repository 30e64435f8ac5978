package vault_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"cxtokens/vault"
)

func Example() {
	dir, err := os.MkdirTemp("", "cxtokens-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	opts := vault.Options{
		Path: filepath.Join(dir, "cxtokens", "vault.db"),
		// The desktop app and CLI pass vault.NewSystemKeyring(0) as
		// Keyring and offer the keyring source; this example uses a
		// passphrase only, with a cheap KDF cost.
		KDF: vault.KDFParams{Time: 1, Memory: 64, Threads: 1},
	}
	v, err := vault.Create(opts, vault.CreateSources{Passphrase: []byte("correct horse battery staple")})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := v.Add(vault.Record{Name: "Production", Secret: "5ebc0a8e-1f0b-4c2a-9d3e-7b6a5c4d1dda", BaseURL: "https://api.carrierx.com/core/v2"}); err != nil {
		log.Fatal(err)
	}
	if _, err := v.Add(vault.Record{Name: "production"}); errors.Is(err, vault.ErrExists) {
		fmt.Println("names are unique ignoring case")
	}
	v.Close()

	// Another process (the CLI, say) opens the same file with the passphrase.
	opts.Passphrase = []byte("correct horse battery staple")
	v, err = vault.Open(opts)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	r, err := v.Get("PRODUCTION")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Name, r.BaseURL)
	// Printing a record masks its secrets.
	fmt.Println(vault.Record{Name: r.Name, Secret: r.Secret})
	// Output:
	// names are unique ignoring case
	// Production https://api.carrierx.com/core/v2
	// vault.Record{Name: "Production", Secret: 5ebc…1dda}
}
