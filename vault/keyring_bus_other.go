//go:build !unix || darwin

package vault

// sessionBusKnown is true where the keyring is not reached over D-Bus
// (macOS Keychain, Windows Credential Manager).
func sessionBusKnown() bool { return true }
