#!/usr/bin/env bash
# Runs the JMH benchmarks in src/test/java/org/sparkntk/bench with the project's JVM module options.
# Usage: scripts/bench-jmh.sh [regex] [jmh args]   e.g. scripts/bench-jmh.sh RecursionBench -p impl=vector
#        scripts/bench-jmh.sh RecursionBench -p impl=scalar -p block=1024 -wi 1 -i 3
# Builds main and test classes (mvn test-compile), takes the test classpath from
# mvn dependency:build-classpath, and starts org.openjdk.jmh.Main; forks inherit the JVM options.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
mvn -q -B -DskipTests test-compile >&2
cpfile=$(mktemp)
trap 'rm -f "$cpfile"' EXIT
mvn -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cpfile" >&2
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
read -r -a modopts < "$root/target/classes/spark-ntk/jvm-options.txt"
regex=${1:-RecursionBench}
shift || true
# jmh.ignoreLock: on a shared machine another user's JMH run holds /tmp/jmh.lock; running side by
# side skews both, so the numbers are rough either way (set NTK_JMH_LOCK=1 to wait for the lock instead).
lock=()
[ -n "${NTK_JMH_LOCK:-}" ] || lock=(-Djmh.ignoreLock=true)
exec "$java" "${modopts[@]}" "${lock[@]}" -Xmx8g -cp "$root/target/test-classes:$root/target/classes:$(cat "$cpfile")" \
  org.openjdk.jmh.Main "$regex" "$@"
