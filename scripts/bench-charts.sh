#!/usr/bin/env bash
# The 1,000,000-point chart: render time and SVG size against the targets (< 0.5 s, < 200 KB).
#
#   1. Renderer alone: compiles the chart sources (Sources/CMLBotReport/Charts, XMLText.swift) with `swiftc -O`
#      into a tiny harness that draws base and head series of 1,000,000 points each, best of 5.
#   2. End to end: `cmlbot report --out` (release binary; CMLBOT_BIN to skip the build) on a
#      two-commit repository whose dvc.yaml plots a 1,000,000-row CSV (~16 MB) at each revision —
#      this includes reading both CSVs from git and parsing them.
#
# Prints MISSED when the renderer misses a target; exits non-zero only when a tool fails.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cmlbot-bench-charts.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
say() { echo "bench-charts: $*" >&2; }

# --- 1. renderer alone ------------------------------------------------------------------------
# The chart code depends on two small types from other modules; the harness stubs them.
{
    cat <<'SWIFT'
import Foundation
public enum ChangeVerdict { case improved, worsened, changed, added, removed, unchanged }
public struct ConfusionCounts {
    var actualField: String, predictedField: String, labels: [String], counts: [[Int]]
    func count(actual: String, predicted: String) -> Int { 0 }
}
SWIFT
    sed -e '/^import /d' "$ROOT/Sources/CMLBotReport/Charts/"*.swift "$ROOT/Sources/CMLBotReport/XMLText.swift"
    cat <<'SWIFT'
let n = 1_000_000
let xs = (0..<n).map(Double.init)
let head = xs.map { 1 / (1 + $0 / 10_000) + 0.01 * sin($0) }
let base = head.map { $0 * 1.1 }
var best = Double.infinity, size = 0
for _ in 0..<5 {
    let start = DispatchTime.now().uptimeNanoseconds
    let svg = LineChartRenderer.render(title: "1M", xLabel: "step", yLabel: "loss", lines: [
        ChartLine(label: "base", x: xs, y: base, color: ChartPalette.base, dashed: true),
        ChartLine(label: "head", x: xs, y: head, color: ChartPalette.head, dashed: false),
    ])
    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    size = svg.utf8.count
}
print(best, size)
SWIFT
} > "$WORK/harness.swift"
say "compiling the renderer harness (swiftc -O)"
swiftc -O "$WORK/harness.swift" -o "$WORK/harness" >&2
read -r render_s svg_bytes < <("$WORK/harness")

# --- 2. end to end ------------------------------------------------------------------------------
if [[ -z "${CMLBOT_BIN:-}" ]]; then
    say "building the shipping binary (scripts/dist.sh)"
    CMLBOT_BIN="$("$ROOT/scripts/dist.sh")"
fi
repo="$WORK/repo"
mkdir -p "$repo"
git -C "$repo" init -q
printf 'plots:\n  - train.csv:\n      x: step\n      y: loss\n' > "$repo/dvc.yaml"
for scale in 1.0 0.9; do
    python3 - "$repo/train.csv" "$scale" <<'PY'
import math, sys
with open(sys.argv[1], "w") as f:
    f.write("step,loss\n")
    s = float(sys.argv[2])
    for i in range(1_000_000):
        f.write(f"{i},{s / (1 + i / 10000) + 0.01 * math.sin(i):.6f}\n")
PY
    git -C "$repo" add -A
    git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit -q -m "scale $scale"
done
best_e2e=""
for _ in 1 2 3; do
    start=$(date +%s.%N)
    (cd "$repo" && "$CMLBOT_BIN" report --base HEAD~1 --head HEAD --out "$WORK/out" >/dev/null)
    t=$(awk "BEGIN{print $(date +%s.%N) - $start}")
    if [[ -z "$best_e2e" ]] || awk "BEGIN{exit !($t < $best_e2e)}"; then best_e2e=$t; fi
done
e2e_svg=$(wc -c < "$WORK/out/charts/train-csv.svg")

echo
echo "1,000,000-point chart (base and head series of 1,000,000 points each)"
render_verdict=$(awk "BEGIN{print ($render_s < 0.5) ? \"ok\" : \"MISSED\"}")
size_verdict=$( ((svg_bytes < 200000)) && echo ok || echo MISSED)
printf '  renderer alone (best of 5):        %8.4f s   target < 0.5 s   %s\n' "$render_s" "$render_verdict"
printf '  SVG size:                          %8d B   target < 200 KB  %s\n' "$svg_bytes" "$size_verdict"
printf '  cmlbot report --out (best of 3):   %8.3f s   (reads and parses two 16 MB CSVs from git)\n' "$best_e2e"
printf '  charts/train-csv.svg from report:  %8d B\n' "$e2e_svg"
