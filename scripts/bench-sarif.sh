#!/usr/bin/env bash
# The 100 MB SARIF budget: security-gate beside a Python json.load counter (what SARIF filter
# actions such as filter-sarif do) on the same file, in one run, with the ratio. The input is a
# real Bandit log (fixtures/security/bandit.sarif: snippets, context regions, rule metadata,
# properties, `runs` before `version`) repeated under distinct paths (scripts/real-sarif.py).
# Each command runs RUNS times (default 3); its best wall time and largest peak are printed.
# Usage: scripts/bench-sarif.sh [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-100}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
cargo build -q --release -p security-gate
python3 scripts/real-sarif.py "$size" "$dir/big.sarif"
# The input was just written: flush it first, so neither tool is timed while the kernel
# writes it back (and throttles the result files written meanwhile).
sync
ls -l "$dir/big.sarif"
. "$(dirname "$0")/bench-lib.sh"
gate=$(measure "security-gate (--result and --sarif, as the action)" ./target/release/security-gate "$dir/big.sarif" --print github --max critical=0 --result "$dir/result.json" --sarif "$dir/merged.sarif")
measure "security-gate (verdict only)" ./target/release/security-gate "$dir/big.sarif" --print human --max critical=0 > /dev/null
py=$(measure "python json.load + count by level" python3 -c 'import json,sys,collections; d=json.load(open(sys.argv[1])); print(collections.Counter(r.get("level") for run in d["runs"] for r in run["results"]))' "$dir/big.sarif")
python3 - "$gate" "$py" <<'PY'
import sys
g = float(sys.argv[1].split()[-2]); p = float(sys.argv[2].split()[-2])
print(f"ratio: python / security-gate = {p / g:.1f}x")
PY
