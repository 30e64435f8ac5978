#!/usr/bin/env bash
# bench.sh — prints cxtokens' benchmark table (README, "Benchmarks"): every
# figure beside its reference, measured in this one run. Run it through
# `make bench`, which builds bin/cxtokens and wraps this in scripts/session.sh
# (private D-Bus session, throw-away unlocked gnome-keyring).
# Extra arguments go to the table program (e.g. -rows 1,3 -get-runs 11).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${CXT_IN_SESSION:-}" ]; then
	echo "bench.sh: run through scripts/session.sh (or make bench): it needs the session keyring" >&2
	exit 2
fi
[ -x bin/cxtokens ] || { echo "bench.sh: bin/cxtokens is missing; run make build" >&2; exit 2; }

# The desktop rows always run on a display of their own, even when the caller
# has a desktop: no window manager to reparent windows or compositor to delay
# them, the same software OpenGL on every machine, so runs compare.
xvfb_pid=
trap '[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null; true' EXIT
for n in $(seq 150 199); do
	[ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] && continue
	Xvfb ":$n" -screen 0 1280x800x24 -noreset -nolisten tcp >/dev/null 2>&1 &
	xvfb_pid=$!
	for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
	if [ -e "/tmp/.X11-unix/X$n" ]; then export DISPLAY=":$n"; break; fi
	kill "$xvfb_pid" 2>/dev/null || true
	xvfb_pid=
done
[ -n "$xvfb_pid" ] || { echo "bench.sh: could not start Xvfb" >&2; exit 1; }

# The reference window is built with the same flags as bin/cxtokens.
go build -trimpath -o bin/bench-hello ./bench/hello
go build -o bin/benchtable ./bench/cmd/benchtable
bin/benchtable -bin bin/cxtokens -hello bin/bench-hello -module . "$@"
