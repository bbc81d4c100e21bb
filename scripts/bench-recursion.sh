#!/usr/bin/env bash
# The ReLU recursion against the C yardstick, side by side: R alternating pairs of
# `run-ref.sh`'s fused loop and `ntk bench tile`, both on T threads at block 2048 and depth L, both
# timing N repetitions (the yardstick prints its best; ntk prints its median and its best after
# its default --warmup of untimed runs). Prints each pair and two medians of the per-pair ratios:
#   best/best   the same statistic on both sides (the yardstick's own: best of N)
#   median/best Java's median against the yardstick's best (conservative)
# Alternating pairs keep a load change from favouring one side (docs/benchmarks.md, "Recursion").
# A single repetition of either side swings up to 2x on this machine (the yardstick's own first
# repetition often runs at its 1-thread speed), which is why both statistics are printed.
# Usage: scripts/bench-recursion.sh [L=4] [T=2] [R=5] [N=7]
# Env: JAVA_HOME (which JDK runs the Java side), NTK_JAVA_OPTS, BENCH_REF_DIR (yardstick sources,
#      default /work/shared/bench).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
L=${1:-4}
T=${2:-2}
R=${3:-5}
N=${4:-7}
src=${BENCH_REF_DIR:-/work/shared/bench}
bin=${TMPDIR:-/tmp}/ntk-ref-bench
mkdir -p "$bin"
gcc -O3 -march=native -ffast-math -fopenmp "$src/relu_recursion_ref.c" -o "$bin/relu_recursion_ref" -lm
"$root/scripts/ntk" --version > /dev/null   # builds if needed, outside the timings
export OMP_NUM_THREADS=$T
echo "== bench-recursion L=$L threads=$T pairs=$R reps=$N, $(date -u +%FT%TZ), java $("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
best=()
med=()
for ((i = 1; i <= R; i++)); do
  c=$("$bin/relu_recursion_ref" 2048 "$L" "$N" | sed -n 's/.*entry-layer \([0-9.]*\).*/\1/p')
  out=$("$root/scripts/ntk" bench tile --block 2048 --depth "$L" --activation relu --threads "$T" --reps "$N" --json 2>/dev/null)
  jm=$(sed -n 's/.*"ns_per_entry_layer":\([0-9.]*\).*/\1/p' <<< "$out")
  jb=$(sed -n 's/.*"ns_per_entry_layer_min":\([0-9.]*\).*/\1/p' <<< "$out")
  rb=$(awk -v a="$jb" -v b="$c" 'BEGIN { printf "%.3f", a / b }')
  rm=$(awk -v a="$jm" -v b="$c" 'BEGIN { printf "%.3f", a / b }')
  best+=("$rb")
  med+=("$rm")
  echo "pair $i: C best $c  java best $jb median $jm  ratio best/best $rb  median/best $rm"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "median ratio java/C: best/best $(median "${best[@]}")  median/best $(median "${med[@]}") (load $(cut -d' ' -f1-3 /proc/loadavg))"
