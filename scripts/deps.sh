#!/usr/bin/env bash
# Installs the Debian packages the real-component tests use, only those missing, so a fresh
# machine (and CI) gets exactly what a developer's has:
#   etcd-server     etcd for the real kube-apiserver
#   docker-registry a real OCI registry for plugin push
#   prometheus      a real Prometheus for usage --prometheus
#   wabt            wasm-objdump, to check the plugin's exports
#   tmux            a real terminal for the dashboard
#   jq, time, bc    the reference tool, peak-memory meter and arithmetic of the benchmarks
#   curl, openssl, python3  testenv.sh's readiness probe, keys and free-port finder
set -euo pipefail
need=()
command -v etcd >/dev/null || need+=(etcd-server)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v prometheus >/dev/null || need+=(prometheus)
command -v wasm-objdump >/dev/null || need+=(wabt)
command -v tmux >/dev/null || need+=(tmux)
command -v jq >/dev/null || need+=(jq)
[[ -x /usr/bin/time ]] || need+=(time)
command -v bc >/dev/null || need+=(bc)
command -v curl >/dev/null || need+=(curl)
command -v openssl >/dev/null || need+=(openssl)
command -v python3 >/dev/null || need+=(python3)
if ((${#need[@]})); then
  echo "deps: installing ${need[*]}" >&2
  sudo=""
  [[ $(id -u) == 0 ]] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  # Debian's service scripts try to start daemons at install; there is no init here, and the tests
  # start their own instances on loopback.
  if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends \
      -o Dpkg::Options::=--force-confold "${need[@]}"; } > "$log" 2>&1; then
    cat "$log" >&2
    echo "deps: apt-get failed" >&2
    exit 1
  fi
  rm -f "$log"
  # A daemon a package's install script may have started (none should run here): only those of
  # the packages just installed.
  for pkg in "${need[@]}"; do
    case $pkg in
      prometheus|docker-registry) pkill -x "$pkg" 2>/dev/null || true ;;
      etcd-server) pkill -x etcd 2>/dev/null || true ;;
    esac
  done
fi
