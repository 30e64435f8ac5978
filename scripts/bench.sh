#!/usr/bin/env bash
# bench.sh — prints cxtokens' benchmark table (README, "Benchmarks"): every
# figure beside its reference, measured in this one run. Run it through
# `make bench`, which builds bin/cxtokens and wraps this in scripts/session.sh
# (private D-Bus session, throw-away unlocked gnome-keyring, Xvfb).
# Extra arguments go to the table program (e.g. -rows 1,3 -get-runs 11).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${CXT_IN_SESSION:-}" ] || [ -z "${DISPLAY:-}" ]; then
	echo "bench.sh: run through scripts/session.sh (or make bench): it needs the session keyring and a display" >&2
	exit 2
fi
[ -x bin/cxtokens ] || { echo "bench.sh: bin/cxtokens is missing; run make build" >&2; exit 2; }

# The reference window is built with the same flags as bin/cxtokens.
go build -trimpath -o bin/bench-hello ./bench/hello
go build -o bin/benchtable ./bench/cmd/benchtable
exec bin/benchtable -bin bin/cxtokens -hello bin/bench-hello -module . "$@"
