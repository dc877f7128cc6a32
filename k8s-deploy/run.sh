#!/usr/bin/env bash
# Maps the action's inputs (INPUT_* env, never interpolated into code) to k8s-deploy flags.
set -euo pipefail
# shellcheck source=../actions/setup/inputs.sh
. "$GITHUB_ACTION_PATH/../actions/setup/inputs.sh"
case "$INPUT_COMMAND" in
  lint | render | plan | deploy | rollback | promote | reject) ;;
  *) echo "::error title=gates input::command must be lint, render, plan, deploy, rollback, promote or reject"; exit 2 ;;
esac
flag --namespace "$INPUT_NAMESPACE"
flag --config "$INPUT_CONFIG"
switch --informational "$INPUT_INFORMATIONAL"
each_line --image "$INPUT_IMAGES"
each_line --var "$INPUT_VARS"
if [ "$INPUT_COMMAND" != render ]; then
  flag --result "$INPUT_RESULT"
  flag --sarif "$INPUT_SARIF"
fi
cluster=false
case "$INPUT_COMMAND" in plan | deploy | rollback | promote | reject) cluster=true ;; esac
if [ "$cluster" = true ]; then
  flag --context "$INPUT_CONTEXT"
  flag --field-manager "$INPUT_FIELD_MANAGER"
  switch --force-conflicts "$INPUT_FORCE_CONFLICTS"
  flag --release "$INPUT_RELEASE"
  switch --prune "$INPUT_PRUNE"
fi
if [ "$cluster" = true ] && [ "$INPUT_COMMAND" != plan ]; then
  flag --timeout "$INPUT_TIMEOUT"
  flag --lock-timeout "$INPUT_LOCK_TIMEOUT"
fi
if [ "$INPUT_COMMAND" = plan ] || [ "$INPUT_COMMAND" = deploy ]; then
  flag --strategy "$INPUT_STRATEGY"
  flag --preview-service "$INPUT_PREVIEW_SERVICE"
  flag --steps "$INPUT_STEPS"
fi
if [ "$INPUT_COMMAND" = deploy ] || [ "$INPUT_COMMAND" = promote ]; then
  each_line --health "$INPUT_HEALTH"
  flag --health-status "$INPUT_HEALTH_STATUS"
  flag --health-attempts "$INPUT_HEALTH_ATTEMPTS"
  flag --scale-down-delay "$INPUT_SCALE_DOWN_DELAY"
  flag --pause "$INPUT_PAUSE"
  flag --analysis "$INPUT_ANALYSIS"
  each_line --analysis-arg "$INPUT_ANALYSIS_ARGS"
  flag --prometheus-url "$INPUT_PROMETHEUS_URL"
fi
if [ "$INPUT_COMMAND" = deploy ]; then
  flag --auto-promote "$INPUT_AUTO_PROMOTE"
  each_line --preview-health "$INPUT_PREVIEW_HEALTH"
  flag --environment "$INPUT_ENVIRONMENT"
  flag --environment-url "$INPUT_ENVIRONMENT_URL"
  flag --github-deployment "$INPUT_GITHUB_DEPLOYMENT"
fi
read -r -d '' -a manifests <<< "$INPUT_MANIFESTS" || true
# The ${a[@]+...} form keeps bash 3.2 (macOS) from calling an empty array unbound.
exec k8s-deploy "$INPUT_COMMAND" --print github ${args[@]+"${args[@]}"} -- ${manifests[@]+"${manifests[@]}"}
