#!/usr/bin/env bash
# The 100 MB SARIF budget (DESIGN.md: under 1 s, bounded memory): security-gate beside a Python
# json.load counter (what SARIF filter actions such as filter-sarif do) on the same file.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-100}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
cargo build -q --release -p security-gate --bins --examples
./target/release/examples/synth_sarif "$size" "$dir/big.sarif"
ls -l "$dir/big.sarif"
echo "== security-gate (parse, dedupe, fingerprint, count, summary)"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" ./target/release/security-gate "$dir/big.sarif" --print human --max critical=0 > /dev/null || true
echo "== security-gate as the action runs it (also --result and --sarif)"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" ./target/release/security-gate "$dir/big.sarif" --print github --max critical=0 --result "$dir/result.json" --sarif "$dir/merged.sarif" > /dev/null || true
echo "== python json.load + count by level"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" python3 -c 'import json,sys,collections; d=json.load(open(sys.argv[1])); print(collections.Counter(r.get("level") for run in d["runs"] for r in run["results"]))' "$dir/big.sarif" > /dev/null
