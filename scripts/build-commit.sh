#!/usr/bin/env bash
# Prints the commit a build of the checkout at DIR (default: this script's checkout) comes from, as
# `cmlbot --version` shows it: `abc1234`, `abc1234+dirty` when tracked files differ from HEAD or
# untracked files exist (a new source file changes the binary as much as an edit does), or
# `unknown` outside a git checkout. Used by scripts/dist.sh.
set -uo pipefail
dir="${1:-$(dirname "$0")/..}"
cd "$dir" || { echo unknown; exit 0; }
# Only the checkout's own history counts: a source tarball unpacked inside another repository
# must not borrow that repository's commit.
if toplevel="$(git rev-parse --show-toplevel 2>/dev/null)" && [ "$toplevel" -ef . ] &&
   sha="$(git rev-parse --short=7 HEAD 2>/dev/null)"; then
    if [ -z "$(git status --porcelain 2>/dev/null)" ]; then echo "$sha"; else echo "$sha+dirty"; fi
else
    echo unknown
fi
