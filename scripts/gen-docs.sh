#!/usr/bin/env bash
# Generates the shell completions (committed in completions/; scripts/test.sh checks they are
# fresh) and, given a folder, the man pages, from the command tree. Never edit completions/ by hand.
#
#   scripts/gen-docs.sh              completions/ only
#   scripts/gen-docs.sh dist/man     completions/ and the man pages in dist/man
set -euo pipefail
cd "$(dirname "$0")/.."
man=${1:-}
date=$(git log -1 --format=%cs 2>/dev/null || true)
go run ./scripts/gendocs -completions completions ${man:+-man "$man"} ${date:+-date "$date"}
