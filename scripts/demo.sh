#!/usr/bin/env bash
# The quick start: higress-ai's main job with no cluster, on a copy of the sample GitOps folder
# (examples/gitops), so the repository's own files are never changed. The copy is kept, and what
# the demo changed in it is shown as a diff at the end. Every command is printed exactly as you
# would type it (with HIGRESS_AI_DIR pointing at the copy); nothing is coloured when piped.
set -euo pipefail
cd "$(dirname "$0")/.."
bold='' plain=''
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/higress-ai-demo.XXXXXX")
echo "building higress-ai (first run: a few minutes)" >&2
mkdir -p "$work/bin"
go build -o "$work/bin/higress-ai" ./cmd/higress-ai
cp -r examples/gitops "$work/gitops"
export PATH="$work/bin:$PATH" HIGRESS_AI_DIR="$work/gitops"

say() { printf '\n# %s\n' "$*"; }
# show prints a command as it must be typed: arguments with spaces or shell characters quoted.
show() {
	local out='$ higress-ai' a
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then out+=" $a"; else out+=" '${a//\'/\'\\\'\'}'"; fi
	done
	printf '%s%s%s\n' "$bold" "$out" "$plain"
}
step() { show "$@"; higress-ai "$@"; }
# refused runs a step that is meant to fail, says so first, and shows its exit code.
refused() {
	local why=$1; shift
	say "refused on purpose: $why"
	show "$@"
	local code=0
	higress-ai "$@" || code=$?
	printf '(exit code %d)\n' "$code"
}

printf '%s\n' "# to run these yourself:" "export PATH=\"$work/bin:\$PATH\" HIGRESS_AI_DIR=\"$work/gitops\""

say "who holds keys today, and what a new consumer would change (nothing is written)"
step consumer list
step consumer add bob --dry-run
say "add bob: the key is printed once, alone on stdout"
step consumer add bob
say "which routes exist and who may call them; let bob call two"
step route list
step route bind gpt-4o --consumer bob
step route bind team-a/deepseek --consumer bob
say "words that must never reach the model"
step block add password api_key
step block add project-x --route gpt-4o
step block list
step block test "what is the admin PASSWORD?" --exit-code || printf '(exit code 1: blocked, as a CI check wants)\n'
step block test 'my \u0070assword' --raw
say "bob's whole effective policy"
step consumer show bob
refused "legacy is still allowed on a domain rule" consumer remove legacy
refused "it would leave gpt-4o with nobody allowed, and off a terminal that needs --yes (exit 2)" \
	route unbind gpt-4o --consumer alice,bob
say "require a key on every route that has no rule of its own"
step route auth on --yes
step route list

say "usage and cost from the sample gateway log (no cluster needed)"
step usage --log-file examples/gateway-access.log --by consumer
step usage --log-file examples/gateway-access.log --by model -o json --sort name | head -n 16
if [[ -t 1 && -t 0 ]]; then
	say "the live dashboard on the same log (q quits)"
	step dashboard --log-file examples/gateway-access.log
fi

say "what the demo changed in $work/gitops (kept for you to look at)"
# Keys are masked here as everywhere but at their creation.
{ git --no-pager diff --no-index --no-color examples/gitops "$work/gitops" || true; } |
	sed -E 's/(hai_)[A-Za-z0-9_-]+([A-Za-z0-9_-]{4})/\1****\2/g'
