#!/usr/bin/env bash
# `make bench` part 2: `cmlbot check` on a 50,000-file repository.
#
#   - `check --all --gate large_files` vs `git ls-tree -r -l HEAD` (the physical floor: reading the
#     tree with sizes) — target at most 2x git's time;
#   - the same vs pre-commit-hooks' `check-added-large-files --enforce-all` over every file —
#     target at least 10x faster;
#   - `check --staged` (all gates) with a few staged changes — target under 100 ms;
#   - `check --all` with every gate (reads every blob for secrets and notebooks), for information.
# Exits non-zero only when a tool fails; a missed target prints MISSED.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FILES="${CMLBOT_BENCH_CHECK_FILES:-50000}"
RUNS="${CMLBOT_BENCH_RUNS:-10}"
say() { echo "bench-check: $*" >&2; }

command -v hyperfine >/dev/null || { echo "bench-check: hyperfine missing (scripts/bench.sh installs it)" >&2; exit 1; }
if [[ -z "${CMLBOT_BIN:-}" ]]; then
    say "building the shipping binary (scripts/dist.sh)"
    CMLBOT_BIN="$("$ROOT/scripts/dist.sh")"
fi
[[ -z "${CMLBOT_CHECK_LARGE_FILES:-}" ]] && eval "$("$ROOT/scripts/test-tools.sh" --env pre-commit-hooks)"
HOOK="$CMLBOT_CHECK_LARGE_FILES"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
REPO="$WORK/repo"
mkdir -p "$REPO" && cd "$REPO"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=b@example.invalid GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=b@example.invalid
git init -q -b main
# No automatic gc after the 50k-object commit: it runs detached and makes the `git gc` below fail
# with "gc is already running".
git config gc.auto 0
say "writing $FILES files"
python3 - "$FILES" <<'PY'
import os, sys, random
random.seed(7)
n = int(sys.argv[1])
for i in range(n):
    d = f"src/pkg{i % 200:03d}/mod{(i // 200) % 25:02d}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/file{i:05d}.py", "w") as f:
        f.write(f"# module {i}\nVALUE = {random.random()!r}\n" * random.randint(1, 40))
os.makedirs("data", exist_ok=True)
with open("data/big.bin", "wb") as f:
    f.write(os.urandom(600 * 1024))
PY
git add -A && git commit -q -m "50k files"
# A CI checkout is packed; freshly committed loose objects would make every size lookup a file open.
git gc -q
tracked=$(git ls-files | wc -l)
echo "changed" >> src/pkg001/mod01/file00201.py
echo "new" > src/new_file.py
git add -A

say "timing (hyperfine, $RUNS runs each)"
hyperfine -N --style none --warmup 2 --min-runs "$RUNS" --ignore-failure --export-json "$WORK/h.json" \
    -n "git ls-tree -r -l HEAD" "git ls-tree -r -l HEAD" \
    -n "cmlbot check --all --gate large_files" "$CMLBOT_BIN check --all --gate large_files" \
    -n "cmlbot check --staged" "$CMLBOT_BIN check --staged" \
    -n "cmlbot check --all (every gate)" "$CMLBOT_BIN check --all" >/dev/null 2>"$WORK/h.err" || { cat "$WORK/h.err" >&2; exit 1; }
git ls-files -z > "$WORK/files"
hyperfine --style none --warmup 1 --min-runs 3 --ignore-failure --export-json "$WORK/p.json" \
    -n "check-added-large-files --enforce-all" "xargs -0 -a $WORK/files $HOOK --enforce-all" >/dev/null 2>"$WORK/p.err" || { cat "$WORK/p.err" >&2; exit 1; }

python3 - "$WORK/h.json" "$WORK/p.json" "$tracked" <<'PY'
import json, sys
res = {r["command"]: r for f in sys.argv[1:3] for r in json.load(open(f))["results"]}
print(f"\ncmlbot check on {sys.argv[3]} tracked files\n")
print(f"{'command':42} {'wall (mean)':>12} {'± sd':>9}")
for name, r in res.items():
    print(f"{name:42} {r['mean']*1000:9.1f} ms {(r['stddev'] or 0)*1000:6.1f} ms")
git = res["git ls-tree -r -l HEAD"]["mean"]
ours = res["cmlbot check --all --gate large_files"]["mean"]
hook = res["check-added-large-files --enforce-all"]["mean"]
staged = res["cmlbot check --staged"]["mean"] * 1000
def verdict(ok): return "ok" if ok else "MISSED"
print()
print(f"check --all vs git ls-tree: {ours/git:.2f}x git's time (target <= 2x: {verdict(ours/git <= 2)})")
print(f"check --all vs check-added-large-files: {hook/ours:.1f}x faster (target >= 10x: {verdict(hook/ours >= 10)})")
print(f"check --staged: {staged:.1f} ms (target < 100 ms: {verdict(staged < 100)})")
PY
