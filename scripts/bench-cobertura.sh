#!/usr/bin/env bash
# The 100 MB Cobertura budget: coverage-gate beside pycobertura on the same file, in one run, with
# the ratio. The input is a real gcovr report (fixtures/cobertura/gcovr.xml) repeated under
# distinct file names (scripts/real-cobertura.py). Needs: pip install pycobertura.
# Each command runs RUNS times (default 3); its best wall time and largest peak are printed.
# Usage: scripts/bench-cobertura.sh [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-100}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
cargo build -q --release -p coverage-gate
python3 scripts/real-cobertura.py "$size" "$dir/big.xml"
# The input was just written: flush it first, so neither tool is timed while the kernel
# writes it back (and throttles the result files written meanwhile).
sync
ls -l "$dir/big.xml"
. "$(dirname "$0")/bench-lib.sh"
gate=$(measure "coverage-gate" ./target/release/coverage-gate "$dir/big.xml" --print human)
peer=$(measure "pycobertura show" pycobertura show "$dir/big.xml")
python3 - "$gate" "$peer" <<'PY'
import sys
g = float(sys.argv[1].split()[-2]); p = float(sys.argv[2].split()[-2])
print(f"ratio: pycobertura / coverage-gate = {p / g:.1f}x")
PY
