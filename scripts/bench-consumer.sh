#!/usr/bin/env bash
# consumer add into a key-auth plugin that already holds 10,000 consumers: time per add of
# `higress-ai consumer add` beside `kubectl patch --type=json` adding one consumer to the same
# resource, measured in the same run, in folder mode (kubectl patch --local on the same file) and
# on a real kube-apiserver (started here with scripts/testenv.sh), where the floor is the same
# JSON patch sent raw with curl (no client start-up: the server's own work on a 1.5 MiB object).
# Prints the ratios; never fails on a number.
#   CONSUMERS=10000 RUNS=15 scripts/bench-consumer.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CONSUMERS=${CONSUMERS:-10000}
RUNS=${RUNS:-15}
work=$(mktemp -d)
env_dir="$work/env"
cleanup() { bash scripts/testenv.sh down "$env_dir" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

bash scripts/deps.sh
kubectl="$(bash scripts/build-k8s.sh)/kubectl"
hai="$work/higress-ai"
go build -o "$hai" ./cmd/higress-ai
mkdir -p "$work/dir"

# The plugin as the console writes it, with CONSUMERS bearer consumers whose keys look like ours.
awk -v n="$CONSUMERS" 'BEGIN {
  srand(1); chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
  print "apiVersion: extensions.higress.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: key-auth.internal\n  namespace: higress-system"
  print "  labels:\n    higress.io/resource-definer: higress\n    higress.io/wasm-plugin-name: key-auth\nspec:"
  print "  url: oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:2.0.0\n  phase: AUTHN\n  priority: 310"
  print "  defaultConfig:\n    global_auth: false\n    allow: []\n    keys: [x-higress-dummy-key]\n    consumers:"
  for (i = 0; i < n; i++) {
    k = ""; for (j = 0; j < 43; j++) k = k substr(chars, int(rand() * 64) + 1, 1)
    printf "    - name: user-%05d\n      credentials: [\"Bearer hai_%s\"]\n      keys: [Authorization]\n      in_header: true\n      in_query: false\n", i, k
  }
}' > "$work/key-auth.yaml"
cp "$work/key-auth.yaml" "$work/dir/key-auth.yaml"
printf 'plugin: %d consumers, %s of YAML\n' "$CONSUMERS" "$(du -h "$work/key-auth.yaml" | cut -f1)"

now() { date +%s.%N; }
patch_for() { # a JSON patch adding consumer $1 in the console's form
  printf '[{"op":"add","path":"/spec/defaultConfig/consumers/-","value":{"name":"%s","credentials":["Bearer hai_%s"],"keys":["Authorization"],"in_header":true,"in_query":false}}]' \
    "$1" "$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
}
# time_runs LABEL CMD...: runs CMD RUNS times with $i set, prints ms per run, stores it in $ms.
time_runs() {
  local label=$1; shift
  local start end
  start=$(now)
  for ((i = 0; i < RUNS; i++)); do "$@" >/dev/null; done
  end=$(now)
  ms=$(echo "($end - $start) * 1000 / $RUNS" | bc -l)
  printf '  %-44s %8.1f ms per add\n' "$label" "$ms"
}

hai_dir() { "$hai" --dir "$work/dir" consumer add "dir-$1-$i" 2>/dev/null; }
kubectl_local() { "$kubectl" patch --local -f "$work/dir/key-auth.yaml" --type=json -p "$(patch_for "loc-$i")" -o yaml > "$work/patched.yaml"; }

echo "folder mode (--dir), $RUNS adds each:"
time_runs "higress-ai consumer add --dir" hai_dir a
hai_dir_ms=$ms
time_runs "kubectl patch --local --type=json (file)" kubectl_local
kubectl_local_ms=$ms
printf '  ratio higress-ai / kubectl: %.2f\n' "$(echo "$hai_dir_ms / $kubectl_local_ms" | bc -l)"

echo "real kube-apiserver v1.37 + etcd on loopback, $RUNS adds each:"
bash scripts/testenv.sh up "$env_dir" >/dev/null
export KUBECONFIG="$env_dir/kubeconfig"
if ! "$kubectl" create -f "$work/key-auth.yaml" >/dev/null 2>"$work/create.err"; then
  echo "  the API server refused the $CONSUMERS-consumer plugin: $(tail -1 "$work/create.err")"
  echo "  (etcd's default request limit is 1.5 MiB; try CONSUMERS=8000)"
  exit 0
fi
hai_cluster() { "$hai" consumer add "api-$i" 2>/dev/null; }
kubectl_patch() { "$kubectl" -n higress-system patch wasmplugin key-auth.internal --type=json -p "$(patch_for "kp-$i")"; }
# The floor: the same patch with curl, the token read from a 0600 file (never on a command line).
server=$("$kubectl" config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}')
ca=$("$kubectl" config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority}')
(umask 077; printf 'Authorization: Bearer %s\n' "$("$kubectl" config view --raw --minify -o jsonpath='{.users[0].user.token}')" > "$work/auth.header")
curl_patch() {
  curl -sSf --cacert "$ca" -H @"$work/auth.header" -H 'Content-Type: application/json-patch+json' -X PATCH \
    --data-binary "$(patch_for "cu-$i")" "$server/apis/extensions.higress.io/v1alpha1/namespaces/higress-system/wasmplugins/key-auth.internal"
}
time_runs "higress-ai consumer add" hai_cluster
hai_api_ms=$ms
time_runs "kubectl patch --type=json" kubectl_patch
kubectl_api_ms=$ms
time_runs "curl PATCH (raw JSON patch, the floor)" curl_patch
curl_api_ms=$ms
printf '  ratio higress-ai / kubectl: %.2f\n' "$(echo "$hai_api_ms / $kubectl_api_ms" | bc -l)"
printf '  ratio higress-ai / curl: %.2f (kubectl / curl: %.2f)\n' "$(echo "$hai_api_ms / $curl_api_ms" | bc -l)" "$(echo "$kubectl_api_ms / $curl_api_ms" | bc -l)"
total=$("$hai" consumer list -o name | wc -l)
printf 'consumers on the server after the run: %d (want %d)\n' "$total" "$((CONSUMERS + 3 * RUNS))"
