#!/usr/bin/env bash
# The quick start: higress-ai's main job with no cluster, on a copy of the sample GitOps folder
# (examples/gitops), so the repository's own files are never changed.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples/gitops "$work/gitops"
bin="$work/higress-ai"
go build -o "$bin" ./cmd/higress-ai
dir="$work/gitops"
step() { printf '\n\033[1m$ higress-ai %s\033[0m\n' "$*"; "$bin" "$@"; }

step consumer list --dir "$dir"
step consumer add bob --dir "$dir" --dry-run=client
step consumer add bob --dir "$dir"
step consumer rotate bob --dir "$dir"
step consumer list --dir "$dir" -o wide
step route list --dir "$dir"
step route bind team-a/deepseek --consumer bob --dir "$dir"
step block add password api_key --dir "$dir"
step block add project-x --route gpt-4o --dir "$dir"
step block list --dir "$dir"
step block test "what is the admin PASSWORD?" --dir "$dir"
step block test 'my \u0070assword' --raw --dir "$dir"
step consumer show alice --dir "$dir"
step route unbind gpt-4o --consumer alice --dir "$dir" || true
step consumer remove alice --dir "$dir" || true
step consumer remove alice --dir "$dir" --force
step consumer list --dir "$dir" -o json

# Usage and cost on the sample gateway log (no cluster needed).
step usage --log-file examples/gateway-access.log --by consumer
step usage --log-file examples/gateway-access.log --by model -o json --sort name
if [[ -t 1 ]]; then step dashboard --log-file examples/gateway-access.log; fi  # the live view (q quits)
