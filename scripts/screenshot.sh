#!/usr/bin/env bash
# Renders the README's screenshot (docs/images/report.png) from the demo repository's HTML report
# with headless Chromium: the picture is what `make demo` produces today, not a mock-up.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(chromium fonts-dejavu-core fonts-noto-color-emoji)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ -f demo/report/report.html ] || make demo >/dev/null
mkdir -p docs/images
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,1450 \
    --screenshot="$PWD/docs/images/report.png" "file://$PWD/demo/report/report.html" 2>/dev/null
echo "screenshot: docs/images/report.png"
