#!/usr/bin/env bash
# Maps the action's inputs (INPUT_* env, never interpolated into code) to pr-commenter flags.
set -euo pipefail
# shellcheck source=../actions/setup/inputs.sh
. "$GITHUB_ACTION_PATH/../actions/setup/inputs.sh"
flag --id "$INPUT_ID"
flag --mode "$INPUT_MODE"
flag --body-file "$INPUT_BODY_FILE"
flag --template "$INPUT_TEMPLATE"
flag --pr "$INPUT_PR"
flag --author "$INPUT_AUTHOR"
flag --prepare "$INPUT_PREPARE"
flag --publish "$INPUT_PUBLISH"
switch --delete-on-pass "$INPUT_DELETE_ON_PASS"
switch --fail-if-cannot-comment "$INPUT_FAIL_IF_CANNOT_COMMENT"
inputs=()
if [ -z "$INPUT_PUBLISH" ]; then
  read -r -d '' -a inputs <<< "$INPUT_RESULTS" || true
fi
# The ${a[@]+...} form keeps bash 3.2 (macOS) from calling an empty array unbound.
exec pr-commenter ${args[@]+"${args[@]}"} -- ${inputs[@]+"${inputs[@]}"}
