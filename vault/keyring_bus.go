//go:build unix && !darwin

package vault

import (
	"os"
	"path/filepath"
	"strconv"
)

// sessionBusKnown reports whether a D-Bus session bus can be found without
// starting one, the way godbus (under go-keyring) looks for it: the
// address in DBUS_SESSION_BUS_ADDRESS, or the socket or address file in
// /run/user/UID. When neither exists godbus runs dbus-launch, which leaves
// a bus daemon and a keyring daemon running after every such call (an SSH
// session, say); there is no keyring to reach then anyway.
func sessionBusKnown() bool {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return true
	}
	dir := "/run/user/" + strconv.Itoa(os.Getuid())
	for _, f := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return true
		}
	}
	return false
}
