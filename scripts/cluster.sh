#!/usr/bin/env bash
# A Spark standalone cluster on this machine, made from the project's own Maven runtime jars
# (target/lib; no Spark download): one master and N workers, each a separate JVM bound to
# 127.0.0.1, with logs and pid files in a work folder.
#
# Usage: scripts/cluster.sh up [workers] | down | status     (status exits 3 when nothing runs)
#
# Env (all optional):
#   NTK_CLUSTER_DIR        work folder (default: cluster-work/ in the project folder)
#   NTK_MASTER_PORT        master RPC port (default 7077) -> spark://127.0.0.1:7077
#   NTK_MASTER_WEBUI_PORT  master web UI / JSON status port (default 8080)
#   NTK_WORKER_WEBUI_PORT  first worker web UI port (default 8081; worker i uses +i-1)
#   NTK_WORKER_CORES       cores per worker (default 1)
#   NTK_WORKER_MEMORY      memory per worker for executors (default 1g)
#   NTK_DAEMON_MEMORY      heap of the master and worker JVMs themselves (default 512m)
#   NTK_UP_TIMEOUT         seconds to wait for the workers to be ALIVE (default 60)
#   NTK_NO_BUILD=1         do not run 'mvn package' when the jars are missing or stale
#   JAVA_HOME              which java
#
# `down` stops exactly the processes whose pids `up` recorded (and the executors those workers
# launched, which are their child processes); it never matches processes by name.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${NTK_CLUSTER_DIR:-$root/cluster-work}
master_port=${NTK_MASTER_PORT:-7077}
master_ui=${NTK_MASTER_WEBUI_PORT:-8080}
worker_ui=${NTK_WORKER_WEBUI_PORT:-8081}
cores=${NTK_WORKER_CORES:-1}
mem=${NTK_WORKER_MEMORY:-1g}
daemon_mem=${NTK_DAEMON_MEMORY:-512m}
up_timeout=${NTK_UP_TIMEOUT:-60}
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# pids of a process and all its descendants (executors are children of their worker)
tree() {
  local p=$1 c
  echo "$p"
  for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do tree "$c"; done
}

build_if_needed() {
  local jar="$root/target/spark-ntk-cluster.jar"
  [ -z "${NTK_NO_BUILD:-}" ] || return 0
  if [ ! -f "$jar" ] || [ ! -d "$root/target/lib" ] || \
     [ -n "$(find "$root/src/main" "$root/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]; then
    echo "cluster: building (mvn -DskipTests package) ..." >&2
    (cd "$root" && mvn -q -B -DskipTests package) >&2
  fi
}

# SPARK_HOME = work/spark-home: jars/ -> the runtime jars, conf/ -> log4j2 + defaults.
layout_spark_home() {
  local sh="$work/spark-home"
  mkdir -p "$sh/jars" "$sh/conf" "$work/logs" "$work/pids"
  rm -f "$sh"/jars/*.jar
  ln -s "$root"/target/lib/*.jar "$sh/jars/"
  cp "$root/conf/log4j2.properties" "$sh/conf/log4j2.properties"
  if [ -f "$root/conf/spark-defaults.conf" ]; then
    cp "$root/conf/spark-defaults.conf" "$sh/conf/spark-defaults.conf"
  fi
}

start_daemon() { # name class args...
  local name=$1; shift
  local cls=$1; shift
  local sh="$work/spark-home"
  read -r -a modopts < "$root/target/classes/spark-ntk/jvm-options.txt"
  # setsid: the daemon gets its own session, so a Ctrl-C in this shell does not reach it
  SPARK_HOME="$sh" SPARK_CONF_DIR="$sh/conf" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1 \
  SPARK_LOG_DIR="$work/logs" SPARK_WORKER_DIR="$work/worker-work" \
    setsid "$java" "${modopts[@]}" -Xmx"$daemon_mem" \
      -Djava.io.tmpdir="$work/tmp" -Dspark.local.dir="$work/tmp" \
      -Dlog4j2.configurationFile="$sh/conf/log4j2.properties" \
      -cp "$sh/conf:$sh/jars/*" "$cls" "$@" \
      > "$work/logs/$name.out" 2>&1 < /dev/null &
  echo $! > "$work/pids/$name.pid"
}

master_json() { curl -fsS --max-time 2 "http://127.0.0.1:$master_ui/json/" 2>/dev/null; }

alive_workers() { master_json | tr -d ' \n' | sed -n 's/.*"aliveworkers":\([0-9]*\).*/\1/p'; }

cmd_up() {
  local n=${1:-2}
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "cluster: workers is '$n' but must be an integer >= 1" >&2; exit 2; }
  if [ -d "$work/pids" ] && ls "$work"/pids/*.pid >/dev/null 2>&1; then
    for f in "$work"/pids/*.pid; do
      if alive "$(cat "$f")"; then
        echo "cluster: already running (pid files in $work/pids); run 'scripts/cluster.sh down' first" >&2
        exit 2
      fi
    done
    rm -f "$work"/pids/*.pid
  fi
  build_if_needed
  layout_spark_home
  mkdir -p "$work/tmp" "$work/worker-work"
  start_daemon master org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$master_port" --webui-port "$master_ui"
  local url="spark://127.0.0.1:$master_port" i
  for ((i = 1; i <= n; i++)); do
    start_daemon "worker-$i" org.apache.spark.deploy.worker.Worker \
      --host 127.0.0.1 --cores "$cores" --memory "$mem" \
      --webui-port $((worker_ui + i - 1)) --work-dir "$work/worker-work/worker-$i" "$url"
  done
  local deadline=$((SECONDS + up_timeout)) got=""
  while [ $SECONDS -lt $deadline ]; do
    got=$(alive_workers || true)
    [ "${got:-0}" -ge "$n" ] && break
    if ! alive "$(cat "$work/pids/master.pid")"; then
      echo "cluster: master exited; see $work/logs/master.out" >&2
      tail -20 "$work/logs/master.out" >&2
      cmd_down; exit 1
    fi
    sleep 1
  done
  if [ "${got:-0}" -lt "$n" ]; then
    echo "cluster: only ${got:-0} of $n workers ALIVE after ${up_timeout}s; logs in $work/logs" >&2
    cmd_down; exit 1
  fi
  echo "cluster: up: $url with $n worker(s) x $cores core(s), $mem (master UI http://127.0.0.1:$master_ui)"
  echo "cluster: submit with: scripts/ntk gram ... --master $url"
}

cmd_down() {
  [ -d "$work/pids" ] || { echo "cluster: nothing to stop ($work/pids does not exist)"; return 0; }
  local f pid pids=() names=()
  # workers first (with their executors), the master last
  for f in $(ls "$work"/pids/worker-*.pid 2>/dev/null) "$work/pids/master.pid"; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if alive "$pid"; then
      for p in $(tree "$pid"); do pids+=("$p"); done
      names+=("$(basename "$f" .pid)($pid)")
    fi
  done
  if [ ${#pids[@]} -gt 0 ]; then
    kill "${pids[@]}" 2>/dev/null || true
    local deadline=$((SECONDS + 15)) left
    while [ $SECONDS -lt $deadline ]; do
      left=0
      for p in "${pids[@]}"; do alive "$p" && left=1; done
      [ $left = 0 ] && break
      sleep 0.5
    done
    for p in "${pids[@]}"; do alive "$p" && kill -9 "$p" 2>/dev/null || true; done
    echo "cluster: stopped ${names[*]}"
  else
    echo "cluster: nothing running"
  fi
  rm -f "$work"/pids/*.pid
}

cmd_status() {
  local f pid any=0
  if [ -d "$work/pids" ]; then
    for f in "$work"/pids/*.pid; do
      [ -f "$f" ] || continue
      any=1
      pid=$(cat "$f")
      if alive "$pid"; then
        echo "$(basename "$f" .pid) pid $pid running"
        for c in $(tree "$pid" | tail -n +2); do
          echo "  child pid $c: $(ps -o args= -p "$c" 2>/dev/null | grep -o 'CoarseGrainedExecutorBackend' || echo process)"
        done
      else
        echo "$(basename "$f" .pid) pid $pid not running"
      fi
    done
  fi
  [ $any = 1 ] || { echo "cluster: not running (no pid files in $work/pids)"; return 3; }
  local n; n=$(alive_workers || true)
  echo "master spark://127.0.0.1:$master_port: ${n:-?} worker(s) ALIVE (http://127.0.0.1:$master_ui)"
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) usage ;;
esac
