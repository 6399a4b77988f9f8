#!/usr/bin/env bash
# Regenerates the prebuilt plugin module the higress-ai binary embeds
# (internal/wasm/prebuilt/plugin.wasm.gz and plugin.json) from the plugin's current source,
# with the go on PATH. Run it after changing internal/wasm/ai-proxy, and commit the result.
#
#   scripts/gen-prebuilt.sh           regenerate
#   scripts/gen-prebuilt.sh --check   write nothing; fail when the committed copy is stale
#                                     (the release runs this)
set -euo pipefail
cd "$(dirname "$0")/.."
check=()
[[ ${1:-} == --check ]] && check=(-check)
# -tags noprebuilt: the generator must compile when the files it writes are missing.
exec go run -tags noprebuilt ./internal/wasm/prebuilt/gen "${check[@]}"
