#!/usr/bin/env bash
# README.md is assembled from the topic pages in docs/readme/ (edit those, then run this).
set -euo pipefail
out=$(realpath -m "${1:-README.md}")
cd "$(dirname "$0")/.."
parts=(_head articles models grounding offline merging output evals local-model reliability benchmarks _tail)
{
  for p in "${parts[@]}"; do
    f="docs/readme/$p.md"
    [ -f "$f" ] || continue
    cat "$f"
    echo
  done
} > "$out"
echo "wrote $out ($(wc -l < "$out") lines)"
