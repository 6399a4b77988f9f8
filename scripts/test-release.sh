#!/usr/bin/env bash
# Checks the release: the committed completions are fresh, `goreleaser check` passes, a snapshot
# build of this machine's target works, and its .deb installs with the completions and man page
# where bash, zsh, fish and man look, and works as a kubectl plugin. Run by scripts/test.sh.
#
# The .deb is installed with dpkg (as CI does, as root) and removed again, unless higress-ai was
# installed as a package before, in which case the install test is left out with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
section() { printf '\n--> %s\n' "$*"; }
fail() { echo "test-release: $*" >&2; exit 1; }

section "completions are fresh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go run ./scripts/gendocs -completions "$tmp/completions"
for f in "$tmp"/completions/*; do
  cmp -s "$f" "completions/$(basename "$f")" || fail "completions/$(basename "$f") is stale: run scripts/gen-docs.sh and commit it"
done

tools=$(bash scripts/release-tools.sh)
export PATH="$tools:$PATH"

section "goreleaser check"
goreleaser check

section "snapshot build (this machine's target)"
# goreleaser has --single-target for `build` only: the release's config, cut down to this
# machine's OS and architecture (the release job builds the whole matrix).
goos=$(go env GOOS) goarch=$(go env GOARCH)
sed -e "s/^    goos: \[.*\]/    goos: [$goos]/" -e "s/^    goarch: \[.*\]/    goarch: [$goarch]/" .goreleaser.yaml > "$tmp/goreleaser.yaml"
grep -q "goos: \[$goos\]" "$tmp/goreleaser.yaml" || fail "could not cut .goreleaser.yaml down to $goos/$goarch"
goreleaser release --config "$tmp/goreleaser.yaml" --snapshot --clean --skip=publish > "$tmp/goreleaser.log" 2>&1 || { tail -n 40 "$tmp/goreleaser.log" >&2; fail "snapshot build failed"; }
bin=$(find dist -type f -name higress-ai -path '*linux*' | head -n 1)
[[ -x $bin ]] || fail "no linux binary in dist/"
deb=$(ls dist/*.deb 2>/dev/null | head -n 1)
rpm=$(ls dist/*.rpm 2>/dev/null | head -n 1)
[[ -f $deb && -f $rpm ]] || fail "no .deb or .rpm in dist/"
ls dist/*.cdx.json > /dev/null 2>&1 || fail "no SBOM in dist/"
grep -q '"bomFormat": *"CycloneDX"' dist/*.cdx.json || fail "the SBOM is not CycloneDX"
[[ -f dist/checksums.txt ]] || fail "no checksums.txt"
ls dist/krew/higress-ai.yaml > /dev/null 2>&1 || fail "no krew manifest in dist/krew"
ls dist/homebrew/Casks/higress-ai.rb > /dev/null 2>&1 || fail "no Homebrew cask in dist/homebrew"
"$bin" version | grep -q '^higress-ai ' || fail "the snapshot binary does not run"

section "binary size"
kubectl_bin=$(command -v kubectl || true)
size=$(stat -c %s "$bin")
if [[ -n $kubectl_bin ]]; then
  ksize=$(stat -L -c %s "$kubectl_bin")
  echo "higress-ai $((size / 1024 / 1024)) MiB, kubectl $((ksize / 1024 / 1024)) MiB (ratio $(echo "scale=2; $size / $ksize" | bc))"
else
  echo "higress-ai $((size / 1024 / 1024)) MiB (no kubectl on PATH to compare)"
fi
if go version -m "$bin" | grep -qE '\stesting\s|^\s+dep\s+github.com/stretchr/testify'; then
  fail "test code is linked into the release binary"
fi

section "the .deb installs completions and the man page where they belong"
if dpkg-query -W -f '${Status}' higress-ai 2>/dev/null | grep -q 'install ok installed'; then
  echo "higress-ai is already installed as a package here: the install test is left out"
  exit 0
fi
[[ $(id -u) == 0 ]] || fail "installing the .deb needs root (CI runs as root)"
dpkg -i "$deb" > "$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg -i failed"; }
remove() { dpkg -r higress-ai > /dev/null 2>&1 || true; rm -rf "$tmp"; }
trap remove EXIT
for f in /usr/bin/higress-ai /usr/share/bash-completion/completions/higress-ai \
  /usr/share/zsh/vendor-completions/_higress-ai /usr/share/fish/vendor_completions.d/higress-ai.fish \
  /usr/share/man/man1/higress-ai.1 /usr/share/man/man1/higress-ai-consumer-add.1; do
  [[ -f $f || -f $f.gz ]] || fail "the package has no $f"
done
/usr/bin/higress-ai version | grep -q '^higress-ai ' || fail "the installed binary does not run"
man -P cat higress-ai 2> "$tmp/man.err" | grep -q 'higress-ai' || { cat "$tmp/man.err" >&2; fail "man higress-ai does not render"; }
bash -c 'source /usr/share/bash-completion/completions/higress-ai && complete -p higress-ai' > /dev/null || fail "the bash completion does not load"

section "as a kubectl plugin"
ln -s /usr/bin/higress-ai "$tmp/kubectl-higress_ai"
"$tmp/kubectl-higress_ai" consumer --help | grep -q 'kubectl higress-ai consumer' || fail "as kubectl-higress_ai, help does not say kubectl higress-ai"
echo "release checks passed"
