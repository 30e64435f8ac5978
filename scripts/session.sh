#!/usr/bin/env bash
# session.sh CMD [ARGS…] — runs CMD the way the tests need it: inside a private
# D-Bus session (dbus-run-session, so no daemon outlives it) with a throw-away,
# unlocked gnome-keyring as the Secret Service and, unless one is already set,
# a virtual X display (Xvfb -noreset). Nothing touches the caller's own keyring.
set -euo pipefail

if [ -z "${CXT_IN_SESSION:-}" ]; then
	export CXT_IN_SESSION=1
	exec dbus-run-session --config-file="$(dirname "$0")/dbus-session.conf" -- "$0" "$@"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cxtokens-session.XXXXXX")
xvfb_pid=
keyring_pid=
cleanup() {
	[ -n "$keyring_pid" ] && kill "$keyring_pid" 2>/dev/null || true
	[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# A keyring of our own: gnome-keyring keeps its files under XDG_DATA_HOME and
# its caches under XDG_CACHE_HOME; give those to the daemon only, so the Go
# build cache (under XDG_CACHE_HOME too) stays where it is.
export XDG_RUNTIME_DIR="$work/run"
mkdir -p "$work/data" "$work/cache" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
eval "$(printf 'cxtokens-test' | XDG_DATA_HOME="$work/data" XDG_CACHE_HOME="$work/cache" \
	gnome-keyring-daemon --unlock --components=secrets)"
keyring_pid=${GNOME_KEYRING_PID:-}
export GNOME_KEYRING_CONTROL GNOME_KEYRING_PID
# The daemon creates and unlocks the login collection, and makes it the
# default alias, a moment after it answers on the bus: wait until a secret
# can really be stored in and read from the default collection.
ready=
for _ in $(seq 100); do
	if printf ok | secret-tool store --label=cxtokens-probe cxtokens-probe 1 >/dev/null 2>&1 &&
		[ "$(secret-tool lookup cxtokens-probe 1 2>/dev/null)" = ok ]; then
		secret-tool clear cxtokens-probe 1 >/dev/null 2>&1 || true
		ready=1
		break
	fi
	sleep 0.1
done
[ -n "$ready" ] || echo "session.sh: the throw-away gnome-keyring did not become ready; keyring tests will fail" >&2

if [ -z "${DISPLAY:-}" ] && command -v Xvfb >/dev/null 2>&1; then
	for n in $(seq 90 140); do
		[ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] && continue
		Xvfb ":$n" -screen 0 1280x800x24 -noreset -nolisten tcp >"$work/xvfb.log" 2>&1 &
		xvfb_pid=$!
		for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
		if [ -e "/tmp/.X11-unix/X$n" ]; then export DISPLAY=":$n"; break; fi
		kill "$xvfb_pid" 2>/dev/null || true
		xvfb_pid=
	done
fi

"$@"
