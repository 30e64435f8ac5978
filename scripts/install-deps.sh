#!/usr/bin/env bash
# install-deps.sh build|test|run — installs the Debian/Ubuntu packages cxtokens
# needs for that purpose, only when some are missing. Works as root or via sudo;
# on systems without apt it names what to install by hand and fails.
set -euo pipefail

build_pkgs=(gcc pkg-config libgl1-mesa-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev)
session_pkgs=(dbus dbus-x11 gnome-keyring libsecret-tools)
test_pkgs=(xvfb imagemagick xdotool x11-utils)

case "${1:-}" in
build) want=("${build_pkgs[@]}") ;;
run) want=("${build_pkgs[@]}" "${session_pkgs[@]}") ;;
test | bench) want=("${build_pkgs[@]}" "${session_pkgs[@]}" "${test_pkgs[@]}") ;;
*)
	echo "usage: $0 build|run|test|bench" >&2
	exit 2
	;;
esac

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
	for p in "${want[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
else
	echo "cxtokens: this system has no dpkg/apt. Install by hand the equivalents of:" >&2
	echo "  ${want[*]}" >&2
	echo "(a C compiler, pkg-config, OpenGL and X11 development headers (Xcursor, Xrandr, Xinerama, Xi, Xxf86vm), D-Bus, gnome-keyring with secret-tool, and for tests Xvfb, ImageMagick, xdotool and xwininfo)" >&2
	exit 1
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "cxtokens: installing missing packages: ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
	sudo=()
elif command -v sudo >/dev/null 2>&1; then
	sudo=(sudo)
else
	echo "cxtokens: not root and no sudo; install these by hand: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
