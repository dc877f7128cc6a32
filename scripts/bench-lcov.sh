#!/usr/bin/env bash
# The 100 MB LCOV budget: coverage-gate beside `lcov --summary` on the same file, in one run, with
# the ratio. The input is a real geninfo tracefile (fixtures/lcov/) repeated under distinct file
# names (scripts/real-lcov.py). Both run outside the repository, so path resolution has no
# checkout to match against. Needs: apt install lcov.
# Each command runs RUNS times (default 3); its best wall time and largest peak are printed.
# Usage: scripts/bench-lcov.sh [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-100}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
cargo build -q --release -p coverage-gate
gate_bin=$PWD/target/release/coverage-gate
python3 scripts/real-lcov.py "$size" "$dir/big.info"
# The input was just written: flush it first, so neither tool is timed while the kernel
# writes it back (and throttles the result files written meanwhile).
sync
ls -l "$dir/big.info"
lcov --version
. "$(dirname "$0")/bench-lib.sh"
MEASURE_DIR="$dir"
gate=$(measure "coverage-gate" "$gate_bin" big.info --print human)
peer=$(measure "lcov --summary" lcov --summary big.info)
python3 - "$gate" "$peer" <<'PY'
import sys
g = float(sys.argv[1].split()[-2]); p = float(sys.argv[2].split()[-2])
print(f"ratio: lcov / coverage-gate = {p / g:.1f}x")
PY
