#!/usr/bin/env bash
# Fashion-MNIST with the infinite-width NTK: import the IDX files, run kernel regression, print accuracy and time.
# Model (docs/benchmarks.md, "Regression"): ReLU, L = 3, beta = 0.1, sigma_w = 1, pixels / 255,
# ridge 1e-4 with trace scaling, the first N_TRAIN training and first N_TEST test images.
# Usage: scripts/fashion-mnist.sh [n_train=10000] [n_test=2000]   (extra regress options via FMNIST_OPTS,
#        e.g. FMNIST_OPTS="--solver nystrom --centers 10000"; FMNIST_AUGMENT=shifts:4|shifts:8 adds each training
#        image's one-pixel shifts, n_train x 5 or x 9 rows, docs/nystrom.md)
# Env: FMNIST_DIR (IDX folder, default /usr/share/datasets/fashion-mnist), WORK (scratch, default /tmp/fashion-mnist),
#      NTK_JAVA_OPTS (driver heap etc., passed to scripts/ntk; default -Xmx of 70% of the machine's memory,
#      so that the kernel cache of the full set (7.5 GB in float32 at 60k) stays in memory).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n_train=${1:-10000}
n_test=${2:-2000}
src=${FMNIST_DIR:-/usr/share/datasets/fashion-mnist}
work=${WORK:-/tmp/fashion-mnist}
if [ ! -f "$src/train-images-idx3-ubyte.gz" ]; then
  echo "fashion-mnist: installing Debian's dataset-fashion-mnist ..." >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y dataset-fashion-mnist >&2; else sudo apt-get install -y dataset-fashion-mnist >&2; fi
fi
mkdir -p "$work"
if [ -z "${NTK_JAVA_OPTS:-}" ] && [ -r /proc/meminfo ]; then
  mem_gb=$(awk '/^MemTotal:/ {print int($2 / 1048576)}' /proc/meminfo)
  heap_gb=$(( mem_gb * 7 / 10 )); [ "$heap_gb" -lt 2 ] && heap_gb=2
  export NTK_JAVA_OPTS="-Xmx${heap_gb}g"
  echo "fashion-mnist: driver heap -Xmx${heap_gb}g (70% of ${mem_gb} GiB; set NTK_JAVA_OPTS to change)" >&2
fi
t0=$(date +%s)
augment=${FMNIST_AUGMENT:-none}
train_name="train-$n_train"
[ "$augment" != none ] && train_name="train-$n_train-${augment/:/}"
for split in train:train t10k:test; do
  prefix=${split%%:*}; name=${split##*:}
  n=$n_train; aug=(); out="$work/$train_name.parquet"
  if [ "$name" = test ]; then n=$n_test; out="$work/test-$n.parquet"; elif [ "$augment" != none ]; then aug=(--augment "$augment"); fi
  if [ ! -d "$out" ]; then
    "$root/scripts/ntk" import-idx --images "$src/$prefix-images-idx3-ubyte.gz" \
      --labels "$src/$prefix-labels-idx1-ubyte.gz" --limit "$n" "${aug[@]}" --output "$out"
  fi
done
t1=$(date +%s)
out="$work/regress-${train_name#train-}-$n_test"
# shellcheck disable=SC2086
"$root/scripts/ntk" regress --train "$work/$train_name.parquet" --test "$work/test-$n_test.parquet" \
  --label-col label --output "$out" --overwrite \
  --activation relu --depth 3 --bias-std 0.1 --weight-std 1.0 \
  --kernel ntk --ridge 1e-4 --ridge-scale trace ${FMNIST_OPTS:-}
t2=$(date +%s)
acc=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print('%.2f%%' % (100*m['accuracy']))" "$out/metrics.json" 2>/dev/null \
      || grep -o '"accuracy" : [0-9.]*' "$out/metrics.json")
echo "fashion-mnist: n_train=$n_train augment=$augment n_test=$n_test accuracy=$acc import=$((t1 - t0))s regress=$((t2 - t1))s (details: $out/metrics.json)"
