#!/usr/bin/env bash
# Maps the action's inputs (INPUT_* env, never interpolated into code) to breaking-change-check flags.
set -euo pipefail
# shellcheck source=../actions/setup/inputs.sh
. "$GITHUB_ACTION_PATH/../actions/setup/inputs.sh"
flag --base "$INPUT_BASE"
flag --fail-on "$INPUT_FAIL_ON"
flag --ignore "$INPUT_IGNORE"
flag --config "$INPUT_CONFIG"
flag --result "$INPUT_RESULT"
flag --sarif "$INPUT_SARIF"
switch --informational "$INPUT_INFORMATIONAL"
base_files=()
read -r -d '' -a base_files <<< "$INPUT_BASE_FILE" || true
for b in ${base_files[@]+"${base_files[@]}"}; do args+=(--base-file "$b"); done
read -r -d '' -a specs <<< "$INPUT_SPECS" || true
# The ${a[@]+...} form keeps bash 3.2 (macOS) from calling an empty array unbound.
exec breaking-change-check --print github ${args[@]+"${args[@]}"} -- ${specs[@]+"${specs[@]}"}
