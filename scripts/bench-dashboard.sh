#!/usr/bin/env bash
# Benchmarks of the dashboard (internal/tui): a frame with 10,000 consumers, 50,000 lines a second
# fed into a running feed while every snapshot is drawn, and the feed's memory after 1,000,000
# lines. Prints the figures; targets: under 16 ms a frame, memory flat.
#
# On a machine shared with other work the wall-clock figures include waiting for a core: the
# CPU figures (cpu-ms/frame, lines/cpu-s) are the cost itself.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(go test -run '^$' -bench 'Dashboard' -benchtime "${BENCHTIME:-1x}" ./internal/tui/ 2>&1) || { echo "$out"; exit 1; }
echo "$out" | grep '^Benchmark' | while read -r name _ _ _ rest; do
  printf '%s\n' "${name%-*}"
  echo "$rest" | tr '\t' '\n' | sed 's/^ */  /' | grep -v '^  *$'
done
nproc=$(nproc); load=$(cut -d' ' -f1 /proc/loadavg)
echo "machine: $nproc cores, load average $load"
