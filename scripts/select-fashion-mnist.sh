#!/usr/bin/env bash
# Model selection on Fashion-MNIST with ntk select: exact leave-one-out over depths 1..10 x {ntk, nngp}
# x 9 ridges (trace-scaled, 1e-8 .. 1) for ReLU, beta = 0.1, then a refit of the best configuration
# scored on the test images (compare with scripts/fashion-mnist.sh's default model: L = 3, ridge 1e-4).
# Usage: scripts/select-fashion-mnist.sh [n_train=10000] [n_test=2000]   (extra select options via SELECT_OPTS)
# Env: FMNIST_DIR (IDX folder), WORK (scratch, default /tmp/fashion-mnist), NTK_JAVA_OPTS (driver heap;
#      default 70% of the machine's memory: LOO at N rows holds 24 N^2 bytes, 2.4 GB at 10k),
#      OPENBLAS_NUM_THREADS (default here: the machine's cores, since dsyevd runs on the driver alone).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n_train=${1:-10000}
n_test=${2:-2000}
src=${FMNIST_DIR:-/usr/share/datasets/fashion-mnist}
work=${WORK:-/tmp/fashion-mnist}
mkdir -p "$work"
if [ -z "${NTK_JAVA_OPTS:-}" ] && [ -r /proc/meminfo ]; then
  mem_gb=$(awk '/^MemTotal:/ {print int($2 / 1048576)}' /proc/meminfo)
  heap_gb=$(( mem_gb * 7 / 10 )); [ "$heap_gb" -lt 2 ] && heap_gb=2
  export NTK_JAVA_OPTS="-Xmx${heap_gb}g"
fi
# the eigendecompositions run on the driver between Spark jobs: let LAPACK use every core
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-$(nproc)}"
for split in train:train t10k:test; do
  prefix=${split%%:*}; name=${split##*:}
  n=$n_train; [ "$name" = test ] && n=$n_test
  out="$work/$name-$n.parquet"
  if [ ! -d "$out" ]; then
    "$root/scripts/ntk" import-idx --images "$src/$prefix-images-idx3-ubyte.gz" \
      --labels "$src/$prefix-labels-idx1-ubyte.gz" --limit "$n" --output "$out"
  fi
done
out="$work/select-$n_train-$n_test"
t0=$(date +%s)
# shellcheck disable=SC2086
"$root/scripts/ntk" select --train "$work/train-$n_train.parquet" --label-col label --id-col id \
  --activation relu --bias-stds 0.1 --depths 1-10 --kernels ntk,nngp \
  --ridges 1e-8,1e-7,1e-6,1e-5,1e-4,1e-3,1e-2,1e-1,1 --ridge-scale trace --loo \
  --refit --test "$work/test-$n_test.parquet" --output "$out" --overwrite ${SELECT_OPTS:-}
t1=$(date +%s)
echo "select-fashion-mnist: $n_train training rows, wall $((t1 - t0)) s; $out/selection.json, $out/selection.png"
