package ui

import (
	"context"
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/godbus/dbus/v5"
)

// CheckSession reports, as a sentence for the command line, why the desktop
// app cannot start here: Fyne needs a display to open a window and a D-Bus
// session bus for the tray, notifications and a clean quit. getenv is
// os.Getenv; uid is the user's id, for the default bus socket.
func CheckSession(getenv func(string) string, uid int) error {
	if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no display: the desktop app needs an X11 or Wayland session (DISPLAY or WAYLAND_DISPLAY), and neither is set; the subcommands work without one, see cxtokens --help")
	}
	if getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return nil
	}
	sock := "/run/user/" + strconv.Itoa(uid) + "/bus"
	if _, err := os.Stat(sock); err == nil {
		return nil
	}
	return errors.New("no D-Bus session bus: the desktop app needs one for its tray icon and notifications, but DBUS_SESSION_BUS_ADDRESS is unset and " + sock + " does not exist; start it from a desktop session, or wrap it in dbus-run-session")
}

// trayWatcher is the well-known bus name of the StatusNotifierItem host
// registry; a tray that can show our icon owns it (KDE, GNOME with the
// AppIndicator extension, most panels).
const trayWatcher = "org.kde.StatusNotifierWatcher"

// sessionHasTrayHost asks the session bus whether a tray host is running, so
// closing the window may hide it without making the app unreachable. Any
// failure counts as "no": then closing quits, which is always safe.
func sessionHasTrayHost() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// A private connection: the shared one belongs to the tray library.
	conn, err := dbus.ConnectSessionBus(dbus.WithContext(ctx))
	if err != nil {
		return false
	}
	defer conn.Close()
	var owned bool
	err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, trayWatcher).Store(&owned)
	return err == nil && owned
}
