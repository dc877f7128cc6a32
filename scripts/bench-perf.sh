#!/usr/bin/env bash
# perf-gate's budgets beside Python on the same inputs, in one run, with the ratios:
#  - a 100 MB k6 `--out json=` file (the real run's lines repeated, scripts/real-k6.py): the gate's
#    p(95) threshold against a Python JSON-lines reader computing the same p(95);
#  - a 10,000-benchmark pytest-benchmark pair (the real report's benchmarks repeated, with their
#    raw rounds, scripts/real-pytest-benchmark.py): the gate's full comparison against Python's
#    json.load of both files and a median ratio per benchmark (no test at all).
# Usage: scripts/bench-perf.sh [SIZE_MB] [BENCHMARKS]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-100}
n=${2:-10000}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
cargo build -q --release -p perf-gate
python3 scripts/real-k6.py "$size" "$dir/k6.jsonl"
python3 scripts/real-pytest-benchmark.py "$n" "$dir/base.json" "$dir/head.json"
ls -l "$dir"
measure() { # label, command...: prints "wall-seconds peak-KiB"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$dir/time" "$@" > "$dir/out" 2>&1 || true
  read -r wall rss < <(tail -n 1 "$dir/time")
  printf '%-58s %6s s  %7s MiB\n' "$label" "$wall" "$((rss / 1024))" >&2
  echo "$wall"
}
ratio() { python3 -c 'import sys; print(f"ratio: {sys.argv[1]} = {float(sys.argv[3]) / float(sys.argv[2]):.1f}x")' "$@"; }

gate=$(measure "perf-gate: p(95) of http_req_duration, ${size} MB k6" \
  ./target/release/perf-gate "$dir/k6.jsonl" --threshold 'http_req_duration: p(95)<500' --print human)
grep -h "threshold" "$dir/out" >&2
py=$(measure "python: JSON-lines reader, the same p(95)" python3 -c '
import json, sys
v = []
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d["type"] == "Point" and d["metric"] == "http_req_duration":
        v.append(d["data"]["value"])
v.sort()
i = 0.95 * (len(v) - 1); lo = int(i); hi = min(lo + 1, len(v) - 1)
print("p(95)", v[lo] + (v[hi] - v[lo]) * (i - lo))' "$dir/k6.jsonl")
cat "$dir/out" >&2
ratio "python / perf-gate (k6)" "$gate" "$py"

gate=$(measure "perf-gate: ${n}-benchmark pytest-benchmark pair" \
  ./target/release/perf-gate "$dir/head.json" --baseline "$dir/base.json" --print human)
head -1 "$dir/out" >&2
py=$(measure "python: json.load both, median ratio each" python3 -c '
import json, sys
b = {x["fullname"]: x["stats"]["median"] for x in json.load(open(sys.argv[1]))["benchmarks"]}
h = {x["fullname"]: x["stats"]["median"] for x in json.load(open(sys.argv[2]))["benchmarks"]}
print(sum(1 for k in h if k in b and h[k] / b[k] > 1.1), "over 10%")' "$dir/base.json" "$dir/head.json")
cat "$dir/out" >&2
ratio "python / perf-gate (pytest-benchmark pair)" "$gate" "$py"
