#!/usr/bin/env bash
# Runs every test of higress-ai, the real-component tests included: a real kube-apiserver with
# etcd, a real Prometheus, the compiled plugin in a real Wasm runtime (scripts/test-plugin.sh). Installs what they need
# (Debian packages, Go modules, kube-apiserver built once into a cache) on a fresh machine.
#
#   scripts/test.sh            everything (CI runs this through .ci/run)
#   FUZZTIME=200000x scripts/test.sh   longer fuzzing (inputs per target; a count, not a duration:
#                                    Go 1.26's fuzzer can fail a duration run with a spurious
#                                    "context deadline exceeded" on a loaded machine, go.dev/issue/75804)
set -euo pipefail
cd "$(dirname "$0")/.."
export HIGRESS_AI_CACHE=${HIGRESS_AI_CACHE:-$HOME/.cache/higress-ai}
fuzztime=${FUZZTIME:-}
section() { printf '\n==> %s\n' "$*"; }

section "dependencies"
bash scripts/test-deps.sh   # deps.sh itself, on fakes: starts and stops no service
bash scripts/deps.sh
k8sbin=$(bash scripts/build-k8s.sh)
export PATH="$k8sbin:$PATH"

section "real kube-apiserver + etcd"
env_dir=$(mktemp -d)
trap 'bash scripts/testenv.sh down "$env_dir"' EXIT
bash scripts/testenv.sh up "$env_dir"
export HIGRESS_AI_TEST_KUBECONFIG="$env_dir/kubeconfig"
export HIGRESS_AI_TEST_KUBECONFIG_VIEWER="$env_dir/kubeconfig-viewer"
# Under this variable a real-component test that cannot find its component fails instead of
# skipping: CI can never pass by skipping.
export HIGRESS_AI_REQUIRE_REAL=1

section "go vet"
go vet ./...

section "go test (unit and real-component)"
go test -count=1 ./...

section "fuzzing (${fuzztime:-10000x} inputs)"
go test -run '^$' -fuzz '^FuzzParseLine$' -fuzztime "${fuzztime:-10000x}" ./internal/usage/

section "the ai-proxy Wasm plugin: built, run natively and in wazero, end to end, soak, fuzzing"
FUZZTIME="$fuzztime" bash scripts/test-plugin.sh  # empty: its own default

section "release: completions fresh, goreleaser check, snapshot build, the .deb installed"
bash scripts/test-release.sh

section "all tests passed"
