#!/usr/bin/env bash
# The 100 MB Cobertura budget (DESIGN.md: under 1 s and 300 MB peak), timed beside pycobertura on
# the same file. Needs: pip install pycobertura; hyperfine is optional.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-100}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
cargo build -q --release -p coverage-gate --bins --examples
./target/release/examples/synth_report cobertura "$size" "$dir/big.xml"
ls -l "$dir/big.xml"
echo "== coverage-gate"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" ./target/release/coverage-gate "$dir/big.xml" --print human > /dev/null
echo "== pycobertura show"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" pycobertura show "$dir/big.xml" > /dev/null || true
