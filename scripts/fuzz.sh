#!/usr/bin/env bash
# fuzz.sh DURATION — runs every Fuzz target in the module for DURATION each.
# Found failures are kept under testdata/fuzz by `go test` as regression seeds.
set -euo pipefail
dur=${1:-5s}
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "fuzz $pkg $f ($dur)"
		go test -run '^$' -fuzz "^$f\$" -fuzztime "$dur" "$pkg"
	done
done
