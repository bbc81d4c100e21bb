#!/usr/bin/env bash
# GEMM benchmark (JMH, src/test/java/org/sparkntk/bench/GemmBench.java): native OpenBLAS vs the
# Vector API GEMM at m = n = 2048, d = 64 and 784, printed as GFLOP/s (2 m n d / time).
# Usage: scripts/bench-gemm.sh [JMH args, default: GemmBench]    e.g. scripts/bench-gemm.sh 'GemmBench.panama$' -p d=784
#        scripts/bench-gemm.sh --cpu-time [size reps d...]           thread-CPU-time A/B (robust on a loaded machine)
#        scripts/bench-gemm.sh --cpu-time-f32 [size reps d...]       the same, float32 against float64 (native and vector)
# Env: OPENBLAS_NUM_THREADS (set 1 for the single-thread comparison), NTK_NO_BUILD=1, JAVA_HOME.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [ -z "${NTK_NO_BUILD:-}" ]; then
  mvn -q -B -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt >&2
fi
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
read -r -a modopts < target/classes/spark-ntk/jvm-options.txt
cp="target/classes:target/test-classes:$(cat target/bench-classpath.txt)"
if [ "${1:-}" = "--cpu-time-f32" ]; then
  shift
  OPENBLAS_NUM_THREADS=1 exec "$java" "${modopts[@]}" -Xmx4g -cp "$cp" org.sparkntk.bench.GemmPrecisionCpuTime "$@"
fi
if [ "${1:-}" = "--cpu-time" ]; then
  shift
  OPENBLAS_NUM_THREADS=1 exec "$java" "${modopts[@]}" -Xmx4g -cp "$cp" org.sparkntk.bench.GemmCpuTime "$@"
fi
out="target/jmh-gemm-$(date +%Y%m%d-%H%M%S).json"
[ $# -gt 0 ] || set -- GemmBench
# The forked benchmark JVM gets the module options too (-jvmArgsPrepend), the parent only needs the classpath.
"$java" "${modopts[@]}" -cp "$cp" org.openjdk.jmh.Main -jvmArgsPrepend "${modopts[*]} -Xmx4g" -rf json -rff "$out" "$@"
python3 - "$out" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
print("\nbenchmark                 size     d   ms/op (median)      GFLOP/s (median, min..max)")
for r in rows:
    p = r.get("params", {})
    m, d = int(p.get("size", 0)), int(p.get("d", 0))
    raw = sorted(x for fork in r["primaryMetric"]["rawData"] for x in fork)
    med = raw[len(raw) // 2] if len(raw) % 2 else 0.5 * (raw[len(raw) // 2 - 1] + raw[len(raw) // 2])
    gf = lambda ms: 2.0 * m * m * d / (ms * 1e6)
    name = r["benchmark"].rsplit(".", 1)[1]
    print(f"{name:24s} {m:5d} {d:5d} {med:10.2f}        {gf(med):7.1f} ({gf(raw[-1]):.1f}..{gf(raw[0]):.1f})")
print(f"\nJSON: {sys.argv[1]}  OPENBLAS_NUM_THREADS={__import__('os').environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
PY
