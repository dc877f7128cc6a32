#!/usr/bin/env bash
# Maps the action's inputs (INPUT_* env, never interpolated into code) to coverage-gate flags.
set -euo pipefail
# shellcheck source=../actions/setup/inputs.sh
. "$GITHUB_ACTION_PATH/../actions/setup/inputs.sh"
flag --format "$INPUT_FORMAT"
flag --min-lines "$INPUT_MIN_LINES"
flag --min-branches "$INPUT_MIN_BRANCHES"
flag --min-functions "$INPUT_MIN_FUNCTIONS"
flag --min-patch "$INPUT_MIN_PATCH"
flag --base "$INPUT_BASE"
flag --baseline "$INPUT_BASELINE"
flag --max-drop "$INPUT_MAX_DROP"
flag --config "$INPUT_CONFIG"
flag --annotations "$INPUT_ANNOTATIONS"
flag --result "$INPUT_RESULT"
switch --uncovered-must-not-increase "$INPUT_UNCOVERED_MUST_NOT_INCREASE"
switch --informational "$INPUT_INFORMATIONAL"
switch --baseline-optional "$INPUT_BASELINE_OPTIONAL"
switch --comment "$INPUT_COMMENT"
each_line --path-map "$INPUT_PATH_MAP"
each_line --exclude "$INPUT_EXCLUDE"
# Report patterns: whitespace-separated, expanded by coverage-gate itself (not by the shell).
read -r -d '' -a reports <<< "$INPUT_REPORT" || true
# The ${a[@]+...} form keeps bash 3.2 (macOS) from calling an empty array unbound.
exec coverage-gate --print github ${args[@]+"${args[@]}"} -- ${reports[@]+"${reports[@]}"}
