#!/usr/bin/env bash
# Installs the Debian packages the real-component tests use, only those missing, so a fresh
# machine (and CI) gets exactly what a developer's has:
#   etcd-server     etcd for the real kube-apiserver
#   docker-registry a real OCI registry for plugin push
#   redis-server    a real Redis for limits and budgets
#   prometheus      a real Prometheus for usage --prometheus
#   wabt            wasm-objdump, to check the plugin's exports
#   tmux            a real terminal for the dashboard
#   jq, time, bc    the reference tool, peak-memory meter and arithmetic of the benchmarks
#   curl, openssl, python3  testenv.sh's readiness probe, keys and free-port finder
#   man-db          man, to check the release's man page renders (scripts/test-release.sh)
#
# No service is started and none is stopped: the tests start their own instances on loopback and
# stop exactly those. Debian's maintainer scripts start a package's daemon at install unless
# /usr/sbin/policy-rc.d forbids it, so while apt-get runs this script puts one there that
# answers 101 ("action forbidden") to everything, and afterwards puts back what was there before
# (or nothing). A daemon of the user's own (their Prometheus, their registry) is never touched.
# HIGRESS_AI_POLICY_RC moves that file, for scripts/test-deps.sh only.
set -euo pipefail
need=()
command -v etcd >/dev/null || need+=(etcd-server)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v redis-server >/dev/null || need+=(redis-server)
command -v prometheus >/dev/null || need+=(prometheus)
command -v wasm-objdump >/dev/null || need+=(wabt)
command -v tmux >/dev/null || need+=(tmux)
command -v jq >/dev/null || need+=(jq)
[[ -x /usr/bin/time ]] || need+=(time)
command -v bc >/dev/null || need+=(bc)
command -v curl >/dev/null || need+=(curl)
command -v openssl >/dev/null || need+=(openssl)
command -v python3 >/dev/null || need+=(python3)
command -v man >/dev/null || need+=(man-db)
((${#need[@]})) || exit 0

echo "deps: installing ${need[*]}" >&2
sudo=""
[[ $(id -u) == 0 ]] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive

policy=${HIGRESS_AI_POLICY_RC:-/usr/sbin/policy-rc.d}
saved="$policy.higress-ai-saved"
marker="# higress-ai scripts/deps.sh: no service starts while packages install"
ours() { [[ -f $policy ]] && grep -qxF "$marker" "$policy"; }
restore() {
  if ours; then
    $sudo rm -f "$policy"
  fi
  if [[ -e $saved || -L $saved ]]; then
    $sudo mv -f "$saved" "$policy"
  fi
}
# A run killed before it could clean up left its file (and maybe the saved one): undo that first.
restore
if [[ -e $policy || -L $policy ]]; then
  $sudo mv "$policy" "$saved"
fi
trap restore EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
printf '#!/bin/sh\n%s\nexit 101\n' "$marker" | $sudo tee "$policy" >/dev/null
$sudo chmod 755 "$policy"

log=$(mktemp)
if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confold "${need[@]}"; } > "$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "deps: apt-get failed" >&2
  exit 1
fi
rm -f "$log"
