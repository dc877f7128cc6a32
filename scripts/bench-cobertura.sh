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
measure() { # label, command...: prints "label wall-seconds peak-KiB", the best of $RUNS runs
  local label=$1; shift
  local best="" rss=0 w m
  for _ in $(seq "${RUNS:-3}"); do
    /usr/bin/time -f "%e %M" -o "$dir/time" "$@" > /dev/null 2>&1 || true
    # The last line: a failing command adds a "Command exited" line before it.
    read -r w m < <(tail -n 1 "$dir/time")
    # Fastest wall time (a run can be slowed by the kernel reclaiming page cache for it),
    # largest peak.
    if [ -z "$best" ] || awk "BEGIN {exit !($w < $best)}"; then best=$w; fi
    if [ "$m" -gt "$rss" ]; then rss=$m; fi
  done
  local wall=$best
  echo "$label $wall $rss"
  printf '%-32s %6s s  %7s MiB\n' "$label" "$wall" "$((rss / 1024))" >&2
}
gate=$(measure "coverage-gate" ./target/release/coverage-gate "$dir/big.xml" --print human)
peer=$(measure "pycobertura show" pycobertura show "$dir/big.xml")
python3 - "$gate" "$peer" <<'PY'
import sys
g = float(sys.argv[1].split()[-2]); p = float(sys.argv[2].split()[-2])
print(f"ratio: pycobertura / coverage-gate = {p / g:.1f}x")
PY
