#!/usr/bin/env bash
# `higress-ai plugin push` of the bundled module beside `oras push` of the same files (README.md
# and plugin.tar.gz, as Higress's own CI pushes them) to the same loopback docker-registry, in one
# run, alternating, each push to a fresh repository so every blob is uploaded. plugin push also
# pulls the artifact back, unpacks it as the gateway's fetcher does and compares; oras push does
# not. Two plugin pushes: the module the binary carries (the default: its layer is embedded
# ready-made) and --file plugin.wasm (it packs the tar.gz itself, as oras's user did beforehand).
# Prints the medians and their ratios; never fails on a number.
#   RUNS=9 scripts/bench-push.sh
#   ORAS_VERSION=v1.3.6   the oras CLI, built from the Go module proxy into ~/.cache/higress-ai
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-9}
ORAS_VERSION=${ORAS_VERSION:-v1.3.6}
cache=${HIGRESS_AI_CACHE:-$HOME/.cache/higress-ai}
oras="$cache/oras-$ORAS_VERSION/oras"
work=$(mktemp -d)
registry_pid=""
cleanup() {
  [[ -n $registry_pid ]] && kill "$registry_pid" 2>/dev/null && wait "$registry_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

command -v docker-registry >/dev/null && command -v python3 >/dev/null || bash scripts/deps.sh
if [[ ! -x $oras ]]; then
  echo "bench-push: building oras $ORAS_VERSION into $cache/oras-$ORAS_VERSION" >&2
  GOBIN="$cache/oras-$ORAS_VERSION" GOFLAGS=-buildvcs=false go install "oras.land/oras/cmd/oras@$ORAS_VERSION"
fi
hai="$work/higress-ai"
go build -o "$hai" ./cmd/higress-ai

# A registry of our own on a free loopback port, stopped by pid on exit.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
reg="127.0.0.1:$port"
cat > "$work/registry.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/data
http:
  addr: $reg
YAML
docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do
  curl -fs "http://$reg/v2/" >/dev/null && break
  sleep 0.1
done
curl -fs "http://$reg/v2/" >/dev/null || { cat "$work/registry.log" >&2; echo "bench-push: registry did not start" >&2; exit 1; }

# The same files for both: the carried module, its README, and the tar.gz Higress's CI makes.
cd "$work"
"$hai" plugin build --embedded --out plugin.wasm >/dev/null 2>&1
cp "$OLDPWD/internal/wasm/ai-proxy/README.md" README.md
tar czf plugin.tar.gz plugin.wasm
printf 'module %s bytes, plugin.tar.gz %s bytes, %d runs each, oras %s\n' \
  "$(stat -c %s plugin.wasm)" "$(stat -c %s plugin.tar.gz)" "$RUNS" "$ORAS_VERSION"
export DOCKER_CONFIG="$work/docker"  # no developer's credentials
mkdir -p "$DOCKER_CONFIG"

now() { date +%s%N; }
hai_ms=() file_ms=() oras_ms=()
for i in $(seq "$RUNS"); do
  t0=$(now)
  "$hai" plugin push "$reg/hai-$i/ai-proxy:1.0.0" --plain-http --readme README.md >/dev/null 2>&1
  t1=$(now)
  "$hai" plugin push "$reg/file-$i/ai-proxy:1.0.0" --plain-http --file plugin.wasm --readme README.md >/dev/null 2>&1
  t2=$(now)
  "$oras" push --plain-http --no-tty "$reg/oras-$i/ai-proxy:1.0.0" \
    README.md:application/vnd.module.wasm.doc.v1+markdown \
    plugin.tar.gz:application/vnd.oci.image.layer.v1.tar+gzip >/dev/null 2>&1
  t3=$(now)
  hai_ms+=($(( (t1 - t0) / 1000000 )))
  file_ms+=($(( (t2 - t1) / 1000000 )))
  oras_ms+=($(( (t3 - t2) / 1000000 )))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
h=$(median "${hai_ms[@]}")
f=$(median "${file_ms[@]}")
o=$(median "${oras_ms[@]}")
printf 'plugin push (carried module; pushes, pulls back, checks): median %5d ms  (%s)\n' "$h" "${hai_ms[*]}"
printf 'plugin push --file plugin.wasm (also packs the tar.gz):   median %5d ms  (%s)\n' "$f" "${file_ms[*]}"
printf 'oras push of the ready files:                             median %5d ms  (%s)\n' "$o" "${oras_ms[*]}"
printf 'ratio plugin push / oras push: %s; with --file: %s\n' "$(echo "scale=2; $h / $o" | bc)" "$(echo "scale=2; $f / $o" | bc)"
