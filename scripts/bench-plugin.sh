#!/usr/bin/env bash
# The bundled ai-proxy Wasm plugin against a no-op plugin built the same way (same SDK, same
# callbacks, doing nothing), both compiled as Higress loads them and run in the wasm host
# (wazero, as in the tests), in ONE `go test -bench` run: the same requests (a chat completion as
# JSON, and streamed in twelve chunks; the request a realistic 1 KB chat completion) through
# each, COUNT times. Prints, per scenario, each plugin's median time per request, wall and CPU
# (the CPU time of the benchmark's thread, where the plugin runs: on a shared machine it leaves
# out waiting for a core and the Go host's garbage collector, which Envoy's C++ host does not
# have), the ratios ai-proxy / no-op (the target: at most 1.5) and the host's allocations per
# request (each host call the plugin makes costs the host some); then benchstat's table when
# benchstat can be fetched.
#
#   scripts/bench-plugin.sh                BENCHTIME=2000x COUNT=6
#   BENCHTIME=500x COUNT=3 scripts/bench-plugin.sh      a quick run
#   NATIVE=1 scripts/bench-plugin.sh       also the plugins compiled into the test binary (no wasm)
#   HIGRESS_AI_CACHE=...                   where the .wasm files go (default ~/.cache/higress-ai)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
module="$root/internal/wasm/ai-proxy"
out="${HIGRESS_AI_CACHE:-$HOME/.cache/higress-ai}/wasm"
benchtime=${BENCHTIME:-2000x}
count=${COUNT:-6}
if ! [[ $count =~ ^[1-9][0-9]*$ ]]; then
  echo "bench-plugin: COUNT must be a whole number of at least 1, not \"$count\"" >&2
  exit 1
fi
if ! [[ $benchtime =~ ^[1-9][0-9]*(x|s|ms)$ ]]; then
  echo "bench-plugin: BENCHTIME must be like 2000x or 3s, not \"$benchtime\"" >&2
  exit 1
fi

mkdir -p "$out"
cd "$module"
for p in ai-proxy:. noop:./noop; do
  echo "bench-plugin: building ${p%%:*}.wasm" >&2
  GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o "$out/${p%%:*}.wasm" "${p#*:}"
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "bench-plugin: go test -bench BenchmarkWasm -benchtime $benchtime -count $count (both plugins, one run)" >&2
WASM_FILE_PATH="$out/ai-proxy.wasm" NOOP_WASM_FILE_PATH="$out/noop.wasm" HIGRESS_AI_REQUIRE_REAL=1 \
  go test -run '^$' -bench '^BenchmarkWasm$' -benchtime "$benchtime" -count "$count" ./hosttest 2>/dev/null \
  | grep -E '^(Benchmark|goos|goarch|pkg|cpu)' > "$work/wasm.txt"
if [[ ${NATIVE:-} == 1 ]]; then
  echo "bench-plugin: the same natively (the plugins linked into the test binary)" >&2
  for pkg in . ./noop; do
    go test -run '^$' -bench '^BenchmarkNative$' -benchtime "$benchtime" -count "$count" "$pkg" 2>/dev/null \
      | grep -E '^Benchmark' | sed "s|^BenchmarkNative/|BenchmarkNative/plugin=$([[ $pkg == . ]] && echo ai-proxy || echo noop)/|"
  done > "$work/native.txt"
fi

# report FILE: per scenario, the median wall time and thread CPU time per request of each plugin,
# their ratios, and the host-side allocations.
report() {
  awk '
    $1 ~ /^Benchmark/ {
      split($1, part, "/")
      plugin = part[2]; sub(/^plugin=/, "", plugin)
      scenario = part[3]; sub(/-[0-9]+$/, "", scenario)
      for (i = 2; i < NF; i++) {
        if ($(i+1) == "ns/op") wall[plugin, scenario, ++nw[plugin, scenario]] = $i
        if ($(i+1) == "cpu-ns/op") cpu[plugin, scenario, ++nc[plugin, scenario]] = $i
        if ($(i+1) == "allocs/op") al[plugin, scenario] = $i
      }
      seen[scenario] = 1
    }
    function median(arr, n, plugin, scenario,    m, v, i, j, t) {
      m = n[plugin, scenario]
      if (m == 0) return 0
      for (i = 1; i <= m; i++) v[i] = arr[plugin, scenario, i]
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
    }
    END {
      printf "%-12s %10s %10s %6s   %10s %10s %6s   %s\n", "scenario", "ai-proxy", "no-op", "ratio", "cpu ai-p.", "cpu no-op", "ratio", "runs, host allocs/op"
      for (s in seen) {
        a = median(wall, nw, "ai-proxy", s); b = median(wall, nw, "noop", s)
        c = median(cpu, nc, "ai-proxy", s); d = median(cpu, nc, "noop", s)
        cr = d > 0 ? sprintf("%5.2fx", c / d) : "   -  "
        printf "%-12s %7.3f ms %7.3f ms %5.2fx   %7.3f ms %7.3f ms %s   %d, %s / %s\n", s, a / 1e6, b / 1e6, a / b, c / 1e6, d / 1e6, cr,
          nw["ai-proxy", s], al["ai-proxy", s], al["noop", s]
      }
    }' "$1" | { read -r h; echo "$h"; sort; }
}

echo
echo "In the wasm host (wazero), what Envoy runs:"
report "$work/wasm.txt"
if [[ -s $work/native.txt ]]; then
  echo
  echo "Natively (the plugin's own code without wasm):"
  report "$work/native.txt"
fi

# benchstat, when it can be fetched, for its confidence intervals.
if (cd "$work" && timeout 300 go run golang.org/x/perf/cmd/benchstat@latest -col /plugin wasm.txt > benchstat.txt 2>&1); then
  echo
  cat "$work/benchstat.txt"
else
  echo "bench-plugin: benchstat could not be fetched or run; the medians above are awk's" >&2
fi
