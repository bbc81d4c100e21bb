#!/usr/bin/env bash
# Times FalkonPreconditioner.factor (T, T T^T, A) on an M x M probe matrix, wall and process CPU,
# with the jar of a built worktree (docs/benchmarks.md, "Nystrom").
# Usage: scripts/falkon-bench/run.sh WORKTREE M [warm]   (warm: time the dense methods first, as
#        CholeskySolver does once per JVM, so the factorization is measured alone; branches that have
#        CholeskySolver.method(long) only). FB_OPTS: extra JVM options, e.g. -Dntk.cholesky=blocked.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
wt=$1; m=$2
read -r -a modopts < "$wt/target/classes/spark-ntk/jvm-options.txt"
# shellcheck disable=SC2086
OPENBLAS_NUM_THREADS=1 java "${modopts[@]}" ${FB_OPTS:-} -Xmx6g -cp "$wt/target/spark-ntk.jar:$wt/target/lib/*" \
  "$here/FalkonBench.java" "$m" ${3:-}
