package ui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// CheckSession reports, as a sentence for the command line, why the desktop
// app cannot start here: Fyne needs an X display it can reach to open a
// window (it panics without one) and a D-Bus session bus for the tray,
// notifications and a clean quit. getenv is os.Getenv; uid is the user's id,
// for the default bus socket.
func CheckSession(getenv func(string) string, uid int) error {
	return checkSession(getenv, uid, dialX)
}

func checkSession(getenv func(string) string, uid int, dial func(network, addr string) error) error {
	display := getenv("DISPLAY")
	switch {
	case display == "" && getenv("WAYLAND_DISPLAY") != "":
		// This build draws through X11; a Wayland desktop offers that as
		// XWayland, which sets DISPLAY.
		return errors.New("no X display: the desktop app draws through X11 and DISPLAY is not set; on Wayland it needs XWayland (which sets DISPLAY); the subcommands work without one, see cxtokens --help")
	case display == "":
		return errors.New("no display: the desktop app needs an X11 session (DISPLAY), or Wayland with XWayland, and DISPLAY is not set; the subcommands work without one, see cxtokens --help")
	}
	if err := reachX(display, dial); err != nil {
		return fmt.Errorf("cannot reach the X display %q (%w): start the X server (or XWayland) or correct DISPLAY; the subcommands work without one, see cxtokens --help", display, err)
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

// reachX connects to the X server that display names, and hangs up: the
// cheapest proof that opening a window will not fail. A value it cannot
// parse is left to the X library to judge.
func reachX(display string, dial func(network, addr string) error) error {
	addrs := xAddrs(display)
	if len(addrs) == 0 {
		return nil
	}
	var err error
	for _, a := range addrs {
		if err = dial(a[0], a[1]); err == nil {
			return nil
		}
	}
	return err
}

// xAddrs lists where the X server of display ([host]:N[.S]) listens, in the
// order Xlib tries them: a local display on its abstract and path sockets, a
// remote one on TCP port 6000+N.
func xAddrs(display string) [][2]string {
	colon := strings.LastIndexByte(display, ':')
	if colon < 0 {
		return nil
	}
	host, num := display[:colon], display[colon+1:]
	if dot := strings.IndexByte(num, '.'); dot >= 0 {
		num = num[:dot]
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > 65535-6000 {
		return nil
	}
	switch {
	case host == "" || host == "unix":
		path := "/tmp/.X11-unix/X" + strconv.Itoa(n)
		return [][2]string{{"unix", "@" + path}, {"unix", path}}
	case strings.HasPrefix(host, "/"):
		return [][2]string{{"unix", display}} // a launchd-style socket path
	default:
		return [][2]string{{"tcp", net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(6000+n))}}
	}
}

func dialX(network, addr string) error {
	c, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Err != nil {
			return op.Err
		}
		return err
	}
	return c.Close()
}

// trayWatcher is the well-known bus name of the StatusNotifierItem host
// registry; a tray that can show our icon owns it (KDE, GNOME with the
// AppIndicator extension, most panels).
const trayWatcher = "org.kde.StatusNotifierWatcher"

// notifications is the bus name of the desktop's notification service.
const notifications = "org.freedesktop.Notifications"

// sessionHasTrayHost asks the session bus whether a tray host is running, so
// closing the window may hide it without making the app unreachable. Any
// failure counts as "no": then closing quits, which is always safe.
func sessionHasTrayHost() bool { return onSessionBus(trayWatcher, false) }

// sessionHasNotifier asks the session bus whether notifications can be
// shown: a service owns the name, or the bus can start one. Without one,
// Fyne prints a bus error on every notification and nobody sees it.
func sessionHasNotifier() bool { return onSessionBus(notifications, true) }

// onSessionBus reports whether name has an owner on the session bus (or,
// with activatable, whether the bus would start one on demand).
func onSessionBus(name string, activatable bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// A private connection: the shared one belongs to the tray library.
	conn, err := dbus.ConnectSessionBus(dbus.WithContext(ctx))
	if err != nil {
		return false
	}
	defer conn.Close()
	var owned bool
	err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, name).Store(&owned)
	if err == nil && owned || !activatable {
		return err == nil && owned
	}
	var names []string
	if conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.ListActivatableNames", 0).Store(&names) != nil {
		return false
	}
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}
