#!/usr/bin/env bash
# Builds kube-apiserver and kubectl from the Go module proxy once, into a cache outside the work
# tree, and prints the folder that holds them. A second run finds them and returns at once.
#
# k8s.io/kubernetes cannot be `go install`ed (its go.mod has replace directives), so this makes a
# throwaway module that requires it and replaces every staging module it requires at v0.0.0 by the
# published v0.X.Y of the same module.
set -euo pipefail

K8S_VERSION=${HIGRESS_AI_K8S_VERSION:-v1.37.2}
CACHE=${HIGRESS_AI_CACHE:-$HOME/.cache/higress-ai}
BIN="$CACHE/k8s-$K8S_VERSION/bin"

if [[ -x "$BIN/kube-apiserver" && -x "$BIN/kubectl" ]]; then
  echo "$BIN"
  exit 0
fi

staging_version="v0.${K8S_VERSION#v1.}"
minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
work="$CACHE/k8s-$K8S_VERSION/module"
mkdir -p "$work" "$BIN"
cd "$work"

gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
[[ -f "$gomod" ]] || { echo "build-k8s: cannot download k8s.io/kubernetes@$K8S_VERSION" >&2; exit 1; }

{
  echo "module higress-ai.local/k8sbuild"
  echo
  echo "go $(go env GOVERSION | sed 's/^go//; s/\.[0-9]*$//')"
  echo
  echo "require k8s.io/kubernetes $K8S_VERSION"
  echo
  # Staging modules: required at v0.0.0 by k8s.io/kubernetes (the two sample modules are only replaced).
  awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" { print $1 }' "$gomod" |
    grep -vE '^k8s\.io/(sample-cli-plugin|sample-controller)$' |
    sort -u | while read -r m; do echo "replace $m => $m $staging_version"; done
} > go.mod
cat > tools.go <<'GO'
//go:build tools

package k8sbuild

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO

echo "build-k8s: resolving modules for $K8S_VERSION (first run only; several minutes)" >&2
GOFLAGS=-mod=mod go mod tidy -e >&2 || true
GOFLAGS=-mod=mod go get "k8s.io/kubernetes@$K8S_VERSION" >&2

ld="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
done
for cmd in kube-apiserver kubectl; do
  echo "build-k8s: building $cmd" >&2
  GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "$ld" -o "$BIN/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd" >&2
  mv "$BIN/$cmd.tmp" "$BIN/$cmd"
done
echo "$BIN"
