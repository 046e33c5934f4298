#!/usr/bin/env bash
# Runs the cmlbot command that action.yml's inputs describe. Kept out of action.yml so it can be
# tested like any script (Tests/CMLBotEndToEndTests/ActionEndToEndTests.swift runs it against the
# fake GitHub server) and read without YAML quoting.
#
# Environment (action.yml maps its inputs onto these):
#   CMLBOT_BIN          the binary (install.sh's output)
#   INPUT_COMMAND       report | check | gate | comment | status | doctor
#   INPUT_BASE, INPUT_HEAD   revisions (default: what the event says)
#   INPUT_PUBLISH       report: "true" posts the comment, status, check run and job summary
#   INPUT_FAIL_ON       error | warning | never
#   INPUT_FILE          comment: the Markdown file
#   INPUT_OUT           report: folder for report.md/.json/.html and charts (default: $RUNNER_TEMP/cmlbot-report)
#   INPUT_FORMAT        check, gate: output format (default github: annotations on the diff)
#   INPUT_OUTPUT        write standard output to this file
#   INPUT_ARGS          more arguments, split like a shell command line (quotes group words)
#   INPUT_TOKEN         the token; handed on as CMLBOT_TOKEN, never on a command line
#   GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_SHA   as the runner sets them
set -euo pipefail

bin="${CMLBOT_BIN:?CMLBOT_BIN is not set (the install step failed?)}"
command="${INPUT_COMMAND:-report}"
base="${INPUT_BASE:-}"
head="${INPUT_HEAD:-}"
fail_on="${INPUT_FAIL_ON:-error}"
if [ -n "${INPUT_TOKEN:-}" ]; then
    # The runner masks github.token and secrets in the log; cmlbot itself never prints a token.
    export CMLBOT_TOKEN="$INPUT_TOKEN"
fi

# The pull request's two commits, for commands that need an explicit range (check). GITHUB_SHA on a
# pull_request event is a merge commit, not the PR head.
event_field() {
    [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ] || return 0
    python3 - "$GITHUB_EVENT_PATH" "$1" <<'PY' 2>/dev/null || true
import json, sys
value = json.load(open(sys.argv[1], encoding="utf-8"))
for part in sys.argv[2].split("."):
    value = value.get(part) if isinstance(value, dict) else None
print(value if isinstance(value, str) else "")
PY
}

args=()
case "$command" in
    report)
        [ -n "$base" ] && args+=(--base "$base")
        [ -n "$head" ] && args+=(--head "$head")
        out="${INPUT_OUT:-${RUNNER_TEMP:-/tmp}/cmlbot-report}"
        args+=(--fail-on "$fail_on" --out "$out")
        [ -n "${GITHUB_OUTPUT:-}" ] && echo "report-dir=$out" >> "$GITHUB_OUTPUT"
        [ "${INPUT_PUBLISH:-true}" = true ] && args+=(--publish)
        ;;
    check)
        case "${GITHUB_EVENT_NAME:-}" in
            pull_request|pull_request_target)
                base="${base:-$(event_field pull_request.base.sha)}"
                head="${head:-$(event_field pull_request.head.sha)}" ;;
            push)
                before="$(event_field before)"
                [[ "$before" =~ ^0+$ ]] && before=""
                base="${base:-$before}"
                head="${head:-${GITHUB_SHA:-}}" ;;
        esac
        if [ -n "$base" ]; then
            args+=(--base "$base" --head "${head:-HEAD}")
        else
            # No range (a new branch, a manual run): the whole tree at the head.
            args+=(--all --rev "${head:-HEAD}")
        fi
        args+=(--format "${INPUT_FORMAT:-github}" --fail-on "$fail_on")
        ;;
    gate)
        [ -n "$base" ] && args+=(--base "$base")
        [ -n "$head" ] && args+=(--head "$head")
        args+=(--format "${INPUT_FORMAT:-github}" --fail-on "$fail_on")
        ;;
    comment)
        [ -n "${INPUT_FILE:-}" ] || { echo "::error::cmlbot: command 'comment' needs the 'file' input (a Markdown file)"; exit 2; }
        args+=("$INPUT_FILE")
        [ -n "$head" ] && args+=(--head "$head")
        ;;
    status|doctor)
        ;;
    *)
        echo "::error::cmlbot: unknown command '$command' (use report, check, gate, comment, status or doctor)"
        exit 2
        ;;
esac

# INPUT_ARGS is split as a POSIX shell would (quotes group words) but never evaluated: no
# expansion, no command substitution, whatever text ends up in it.
extra=()
if [ -n "${INPUT_ARGS:-}" ]; then
    split="$(mktemp)"
    if ! python3 -c 'import shlex, sys; sys.stdout.write("\0".join(shlex.split(sys.argv[1])))' "$INPUT_ARGS" > "$split" 2>/dev/null; then
        rm -f "$split"
        echo "::error::cmlbot: cannot split the args input (unbalanced quotes?)"; exit 2
    fi
    mapfile -d '' -t extra < "$split"
    rm -f "$split"
fi

[ -n "${INPUT_OUTPUT:-}" ] && exec > "$INPUT_OUTPUT"
exec "$bin" "$command" "${args[@]}" "${extra[@]}"
