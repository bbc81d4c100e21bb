#!/usr/bin/env bash
# spark-ntk demo: a labelled synthetic data set -> the NTK and NNGP Gram matrices of a depth-3 ReLU
# network on Spark local mode -> how to read the result. Needs only Java 17+ and Maven
# (scripts/ntk builds the jar on first use).
# Usage: scripts/demo.sh [--workdir DIR] [--overwrite]      (default DIR: ./demo-out)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ntk="$root/scripts/ntk"
work=./demo-out
overwrite=0
while [ $# -gt 0 ]; do
  case "$1" in
    --workdir) [ $# -ge 2 ] || { echo "demo: --workdir needs a folder" >&2; exit 2; }; work=$2; shift 2 ;;
    --workdir=*) work=${1#--workdir=}; shift ;;
    --overwrite) overwrite=1; shift ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown option '$1' (allowed: --workdir DIR, --overwrite)" >&2; exit 2 ;;
  esac
done
if [ -e "$work" ]; then
  if [ "$overwrite" = 1 ]; then
    rm -rf -- "$work"
  else
    echo "demo: $work exists; pass --overwrite to replace it (or --workdir DIR)" >&2
    exit 2
  fi
fi
mkdir -p "$work"

echo "== 1. data: 2000 rows, d = 32, 4 classes (Gaussian mixture, seed 7)"
"$ntk" generate --rows 2000 --dim 32 --classes 4 --seed 7 --output "$work/data.parquet"

echo
echo "== 2. gram: NTK and NNGP of a depth-3 ReLU network, Spark local mode"
"$ntk" gram --input "$work/data.parquet" --id-col id --output "$work/kernel" \
  --activation relu --depth 3 --kernels ntk,nngp --master 'local[*]'

echo
echo "== 3. export the NTK as a dense float64 NumPy matrix"
"$ntk" export --gram "$work/kernel" --kernel ntk --depth 3 --format npy --output "$work/ntk.npy"

cat <<EOF

== Reading the result (the format is documented in docs/format.md)
In $work/kernel:
  kernel.json   what was computed (N, d, block size, spec, tile count); written last, so its
                absence means the run did not finish
  tiles/        Parquet tiles: kernel, depth, block_row, block_col, row_start, col_start,
                num_rows, num_cols, values (row-major); a Gram stores blocks with row <= col
  index/        row -> id: matrix row i is the input row with that id
and $work/ntk.npy is the dense 2000 x 2000 NTK (row i = index row i).

  numpy:   K = numpy.load("$work/ntk.npy")
  NNGP:    scripts/ntk export --gram $work/kernel --kernel nngp --format npy --output nngp.npy
  DuckDB:  duckdb -c "SELECT kernel, depth, count(*) AS tiles, sum(len(values)) AS entries
             FROM read_parquet('$work/kernel/tiles/*.parquet') GROUP BY ALL ORDER BY ALL"
  Spark:   org.sparkntk.io.KernelMatrices.blockMatrix(spark, "$work/kernel", "ntk", 3)   // MLlib BlockMatrix
EOF
