#!/usr/bin/env bash
# Builds the binary we ship: release, the Swift runtime linked statically (--static-swift-stdlib),
# libgit2 and its private dependencies (mbedTLS, http-parser, libssh2, PCRE2) linked statically,
# stripped, stamped with the commit it was built from. What it still needs at run time is what
# stock Ubuntu 22.04/24.04 and Debian 12 have: libcurl, OpenSSL 3, libgssapi_krb5, zlib,
# libstdc++ and glibc >= 2.35. (A dynamically linked libgit2 would not do: every distribution
# ships another SONAME.)
#
#   scripts/dist.sh        → dist/cmlbot-<version>-linux-<arch> and dist/cmlbot-linux-<arch> (the
#                            release asset names), each with its .sha256, and dist/cmlbot
#                            (a symlink to it); prints the binary's path on stdout
#
# Environment: SWIFT (default swift), CMLBOT_DIST_SCRATCH (default .build-dist),
# CMLBOT_DIST_DIR (default dist).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
SWIFT="${SWIFT:-swift}"
scratch="${CMLBOT_DIST_SCRATCH:-.build-dist}"
out="${CMLBOT_DIST_DIR:-dist}"
case "$scratch" in /*) ;; *) scratch="$root/$scratch" ;; esac
log() { echo "dist: $*" >&2; }

# --- 1. The commit, into a header outside the source tree (see Sources/CBuildInfo/build_info.c).
commit="$(scripts/build-commit.sh "$root")"
mkdir -p "$scratch/build-info"
header="$scratch/build-info/cmlbot_build_commit.h"
wanted="#define CMLBOT_BUILD_COMMIT \"$commit\""
# Rewritten only when it changes, so an unchanged tree does not even relink.
[ -f "$header" ] && [ "$(cat "$header")" = "$wanted" ] || printf '%s\n' "$wanted" >"$header"

# --- 2. A libgit2.pc that links the static archives. SwiftPM reads .pc files itself and caches
# the result per build folder, hence the separate scratch path: `swift build` in .build keeps the
# system's dynamic libgit2.
command -v pkg-config >/dev/null || { log "pkg-config is missing; run scripts/setup-system.sh"; exit 2; }
libdir="$(pkg-config --variable=libdir libgit2)" || { log "libgit2 is not installed; run scripts/setup-system.sh"; exit 2; }
includedir="$(pkg-config --variable=includedir libgit2)"
archives=(libgit2.a libmbedtls.a libmbedx509.a libmbedcrypto.a libhttp_parser.a libssh2.a libpcre2-8.a)
missing=()
for a in "${archives[@]}"; do [ -f "$libdir/$a" ] || missing+=("$a"); done
if ((${#missing[@]})); then
    log "static archives missing from $libdir: ${missing[*]}"
    log "they come with libgit2-dev and its dependencies (libmbedtls-dev, libhttp-parser-dev, libssh2-1-dev, libpcre2-dev)"
    exit 2
fi
mkdir -p "$scratch/pkgconfig"
libs="-L$libdir"
for a in "${archives[@]}"; do libs="$libs -l:$a"; done
# libgit2's SPNEGO authentication needs GSSAPI, which Debian's libgit2.pc leaves out (the shared
# library records it in its own NEEDED); libssh2 needs libcrypto.
libs="$libs -l:libgssapi_krb5.so.2 -lssl -lcrypto -lz"
cat >"$scratch/pkgconfig/libgit2.pc" <<EOF
# Written by scripts/dist.sh: libgit2 linked statically into the release binary.
Name: libgit2
Description: libgit2 (static archives)
Version: $(pkg-config --modversion libgit2)
Cflags: -I$includedir
Libs: $libs
EOF

# --- 3. Build.
log "building (release, static Swift runtime, static libgit2) in ${scratch#"$root/"}, commit $commit"
PKG_CONFIG_PATH="$scratch/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" \
    "$SWIFT" build -c release --product cmlbot --static-swift-stdlib --scratch-path "$scratch" \
    -Xcc -I"$scratch/build-info" >&2
built="$scratch/release/cmlbot"

# A guard against a stale pkg-config cache or a changed modulemap quietly linking libgit2.so.
needed="$(readelf -d "$built" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
if grep -E '^lib(git2|swift)' <<<"$needed" >&2; then
    log "the binary still loads the libraries above dynamically; remove $scratch and retry"
    exit 1
fi

# --- 4. Name, strip, checksum.
version="$("$built" --version | awk '{print $2}')"
[ -n "$version" ] || { log "$built --version printed nothing"; exit 1; }
name="cmlbot-$version-linux-$(uname -m)"
mkdir -p "$out"
rm -f "$out"/cmlbot "$out"/cmlbot-*
strip -o "$out/$name" "$built"
(cd "$out" && sha256sum "$name" >"$name.sha256")
# The release asset under a version-free name too: what the GitHub Action and the GitLab template
# download from a release (`releases/download/<tag>/cmlbot-linux-<arch>`), so a moving tag like
# v1 needs no version in the file name.
stable="cmlbot-linux-$(uname -m)"
cp "$out/$name" "$out/$stable"
(cd "$out" && sha256sum "$stable" >"$stable.sha256")
ln -s "$name" "$out/cmlbot"
log "$out/$name ($(($(stat -c %s "$out/$name") / 1024)) KB), $("$out/$name" --version)"
echo "$root/$out/$name"
