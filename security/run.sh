#!/usr/bin/env bash
# Maps the action's inputs (INPUT_* env, never interpolated into code) to security-gate flags.
set -euo pipefail
# shellcheck source=../actions/setup/inputs.sh
. "$GITHUB_ACTION_PATH/../actions/setup/inputs.sh"
flag --format "$INPUT_FORMAT"
flag --max "$INPUT_MAX"
flag --max-new "$INPUT_MAX_NEW"
flag --diff-filter "$INPUT_DIFF_FILTER"
flag --base "$INPUT_BASE"
flag --suppressions "$INPUT_SUPPRESSIONS"
flag --unknown-as "$INPUT_UNKNOWN_AS"
flag --sarif "$INPUT_SARIF"
flag --config "$INPUT_CONFIG"
flag --result "$INPUT_RESULT"
switch --allow-missing "$INPUT_ALLOW_MISSING"
switch --informational "$INPUT_INFORMATIONAL"
baseline=()
read -r -d '' -a baseline <<< "$INPUT_BASELINE" || true
for b in ${baseline[@]+"${baseline[@]}"}; do args+=(--baseline "$b"); done
read -r -d '' -a reports <<< "$INPUT_REPORTS" || true
# The ${a[@]+...} form keeps bash 3.2 (macOS) from calling an empty array unbound.
exec security-gate --print github ${args[@]+"${args[@]}"} -- ${reports[@]+"${reports[@]}"}
