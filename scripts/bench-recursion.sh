#!/usr/bin/env bash
# The ReLU recursion against the C yardstick, side by side: R alternating pairs of
# `run-ref.sh`'s fused loop (best of 3 reps) and `ntk bench tile` (median of 7 reps), both on
# T threads at block 2048 and depth L; prints each pair and the median of the per-pair ratios
# (docs/benchmarks.md, "Recursion"). Alternating pairs keep a load change from favouring one side.
# Usage: scripts/bench-recursion.sh [L=4] [T=2] [R=5]
# Env: JAVA_HOME (which JDK runs the Java side), NTK_JAVA_OPTS, BENCH_REF_DIR (yardstick sources,
#      default /work/shared/bench).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
L=${1:-4}
T=${2:-2}
R=${3:-5}
src=${BENCH_REF_DIR:-/work/shared/bench}
bin=${TMPDIR:-/tmp}/ntk-ref-bench
mkdir -p "$bin"
gcc -O3 -march=native -ffast-math -fopenmp "$src/relu_recursion_ref.c" -o "$bin/relu_recursion_ref" -lm
"$root/scripts/ntk" --version > /dev/null   # builds if needed, outside the timings
export OMP_NUM_THREADS=$T
echo "== bench-recursion L=$L threads=$T pairs=$R, $(date -u +%FT%TZ), java $("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
ratios=()
for ((i = 1; i <= R; i++)); do
  c=$("$bin/relu_recursion_ref" 2048 "$L" 3 | sed -n 's/.*entry-layer \([0-9.]*\).*/\1/p')
  j=$("$root/scripts/ntk" bench tile --block 2048 --depth "$L" --activation relu --threads "$T" --json 2>/dev/null \
      | sed -n 's/.*"ns_per_entry_layer":\([0-9.]*\).*/\1/p')
  r=$(awk -v a="$j" -v b="$c" 'BEGIN { printf "%.3f", a / b }')
  ratios+=("$r")
  echo "pair $i: C $c  java $j  ratio $r"
done
med=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo "median ratio java/C: $med (load $(cut -d' ' -f1-3 /proc/loadavg))"
