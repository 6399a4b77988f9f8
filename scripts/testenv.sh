#!/usr/bin/env bash
# A real Kubernetes API server for the tests, without Docker: etcd (Debian's etcd-server) and
# kube-apiserver v1.37 (built once by build-k8s.sh) on free loopback ports, RBAC on, the WasmPlugin
# CRD installed, an admin kubeconfig and a viewer's (get/list/watch wasmplugins only).
#
#   scripts/testenv.sh up DIR      start, write DIR/kubeconfig and DIR/kubeconfig-viewer
#   scripts/testenv.sh down DIR    stop exactly the processes `up DIR` started
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-}
dir=${2:-}
[[ ($cmd == up || $cmd == down) && -n $dir ]] || { echo "usage: $0 up|down DIR" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# alive PIDFILE BINARY: the pid in the file still runs that binary.
alive() {
  [[ -f $1 ]] || return 1
  local pid; pid=$(cat "$1")
  [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$2"
}

stop() {
  local name=$1 pidfile="$dir/$1.pid"
  if alive "$pidfile" "$name"; then
    local pid; pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

if [[ $cmd == down ]]; then
  stop kube-apiserver
  stop etcd
  exit 0
fi

if alive "$dir/kube-apiserver.pid" kube-apiserver && alive "$dir/etcd.pid" etcd; then
  echo "testenv: already running in $dir" >&2
  echo "export KUBECONFIG=$dir/kubeconfig"
  exit 0
fi
stop kube-apiserver
stop etcd

for tool in etcd curl openssl python3; do
  command -v "$tool" >/dev/null || { bash "$root/scripts/deps.sh"; break; }
done
bin=$(bash "$root/scripts/build-k8s.sh")
kubectl="$bin/kubectl"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
client_port=$(free_port); peer_port=$(free_port); api_port=$(free_port)

rm -rf "$dir/etcd-data" "$dir/certs"
mkdir -p "$dir/certs"
openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
admin_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
viewer_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s,admin,admin,"system:masters"\n%s,viewer,viewer\n' "$admin_token" "$viewer_token" > "$dir/tokens.csv"
chmod 600 "$dir/tokens.csv" "$dir/sa.key"

# Our variables are not named ETCD_*: etcd would read them as flags.
etcd --name testenv --data-dir "$dir/etcd-data" \
  --listen-client-urls "http://127.0.0.1:$client_port" --advertise-client-urls "http://127.0.0.1:$client_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "testenv=http://127.0.0.1:$peer_port" > "$dir/etcd.log" 2>&1 &
echo $! > "$dir/etcd.pid"

"$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$client_port" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --endpoint-reconciler-type none \
  --secure-port "$api_port" --cert-dir "$dir/certs" \
  --service-cluster-ip-range 10.0.0.0/24 \
  --service-account-issuer https://kubernetes.default.svc \
  --service-account-key-file "$dir/sa.pub" --service-account-signing-key-file "$dir/sa.key" \
  --authorization-mode RBAC --token-auth-file "$dir/tokens.csv" --anonymous-auth=false \
  --disable-admission-plugins ServiceAccount > "$dir/kube-apiserver.log" 2>&1 &
echo $! > "$dir/kube-apiserver.pid"

fail() {
  echo "testenv: $*" >&2
  tail -n 30 "$dir/kube-apiserver.log" >&2 || true
  bash "$0" down "$dir"
  exit 1
}
# Whatever fails from here on (the CRD, RBAC) stops what was started rather than leaving it running.
trap 'rc=$?; if ((rc != 0)); then echo "testenv: setup failed" >&2; bash "$0" down "$dir"; fi' EXIT

for i in $(seq 600); do
  if [[ -f $dir/certs/apiserver.crt ]] && curl -fsS --max-time 2 --cacert "$dir/certs/apiserver.crt" \
      -H "Authorization: Bearer $admin_token" "https://127.0.0.1:$api_port/readyz" >/dev/null 2>&1; then
    break
  fi
  # kill -0, not alive(): until the background shell has exec'd, its command line is still ours.
  kill -0 "$(cat "$dir/kube-apiserver.pid")" 2>/dev/null || fail "kube-apiserver exited"
  kill -0 "$(cat "$dir/etcd.pid")" 2>/dev/null || { tail -n 20 "$dir/etcd.log" >&2; fail "etcd exited"; }
  ((i < 600)) || fail "kube-apiserver not ready after 60 s"
  sleep 0.1
done

kubeconfig() { # FILE USER TOKEN
  cat > "$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: testenv
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority: $dir/certs/apiserver.crt
users:
- name: $2
  user:
    token: $3
contexts:
- name: higress-ai-test
  context: {cluster: testenv, user: $2, namespace: higress-system}
current-context: higress-ai-test
KC
  chmod 600 "$1"
}
kubeconfig "$dir/kubeconfig" admin "$admin_token"
kubeconfig "$dir/kubeconfig-viewer" viewer "$viewer_token"

k() { "$kubectl" --kubeconfig "$dir/kubeconfig" "$@"; }
k create namespace higress-system >/dev/null
k apply -f "$root/deploy/crd/wasmplugins.extensions.higress.io.yaml" >/dev/null
k wait --for condition=established --timeout=30s crd/wasmplugins.extensions.higress.io >/dev/null
k apply -f - >/dev/null <<'RBAC'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: wasmplugin-viewer}
rules:
- apiGroups: [extensions.higress.io]
  resources: [wasmplugins]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: wasmplugin-viewer}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: wasmplugin-viewer}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: viewer}
RBAC
# The API server delays the first create of a new resource type for 2 s after its CRD is
# Established; wait here once rather than in every test.
sleep 2
echo "export KUBECONFIG=$dir/kubeconfig"
