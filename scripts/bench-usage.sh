#!/usr/bin/env bash
# Log ingest for `higress-ai usage`, compared in one run with jq doing the same grouping in one
# process (scripts/bench-usage.jq) and with `wc -l` reading the same file (the floor), on a
# generated realistic gateway log. Prints the median wall time of each over RUNS runs and the
# ratios, start-up (usage on an empty log) apart and the ratio without it, then peak memory: at
# LINES lines, at MEMCHECK_LINES lines (which must not be more: memory does not grow with the log),
# on BLANK_LINES blank lines (gzipped), and with CONSUMERS groups (memory grows with groups only).
# JQ=0 leaves jq out (it takes about a minute per million lines).
#
#   scripts/bench-usage.sh     LINES=100000 RUNS=5 MEMCHECK_LINES=1000000 BLANK_LINES=16000000 CONSUMERS=20000 JQ=1
#   LINES=1000000 RUNS=3 JQ=0 scripts/bench-usage.sh              the issue's target: 1M lines against wc -l
#   LINES=20000 MEMCHECK_LINES=0 BLANK_LINES=0 CONSUMERS=0 scripts/bench-usage.sh    a small run: 0 skips a check
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${LINES:-100000}
runs=${RUNS:-5}
memcheck=${MEMCHECK_LINES:-1000000}
consumers=${CONSUMERS:-20000}
blank=${BLANK_LINES:-16000000}
withjq=${JQ:-1}
for v in lines runs memcheck consumers blank withjq; do
  if ! [[ ${!v} =~ ^[0-9]+$ ]]; then
    echo "bench-usage: ${v^^} must be a whole number, not \"${!v}\"" >&2
    exit 1
  fi
done
if (( lines == 0 || runs == 0 )); then
  echo "bench-usage: LINES and RUNS must be at least 1" >&2
  exit 1
fi
bash scripts/deps.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/higress-ai" ./cmd/higress-ai
go build -o "$work/genlog" ./scripts/genlog
"$work/genlog" -n "$lines" -seed 1 > "$work/access.log"

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
# mib KIB: KiB in MiB, one decimal.
mib() { echo "scale=1; $1 / 1024" | bc; }

hai() { "$work/higress-ai" usage --log-file "$1" -o json 2>/dev/null; }
jqgroup() { jq -nR -c -f scripts/bench-usage.jq < "$1"; }

size=$(du -m "$work/access.log" | cut -f1)
echo "log: $lines lines, ${size} MB ($(nproc) cores)"
: > "$work/empty.log"
t_start=$(median_ms hai "$work/empty.log")
t_hai=$(median_ms hai "$work/access.log")
t_wc=$(median_ms wc -l "$work/access.log")
if (( withjq )); then t_jq=$(median_ms jqgroup "$work/access.log"); fi
# Both tools must agree before their times mean anything.
if (( withjq )); then
  "$work/higress-ai" usage --log-file "$work/access.log" -o json --sort name 2>/dev/null |
    jq -c 'map({key: ((.consumer // "") + "\t" + (.model // "")), value: {requests, errors, input_tokens, output_tokens}}) | from_entries' > "$work/hai.json"
  jqgroup "$work/access.log" | jq -cS . > "$work/jq.json"
  jq -cS . "$work/hai.json" > "$work/hai.sorted.json"
  if ! cmp -s "$work/hai.sorted.json" "$work/jq.json"; then
    echo "bench-usage: higress-ai and jq disagree on the totals" >&2
    exit 1
  fi
  printf '%-28s %8s ms\n' "jq (same grouping)" "$t_jq"
fi
printf '%-28s %8s ms\n' "higress-ai usage" "$t_hai" "  of which start-up" "$t_start" "wc -l" "$t_wc"
ratio() { echo "scale=1; $1 / ($2 + 0.5)" | bc; }
echo "higress-ai is $(ratio "$t_hai" "$t_wc")x the time of wc -l, $(ratio "$(( t_hai - t_start ))" "$t_wc")x without start-up"
if (( withjq )); then echo "higress-ai is $(ratio "$t_jq" "$t_hai")x faster than jq"; fi

m_small=$(peak_kb "$work/higress-ai" usage --log-file "$work/access.log" -o json)
echo "peak memory: $(mib "$m_small") MiB at $lines lines"
rm -f "$work/access.log"
if (( memcheck > 0 )); then
  "$work/genlog" -n "$memcheck" -seed 2 > "$work/memcheck.log"
  m_big=$(peak_kb "$work/higress-ai" usage --log-file "$work/memcheck.log" -o json)
  rm -f "$work/memcheck.log"
  echo "peak memory: $(mib "$m_big") MiB at $memcheck lines"
fi
if (( blank > 0 )); then
  head -c "$blank" /dev/zero | tr '\0' '\n' | gzip -9 > "$work/blank.log.gz"
  m_blank=$(peak_kb "$work/higress-ai" usage --log-file "$work/blank.log.gz" -o json)
  echo "peak memory: $(mib "$m_blank") MiB at $blank blank lines ($(( $(stat -c %s "$work/blank.log.gz") / 1024 )) KiB gzipped)"
fi
if (( consumers > 0 )); then
  # Ten requests a consumer on average: one group each, --by consumer.
  "$work/genlog" -n $(( 10 * consumers )) -consumers "$consumers" -seed 3 > "$work/groups.log"
  groups=$("$work/higress-ai" usage --log-file "$work/groups.log" --by consumer -o json 2>/dev/null | jq length)
  m_groups=$(peak_kb "$work/higress-ai" usage --log-file "$work/groups.log" --by consumer -o json)
  echo "peak memory: $(mib "$m_groups") MiB at $groups groups (--by consumer, $(( 10 * consumers )) lines)"
fi
