#!/usr/bin/env bash
# `higress-ai limit replay` on a generated realistic gateway log, beside `higress-ai usage` reading
# the same file, in one run: median wall time of RUNS runs, lines/s of each, the ratio, and the
# replay's peak memory at LINES lines and at MEMCHECK_LINES (which must not be more: it holds one
# counter per consumer and window and the requests still open, never the log).
#
#   scripts/bench-replay.sh                      LINES=1000000 RUNS=3 MEMCHECK_LINES=2000000
#   LINES=50000 RUNS=1 MEMCHECK_LINES=0 scripts/bench-replay.sh     a small run (0 skips the check)
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${LINES:-1000000}
runs=${RUNS:-3}
memcheck=${MEMCHECK_LINES:-2000000}
for v in lines runs memcheck; do
  if ! [[ ${!v} =~ ^[0-9]+$ ]] || { [[ $v != memcheck ]] && (( ${!v} == 0 )); }; then
    echo "bench-replay: ${v^^} must be a whole number (LINES and RUNS at least 1), not \"${!v}\"" >&2
    exit 1
  fi
done
[[ -x /usr/bin/time ]] || bash scripts/deps.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/higress-ai" ./cmd/higress-ai
go build -o "$work/genlog" ./scripts/genlog
"$work/genlog" -n "$lines" -seed 1 > "$work/access.log"
# Limits every generated consumer meets: a small one per minute for everyone, so the replay both
# allows and refuses (the case that costs most: every request matched, checked and charged).
cat > "$work/limits.yaml" <<'YAML'
rule_name: bench
redis: {service_name: redis.static}
rule_items:
- limit_by_per_consumer: ''
  limit_keys: [{key: '*', token_per_minute: 20000}]
YAML

median_ms() {
  local t=()
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s%N)
    "$@" > /dev/null 2>&1
    e=$(date +%s%N)
    t+=($(( (e - s) / 1000000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}
peak_kb() { /usr/bin/time -f '%M' -o "$work/rss" "$@" > /dev/null 2>&1; tail -1 "$work/rss"; }
replay_args() { echo limit replay --dir "$work" --log-file "$1" --limits "$work/limits.yaml" -o json; }
replay() { "$work/higress-ai" $(replay_args "$1") 2> /dev/null; }
usage() { "$work/higress-ai" usage --log-file "$1" -o json; }

replay "$work/access.log" > "$work/replay.json" || { echo "bench-replay: the replay failed" >&2; exit 1; }
grep -q '"refused": [1-9]' "$work/replay.json" || { echo "bench-replay: the limits refused nothing: not a useful run" >&2; exit 1; }

echo "log: $lines lines, $(du -m "$work/access.log" | cut -f1) MB ($(nproc) cores), median of $runs"
r=$(median_ms replay "$work/access.log")
u=$(median_ms usage "$work/access.log")
(( r > 0 && u > 0 )) || { echo "bench-replay: a run took 0 ms: use more LINES" >&2; exit 1; }
printf '%-28s %8s ms  %10s lines/s\n' "higress-ai limit replay" "$r" "$(( lines * 1000 / r ))"
printf '%-28s %8s ms  %10s lines/s\n' "higress-ai usage (same log)" "$u" "$(( lines * 1000 / u ))"
echo "ratio: replay takes $(echo "scale=2; $r / $u" | bc)x the time of usage"
kb=$(peak_kb "$work/higress-ai" $(replay_args "$work/access.log"))
echo "replay peak memory at $lines lines: $(echo "scale=1; $kb / 1024" | bc) MiB"
if (( memcheck > 0 )); then
  "$work/genlog" -n "$memcheck" -seed 2 > "$work/big.log"
  kb2=$(peak_kb "$work/higress-ai" $(replay_args "$work/big.log"))
  echo "replay peak memory at $memcheck lines: $(echo "scale=1; $kb2 / 1024" | bc) MiB"
fi
