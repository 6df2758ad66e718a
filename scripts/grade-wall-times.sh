#!/usr/bin/env bash
# Wall time of `socklab grade` for a class of 10 and of 30 submissions (the five shipped ones, repeated)
# at --parallel 1, 2 and 3, on the docker target (sandboxed), with the example suite (4 scenarios each).
# Usage: bash scripts/grade-wall-times.sh [sizes…]   (default: 10 30). Prints a Markdown table.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sizes=("${@:-10}")
[ "$#" -eq 0 ] && sizes=(10 30)
echo "| submissions | --parallel | wall time (s) | per submission (s) |"
echo "|---|---|---|---|"
for n in "${sizes[@]}"; do
  rm -rf "$work/class" && mkdir -p "$work/class"
  i=0
  while [ "$i" -lt "$n" ]; do
    for s in "$here"/examples/grading/submissions/*/; do
      [ "$i" -ge "$n" ] && break
      cp -r "$s" "$work/class/$(basename "$s")-$i"
      i=$((i + 1))
    done
  done
  for p in 1 2 3; do
    start=$(date +%s.%N)
    node "$here/bin/socklab.js" grade "$work"/class/* --dir "$here/examples/grading/scenarios" --out "$work/grades-$n-$p" --parallel "$p" --quiet > "$work/log-$n-$p" 2>&1 || true
    end=$(date +%s.%N)
    awk -v n="$n" -v p="$p" -v a="$start" -v b="$end" 'BEGIN { printf "| %d | %d | %.0f | %.1f |\n", n, p, b - a, (b - a) / n }'
  done
done
