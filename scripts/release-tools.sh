#!/usr/bin/env bash
# Builds the release tools from the Go module proxy once, at pinned versions that build with this
# machine's Go, into a cache outside the work tree, and prints the folder that holds them:
#   goreleaser       v2.17.0 (v2.18 needs a newer Go)
#   cyclonedx-gomod  v1.10.0 (the SBOM, from the Go module graph)
# A second run finds them and returns at once.
set -euo pipefail
GORELEASER_VERSION=${HIGRESS_AI_GORELEASER_VERSION:-v2.17.0}
CYCLONEDX_VERSION=${HIGRESS_AI_CYCLONEDX_VERSION:-v1.10.0}
CACHE=${HIGRESS_AI_CACHE:-$HOME/.cache/higress-ai}
BIN="$CACHE/release-tools/goreleaser-$GORELEASER_VERSION-cyclonedx-$CYCLONEDX_VERSION"
if [[ -x $BIN/goreleaser && -x $BIN/cyclonedx-gomod ]]; then
  echo "$BIN"
  exit 0
fi
mkdir -p "$BIN"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "release-tools: building goreleaser $GORELEASER_VERSION and cyclonedx-gomod $CYCLONEDX_VERSION (first run: a few minutes)" >&2
if ! (cd "$BIN" && GOBIN="$BIN" GOFLAGS=-mod=mod go install "github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION" \
    && GOBIN="$BIN" GOFLAGS=-mod=mod go install "github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@$CYCLONEDX_VERSION") > "$log" 2>&1; then
  tail -n 20 "$log" >&2
  echo "release-tools: build failed" >&2
  exit 1
fi
echo "$BIN"
