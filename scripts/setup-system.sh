#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages cmlbot builds against, only when they are missing.
# libgit2 reads repositories, libcurl talks to the forges, OpenSSL (libcrypto) hashes data files.
set -euo pipefail

# `--test` adds what the test suite checks output with: cmark-gfm (GitHub's Markdown renderer),
# git (tests build real repositories with it), python3-venv (reference tools from PyPI),
# xmllint, rsvg-convert and chromium (chart SVGs parse and render; the HTML preview opens),
# binutils (make dist strips the binary; the tests read its ELF headers), curl (the Action's
# install script is tested downloading a release).
packages=(libgit2-dev libcurl4-openssl-dev libssl-dev pkg-config)
if [ "${1:-}" = "--test" ]; then
    packages+=(cmark-gfm git python3-venv libxml2-utils librsvg2-bin chromium fonts-dejavu-core binutils curl)
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "setup: need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 2; }
        sudo=sudo
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH; install Swift 6 from swift.org first" >&2; exit 2; }
