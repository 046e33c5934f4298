#!/usr/bin/env bash
# Builds the demo repository from fixtures/demo (see its README) into demo/repo, afresh each time.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
repo="$root/demo/repo"
rm -rf "$repo"
mkdir -p "$repo"
export GIT_AUTHOR_NAME=cmlbot-demo GIT_AUTHOR_EMAIL=demo@example.invalid
export GIT_COMMITTER_NAME=cmlbot-demo GIT_COMMITTER_EMAIL=demo@example.invalid
export GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
cd "$repo"
git init -q -b main
cp -R "$root/fixtures/demo/base/." .
git add -A && git commit -q -m "Baseline model"
git checkout -q -b experiment
cp -R "$root/fixtures/demo/head/." .
git add -A && git commit -q -m "Deeper model, AdamW, augmentation"
echo "$repo"
