#!/usr/bin/env bash
# `make bench`: cmlbot vs DVC on a realistic repository, side by side.
#
#   - builds the shipping binary (scripts/dist.sh, as `make dist`) unless
#     CMLBOT_BIN points at one;
#   - gets the pinned DVC from scripts/test-tools.sh (or CMLBOT_DVC);
#   - builds a benchmark repository with DVC itself: 3 stages, 8 params files and 14 metrics files
#     (JSON/YAML/TOML, nested keys, a 100-class per-class file), 2 commits, plus ~3000 unrelated
#     files in git;
#   - times `metrics diff HEAD~1 HEAD --json` and `params diff HEAD~1 HEAD --json` for both tools
#     with hyperfine, and measures peak RSS with /usr/bin/time -f %M;
#   - prints wall times, the ratio DVC/cmlbot and peak memory against the targets
#     (cmlbot ≤ 1/20 of DVC's wall time, cmlbot peak RSS < 30 MB).
#
# Exits non-zero only when a tool fails (build, install, DVC or cmlbot erroring); a missed target
# is printed as MISSED. hyperfine and time (Debian packages) are installed with apt-get if missing.
#
# Environment: CMLBOT_BIN (skip the build), CMLBOT_DVC, CMLBOT_BENCH_KEEP=1 (keep the repository),
# CMLBOT_BENCH_FILES (unrelated files, default 3000), CMLBOT_BENCH_RUNS (min runs, default 10).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGET_RATIO=20
TARGET_RSS_MB=30
UNRELATED_FILES="${CMLBOT_BENCH_FILES:-3000}"
MIN_RUNS="${CMLBOT_BENCH_RUNS:-10}"

say() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }

as_root() {
    if [[ "$(id -u)" == 0 ]]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root to run: $*"
    fi
}

apt_updated=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "apt-get not available; install $* by hand"
    export DEBIAN_FRONTEND=noninteractive
    if as_root apt-get install -y -q --no-install-recommends "$@" >&2; then return 0; fi
    if ((apt_updated == 0)); then
        say "apt-get install $* failed; running apt-get update and retrying"
        as_root apt-get update -q >&2 || die "apt-get update failed"
        apt_updated=1
        as_root apt-get install -y -q --no-install-recommends "$@" >&2 && return 0
    fi
    die "could not install $*"
}

# --- tools -------------------------------------------------------------------------------------
command -v hyperfine >/dev/null 2>&1 || { say "installing hyperfine"; apt_install hyperfine; }
[[ -x /usr/bin/time ]] || { say "installing time"; apt_install time; }

if [[ -z "${CMLBOT_DVC:-}" ]]; then
    eval "$("$ROOT/scripts/test-tools.sh" --env dvc)"
fi
[[ -x "${CMLBOT_DVC:-}" ]] || die "DVC not found (CMLBOT_DVC=${CMLBOT_DVC:-})"
DVC="$CMLBOT_DVC"
PY="$(dirname "$DVC")/python3"
[[ -x "$PY" ]] || PY=python3

if [[ -n "${CMLBOT_BIN:-}" ]]; then
    CMLBOT="$CMLBOT_BIN"
else
    say "building the shipping binary (scripts/dist.sh)"
    CMLBOT="$("$ROOT/scripts/dist.sh")" || die "release build failed"
fi
[[ -x "$CMLBOT" ]] || die "cmlbot binary not found at $CMLBOT"

# --- benchmark repository ------------------------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cmlbot-bench.XXXXXX")"
cleanup() { if [[ "${CMLBOT_BENCH_KEEP:-0}" == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
REPO="$WORK/repo"
mkdir -p "$REPO"

export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
export GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null DVC_NO_ANALYTICS=1
# Stage commands run `python3`: the venv's interpreter, which has ruamel.yaml.
export PATH="$(dirname "$DVC"):$PATH"

say "creating the benchmark repository in $REPO"
cd "$REPO"
git init -q -b main
"$DVC" init -q
"$DVC" config core.analytics false

# Params files (version 1) and the unrelated files; the second commit rewrites the params with
# version 2. train.py turns params into metrics, so `dvc repro` really changes the metrics.
write_params() {
    "$PY" - "$1" <<'PY'
import json, sys
v = int(sys.argv[1])
def w(path, text):
    import os
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    open(path, "w").write(text)
w("params.yaml", "\n".join([
    "seed: %d" % (41 + v),
    "train:",
    "  lr: %s" % (0.001 * v),
    "  epochs: %d" % (10 * v),
    "  batch_size: 64",
    "  optimizer: {name: adamw, betas: [0.9, 0.999], weight_decay: %s}" % (0.01 * v),
    "  schedule: {kind: cosine, warmup: %d}" % (100 * v),
    "model:",
    "  arch: resnet%d" % (18 if v == 1 else 34),
    "  depth: %d" % (3 + v),
    "  dropout: %s" % (0.1 * v),
    "  heads: {count: 8, dim: 64}",
    "data:",
    "  features: [f1, f2, f3]",
    "  split: {train: 0.8, val: 0.1, test: 0.1}",
    ""]))
w("config/model.yaml", "".join("layer_%02d: {units: %d, act: relu, norm: %s}\n" % (i, 64 * (1 + i % 4) * v, "true" if i % 2 else "false") for i in range(24)))
w("config/data.json", json.dumps({"sources": {"s%02d" % i: {"weight": round(0.1 * (i % 7) * v, 3), "rows": 1000 * i} for i in range(20)}, "shuffle": v == 1}, indent=2))
w("config/optim.toml", "".join("[group_%02d]\nlr = %s\nmomentum = 0.9\nnesterov = %s\n" % (i, 0.01 * (i + 1) * v, "true" if i % 2 else "false") for i in range(12)))
w("config/aug.yaml", "".join("aug_%02d: {p: %s, magnitude: %d}\n" % (i, round(0.05 * i * v, 3), i) for i in range(16)))
w("config/eval.json", json.dumps({"thresholds": [0.5, 0.7, 0.9], "top_k": 5 * v, "bootstrap": {"n": 1000, "ci": 0.95}}, indent=2))
w("config/serve.yaml", "replicas: %d\ntimeout_ms: 300\nbatching: {max: 32, wait_ms: %d}\n" % (2 * v, 5 * v))
w("config/tokenizer.json", json.dumps({"vocab": 32000 * v, "lowercase": True, "special": ["<s>", "</s>"]}, indent=2))
PY
}

cat > train.py <<'PY'
"""Deterministic fake training: metrics are functions of the params files."""
import json, math, os, sys, tomllib
from ruamel.yaml import YAML

yaml = YAML(typ="safe")
p = yaml.load(open("params.yaml"))
model = yaml.load(open("config/model.yaml"))
optim = tomllib.load(open("config/optim.toml", "rb"))
data = json.load(open("config/data.json"))
stage = sys.argv[1]
lr, epochs, depth = p["train"]["lr"], p["train"]["epochs"], p["model"]["depth"]
base = 1 - math.exp(-epochs * lr * 50) * 0.5 + depth / 100

def out(path, obj, kind):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        if kind == "json":
            json.dump(obj, f, indent=2)
        elif kind == "yaml":
            YAML().dump(obj, f)
        else:
            for k, v in obj.items():
                if isinstance(v, dict):
                    f.write("[%s]\n" % k + "".join("%s = %s\n" % (kk, json.dumps(vv)) for kk, vv in v.items()))
                else:
                    f.write("%s = %s\n" % (k, json.dumps(v)))

if stage == "prepare":
    out("metrics/prepare/stats.json", {"rows": sum(s["rows"] for s in data["sources"].values()), "weights": {k: s["weight"] for k, s in data["sources"].items()}}, "json")
    out("metrics/prepare/quality.yaml", {"missing": {"f%d" % i: round(0.01 * i * lr * 1000, 4) for i in range(30)}}, "yaml")
elif stage == "train":
    out("metrics/train/summary.json", {"loss": round(1 - base / 2, 6), "acc": round(base / 1.2, 6), "epochs": epochs, "lr": lr}, "json")
    out("metrics/train/history.json", {"epoch_%03d" % e: {"loss": round(1 / (e + 1 + lr * 100), 6), "acc": round(1 - 1 / (e + 2 + depth), 6)} for e in range(epochs)}, "json")
    out("metrics/train/layers.yaml", {k: {"grad_norm": round(v["units"] * lr, 6), "dead": v["units"] % 7} for k, v in model.items()}, "yaml")
    out("metrics/train/optim.toml", {k: {"final_lr": v["lr"] * 0.1, "steps": epochs * 100} for k, v in optim.items()}, "toml")
else:
    classes = ["class_%03d" % i for i in range(100)]
    out("metrics/eval/per_class.json", {c: {"precision": round((base + i / 1000) % 1, 6), "recall": round((base + i / 700) % 1, 6), "support": 100 + i} for i, c in enumerate(classes)}, "json")
    out("metrics/eval/summary.json", {"acc": round(base / 1.25, 6), "f1": {"macro": round(base / 1.3, 6), "micro": round(base / 1.28, 6)}, "auc": round(base / 1.1, 6)}, "json")
    out("metrics/eval/confusion.yaml", {"tp": int(base * 900), "fp": int((1 - base) * 100), "fn": 12, "tn": 880}, "yaml")
    out("metrics/eval/latency.toml", {"p50_ms": round(10 + depth * 1.5, 3), "p90_ms": round(20 + depth * 2.5, 3), "p99_ms": round(45 + depth * 4.5, 3)}, "toml")
    out("metrics/eval/calibration.json", {"bins": {"b%02d" % i: round(i / 10 * base, 6) for i in range(10)}, "ece": round(0.05 / base, 6)}, "json")
    out("reports/fairness.yaml", {"groups": {"g%d" % i: {"acc": round(base - i / 100, 6), "fpr": round(0.1 + i / 100, 6)} for i in range(8)}}, "yaml")
    out("reports/drift.json", {"psi": {"f%d" % i: round(i * lr, 6) for i in range(25)}, "alert": False}, "json")
    out("reports/size.json", {"params_m": depth * 11.2, "disk_mb": depth * 44.8}, "json")
PY

write_params 1
"$PY" - "$UNRELATED_FILES" <<'PY'
import os, sys
n = int(sys.argv[1])
for i in range(n):
    d = "src/pkg_%02d" % (i // 100)
    os.makedirs(d, exist_ok=True)
    with open("%s/module_%03d.py" % (d, i % 100), "w") as f:
        f.write("# module %d\n\ndef f_%d(x):\n    return x * %d + %d\n" % (i, i, i % 13, i))
os.makedirs("docs", exist_ok=True)
for i in range(20):
    open("docs/page_%02d.md" % i, "w").write("# Page %d\n\nSome text.\n" % i)
PY

"$DVC" stage add -q -n prepare -p seed,data -p config/data.json:sources -d train.py \
    -M metrics/prepare/stats.json -M metrics/prepare/quality.yaml "python3 train.py prepare" >/dev/null
"$DVC" stage add -q -n train -p train,model.depth -p config/model.yaml: -p config/optim.toml: \
    -p config/aug.yaml:aug_00,aug_01,aug_02 -d train.py -d metrics/prepare/stats.json \
    -M metrics/train/summary.json -M metrics/train/history.json -M metrics/train/layers.yaml \
    -M metrics/train/optim.toml "python3 train.py train" >/dev/null
"$DVC" stage add -q -n evaluate -p model.arch -p config/eval.json:thresholds,top_k -p config/serve.yaml:replicas \
    -p config/tokenizer.json:vocab -d train.py -d metrics/train/summary.json \
    -M metrics/eval/per_class.json -M metrics/eval/summary.json -M metrics/eval/confusion.yaml \
    -M metrics/eval/latency.toml -M metrics/eval/calibration.json -M reports/fairness.yaml \
    -M reports/drift.json -M reports/size.json "python3 train.py evaluate" >/dev/null
"$DVC" repro -q >/dev/null || die "dvc repro failed (first commit)"
git add -A && git commit -q -m "baseline"
write_params 2
"$DVC" repro -q >/dev/null || die "dvc repro failed (second commit)"
git add -A && git commit -q -m "bigger model, longer training"

tracked=$(git ls-files | wc -l)
metrics_files=$(git ls-files 'metrics/*' 'reports/*' | wc -l)
params_files=$(git ls-files 'params.yaml' 'config/*' | wc -l)
say "repository ready: $tracked tracked files, $metrics_files metrics files, $params_files params files, 2 commits"

# --- measurements --------------------------------------------------------------------------------
# Both tools must succeed and agree before they are timed.
check_outputs() {
    local cmd="$1" c d
    c="$WORK/$cmd.cmlbot.json"; d="$WORK/$cmd.dvc.json"
    "$CMLBOT" "$cmd" diff HEAD~1 HEAD --json >"$c" 2>"$WORK/$cmd.cmlbot.err" || { cat "$WORK/$cmd.cmlbot.err" >&2; die "cmlbot $cmd diff failed"; }
    "$DVC" "$cmd" diff HEAD~1 HEAD --json >"$d" 2>"$WORK/$cmd.dvc.err" || { cat "$WORK/$cmd.dvc.err" >&2; die "dvc $cmd diff failed"; }
    "$PY" - "$d" "$c" <<'PY' || true
import json, math, sys
def load(p):
    return json.loads(open(p).read(), parse_constant=lambda c: float(c.replace("Infinity", "inf")))
a, b = load(sys.argv[1]), load(sys.argv[2])
def same(x, y):
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(same(x[k], y[k]) for k in x)
    if isinstance(x, float) and isinstance(y, float):
        return x == y or (math.isnan(x) and math.isnan(y)) or abs(x - y) <= 1e-12 * max(1, abs(x), abs(y))
    return type(x) is type(y) and x == y
rows = sum(len(v) for v in a.values())
print("bench:   %s: outputs %s (%d files, %d rows)" % (sys.argv[1].split("/")[-1].split(".")[0],
      "agree" if same(a, b) else "DIFFER (see make test)", len(a), rows), file=sys.stderr)
PY
}

peak_rss_kb() {  # max over 3 runs, in KB
    local max=0 kb i
    for i in 1 2 3; do
        /usr/bin/time -f %M -o "$WORK/rss.txt" "$@" >/dev/null 2>&1 || die "failed under /usr/bin/time: $*"
        kb=$(tail -n 1 "$WORK/rss.txt")
        [[ "$kb" =~ ^[0-9]+$ ]] || die "could not measure peak RSS of: $*"
        ((kb > max)) && max=$kb
    done
    echo "$max"
}

declare -A MEAN SD RSS
for cmd in metrics params; do
    check_outputs "$cmd"
    say "timing $cmd diff (hyperfine)"
    hyperfine -N --style none --warmup 2 --min-runs "$MIN_RUNS" --export-json "$WORK/$cmd.hyperfine.json" \
        -n cmlbot "$CMLBOT $cmd diff HEAD~1 HEAD --json" \
        -n dvc "$DVC $cmd diff HEAD~1 HEAD --json" >/dev/null 2>"$WORK/$cmd.hyperfine.err" \
        || { cat "$WORK/$cmd.hyperfine.err" >&2; die "hyperfine failed for $cmd diff"; }
    while read -r name mean sd; do
        MEAN[$cmd.$name]=$mean; SD[$cmd.$name]=$sd
    done < <("$PY" - "$WORK/$cmd.hyperfine.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(r["command"], r["mean"] * 1000, (r["stddev"] or 0) * 1000)
PY
)
    say "measuring peak RSS of $cmd diff (/usr/bin/time -f %M)"
    RSS[$cmd.cmlbot]=$(peak_rss_kb "$CMLBOT" "$cmd" diff HEAD~1 HEAD --json)
    RSS[$cmd.dvc]=$(peak_rss_kb "$DVC" "$cmd" diff HEAD~1 HEAD --json)
done

# The floor every cmlbot run pays (dynamic loading of the Swift runtime, Foundation, ICU, libgit2,
# libcurl): it puts the diff numbers in proportion.
say "timing cmlbot --version (startup floor)"
hyperfine -N --style none --warmup 2 --min-runs "$MIN_RUNS" --export-json "$WORK/floor.hyperfine.json" \
    -n cmlbot "$CMLBOT --version" >/dev/null 2>"$WORK/floor.hyperfine.err" \
    || { cat "$WORK/floor.hyperfine.err" >&2; die "hyperfine failed for cmlbot --version"; }
read -r _ MEAN[floor.cmlbot] SD[floor.cmlbot] < <("$PY" - "$WORK/floor.hyperfine.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(r["command"], r["mean"] * 1000, (r["stddev"] or 0) * 1000)
PY
)
RSS[floor.cmlbot]=$(peak_rss_kb "$CMLBOT" --version)

# The whole report (every section) against the four DVC commands a CML pipeline runs for it.
say "timing the whole report vs dvc metrics/params/data/plots diff in a row (hyperfine)"
hyperfine --style none --warmup 1 --min-runs "$MIN_RUNS" --ignore-failure --export-json "$WORK/report.hyperfine.json" \
    -n cmlbot "$CMLBOT report --base HEAD~1 --head HEAD --format json" \
    -n dvc "$DVC metrics diff HEAD~1 HEAD --json; $DVC params diff HEAD~1 HEAD --json; $DVC diff HEAD~1 HEAD --json; $DVC plots diff HEAD~1 HEAD --json" \
    >/dev/null 2>"$WORK/report.hyperfine.err" || { cat "$WORK/report.hyperfine.err" >&2; die "hyperfine failed for the report"; }
while read -r tool mean sd; do MEAN[report.$tool]=$mean; SD[report.$tool]=$sd; done < <("$PY" - "$WORK/report.hyperfine.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(r["command"], r["mean"] * 1000, (r["stddev"] or 0) * 1000)
PY
)

# --- report --------------------------------------------------------------------------------------
missed=0
echo
echo "cmlbot vs DVC $("$DVC" --version) — $tracked tracked files, $metrics_files metrics + $params_files params files, HEAD~1 → HEAD"
echo "cmlbot: $CMLBOT"
echo
printf '%-34s %-7s %12s %10s %12s\n' "command" "tool" "wall (mean)" "± sd" "peak RSS"
printf '%-34s %-7s %12s %10s %12s\n' "----------------------------------" "-------" "------------" "----------" "------------"
for cmd in metrics params; do
    for tool in cmlbot dvc; do
        printf '%-34s %-7s %9.1f ms %7.1f ms %9.1f MB\n' "$cmd diff HEAD~1 HEAD --json" "$tool" \
            "${MEAN[$cmd.$tool]}" "${SD[$cmd.$tool]}" "$(awk "BEGIN{print ${RSS[$cmd.$tool]}/1024}")"
    done
done
for tool in cmlbot dvc; do
    printf '%-34s %-7s %9.1f ms %7.1f ms %12s\n' "report vs 4 dvc diff commands" "$tool" "${MEAN[report.$tool]}" "${SD[report.$tool]}" "-"
done
printf '%-34s %-7s %9.1f ms %7.1f ms %9.1f MB\n' "--version (startup floor)" "cmlbot" \
    "${MEAN[floor.cmlbot]}" "${SD[floor.cmlbot]}" "$(awk "BEGIN{print ${RSS[floor.cmlbot]}/1024}")"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a) on $(nproc 2>/dev/null || echo '?') cores (timings are inflated under load)"
echo
printf '%-16s %14s %10s %22s %10s\n' "command" "DVC/cmlbot" "target" "cmlbot peak RSS" "target"
for cmd in metrics params; do
    ratio=$(awk "BEGIN{printf \"%.1f\", ${MEAN[$cmd.dvc]}/${MEAN[$cmd.cmlbot]}}")
    rss_mb=$(awk "BEGIN{printf \"%.1f\", ${RSS[$cmd.cmlbot]}/1024}")
    if awk "BEGIN{exit !($ratio >= $TARGET_RATIO)}"; then rverdict="ok"; else rverdict="MISSED"; missed=1; fi
    if awk "BEGIN{exit !($rss_mb < $TARGET_RSS_MB)}"; then mverdict="ok"; else mverdict="MISSED"; missed=1; fi
    printf '%-16s %13sx %10s %19s MB %10s\n' "$cmd diff" "$ratio" "≥${TARGET_RATIO}x $rverdict" "$rss_mb" "<${TARGET_RSS_MB} $mverdict"
done
echo
if ((missed)); then
    echo "bench: MISSED at least one target (cmlbot ≤ 1/${TARGET_RATIO} of DVC's wall time, peak RSS < ${TARGET_RSS_MB} MB)"
else
    echo "bench: all targets met (cmlbot ≤ 1/${TARGET_RATIO} of DVC's wall time, peak RSS < ${TARGET_RSS_MB} MB)"
fi
