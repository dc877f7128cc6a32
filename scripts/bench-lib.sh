# Sourced by the bench scripts: `measure LABEL COMMAND...` prints "LABEL wall-seconds peak-KiB",
# the fastest wall time and the largest peak of $RUNS runs (default 3), and a readable line on
# stderr. A run can be slowed by the kernel reclaiming page cache for it: the fastest is the
# machine's figure. The command runs in $MEASURE_DIR (default: here); its output goes to
# "$dir/out.<label>". Needs $dir (the script's temporary directory).
measure() {
  local label=$1; shift
  local best="" rss=0 w m out
  out="$dir/out.${label//[^A-Za-z0-9_.-]/_}"
  for _ in $(seq "${RUNS:-3}"); do
    (cd "${MEASURE_DIR:-.}" && /usr/bin/time -f "%e %M" -o "$dir/time" "$@" > "$out" 2>&1) || true
    # The last line: a failing command adds a "Command exited" line before it.
    read -r w m < <(tail -n 1 "$dir/time")
    if [ -z "$best" ] || awk "BEGIN {exit !($w < $best)}"; then best=$w; fi
    if [ "$m" -gt "$rss" ]; then rss=$m; fi
  done
  echo "$label $best $rss"
  printf '%-52s %6s s  %7s MiB\n' "$label" "$best" "$((rss / 1024))" >&2
}
