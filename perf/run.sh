#!/usr/bin/env bash
# Maps the action's inputs (INPUT_* env, never interpolated into code) to perf-gate flags.
set -euo pipefail
# shellcheck source=../actions/setup/inputs.sh
. "$GITHUB_ACTION_PATH/../actions/setup/inputs.sh"
flag --format "$INPUT_FORMAT"
each_line --threshold "$INPUT_THRESHOLDS"
each_line --direction "$INPUT_DIRECTIONS"
flag --max-regression "${INPUT_MAX_REGRESSION%\%}"
flag --alpha "$INPUT_ALPHA"
flag --history "$INPUT_HISTORY"
flag --history-keep "$INPUT_HISTORY_KEEP"
flag --config "$INPUT_CONFIG"
flag --result "$INPUT_RESULT"
switch --informational "$INPUT_INFORMATIONAL"
baselines=()
read -r -d '' -a baselines <<< "$INPUT_BASELINE" || true
for b in ${baselines[@]+"${baselines[@]}"}; do args+=(--baseline "$b"); done
read -r -d '' -a reports <<< "$INPUT_REPORT" || true
# The ${a[@]+...} form keeps bash 3.2 (macOS) from calling an empty array unbound.
exec perf-gate --print github ${args[@]+"${args[@]}"} -- ${reports[@]+"${reports[@]}"}
