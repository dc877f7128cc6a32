#!/usr/bin/env bash
# The sharded-run budget: the 16 LCOV pieces of one real-shaped report (10 MB each, distinct
# files; scripts/real-lcov.py cut at `end_of_record`) given to one coverage-gate run, parsed on
# every core and merged, beside the same run pinned to one core (`taskset -c 0`: the gate sees
# one core and parses the files one after another). Both runs must print the same report.
# Needs: taskset (util-linux).
# Each command runs RUNS times (default 3); its best wall time and largest peak are printed.
# Usage: scripts/bench-sharded.sh [SHARDS] [SHARD_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
shards=${1:-16}
shard_mb=${2:-10}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
cargo build -q --release -p coverage-gate
gate_bin=$PWD/target/release/coverage-gate
python3 scripts/real-lcov.py "$((shards * shard_mb))" "$dir/whole.info"
python3 - "$dir/whole.info" "$dir" "$shards" <<'PY'
import os, sys
whole, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(whole, "rb").read()
mark = b"end_of_record\n"
start = 0
for k in range(n):
    if k == n - 1:
        end = len(data)
    else:
        end = data.index(mark, (k + 1) * len(data) // n) + len(mark)
    open(os.path.join(out, f"shard-{k:02}.info"), "wb").write(data[start:end])
    start = end
PY
rm "$dir/whole.info"
# Flushed before timing, so neither run is timed while the kernel writes the shards back.
sync
ls -l "$dir"/shard-*.info | awk '{s+=$5} END {print NR " shards, " s " bytes"}'
. "$(dirname "$0")/bench-lib.sh"
MEASURE_DIR="$dir"
par=$(measure "every-core" "$gate_bin" shard-*.info --print human)
seq=$(measure "one-core" taskset -c 0 "$gate_bin" shard-*.info --print human)
cmp -s "$dir/out.every-core" "$dir/out.one-core" || { echo "the two runs printed different reports" >&2; diff "$dir/out.every-core" "$dir/out.one-core" >&2; exit 1; }
head -n 4 "$dir/out.every-core"
python3 - "$par" "$seq" "$(nproc)" <<'PY'
import sys
p = float(sys.argv[1].split()[-2]); s = float(sys.argv[2].split()[-2])
print(f"ratio: one core / every core ({sys.argv[3]}) = {s / p:.2f}x")
PY
