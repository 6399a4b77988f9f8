#!/usr/bin/env bash
# Log ingest for `higress-ai usage`, compared in one run with jq doing the same grouping in one
# process (scripts/bench-usage.jq) and with `wc -l` reading the same file (the floor), on a
# generated realistic gateway log. Prints the median wall time of each over RUNS runs, the ratios,
# and peak memory at 100,000 and 1,000,000 lines (which must not grow with the log).
#
#   scripts/bench-usage.sh            LINES=100000 RUNS=5 by default
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${LINES:-100000}
runs=${RUNS:-5}
bash scripts/deps.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/higress-ai" ./cmd/higress-ai
go run ./scripts/genlog -n "$lines" -seed 1 > "$work/access.log"
go run ./scripts/genlog -n 1000000 -seed 2 > "$work/access-1m.log"

# median_ms CMD...: the median wall time of RUNS runs, in ms (stdout discarded).
median_ms() {
  local t=()
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s%N)
    "$@" > /dev/null
    e=$(date +%s%N)
    t+=($(( (e - s) / 1000000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}
# peak_kb CMD...: the peak resident memory of one run, in KiB.
peak_kb() { /usr/bin/time -f '%M' -o "$work/rss" "$@" > /dev/null 2>&1; tail -1 "$work/rss"; }

hai() { "$work/higress-ai" usage --log-file "$1" -o json 2>/dev/null; }
jqgroup() { jq -nR -c -f scripts/bench-usage.jq < "$1"; }

size=$(du -m "$work/access.log" | cut -f1)
echo "log: $lines lines, ${size} MB ($(nproc) cores)"
t_hai=$(median_ms hai "$work/access.log")
t_jq=$(median_ms jqgroup "$work/access.log")
t_wc=$(median_ms wc -l "$work/access.log")
# Both tools must agree before their times mean anything.
"$work/higress-ai" usage --log-file "$work/access.log" -o json --sort name 2>/dev/null |
  jq -c 'map({key: (.consumer + "\t" + .model), value: {requests, errors, input_tokens, output_tokens}}) | from_entries' > "$work/hai.json"
jqgroup "$work/access.log" | jq -cS . > "$work/jq.json"
jq -cS . "$work/hai.json" > "$work/hai.sorted.json"
if ! cmp -s "$work/hai.sorted.json" "$work/jq.json"; then
  echo "bench-usage: higress-ai and jq disagree on the totals" >&2
  exit 1
fi
printf '%-28s %8s ms\n' "higress-ai usage" "$t_hai" "jq (same grouping)" "$t_jq" "wc -l" "$t_wc"
echo "higress-ai is $(echo "scale=1; $t_jq / $t_hai" | bc)x faster than jq, $(echo "scale=1; $t_hai / ($t_wc + 0.5)" | bc)x the time of wc -l"
m100=$(peak_kb "$work/higress-ai" usage --log-file "$work/access.log" -o json)
m1m=$(peak_kb "$work/higress-ai" usage --log-file "$work/access-1m.log" -o json)
echo "peak memory: $((m100 / 1024)) MiB at $lines lines, $((m1m / 1024)) MiB at 1,000,000 lines"
