#!/usr/bin/env bash
# Gets cmlbot for the GitHub Action (action.yml) and the GitLab template: the release binary when
# one exists for this version and machine, else a build of the action's own checkout with the
# toolchain the runner has. Prints `path=<binary>` (and `mode=`) for $GITHUB_OUTPUT.
#
# Environment:
#   CMLBOT_VERSION   a release tag (v1.2.0), "source" (always build), or empty: the action's ref
#                    (ACTION_REF) when it is a release tag, else build from source.
#   ACTION_PATH      the action's checkout (github.action_path); default: this script's repository.
#   ACTION_REPOSITORY, GITHUB_SERVER_URL   where releases are downloaded from.
#   CMLBOT_DOWNLOAD_URL  a full URL of the binary instead (mirrors, GitHub Enterprise); its
#                    checksum is read from "$CMLBOT_DOWNLOAD_URL.sha256".
#   CMLBOT_INSTALL_DIR   where the downloaded binary goes (default: $RUNNER_TEMP or /tmp).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
action_path="${ACTION_PATH:-$(cd "$here/../.." && pwd)}"
version="${CMLBOT_VERSION:-}"
ref="${ACTION_REF:-}"
install_dir="${CMLBOT_INSTALL_DIR:-${RUNNER_TEMP:-/tmp}/cmlbot-bin}"

log() { echo "cmlbot-install: $*" >&2; }
emit() { echo "$1=$2"; }

# A tag such as v1 or v1.2.3 names a release; a branch or commit does not.
if [ -z "$version" ] && [[ "$ref" =~ ^v[0-9]+(\.[0-9]+)*$ ]]; then version="$ref"; fi

case "$(uname -m)" in
    x86_64|amd64) arch=x86_64 ;;
    aarch64|arm64) arch=aarch64 ;;
    *) arch="$(uname -m)" ;;
esac

download() {
    local url="$1" target="$install_dir/cmlbot" expected actual
    mkdir -p "$install_dir"
    log "downloading $url"
    if ! curl -fsSL --retry 3 -o "$target.part" "$url"; then return 1; fi
    if ! expected="$(curl -fsSL --retry 3 "$url.sha256" | awk '{print $1}')" || [ -z "$expected" ]; then
        log "no checksum at $url.sha256; refusing an unverified binary"
        rm -f "$target.part"
        return 1
    fi
    actual="$(sha256sum "$target.part" | awk '{print $1}')"
    if [ "$actual" != "$expected" ]; then
        log "checksum mismatch for $url (expected $expected, got $actual)"
        rm -f "$target.part"
        return 1
    fi
    chmod +x "$target.part" && mv "$target.part" "$target"
    emit path "$target"
    emit mode download
}

if [ -n "${CMLBOT_DOWNLOAD_URL:-}" ]; then
    download "$CMLBOT_DOWNLOAD_URL" && exit 0
    log "cannot use CMLBOT_DOWNLOAD_URL"; exit 2
fi

if [ -n "$version" ] && [ "$version" != source ]; then
    server="${GITHUB_SERVER_URL:-https://github.com}"
    repository="${ACTION_REPOSITORY:-cmlbot/cmlbot}"
    if download "$server/$repository/releases/download/$version/cmlbot-linux-$arch"; then exit 0; fi
    log "no release binary for $version on linux-$arch; building from source instead"
fi

# Source build: the runner's Swift toolchain, the system libraries from scripts/setup-system.sh, and
# a scratch folder that actions/cache keeps between runs (action.yml restores it before this).
command -v swift >/dev/null || {
    log "no release binary to download and no Swift toolchain to build one: pin a released version (with: version: vX.Y.Z) or add a Swift setup step (e.g. swift-actions/setup-swift) before cmlbot"
    exit 2
}
"$action_path/scripts/setup-system.sh" >&2
scratch="${CMLBOT_SCRATCH_PATH:-$action_path/.build-action}"
# Stamp `cmlbot --version` as make dist does. Actions are fetched as tarballs without .git, so
# when the ref is a commit SHA, that is the commit.
commit="$("$action_path/scripts/build-commit.sh" "$action_path")"
if [ "$commit" = unknown ] && [[ "$ref" =~ ^[0-9a-f]{40}$ ]]; then commit="${ref:0:7}"; fi
mkdir -p "$scratch/build-info"
header="$scratch/build-info/cmlbot_build_commit.h"
wanted="#define CMLBOT_BUILD_COMMIT \"$commit\""
[ -f "$header" ] && [ "$(cat "$header")" = "$wanted" ] || printf '%s\n' "$wanted" >"$header"
log "building cmlbot $commit from $action_path (swift build -c release; cached in $scratch)"
build() { swift build -c release --product cmlbot --package-path "$action_path" --scratch-path "$scratch" -Xcc -I"$scratch/build-info" >&2; }
if ! build; then
    # A restored cache from another checkout path or toolchain can poison the module cache: retry
    # once from scratch before giving up.
    log "build failed with the cached build folder; retrying from a clean one"
    find "$scratch" -mindepth 1 -maxdepth 1 ! -name build-info -exec rm -rf {} +
    build
fi
emit path "$scratch/release/cmlbot"
emit mode source
