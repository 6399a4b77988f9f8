#!/usr/bin/env bash
# Tests the bundled ai-proxy Wasm plugin (internal/wasm/ai-proxy, its own Go module) for real:
# builds plugin.wasm and the no-op baseline as Higress would load them, checks they export the
# proxy-wasm ABI and that the build is reproducible, then runs vet, every test natively and
# against the compiled modules in wazero (end to end through a loopback gateway, and a
# 5,000-request soak), and each fuzz target briefly.
#
#   FUZZTIME=50000x       how many inputs each fuzz target runs (a count: see test.sh)
#   HIGRESS_AI_CACHE=...  where the .wasm files go (default ~/.cache/higress-ai)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
module="$root/internal/wasm/ai-proxy"
out="${HIGRESS_AI_CACHE:-$HOME/.cache/higress-ai}/wasm"
fuzztime="${FUZZTIME:-50000x}"

command -v wasm-objdump >/dev/null || bash "$root/scripts/deps.sh"
mkdir -p "$out"
cd "$module"

# build PACKAGE OUTPUT: the plugin as Higress loads it, then a check that the proxy-wasm ABI is
# really exported (an SDK built for TinyGo compiles fine under Go and exports nothing).
build() {
  echo "test-plugin: building $2" >&2
  GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o "$2" "$1"
  local exports
  exports=$(wasm-objdump -x -j Export "$2")
  for fn in proxy_on_vm_start proxy_on_configure proxy_on_context_create proxy_on_request_headers \
      proxy_on_request_body proxy_on_response_headers proxy_on_response_body proxy_on_log proxy_on_delete; do
    if ! grep -qF -- "-> \"$fn\"" <<<"$exports"; then
      echo "test-plugin: $2 does not export $fn: Envoy could not run it" >&2
      exit 1
    fi
  done
}
build . "$out/ai-proxy.wasm"
build ./noop "$out/noop.wasm"

# The build is reproducible: the same sources, checked out elsewhere, give the same bytes.
echo "test-plugin: checking that the build is reproducible" >&2
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
cp -r . "$copy/ai-proxy"
(cd "$copy/ai-proxy" && GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o "$copy/again.wasm" .)
if ! cmp -s "$out/ai-proxy.wasm" "$copy/again.wasm"; then
  echo "test-plugin: building the same sources in $copy gave different bytes: the build is not reproducible" >&2
  exit 1
fi

export WASM_FILE_PATH="$out/ai-proxy.wasm"
export NOOP_WASM_FILE_PATH="$out/noop.wasm"
export HIGRESS_AI_REQUIRE_REAL=1

echo "test-plugin: go vet" >&2
go vet ./...
echo "test-plugin: go test (native and in wazero)" >&2
go test -count=1 ./...

# Each fuzz target on its own: go test refuses -fuzz matching more than one.
grep -rhoE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+' . | sed 's/^func //' | sort -u | while read -r target; do
  pkg=$(dirname "$(grep -rlE --include='*_test.go' "^func $target\(" . | head -n1)")
  echo "test-plugin: fuzzing $target in $pkg for $fuzztime" >&2
  go test -run '^$' -fuzz "^$target\$" -fuzztime "$fuzztime" "$pkg"
done
echo "test-plugin: ok" >&2
