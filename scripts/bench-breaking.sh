#!/usr/bin/env bash
# breaking-change-check's budgets beside the peers on the same inputs, in one run, with the ratios:
#  - GitHub's REST description pair ghes-3.18.json -> ghes-3.19.json (npm @octokit/openapi, 11 MB
#    of JSON each): the gate's full diff (with --result and --sarif, as the action runs it)
#    against Python's json.load merely reading the two files; budget: faster, in at most 300 MB;
#  - GitHub's GraphQL schema pair fixtures/graphql/github-15.12.0.graphql -> github-15.18.1.graphql
#    against the real `graphql-inspector diff` (@graphql-inspector/cli); budget: 20x faster.
# The npm packages go into target/bench-npm (git-ignored), installed once.
# Each command runs ROUNDS times (default 5); the fastest round's wall time, its CPU time (user +
# system, every thread) and its peak memory (/usr/bin/time) are reported: the fastest round is the
# least disturbed by other work on the machine, and CPU time is disturbed less than wall time.
# Usage: scripts/bench-breaking.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
octokit_openapi=23.0.2
inspector_cli=7.0.0   # brings @graphql-inspector/core 8.0.0, as fixtures/graphql was made with
graphql_js=16.15.0
npm_dir=target/bench-npm
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
cargo build -q --release -p breaking-change-check
bin=./target/release/breaking-change-check
generated=$npm_dir/node_modules/@octokit/openapi/generated
inspector=$npm_dir/node_modules/.bin/graphql-inspector
if [ ! -d "$generated" ] || [ ! -x "$inspector" ]; then
  npm install --silent --prefix "$npm_dir" "@octokit/openapi@$octokit_openapi" \
    "@graphql-inspector/cli@$inspector_cli" "graphql@$graphql_js" >/dev/null
fi
base=$generated/ghes-3.18.json head=$generated/ghes-3.19.json
if [ ! -f "$base" ] || [ ! -f "$head" ]; then
  # Another release of the package: its two newest GHES descriptions instead.
  mapfile -t newest < <(find "$generated" -maxdepth 1 -name 'ghes-3.*.json' ! -name '*.deref.json' | sort -V | tail -n 2)
  base=${newest[0]} head=${newest[1]}
  echo "ghes-3.18.json / ghes-3.19.json are not in this @octokit/openapi; using the two newest: $(basename "$base") -> $(basename "$head")" >&2
fi
echo "@octokit/openapi $(node -p "require('./$npm_dir/node_modules/@octokit/openapi/package.json').version")," \
  "@graphql-inspector/cli $(node -p "require('./$npm_dir/node_modules/@graphql-inspector/cli/package.json').version")," \
  "$(python3 --version), $rounds rounds each" >&2
ls -l "$base" "$head" fixtures/graphql/github-15.12.0.graphql fixtures/graphql/github-15.18.1.graphql >&2

measure() { # label, command...: prints "fastest-wall-seconds peak-KiB-of-that-round least-cpu-seconds"
  local label=$1; shift
  local best="" best_rss="" cpu="" all=""
  for _ in $(seq "$rounds"); do
    /usr/bin/time -f "%e %M %U %S" -o "$dir/time" "$@" > "$dir/out" 2>&1 || true
    read -r wall rss user sys < <(tail -n 1 "$dir/time")
    all="$all $wall"
    if [ -z "$best" ] || python3 -c 'import sys; sys.exit(not float(sys.argv[1]) < float(sys.argv[2]))' "$wall" "$best"; then
      best=$wall best_rss=$rss
    fi
    cpu=$(python3 -c 'import sys; c = float(sys.argv[1]) + float(sys.argv[2]); print(f"{min(c, float(sys.argv[3] or c)):.2f}")' "$user" "$sys" "$cpu")
  done
  printf '%-62s %6s s  %5s MiB  cpu %5s s  (rounds:%s)\n' "$label" "$best" "$((best_rss / 1024))" "$cpu" "$all" >&2
  echo "$best $best_rss $cpu"
}
verdict() { # label, ours, peer, wanted ratio, budget MiB (or 0): prints the ratio and whether it meets the budget
  python3 - "$@" <<'PY' >&2
import sys
label, ours, peer, want, mib = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), float(sys.argv[4]), int(sys.argv[5])
r = float(peer[0]) / float(ours[0])
cpu = float(peer[2]) / max(float(ours[2]), 0.01)
rss = int(ours[1]) // 1024
ok = r >= want and (mib == 0 or rss <= mib)
print(f"ratio: {label} = {r:.1f}x wall, {cpu:.1f}x cpu (budget >= {want:g}x{f', <= {mib} MiB' if mib else ''}): {'met' if ok else 'NOT met'} (wall)")
PY
}

ours=$(measure "breaking-change-check: $(basename "$base") -> $(basename "$head")" \
  "$bin" --base-file "$base" "$head" --print human --result "$dir/r.json" --sarif "$dir/r.sarif")
head -1 "$dir/out" >&2
py=$(measure "python: json.load of the two files (no diff)" \
  python3 -c 'import json, sys; [json.load(open(p)) for p in sys.argv[1:]]' "$base" "$head")
verdict "python json.load / breaking-change-check (REST)" "$ours" "$py" 1 300

old=fixtures/graphql/github-15.12.0.graphql new=fixtures/graphql/github-15.18.1.graphql
ours=$(measure "breaking-change-check: github-15.12.0 -> 15.18.1 (GraphQL SDL)" \
  "$bin" --base-file "$old" "$new" --print human --result "$dir/g.json")
head -1 "$dir/out" >&2
peer=$(measure "graphql-inspector diff: the same pair" "$inspector" diff "$old" "$new")
tail -1 "$dir/out" >&2
verdict "graphql-inspector / breaking-change-check (GraphQL)" "$ours" "$peer" 20 0
