#!/usr/bin/env bash
# Generates shell completions into completions/ (run at release time; never edit them by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p completions
for sh in bash zsh fish; do
  go run ./cmd/higress-ai completion "$sh" > "completions/higress-ai.$sh"
done
