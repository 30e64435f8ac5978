#!/usr/bin/env bash
# bench.sh — the benchmark table. Filled in by the proof-suite work.
set -euo pipefail
go test -run '^$' -bench . -benchmem ./...
